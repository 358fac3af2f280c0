"""Reading JSONL files with errors that name the file and line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.errors import HarnessError


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line of a JSONL file."""
    try:
        handle = path.open(encoding="utf-8-sig")
    except OSError as exc:
        raise HarnessError(f"{path}: cannot read: {exc.strerror}") from None
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise HarnessError(f"{path}:{number}: bad JSON: {exc.msg}") from None
                if not isinstance(value, dict):
                    raise HarnessError(f"{path}:{number}: expected a JSON object")
                yield number, value
        except UnicodeDecodeError:
            raise HarnessError(f"{path}: not valid UTF-8") from None


def require_str(path: Path, number: int, obj: dict[str, Any], key: str) -> str:
    """Return ``obj[key]`` as a string or raise an error naming file, line and key."""
    if key not in obj:
        raise HarnessError(f"{path}:{number}: missing key '{key}'")
    value = obj[key]
    if not isinstance(value, str):
        raise HarnessError(f"{path}:{number}: '{key}' must be a string")
    return value
