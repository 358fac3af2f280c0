"""Reading through the ``datasets`` library, with one-line errors instead of tracebacks.

Local files are converted once into ``datasets``' memory-mapped Arrow cache (keyed on the file's
path, size and modification time) and read from there, so a corpus larger than memory can be
read row by row, and a rerun does not parse the file again. (Streaming mode would parse it on
every run and imports torch, which costs a second on a run that is otherwise all cache hits.)
Hub datasets are streamed when the hub is reachable, and otherwise fail with a line that says
how to make them available. Reachability is probed once, with a short timeout, before anything
asks the hub: offline, ``huggingface_hub`` would otherwise retry for 25–50 s before failing.
"""

from __future__ import annotations

import functools
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


HUB_PROBE_TIMEOUT_S = 3.0


@functools.cache
def hub_unreachable() -> str | None:
    """Why the Hugging Face hub cannot be asked (None when it answers): offline mode is set, or
    one HEAD request to the endpoint fails within :data:`HUB_PROBE_TIMEOUT_S`. Probed once a
    process."""
    from huggingface_hub import constants
    from huggingface_hub.utils import get_session

    if constants.HF_HUB_OFFLINE:
        return "HF_HUB_OFFLINE is set"
    try:  # huggingface_hub's own HTTP client (its proxies and headers); any answer will do
        get_session().head(constants.ENDPOINT, timeout=HUB_PROBE_TIMEOUT_S)
    except Exception as exc:  # connection refused, DNS, timeout, TLS: all mean "not reachable"
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return f"{constants.ENDPOINT} is not reachable: {reason}"
    return None


def stream_hub(
    dataset_id: str, config: str | None, split: str, revision: str | None
) -> Iterator[dict[str, Any]]:
    """Rows of a hub dataset split; a clear error when it is not reachable or not cached."""
    import datasets

    try:
        unreachable = hub_unreachable()
        if unreachable is not None and not datasets.config.HF_HUB_OFFLINE:
            # fail now rather than after huggingface_hub's retries; in offline mode datasets
            # itself answers at once (and may find the dataset in its cache)
            raise ConnectionError(unreachable)
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
