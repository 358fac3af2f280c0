"""The ``harness`` command line."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from harness.config import load_config
from harness.corpus.seed_reader import expand_article_paths, read_article
from harness.errors import HarnessError
from harness.evaluate import evaluate, prepare
from harness.metrics import METRICS
from harness.models.cli import models_app
from harness.report import results_tables, write_report
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
            stderr.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def _default_out_dir(run_name: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path("runs") / f"{run_name}-{stamp}"


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
def run(
    config: Annotated[Path, typer.Argument(help="Run config (YAML).")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: runs/NAME-TIME).")
    ] = None,
) -> None:
    """Run the systems of CONFIG, score them and write report.json and report.md."""
    prepared = prepare(load_config(config))
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    )
    with progress:
        task = progress.add_task("generating", total=len(prepared.plan))
        report = evaluate(
            prepared,
            advance=lambda n: progress.advance(task, n),
            warn=lambda message: stderr.print(f"[yellow]warning:[/] {message}", highlight=False),
        )
    out_dir = out or _default_out_dir(prepared.config.name)
    write_report(report, out_dir)
    _print_results(report)
    stdout.print(
        f"report: {out_dir / 'report.html'}, {out_dir / 'report.md'} and {out_dir / 'report.json'}",
        highlight=False,
    )


@app.command()
@user_errors
def validate(config: Annotated[Path, typer.Argument(help="Run config (YAML).")]) -> None:
    """Check CONFIG, its articles, references and output files without running any model."""
    prepared = prepare(load_config(config))
    for message in prepared.corpus.warnings:
        stderr.print(f"[yellow]warning:[/] {message}", highlight=False)
    stdout.print(
        f"ok: {len(prepared.corpus.articles)} article(s), {len(prepared.systems)} system(s), "
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
                stderr.print(f"[yellow]warning:[/] {message}", highlight=False)
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
    from harness.leaderboard import build_leaderboard, load_runs, render_markdown

    text = render_markdown(build_leaderboard(load_runs(runs), sort))
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        stdout.print(f"leaderboard: {out}", highlight=False)


app.add_typer(models_app, name="models")


@app.command("list")
def list_plugins() -> None:
    """List the system types and metrics."""
    stdout.print("system types: " + ", ".join(SYSTEMS.names()))
    stdout.print("metrics: " + ", ".join(METRICS.names()))


def main() -> None:
    app()
