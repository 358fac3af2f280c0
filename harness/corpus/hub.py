"""Reading through the ``datasets`` library, with one-line errors instead of tracebacks.

Local files are streamed (no Arrow cache is written); hub datasets are loaded the same way when
the hub is reachable, and otherwise fail with a line that says how to make them available.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.errors import HarnessError


def stream_files(builder: str, path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a local ``text``/``json``/``csv``/``parquet`` file, streamed by ``datasets``."""
    import datasets

    if not path.is_file():
        raise HarnessError(f"{path}: file not found")
    dataset = datasets.load_dataset(builder, data_files=str(path), split="train", streaming=True)
    yield from dataset


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
