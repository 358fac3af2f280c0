"""Reading a saved ``report.json`` back: one loader for ``compare``, ``report`` and
``leaderboard``, with one-line errors for anything that is not a report this version reads."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

REPORT_NAME = "report.json"
SCHEMA_VERSION = 1


def read_report(
    path: Path, required: Iterable[str] = ("results", "provenance")
) -> tuple[Path, dict[str, Any]]:
    """The report file and its content, given the file or the run folder holding it."""
    file = path / REPORT_NAME if path.is_dir() else path
    if not file.is_file():
        raise HarnessError(
            f"{path}: cannot read report: no {REPORT_NAME} here "
            "(give a run folder or a report file)"
        )
    try:
        report = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise HarnessError(f"{file}: cannot read report: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise HarnessError(f"{file}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise HarnessError(f"{file}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    needed = list(required)
    if not isinstance(report, dict) or not set(needed) <= report.keys():
        raise HarnessError(f"{file}: not a harness report (needs {', '.join(needed)})")
    version = report.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise HarnessError(
            f"{file}: schema_version {version!r} is not one this harness can read "
            f"(up to {SCHEMA_VERSION})"
        )
    return file, report
