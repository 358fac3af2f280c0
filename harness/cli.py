"""The ``harness`` command line."""

from __future__ import annotations

import functools
import gc
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from harness.errors import HarnessError
from harness.run.cache import DEFAULT_CACHE_DIR
from harness.stats.settings import PairedTest, Resample
from harness.weights.cli import models_app

# Each command imports what it runs, so `harness --help` and a mistyped command start fast.
if TYPE_CHECKING:
    from rich.progress import Progress

    from harness.report_model import Report
    from harness.run.cache import OutputCache
    from harness.run.evaluate import Prepared
    from harness.verdicts.gate.rules import Gate

#: names this module imported at its top before each command imported its own: resolved on
#: first use (scripts and tests that patch or import them here keep working)
_IMPORTED_ON_USE = {
    "load_config": "harness.config",
    "prepare": "harness.run.evaluate",
    "evaluate": "harness.run.evaluate",
    "open_cache": "harness.run.evaluate",
    "make_executor": "harness.run.executors",
    "override_settings": "harness.run.executors",
    "rerender": "harness.reports.write",
    "METRICS": "harness.metrics",
    "SYSTEMS": "harness.systems",
}


def __getattr__(name: str) -> Any:
    if name in _IMPORTED_ON_USE:
        return getattr(importlib.import_module(_IMPORTED_ON_USE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Evaluate Arabic news summarization and Arabic→English translation.",
)
stderr = Console(stderr=True)
stdout = Console()

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(command: F) -> F:
    """Turn a HarnessError into one line on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except HarnessError as exc:
            stderr.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


class _Interrupted:
    """What a Ctrl-C during ``harness run`` reports: how many outputs the cache keeps."""

    def __init__(self) -> None:
        self.prepared: Prepared | None = None
        self.cache_dir: Path | None = None

    def message(self) -> str:
        if self.prepared is None:
            return "interrupted before any output was computed"
        if self.cache_dir is None:
            return "interrupted: this run has no output cache, so nothing is kept for a rerun"
        from harness.run.cache import OutputCache
        from harness.run.generation import cached_count

        with OutputCache(self.cache_dir) as cache:  # a fresh connection: counts what committed
            kept = cached_count(self.prepared.plan, self.prepared.systems, cache)
        return (
            f"interrupted: {kept} finished output(s) are kept in the cache {self.cache_dir}; "
            "rerun the same command to resume"
        )


_interrupted = _Interrupted()


def interruptible(command: F) -> F:
    """Ctrl-C: one line saying what is kept, exit code 130 (128 + SIGINT), no traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _interrupted.prepared = _interrupted.cache_dir = None
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            stderr.print(escape(_interrupted.message()), highlight=False, soft_wrap=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _progress() -> Progress:
    """The progress bar of a run, with outputs per second (for a served model, requests)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class _RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:.2f}/s", style="progress.data.speed")

    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    )


def _warn(message: str) -> None:
    stderr.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


class ExecutorType(StrEnum):
    local = "local"
    ray = "ray"


AllowMissingOption = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-missing",
        help="A system, task, corpus or metric of the baseline the candidate may lack "
        "(repeatable).",
    ),
]


def _print_results(report: Report) -> None:
    from rich.table import Table

    from harness.reports.markdown import results_tables

    for task, (header, rows) in results_tables(report).items():
        table = Table(title=f"{report.provenance.run_name}: {task}")
        for column in header:
            table.add_column(column, justify="left" if column == "system" else "right")
        for row in rows:
            table.add_row(*row)
        stdout.print(table)
    _print_comparisons(report)


def _print_comparisons(report: Report) -> None:
    """The paired comparisons, a table per task, narrow enough for an 80-column terminal."""
    from rich.table import Table

    from harness.reports.markdown import comparison_rows
    from harness.verdicts.verdict import report_alpha

    by_task: dict[str, list[tuple[str, ...]]] = {}
    comparisons = report.comparisons or []
    for cells in comparison_rows(comparisons, report_alpha(report)):
        baseline, system, task, metric, delta, ci, p, test, verdict = cells
        by_task.setdefault(f"{task}, {test}", []).append(
            (f"{system} vs {baseline}", metric, delta, ci, p, verdict)
        )
    for title, rows in by_task.items():
        table = Table(title=f"paired comparisons: {title}")
        for column in ("system vs baseline", "metric", "Δ", "95% CI", "p", "verdict"):
            table.add_column(column, justify="right" if column in ("Δ", "p") else "left")
        for row in rows:
            table.add_row(*row)
        stdout.print(table)


@app.command()
@user_errors
@interruptible
def run(
    config: Annotated[Path, typer.Argument(help="Run config (YAML).")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: runs/NAME-TIME).")
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option("--cache-dir", help="Output cache folder (default: config's cache_dir)."),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither reuse nor store model outputs.")
    ] = False,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="Compare with this report.json (or run folder)."),
    ] = None,
    gate: Annotated[
        Path | None, typer.Option("--gate", help="Gate file: exit 1 when a rule fails.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the reports in an --out folder that has one.")
    ] = False,
    allow_different_data: Annotated[
        bool,
        typer.Option(
            "--allow-different-data",
            help="Compare with --baseline even when its corpora were read from other files.",
        ),
    ] = False,
    executor: Annotated[
        ExecutorType | None,
        typer.Option("--executor", help="Where models run (default: the config's, else local)."),
    ] = None,
    ray_address: Annotated[
        str | None,
        typer.Option("--ray-address", help="Ray cluster to run on (with --executor ray)."),
    ] = None,
    allow_missing: AllowMissingOption = None,
) -> None:
    """Run the systems of CONFIG, score them and write the run folder.

    With --baseline and/or --gate, then compare and gate as `harness compare` does.
    """
    from harness.reports.html.charts_ahead import ChartsAhead  # most of what the child needs

    # the charts child loads matplotlib on the other core while this one loads the run
    with ChartsAhead.start() as charts:
        from harness.config import load_config
        from harness.report_model import REPORT_NAME
        from harness.run.evaluate import evaluate, open_cache, prepare
        from harness.run.executors import make_executor, override_settings
        from harness.run.folder import RunFolder, check_out_dir, default_run_dir

        # usage errors in the baseline or gate surface before any model runs
        gating = None
        if baseline or gate:
            from harness.verdicts.gate import GateRun

            gating = GateRun.load(
                baseline,
                gate,
                allow_different_data=allow_different_data,
                allow_missing=allow_missing or (),
            )
        if out is not None:
            check_out_dir(out, force)
        prepared = prepare(load_config(config))
        settings = override_settings(
            prepared.config.executor, executor.value if executor else None, ray_address
        )
        cache = open_cache(prepared, cache_dir, enabled=not no_cache)
        _interrupted.prepared, _interrupted.cache_dir = prepared, cache.folder if cache else None
        out_dir = out or default_run_dir(prepared.config.name)
        progress = _progress()
        folder = RunFolder(
            out_dir, prepared.config, cache.folder if cache else None, replace=force, charts=charts
        )
        with progress, folder, make_executor(settings) as running:
            task = progress.add_task("generating", total=len(prepared.plan))
            try:
                report = evaluate(
                    prepared,
                    advance=lambda n: progress.advance(task, n),
                    warn=_warn,
                    cache=cache,
                    on_outputs=folder.add_outputs,
                    executor=running,
                    on_scores=folder.send_scores,
                )
            finally:
                if cache is not None:
                    cache.close()
            folder.write_reports(report)
    _print_results(report)
    stdout.print(
        f"report: {out_dir / 'report.html'}, {out_dir / 'report.md'} and {out_dir / 'report.json'}",
        highlight=False,
    )
    if gating is not None:
        _exit_on_gate(gating.check(report, out_dir / REPORT_NAME))


def _exit_on_gate(outcome: Any) -> None:
    from harness.verdicts.gate import print_outcome

    print_outcome(stdout, outcome)
    raise typer.Exit(0 if outcome.passed else 1)


@app.command()
@user_errors
def compare(
    baseline: Annotated[Path, typer.Argument(help="Baseline report.json or run folder.")],
    candidate: Annotated[Path, typer.Argument(help="Candidate report.json or run folder.")],
    gate: Annotated[
        Path | None, typer.Option("--gate", help="Gate file (default: any significant drop).")
    ] = None,
    test: Annotated[
        PairedTest | None, typer.Option("--test", help="Paired test (default: the gate's).")
    ] = None,
    resample: Annotated[
        Resample | None,
        typer.Option("--resample", help="Draw segments or whole articles (default: the gate's)."),
    ] = None,
    allow_different_data: Annotated[
        bool,
        typer.Option(
            "--allow-different-data",
            help="Compare even when the corpora were read from different files (sha256).",
        ),
    ] = False,
    allow_missing: AllowMissingOption = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            help="Break the comparison down by kind, position, length, article-length, "
            "article or a segment label (repeatable).",
        ),
    ] = None,
    ngrams: Annotated[
        bool, typer.Option("--ngrams", help="compare-mt's n-gram over/under lists (n = 1-3).")
    ] = False,
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", help="Break down only these metrics (default: every one)."),
    ] = None,
    length_bucket: Annotated[
        list[int] | None,
        typer.Option(
            "--length-bucket",
            help="Upper edge (tokens) of a --by length bucket (repeatable; default quartiles).",
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option("--labels", help="JSONL of per-segment labels for --by LABEL."),
    ] = None,
    largest: Annotated[
        int,
        typer.Option("--largest", min=0, help="Largest segment differences shown each way."),
    ] = 10,
    diff_metric: Annotated[
        str | None,
        typer.Option("--diff-metric", help="Sentence-level metric of --largest (default chrf)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the breakdowns into DIR/report.md and report.html."),
    ] = None,
    judge: Annotated[
        Path | None,
        typer.Option(
            "--judge",
            help="Config whose pairwise judge also compares the outputs (docs/judges.md).",
        ),
    ] = None,
) -> None:
    """Compare CANDIDATE with BASELINE: deltas, CIs, p-values, verdicts; exit 1 on regression.

    With --by or --ngrams, then where it changed: per-bucket comparisons (Holm-adjusted),
    n-gram lists and the segments that moved most."""
    from harness.verdicts.compare import load_report
    from harness.verdicts.gate import GateRun, print_outcome

    gating = GateRun.load(
        baseline, gate, test, resample, allow_different_data, allow_missing or ()
    )
    if judge is not None:
        from harness.reports.judges import judges_markdown
        from harness.run.judging import judge_reports

        entries = judge_reports(
            load_report(baseline, slim=False), load_report(candidate, slim=False), judge
        )
        from harness.report_model import Report

        shown = Report(pairwise=entries)
        typer.echo("\n".join(judges_markdown(shown)).strip() + "\n")
    outcome = gating.check(load_report(candidate))
    if not (by or ngrams):
        _exit_on_gate(outcome)
    print_outcome(stdout, outcome)
    assert gating.baseline is not None
    # the gate read statistics only; the breakdowns read the texts as well
    _analyse(
        load_report(baseline, slim=False),
        load_report(candidate, slim=False),
        outcome.gate,
        AnalysisOptions(by or [], ngrams, metric, length_bucket, labels, largest, diff_metric),
        out,
    )
    raise typer.Exit(0 if outcome.passed else 1)


def _file_of(report: Report) -> Path:
    assert report.file is not None, "a report read from a file"
    return report.file


@dataclass(frozen=True)
class AnalysisOptions:
    """``harness compare``'s analysis flags, as given."""

    by: list[str]
    ngrams: bool
    metrics: list[str] | None
    length_edges: list[int] | None
    labels: Path | None
    largest: int
    diff_metric: str | None


def _analyse(
    baseline: Report,
    candidate: Report,
    gate: Gate,
    options: AnalysisOptions,
    out: Path | None,
) -> None:
    """Where the candidate changed, printed and (with ``out``) written as a folder."""
    from harness.reports.analysis import print_analysis
    from harness.reports.compare_folder import write_compare_folder
    from harness.verdicts.analysis import AnalysisSettings, analyse, run_resample
    from harness.verdicts.buckets import read_labels

    # what --resample or the gate file says, else what the candidate's run drew
    resample = gate.resample
    if "resample" not in gate.model_fields_set:
        resample = run_resample(candidate) or resample
    settings = AnalysisSettings(
        by=options.by,
        ngrams=options.ngrams,
        largest=options.largest,
        metrics=options.metrics,
        diff_metric=options.diff_metric,
        test=gate.test,
        resample=resample,
        length_edges=options.length_edges,
        labels=read_labels(options.labels) if options.labels else None,
    )
    analyses = analyse(baseline, candidate, settings)
    shown = {"test": gate.test.value, "resample": resample.value, "alpha": gate.alpha}
    stdout.print()
    print_analysis(stdout, analyses, shown)
    if out is not None:
        files = write_compare_folder(
            out, analyses, shown, _file_of(baseline), _file_of(candidate)
        )
        stdout.print("comparison: " + ", ".join(map(str, files)), highlight=False)


@app.command()
@user_errors
def validate(config: Annotated[Path, typer.Argument(help="Run config (YAML).")]) -> None:
    """Check CONFIG, its articles, references and output files without running any model."""
    from harness.config import load_config
    from harness.run.evaluate import prepare

    prepared = prepare(load_config(config))
    for message in prepared.warnings:
        _warn(message)
    stdout.print(
        f"ok: {sum(len(c.articles) for c in prepared.corpora)} article(s) in "
        f"{len(prepared.corpora)} corpus(es), {len(prepared.systems)} system(s), "
        f"{len(prepared.metrics)} metric(s), {len(prepared.plan)} work item(s)",
        highlight=False,
    )


@app.command()
@user_errors
def segments(
    paths: Annotated[list[str], typer.Argument(help="Article files, folders or globs.")],
) -> None:
    """Print every segment of the articles as JSON lines."""
    from harness.corpus.seed_reader import expand_article_paths, read_article

    for spec in paths:
        for path in expand_article_paths(spec, Path.cwd()):
            article = read_article(path)
            for message in article.warnings:
                _warn(message)
            for segment in article.segments:
                typer.echo(json.dumps(segment.to_json(), ensure_ascii=False))


@app.command()
@user_errors
def leaderboard(
    runs: Annotated[list[Path], typer.Argument(help="Run folders or report.json files.")],
    sort: Annotated[
        str | None, typer.Option("--sort", help="Metric to rank by (default: each task's first).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the Markdown here instead of stdout.")
    ] = None,
) -> None:
    """One Markdown table of every system in RUNS, with confidence intervals."""
    from harness.atomic import atomic_write_text
    from harness.reports.leaderboard import build_leaderboard, load_runs, render_markdown

    text = render_markdown(build_leaderboard(load_runs(runs), sort))
    if out is None:
        typer.echo(text, nl=False)
    else:
        try:
            atomic_write_text(out, text)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise HarnessError(f"--out {out}: cannot write the leaderboard: {reason}") from None
        stdout.print(f"leaderboard: {out}", highlight=False)


def _print_table(title: str, header: list[str], rows: list[list[str]], left: int = 2) -> None:
    """A table whose first ``left`` columns are labels (left-aligned), the rest numbers."""
    from rich.table import Table

    table = Table(title=title)
    for index, column in enumerate(header):
        table.add_column(column, justify="left" if index < left else "right")
    for row in rows:
        table.add_row(*row)
    stdout.print(table)


@app.command()
@user_errors
def challenge(
    config: Annotated[
        Path | None, typer.Argument(help="Run config whose outputs are perturbed.")
    ] = None,
    pairs: Annotated[
        Path | None, typer.Option("--pairs", help="Ready-made pairs (JSONL) instead of CONFIG.")
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", help="Metric to test (repeat; default: the config's)."),
    ] = None,
    phenomenon: Annotated[
        list[str] | None, typer.Option("--phenomenon", help="Only this perturbation (repeat).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the perturbations.")] = 1,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: runs/NAME-challenge-…).")
    ] = None,
) -> None:
    """Minimal-pair challenge set: how often each metric prefers the good text to one error."""
    from harness.challenge import command
    from harness.run.folder import default_run_dir

    if (config is None) == (pairs is None):
        raise HarnessError("give either a run CONFIG or --pairs FILE")
    if pairs is not None:
        made = command.from_pairs(pairs, metric)
    else:
        assert config is not None
        made = command.from_config(config, seed, phenomenon, metric)
    scored, rates = command.evaluate_challenge(
        made, lambda name: stderr.print(f"scoring {name}", highlight=False)
    )
    out_dir = out or default_run_dir(f"{made.name}-challenge")
    command.write_outputs(out_dir, made, scored, rates)
    # the intervals are in report.md: the terminal shows the rates alone, to fit
    _print_table(f"{made.name}: detection rate %", *command.table(rates, made.applied, False))
    stdout.print(f"report: {out_dir / 'report.md'} and {out_dir / 'report.html'}", highlight=False)


@app.command()
@user_errors
def meta(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (or its report.json).")],
    ratings: Annotated[
        Path, typer.Argument(help="Human ratings: CSV/TSV/JSONL scores, or MQM annotations.")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for meta.json, meta.md (default: RUN_DIR).")
    ] = None,
    resamples: Annotated[int, typer.Option("--resamples", min=2, help="Bootstrap draws.")] = 1000,
    trials: Annotated[int, typer.Option("--trials", min=1, help="Permutation-test trials.")] = 1000,
) -> None:
    """How well each metric of RUN_DIR agrees with human RATINGS of its outputs."""
    from harness.meta.command import meta_evaluate, tables, write_meta

    result = meta_evaluate(run_dir, ratings, resamples, trials)
    for note in result.notes:
        stdout.print(note, highlight=False, soft_wrap=True)
    for title, (header, rows) in tables(result).items():
        _print_table(title, header, rows, left=1 if title != "permutation tests" else 4)
    folder = out or (run_dir if run_dir.is_dir() else run_dir.parent)
    write_meta(folder, result)
    stdout.print(f"report: {folder / 'meta.md'} and {folder / 'meta.json'}", highlight=False)


app.add_typer(models_app, name="models")


@app.command()
@user_errors
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (holding report.json).")],
) -> None:
    """Re-render the reports of RUN_DIR from its report.json, without running any model."""
    from harness.reports.write import rerender

    _print_results(rerender(run_dir))
    stdout.print(f"re-rendered the reports in {run_dir}", highlight=False)


cache_app = typer.Typer(no_args_is_help=True, help="Inspect or empty the output cache.")
app.add_typer(cache_app, name="cache")
CacheDirOption = Annotated[Path, typer.Option("--cache-dir", help="Output cache folder.")]


def _existing_cache(cache_dir: Path) -> OutputCache:
    from harness.run.cache import DATABASE_NAME, OutputCache

    if not (cache_dir / DATABASE_NAME).is_file():
        raise HarnessError(f"{cache_dir}: no output cache here")
    return OutputCache(cache_dir)


@cache_app.command("stats")
@user_errors
def cache_stats(cache_dir: CacheDirOption = DEFAULT_CACHE_DIR) -> None:
    """How many outputs the cache holds, per system fingerprint."""
    with _existing_cache(cache_dir) as cache:
        stats = cache.stats()
    stdout.print(
        f"{stats.path}: {stats.outputs} output(s), {len(stats.systems)} system fingerprint(s), "
        f"{stats.size_bytes / 1e6:.2f} MB",
        highlight=False,
        soft_wrap=True,
    )
    for entry in stats.systems:
        stdout.print(
            f"  {entry.fingerprint[:12]}  {entry.outputs:>7} output(s)  {entry.name} "
            f"({entry.description.get('type')}), last used {entry.last_used}",
            highlight=False,
            soft_wrap=True,
        )


@cache_app.command("clear")
@user_errors
def cache_clear(cache_dir: CacheDirOption = DEFAULT_CACHE_DIR) -> None:
    """Delete every output in the cache (a corrupted database is deleted whole)."""
    from harness.run.cache import CorruptCache, delete_database

    try:
        cache = _existing_cache(cache_dir)
    except CorruptCache:
        files = delete_database(cache_dir)
        stdout.print(
            f"{cache_dir}: deleted the corrupted cache database ({len(files)} file(s))",
            highlight=False,
            soft_wrap=True,
        )
        return
    with cache:
        removed = cache.clear()
    stdout.print(f"{cache_dir}: removed {removed} output(s)", highlight=False, soft_wrap=True)


@app.command("list")
def list_plugins() -> None:
    """List the system types, metrics, corpus formats and executors (built in and plug-ins)."""
    from harness.config import EXECUTORS
    from harness.corpus.formats import CORPUS_FORMATS
    from harness.metrics import METRICS
    from harness.systems import SYSTEMS

    stdout.print("system types: " + ", ".join(SYSTEMS.names()))
    stdout.print("metrics: " + ", ".join(METRICS.names()))
    stdout.print("corpus formats: " + ", ".join(CORPUS_FORMATS.names()))
    stdout.print("executors: " + ", ".join(EXECUTORS.names()))


def main() -> None:
    try:
        app()
    finally:
        # Leaving: the interpreter's last collections would walk every object only to free it
        # (0.15 s after a 10k-segment run); frozen, they are freed without those walks.
        gc.freeze()
