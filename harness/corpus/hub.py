"""Reading through the ``datasets`` library, with one-line errors instead of tracebacks.

Local files are converted once into ``datasets``' memory-mapped Arrow cache (keyed on the file's
path, size and modification time) and read from there, so a corpus larger than memory can be
read row by row, and a rerun does not parse the file again. (Streaming mode would parse it on
every run and imports torch, which costs a second on a run that is otherwise all cache hits.)
Hub datasets are streamed when the hub is reachable, and otherwise fail with a line that says
how to make them available.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.errors import HarnessError


def _load_local(builder: str, path: Path) -> Any:
    import datasets

    if not path.is_file():
        raise HarnessError(f"{path}: file not found")
    datasets.disable_progress_bars()
    try:
        return datasets.load_dataset(builder, data_files=str(path), split="train")
    except datasets.exceptions.DatasetGenerationError as exc:
        # the reader's own error (UnicodeDecodeError, a JSON parse error…) is the useful one
        raise (exc.__cause__ or exc) from None


def read_files(builder: str, path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a local ``text``/``json``/``csv``/``parquet`` file, read by ``datasets``."""
    yield from _load_local(builder, path)


def read_column(builder: str, path: Path, field: str) -> list[Any]:
    """One column of a local file, read by ``datasets``, as a list: straight from its Arrow
    table (iterating 100k rows through ``datasets`` takes seconds, this takes 0.1 s)."""
    return _load_local(builder, path).data.column(field).to_pylist()


def stream_hub(
    dataset_id: str, config: str | None, split: str, revision: str | None
) -> Iterator[dict[str, Any]]:
    """Rows of a hub dataset split; a clear error when it is not reachable or not cached."""
    import datasets

    try:
        dataset = datasets.load_dataset(
            dataset_id, config, split=split, revision=revision, streaming=True
        )
        yield from dataset
    except (ConnectionError, OSError, FileNotFoundError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise HarnessError(
            f"hub dataset '{dataset_id}'"
            f"{f' ({config})' if config else ''} split '{split}' is not available: {reason}. "
            "Download it where the hub is reachable and point the corpus at local files "
            "(format: parallel/jsonl/csv/parquet), or set HF_HOME to a cache that holds it"
        ) from None
