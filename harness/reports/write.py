"""Writes every rendering of a report into a folder: report.json, report.md, report.html and
the CSV files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from harness.errors import HarnessError
from harness.report_file import REPORT_NAME, read_report
from harness.reports.csv_export import write_exports
from harness.reports.html import write_html_report
from harness.reports.markdown import render_markdown

#: top-level keys whose entries are written one per line (compact), not pretty-printed
_ONE_PER_LINE = ("segments",)


def write_json(report: dict[str, Any], handle: IO[str]) -> None:
    """``report`` as JSON, streamed to ``handle``: no copy of the document is built in memory.

    Every key is pretty-printed (indent 2) except the ``segments`` list, which is written one
    segment per line: a 100k-segment report stays readable line by line (and greppable), and
    each line is encoded by ``json``'s C encoder, which indented output cannot use.
    """
    handle.write("{")
    for number, (key, value) in enumerate(report.items()):
        handle.write(",\n  " if number else "\n  ")
        handle.write(json.dumps(key, ensure_ascii=False) + ": ")
        if key in _ONE_PER_LINE and isinstance(value, list) and value:
            handle.write("[")
            for index, entry in enumerate(value):
                handle.write(",\n    " if index else "\n    ")
                handle.write(json.dumps(entry, ensure_ascii=False))
            handle.write("\n  ]")
        else:  # JSON strings hold no raw newline, so re-indenting the lines is safe
            handle.write(json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  "))
    handle.write("\n}\n" if report else "}\n")


def write_report(report: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / REPORT_NAME).open("w", encoding="utf-8") as handle:
        write_json(report, handle)
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")
    write_html_report(report, out_dir)
    write_exports(report, out_dir)


def rerender(run_dir: Path) -> dict[str, Any]:
    """Re-render the reports of a run folder from its ``report.json``; runs no model."""
    report = read_report(run_dir)[1]
    try:
        write_report(report, run_dir)
    except KeyError as exc:
        raise HarnessError(f"{run_dir / REPORT_NAME}: incomplete report: missing {exc}") from None
    except (TypeError, ValueError) as exc:
        raise HarnessError(f"{run_dir / REPORT_NAME}: inconsistent report: {exc}") from None
    return report
