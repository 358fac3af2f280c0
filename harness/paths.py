"""Paths written in configs: ``~`` is expanded, and a relative path is relative to the config's
folder (not to the current directory), so a config means the same files wherever it is run."""

from __future__ import annotations

from pathlib import Path


def resolve(spec: str | Path, base: Path) -> Path:
    """``spec`` as a path: ``~`` expanded, absolute as given, else under ``base``."""
    path = Path(spec).expanduser()
    return path if path.is_absolute() else base / path
