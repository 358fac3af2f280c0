"""Spreadsheet exports of a report: ``results.csv`` and ``segments.csv``.

Both are UTF-8 *with* a byte-order mark: without it, Excel reads CSV as the local code page and
Arabic turns into mojibake. Being made for a spreadsheet, every text cell that a spreadsheet
would read as a formula (one starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return: model outputs, sources, names) gets OWASP's prefix ``'``, so it shows as text.
Columns are the report's own keys, so a key added to the report contract later (``ci_low``,
``corpus``, …) becomes a column without changes here.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.atomic import atomic_open

RESULTS_NAME = "results.csv"
SEGMENTS_NAME = "segments.csv"
ENCODING = "utf-8-sig"

_RESULT_COLUMNS = ("corpus", "system", "task", "metric", "score", "ci_low", "ci_high", "n")
_SEGMENT_COLUMNS = (
    "corpus",
    "system",
    "task",
    "article_id",
    "segment_id",
    "status",
    "source",
    "output",
)
# Nested or bulky keys that get columns of their own (or none) instead of one cell.
_SEGMENT_SPECIAL = {"references", "scores", "stats", "error", "intermediate"}


def _cell(value: Any) -> Any:
    return "" if value is None else value


#: first characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would evaluate, prefixed with ``'``; anything else as is
    (numbers stay numbers: a negative score is not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _columns(
    preferred: Sequence[str], entries: Iterable[dict[str, Any]], skip: set[str]
) -> list[str]:
    """The preferred columns present in any entry, then any other scalar keys, in order seen."""
    seen: dict[str, None] = {}
    for entry in entries:
        for key, value in entry.items():
            if key not in skip and not isinstance(value, dict | list):
                seen.setdefault(key)
    return [c for c in preferred if c in seen] + [c for c in seen if c not in preferred]


def results_table(report: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of ``results.csv``: one row per system, task and metric."""
    results = report.get("results") or []
    header = _columns(_RESULT_COLUMNS, results, set())
    return header, [[_cell(r.get(c)) for c in header] for r in results]


def _segments_stream(report: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and rows of ``segments.csv``, one row per system and segment, made one at a time
    as they are written. References get columns ``reference_1`` … ``reference_K``, each metric
    a column (empty where it does not apply to the segment's task), and each pipeline step a
    column ``step NAME`` with what it produced."""
    segments = report.get("segments") or []
    base = _columns(_SEGMENT_COLUMNS, segments, _SEGMENT_SPECIAL)
    references = max((len(s.get("references") or []) for s in segments), default=0)
    metrics = list(dict.fromkeys(m for s in segments for m in s.get("scores") or {}))
    steps = list(dict.fromkeys(k for s in segments for k in _steps(s)))
    header = [
        *base,
        *(f"reference_{i + 1}" for i in range(references)),
        *metrics,
        *(f"step {name}" for name in steps),
        "error",
    ]

    def rows() -> Iterator[list[Any]]:
        for segment in segments:
            refs = list(segment.get("references") or [])
            scores = segment.get("scores") or {}
            yield [
                *(_cell(segment.get(c)) for c in base),
                *(refs[i] if i < len(refs) else "" for i in range(references)),
                *(_cell(scores.get(m)) for m in metrics),
                *(_cell(_steps(segment).get(name)) for name in steps),
                _cell(segment.get("error")),
            ]

    return header, rows()


def _steps(segment: dict[str, Any]) -> dict[str, Any]:
    steps = segment.get("intermediate")
    return steps if isinstance(steps, dict) else {}


def _write(path: Path, table: tuple[list[str], Iterable[list[Any]]]) -> None:
    header, rows = table
    with atomic_open(path, encoding=ENCODING, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([neutralise(cell) for cell in header])
        writer.writerows([neutralise(cell) for cell in row] for row in rows)


def write_exports(report: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write ``results.csv`` and ``segments.csv`` into ``out_dir``."""
    paths = [out_dir / RESULTS_NAME, out_dir / SEGMENTS_NAME]
    _write(paths[0], results_table(report))
    _write(paths[1], _segments_stream(report))
    return paths
