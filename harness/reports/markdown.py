"""The Markdown report (``report.md``) and the terminal's results tables, from ``report.json``."""

from __future__ import annotations

from collections.abc import Sequence

from harness.metrics import METRICS
from harness.report_model import ComparisonEntry, JsonObject, Report
from harness.reports.cells import md_cell, score_cell
from harness.reports.judges import judges_markdown
from harness.verdicts.gate.presence import lost_outputs
from harness.verdicts.verdict import report_alpha, verdict_of


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(md_cell(cell) for cell in cells) + " |"


def _metric_header(name: str) -> str:
    return f"{name} {METRICS.get(name).arrow()}"


def results_tables(report: Report) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Per task (and corpus, when a run has several): the systems × metrics table, and the
    fidelity metrics (numbers, names, language, meaning) in a table of their own. ``failed``
    counts each system's lost outputs (failed or missing), which score as empty ones."""
    tables: dict[str, tuple[list[str], list[list[str]]]] = {}
    lost = lost_outputs(report)  # failed or missing outputs, per system, task and corpus
    groups = dict.fromkeys((r.corpus, r.task) for r in report.results)
    several = len({corpus for corpus, _ in groups}) > 1
    for corpus, task in groups:
        results = [r for r in report.results if r.task == task and r.corpus == corpus]
        rows: dict[str, dict[str, str]] = {}
        for result in results:
            row = rows.setdefault(
                result.system,
                {"n": str(result.n), "failed": str(lost.get((result.system, task, corpus), 0))},
            )
            row[result.metric] = score_cell(result)
        title = f"{task} on {corpus}" if several else task
        names = list(dict.fromkeys(r.metric for r in results))
        fidelity = [m for m in names if METRICS.get(m).fidelity]
        overlap = [m for m in names if m not in fidelity]
        blocks = [(title, overlap), (f"{title}: fidelity", fidelity)]
        for key, metrics in blocks:
            if not metrics:
                continue
            header = ["system", "n", "failed", *(_metric_header(m) for m in metrics)]
            body = [
                [system, values["n"], values["failed"], *(values.get(m, "–") for m in metrics)]
                for system, values in rows.items()
                if any(m in values for m in metrics)
            ]
            tables[key] = (header, body)
    return tables


def render_markdown(report: Report) -> str:
    provenance = report.provenance
    described = ", ".join(
        f"**{name}** ({info.articles} article(s))"
        for name, info in provenance.all_corpora().items()
    )
    lines = [
        f"# harness report: {provenance.run_name}",
        "",
        f"Corpus {described}. "
        "Scores are 0–100 with 95% bootstrap intervals in brackets (none below 2 items); "
        "↑ higher is better, ↓ lower is better; n = segments or articles scored.",
    ]
    for task, (header, body) in results_tables(report).items():
        lines += [
            "",
            f"## {task.capitalize()}",
            "",
            _row(header),
            "|" + "|".join("---" for _ in header) + "|",
            *(_row(row) for row in body),
        ]
    lines += comparisons_markdown(report.comparisons or [], report_alpha(report))
    lines += [
        "",
        "## Outputs per system",
        "",
        "| system | task | generated | cached | empty | missing | failed |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, info in provenance.systems.items():
        c = info.counts
        lines.append(
            _row(
                (
                    name,
                    info.params.get("task"),
                    c["generated"],
                    c.get("cached", 0),
                    c["empty"],
                    c["missing"],
                    c["failed"],
                )
            )
        )
    lines.append("")
    lines.append("Missing and failed outputs are scored as empty strings.")
    truncated = [
        f"{name} {info.run_value('truncated')}"
        for name, info in provenance.systems.items()
        if info.run_value("truncated")
    ]
    if truncated:
        cut = ", ".join(truncated)
        lines.append(f"Inputs cut to the model's input limit (see warnings): {cut}.")
    lines += judges_markdown(report)
    if provenance.warnings:
        lines += ["", "## Warnings", "", *(f"- {w}" for w in provenance.warnings)]
    lines += ["", "## Reproducibility", ""]
    lines += [f"- {m}: `{sig}`" for m, sig in provenance.metrics.items()]
    packages = ", ".join(f"{k} {v}" for k, v in provenance.packages.items())
    sha = (provenance.config_sha256 or "")[:16]
    lines += [
        "",
        f"- config: `{provenance.config_path}` (sha256 `{sha}…`)",
        f"- created: {provenance.created_at}; python {provenance.python}; {packages}",
    ]
    if provenance.git_commit:
        lines.append(f"- harness commit: `{provenance.git_commit}`")
    if provenance.hardware:
        lines.append(f"- hardware: {_hardware_line(provenance.hardware)}")
    return "\n".join(lines) + "\n"


def _hardware_line(hardware: JsonObject) -> str:
    parts = [f"{hardware.get('cpu')}, {hardware.get('usable_cpus')} usable CPU(s)"]
    if "torch_threads" in hardware:
        gpus = hardware.get("gpus")
        names = ", ".join(map(str, gpus)) if isinstance(gpus, list) else ""
        parts.append(f"torch threads {hardware['torch_threads']}")
        parts.append("GPU: " + (names or "none"))
    return "; ".join(parts)


COMPARISON_HEADER = ("baseline", "system", "task", "metric", "Δ", "95% CI", "p", "test", "verdict")


def comparison_rows(entries: Sequence[ComparisonEntry], alpha: float) -> list[tuple[str, ...]]:
    """The report's ``comparisons`` as text cells under :data:`COMPARISON_HEADER`: one table
    for report.md and the terminal."""
    rows = []
    for e in entries:
        ci = (
            "n/a"
            if e.ci_low is None or e.ci_high is None
            else f"[{e.ci_low:+.2f}, {e.ci_high:+.2f}]"
        )
        p = "n/a" if e.p_value is None else f"{e.p_value:.4f}"
        task = e.task + (f" ({e.corpus})" if e.corpus else "")
        delta = e.delta or 0.0
        verdict = verdict_of(e.metric, delta, e.p_value, alpha)
        rows.append((e.baseline, e.system, task, e.metric, f"{delta:+.2f}", ci, p, e.test, verdict))
    return rows


def comparisons_markdown(entries: Sequence[ComparisonEntry], alpha: float) -> list[str]:
    """The report's ``comparisons`` as a Markdown section (empty when there are none)."""
    if not entries:
        return []
    lines = [
        "",
        "## Comparisons",
        "",
        f"Δ = system − baseline with its 95% paired-bootstrap CI; verdict at α = {alpha:g}.",
        "",
        _row(COMPARISON_HEADER),
        "|" + "---|" * len(COMPARISON_HEADER),
    ]
    lines += [_row(row) for row in comparison_rows(entries, alpha)]
    return lines
