"""Human ratings files: one score per (system, item), refused line by line when wrong.

Two layouts are read:

- a table of scores (``.csv``, ``.tsv`` or ``.jsonl``) with the columns ``system``, ``item``
  (or ``item_id``, ``segment_id``, ``seg_id``) and ``score``: DA, ESA, Likert or MQM totals,
  higher is better (MQM totals as negative penalties, as mt-metrics-eval writes them);
- MQM error annotations in the TSV layout of google/wmt-mqm-human-evaluation (columns
  ``system doc doc_id seg_id rater source target category severity``; recognised by its
  ``severity`` and ``category`` columns): each error weighs as in mt-metrics-eval's
  ``score_mqm`` (Major 5, Minor 1, Neutral 0, Major Non-translation 25, Minor
  Fluency/Punctuation 0.1; Freitag et al. 2021), a rater's penalties of a segment are summed,
  the raters averaged, and the segment's score is minus that. The item is ``seg_id``.

Which systems and items exist is checked against the run by :mod:`harness.meta.command`;
here each row is checked on its own (duplicates, numbers, severities).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.jsonl import read_jsonl

ITEM_COLUMNS = ("item", "item_id", "segment_id", "seg_id")
MQM_COLUMNS = ("system", "seg_id", "rater", "category", "severity")
#: mt-metrics-eval's default weights, "severity[/category[/subcategory]]" → penalty
MQM_WEIGHTS = {
    "major": 5.0,
    "minor": 1.0,
    "neutral": 0.0,
    "major/non-translation!": 25.0,
    "minor/fluency/punctuation": 0.1,
}
MQM_SEVERITIES = ("major", "minor", "neutral", "no-error")


@dataclass(frozen=True)
class Rating:
    system: str
    item: str
    score: float
    #: where it came from, for messages: ``FILE:LINE``
    where: str


def mqm_penalty(severity: str, category: str) -> float:
    """The weight of one error: the longest ``severity/category/…`` prefix that has one."""
    parts = [severity.lower(), *category.lower().split("/")]
    while parts:
        key = "/".join(parts)
        if key in MQM_WEIGHTS:
            return MQM_WEIGHTS[key]
        parts.pop()
    return 0.0


def _rows(path: Path, delimiter: str, quoting: int) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise HarnessError(f"{path}: cannot read ratings: {exc.strerror}") from None
    with handle:
        try:
            reader = csv.DictReader(handle, delimiter=delimiter, quoting=quoting)
            if reader.fieldnames is None:
                raise HarnessError(f"{path}: empty ratings file (a header row is expected)")
            for row in reader:
                if None in row or any(v is None for v in row.values()):
                    raise HarnessError(
                        f"{path}:{reader.line_num}: {len(reader.fieldnames)} columns expected"
                    )
                yield reader.line_num, row
        except UnicodeDecodeError:
            raise HarnessError(f"{path}: not valid UTF-8") from None
        except csv.Error as exc:
            raise HarnessError(f"{path}: not a readable table ({exc})") from None


def _score(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise HarnessError(f"{where}: score {value!r} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise HarnessError(f"{where}: score {value!r} is not a number") from None
    if not math.isfinite(number):
        raise HarnessError(f"{where}: score {value!r} is not a finite number")
    return number


def _field(row: dict[str, Any], names: tuple[str, ...], where: str) -> str:
    for name in names:
        if name in row:
            value = row[name]
            if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
                raise HarnessError(f"{where}: '{name}' must be a non-empty string")
            return str(value)
    raise HarnessError(f"{where}: missing column '{names[0]}'")


def _score_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    if path.suffix == ".jsonl":
        for number, obj in read_jsonl(path):
            yield f"{path}:{number}", obj
        return
    delimiter = "\t" if path.suffix in (".tsv", ".txt") else ","
    for number, row in _rows(path, delimiter, csv.QUOTE_MINIMAL):
        yield f"{path}:{number}", row


def _is_mqm(path: Path) -> bool:
    if path.suffix not in (".tsv", ".txt"):
        return False
    try:
        with path.open(encoding="utf-8-sig") as handle:
            header = handle.readline().rstrip("\n").split("\t")
    except (OSError, UnicodeDecodeError):
        return False
    return "severity" in header and "category" in header


def read_ratings(path: Path) -> list[Rating]:
    """The ratings of ``path`` (either layout); a bad row is one :class:`HarnessError`."""
    if not path.is_file():
        raise HarnessError(f"{path}: no such ratings file")
    ratings = _read_mqm(path) if _is_mqm(path) else _read_scores(path)
    if not ratings:
        raise HarnessError(f"{path}: no ratings in this file")
    return ratings


def _read_scores(path: Path) -> list[Rating]:
    seen: dict[tuple[str, str], str] = {}
    ratings = []
    for where, row in _score_rows(path):
        system = _field(row, ("system",), where)
        item = _field(row, ITEM_COLUMNS, where)
        if "score" not in row:
            raise HarnessError(f"{where}: missing column 'score'")
        score = _score(row["score"], where)
        if (system, item) in seen:
            raise HarnessError(
                f"{where}: duplicate rating of system '{system}' item '{item}' "
                f"(first at {seen[(system, item)]})"
            )
        seen[(system, item)] = where
        ratings.append(Rating(system, item, score, where))
    return ratings


def _read_mqm(path: Path) -> list[Rating]:
    # wmt-mqm-human-evaluation writes its TSVs unquoted (mt-metrics-eval reads QUOTE_NONE)
    penalties: dict[tuple[str, str], dict[str, float]] = {}
    first: dict[tuple[str, str], str] = {}
    for number, row in _rows(path, "\t", csv.QUOTE_NONE):
        where = f"{path}:{number}"
        missing = [c for c in MQM_COLUMNS if c not in row]
        if missing:
            raise HarnessError(f"{where}: missing column '{missing[0]}'")
        severity = row["severity"].strip().lower()
        if severity not in MQM_SEVERITIES:
            raise HarnessError(
                f"{where}: unknown MQM severity {row['severity']!r} "
                f"(known: {', '.join(MQM_SEVERITIES)})"
            )
        system, item, rater = row["system"], row["seg_id"].strip(), row["rater"]
        if not system or not item or not rater:
            raise HarnessError(f"{where}: system, seg_id and rater must not be empty")
        key = (system, item)
        first.setdefault(key, where)
        by_rater = penalties.setdefault(key, {})
        by_rater[rater] = by_rater.get(rater, 0.0) + mqm_penalty(severity, row["category"])
    return [
        Rating(system, item, -sum(raters.values()) / len(raters), first[(system, item)])
        for (system, item), raters in penalties.items()
    ]
