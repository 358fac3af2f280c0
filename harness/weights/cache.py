"""Where the harness keeps model files it assembles or converts.

The default is the user's cache folder (``$XDG_CACHE_HOME/harness/models`` or
``~/.cache/harness/models``), never the repository; a system's ``model_cache_dir`` key or the
``--cache-dir`` option of ``harness models fetch`` overrides it.
"""

from __future__ import annotations

import os
from pathlib import Path

from harness.paths import resolve


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "harness" / "models"


def resolve_cache_dir(cache_dir: str | None, base_dir: Path) -> Path:
    """``cache_dir`` from a config (relative to the config's folder), or the default."""
    if cache_dir is None:
        return default_cache_dir()
    return resolve(cache_dir, base_dir)


