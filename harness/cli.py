"""The ``harness`` command line."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from harness.atomic import atomic_write_text
from harness.config import load_config
from harness.corpus.seed_reader import expand_article_paths, read_article
from harness.errors import HarnessError
from harness.metrics import METRICS
from harness.models.cli import models_app
from harness.report_file import REPORT_NAME
from harness.reports.markdown import results_tables
from harness.reports.write import rerender
from harness.run.cache import (
    DATABASE_NAME,
    DEFAULT_CACHE_DIR,
    CorruptCache,
    OutputCache,
    delete_database,
)
from harness.run.evaluate import Prepared, evaluate, open_cache, prepare
from harness.run.executors import make_executor, override_settings
from harness.run.folder import RunFolder, check_out_dir, default_run_dir
from harness.run.runner import cached_count
from harness.stats import PairedTest, Resample
from harness.systems import SYSTEMS

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


class _RateColumn(ProgressColumn):
    """Outputs per second (for a served model, requests per second)."""

    def render(self, task: Any) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:.2f}/s", style="progress.data.speed")


def _warn(message: str) -> None:
    stderr.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


class ExecutorType(StrEnum):
    local = "local"
    ray = "ray"


def _print_results(report: dict[str, Any]) -> None:
    for task, (header, rows) in results_tables(report).items():
        table = Table(title=f"{report['provenance']['run_name']}: {task}")
        for column in header:
            table.add_column(column, justify="left" if column == "system" else "right")
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
) -> None:
    """Run the systems of CONFIG, score them and write the run folder.

    With --baseline and/or --gate, then compare and gate as `harness compare` does.
    """
    from harness.verdicts.gate import GateRun

    # usage errors in the baseline or gate surface before any model runs
    gating = (
        GateRun.load(baseline, gate, allow_different_data=allow_different_data)
        if baseline or gate
        else None
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
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    )
    folder = RunFolder(out_dir, prepared.config, cache.folder if cache else None, replace=force)
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
    judge: Annotated[
        Path | None,
        typer.Option(
            "--judge",
            help="Config whose pairwise judge also compares the outputs (docs/judges.md).",
        ),
    ] = None,
) -> None:
    """Compare CANDIDATE with BASELINE: deltas, CIs, p-values, verdicts; exit 1 on regression."""
    from harness.verdicts.compare import load_report
    from harness.verdicts.gate import GateRun

    gating = GateRun.load(baseline, gate, test, resample, allow_different_data)
    if judge is not None:
        from harness.reports.judges import judges_markdown
        from harness.run.judging import judge_reports

        entries = judge_reports(load_report(baseline), load_report(candidate), judge)
        typer.echo("\n".join(judges_markdown({"pairwise": entries})).strip() + "\n")
    _exit_on_gate(gating.check(load_report(candidate)))


@app.command()
@user_errors
def validate(config: Annotated[Path, typer.Argument(help="Run config (YAML).")]) -> None:
    """Check CONFIG, its articles, references and output files without running any model."""
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


app.add_typer(models_app, name="models")


@app.command()
@user_errors
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (holding report.json).")],
) -> None:
    """Re-render the reports of RUN_DIR from its report.json, without running any model."""
    _print_results(rerender(run_dir))
    stdout.print(f"re-rendered the reports in {run_dir}", highlight=False)


cache_app = typer.Typer(no_args_is_help=True, help="Inspect or empty the output cache.")
app.add_typer(cache_app, name="cache")
CacheDirOption = Annotated[Path, typer.Option("--cache-dir", help="Output cache folder.")]


def _existing_cache(cache_dir: Path) -> OutputCache:
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
    """List the system types and metrics."""
    stdout.print("system types: " + ", ".join(SYSTEMS.names()))
    stdout.print("metrics: " + ", ".join(METRICS.names()))


def main() -> None:
    app()
