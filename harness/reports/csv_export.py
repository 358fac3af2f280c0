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

from harness.atomic import atomic_open
from harness.report_model import Entry, Report

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


Cell = str | int | float | bool


def _cell(value: object) -> Cell:
    return value if isinstance(value, Cell) else ""


#: first characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Cell) -> Cell:
    """A text cell a spreadsheet would evaluate, prefixed with ``'``; anything else as is
    (numbers stay numbers: a negative score is not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _columns(preferred: Sequence[str], entries: Iterable[Entry], skip: set[str]) -> list[str]:
    """The preferred columns present in any entry, then any other scalar keys, in order seen."""
    seen: dict[str, None] = {}
    shapes: set[frozenset[str]] = set()
    for entry in entries:
        # entries given the same fields add the same columns (a field's type says whether it
        # is a scalar), so each set of fields is walked once; unknown keys, entry by entry
        shape = frozenset(entry.model_fields_set)
        extra = entry.model_extra
        if shape in shapes and not extra:
            continue
        shapes.add(shape)
        for key, value in entry.given():
            if key not in skip and not isinstance(value, dict | list | Entry):
                seen.setdefault(key)
    return [c for c in preferred if c in seen] + [c for c in seen if c not in preferred]


def results_table(report: Report) -> tuple[list[str], list[list[Cell]]]:
    """Header and rows of ``results.csv``: one row per system, task and metric."""
    results = report.results
    header = _columns(_RESULT_COLUMNS, results, set())
    rows = [dict(r.given()) for r in results]
    return header, [[_cell(row.get(c)) for c in header] for row in rows]


def _segments_stream(report: Report) -> tuple[list[str], Iterator[list[Cell]]]:
    """Header and rows of ``segments.csv``, one row per system and segment, made one at a time
    as they are written. References get columns ``reference_1`` … ``reference_K``, each metric
    a column (empty where it does not apply to the segment's task), and each pipeline step a
    column ``step NAME`` with what it produced."""
    segments = report.segments
    base = _columns(_SEGMENT_COLUMNS, segments, _SEGMENT_SPECIAL)
    references = max((len(s.references) for s in segments), default=0)
    metrics = list(dict.fromkeys(m for s in segments for m in s.scores))
    steps = list(dict.fromkeys(k for s in segments for k in s.intermediate))
    header = [
        *base,
        *(f"reference_{i + 1}" for i in range(references)),
        *metrics,
        *(f"step {name}" for name in steps),
        "error",
    ]

    def rows() -> Iterator[list[Cell]]:
        for segment in segments:
            refs = segment.references
            given = segment.model_fields_set
            extra = segment.model_extra or {}
            yield [
                *(_cell(getattr(segment, c) if c in given else extra.get(c)) for c in base),
                *(refs[i] if i < len(refs) else "" for i in range(references)),
                *(_cell(segment.scores.get(m)) for m in metrics),
                *(_cell(segment.intermediate.get(name)) for name in steps),
                _cell(segment.error),
            ]

    return header, rows()


def _write(path: Path, table: tuple[list[str], Iterable[list[Cell]]]) -> None:
    header, rows = table
    with atomic_open(path, encoding=ENCODING, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([neutralise(cell) for cell in header])
        writer.writerows([neutralise(cell) for cell in row] for row in rows)


def write_exports(report: Report, out_dir: Path) -> list[Path]:
    """Write ``results.csv`` and ``segments.csv`` into ``out_dir``."""
    paths = [out_dir / RESULTS_NAME, out_dir / SEGMENTS_NAME]
    _write(paths[0], results_table(report))
    _write(paths[1], _segments_stream(report))
    return paths
