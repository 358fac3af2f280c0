"""``harness leaderboard``: one Markdown table of every system in several runs, with CIs.

Scores from different runs are only comparable when they were computed the same way on the
same data, so the table is followed by each metric's signature, and by a warning when a
metric's signature or a corpus's files differ between the runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError, did_you_mean
from harness.metrics import METRICS, Metric
from harness.report_model import REPORT_NAME, Report, ResultEntry, read_report
from harness.reports.cells import md_cell, score_cell


@dataclass(frozen=True)
class Run:
    label: str
    path: Path
    report: Report


@dataclass(frozen=True)
class Leaderboard:
    header: list[str]
    rows: list[list[str]]
    notes: list[str]


def load_run(path: Path) -> Run:
    """A run folder (holding ``report.json``) or a ``report.json`` file."""
    report = read_report(path, ("results",), known_metric=METRICS.registered)
    file = report.file or path
    return Run(file.parent.name if file.name == REPORT_NAME else file.stem, file, report)


def load_runs(paths: Sequence[Path]) -> list[Run]:
    """Load every run; labels that repeat get ``#2``, ``#3`` … so rows stay distinguishable."""
    runs: list[Run] = []
    seen: dict[str, int] = {}
    for path in paths:
        run = load_run(path)
        seen[run.label] = seen.get(run.label, 0) + 1
        if seen[run.label] > 1:
            run = Run(f"{run.label}#{seen[run.label]}", run.path, run.report)
        runs.append(run)
    return runs


def _corpus_name(run: Run, entry: ResultEntry) -> str:
    first = run.report.provenance.corpus
    return entry.corpus or (first.name if first is not None else "")


def _notes(runs: Sequence[Run], metrics: Sequence[str]) -> list[str]:
    notes = []
    for metric in metrics:
        signatures: dict[str, list[str]] = {}
        for run in runs:
            signature = run.report.provenance.metrics.get(metric)
            if signature:
                signatures.setdefault(signature, []).append(run.label)
        if len(signatures) > 1:
            detail = "; ".join(f"`{s}` ({', '.join(labels)})" for s, labels in signatures.items())
            notes.append(f"⚠ {metric}: signatures differ, scores are not comparable: {detail}")
        elif signatures:
            notes.append(f"{metric}: `{next(iter(signatures))}`")
    corpora: dict[str, dict[tuple[str, ...], list[str]]] = {}
    for run in runs:  # by content (sha256), every corpus of the run
        for name, hashes in run.report.corpus_files().items():
            if hashes:
                corpora.setdefault(name, {}).setdefault(tuple(hashes), []).append(run.label)
    for name, versions in corpora.items():
        if len(versions) > 1:
            groups = "; ".join(", ".join(labels) for labels in versions.values())
            notes.append(f"⚠ corpus '{name}': the runs read different files ({groups})")
    return notes


def build_leaderboard(runs: Sequence[Run], sort_by: str | None = None) -> Leaderboard:
    """Rows per (run, corpus, task, system); within a task, best first on ``sort_by``.

    ``sort_by`` defaults to each task's first metric and respects the metric's direction.
    """
    metrics = list(dict.fromkeys(r.metric for run in runs for r in run.report.results))
    if sort_by is not None and sort_by not in metrics:
        raise HarnessError(
            f"--sort: no metric '{sort_by}' in these runs{did_you_mean(sort_by, metrics)}; "
            f"known: {', '.join(metrics)}"
        )
    groups: dict[tuple[str, str, str, str], dict[str, ResultEntry]] = {}
    for run in runs:
        for entry in run.report.results:
            key = (run.label, _corpus_name(run, entry), entry.task, entry.system)
            groups.setdefault(key, {})[entry.metric] = entry
    rows = []
    for task in dict.fromkeys(key[2] for key in groups):
        keys = [key for key in groups if key[2] == task]
        task_metrics = [m for m in metrics if any(m in groups[k] for k in keys)]
        metric = sort_by if sort_by in task_metrics else task_metrics[0]
        direction = METRICS.get_registered(metric)  # best first, in the metric's direction

        def order(
            key: tuple[str, str, str, str],
            metric: str = metric,
            direction: type[Metric] = direction,
        ) -> tuple[bool, float]:
            entry = groups[key].get(metric)
            if entry is None:
                return (True, 0.0)
            return (False, -direction.improvement(entry.score))

        for key in sorted(keys, key=order):
            entries = groups[key]
            n = next((e.n for e in entries.values() if "n" in e.model_fields_set), "")
            rows.append([*key, str(n), *(score_cell(entries.get(m)) for m in metrics)])
    header = [
        "run",
        "corpus",
        "task",
        "system",
        "n",
        *(f"{m} {METRICS.get_registered(m).arrow()}" for m in metrics),
    ]
    return Leaderboard(header, rows, _notes(runs, metrics))


def render_markdown(board: Leaderboard) -> str:
    lines = [
        "| " + " | ".join(board.header) + " |",
        "|" + "|".join("---" for _ in board.header) + "|",
        *("| " + " | ".join(md_cell(c) for c in row) + " |" for row in board.rows),
        "",
        "Scores 0–100 with 95% bootstrap CIs in brackets where the run has them; "
        "within each task, best first.",
    ]
    if board.notes:
        lines += ["", *(f"- {note}" for note in board.notes)]
    return "\n".join(lines) + "\n"
