"""Minimal pairs and their JSONL file format.

One JSON object a line::

    {"id": "flores/12/number", "source": "…", "reference": "…", "good": "…", "bad": "…",
     "phenomenon": "number", "severity": "critical"}

``reference`` is a string, a list of strings (several references) or ``null`` (none: only
reference-free metrics score the pair); ``task`` is optional (``translation``, the default,
``summarization`` or ``summarization-en``). ``severity`` is ``critical``, ``major`` or
``minor``. The file is untrusted input: any bad line is refused with one message naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.atomic import atomic_write_text
from harness.challenge.perturb import Severity
from harness.errors import HarnessError
from harness.jsonl import read_jsonl
from harness.records import Task

_KEYS = ("id", "source", "reference", "good", "bad", "phenomenon", "severity")


@dataclass(frozen=True)
class Pair:
    """Two texts for one source that differ in one error: ``bad`` has it, ``good`` not."""

    id: str
    source: str
    references: tuple[str, ...]
    good: str
    bad: str
    phenomenon: str
    severity: Severity
    task: Task = Task.TRANSLATION

    def to_json(self) -> dict[str, Any]:
        reference: str | list[str] | None = (
            None
            if not self.references
            else self.references[0]
            if len(self.references) == 1
            else list(self.references)
        )
        return {
            "id": self.id,
            "source": self.source,
            "reference": reference,
            "good": self.good,
            "bad": self.bad,
            "phenomenon": self.phenomenon,
            "severity": self.severity.value,
            "task": self.task.value,
        }


def _text(path: Path, number: int, obj: dict[str, Any], key: str) -> str:
    value = obj[key]
    if not isinstance(value, str):
        raise HarnessError(f"{path}:{number}: '{key}' must be a string")
    if key in ("id", "good", "bad", "phenomenon") and not value.strip():
        raise HarnessError(f"{path}:{number}: '{key}' must not be empty")
    return value


def _references(path: Path, number: int, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise HarnessError(f"{path}:{number}: 'reference' must be a string, a list of strings or null")


def _choice(path: Path, number: int, key: str, value: Any, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise HarnessError(
            f"{path}:{number}: '{key}' must be one of {', '.join(allowed)}, got {value!r}"
        )
    return str(value)


def read_pairs(path: Path) -> list[Pair]:
    """The pairs of a JSONL file; any bad line raises one :class:`HarnessError` naming it."""
    if not path.is_file():
        raise HarnessError(f"{path}: no such pairs file")
    pairs: list[Pair] = []
    seen: dict[str, int] = {}
    for number, obj in read_jsonl(path):
        missing = [key for key in _KEYS if key not in obj]
        if missing:
            raise HarnessError(f"{path}:{number}: missing key '{missing[0]}'")
        pair_id = _text(path, number, obj, "id")
        if pair_id in seen:
            raise HarnessError(
                f"{path}:{number}: duplicate id '{pair_id}' (first on line {seen[pair_id]})"
            )
        seen[pair_id] = number
        good, bad = _text(path, number, obj, "good"), _text(path, number, obj, "bad")
        if good == bad:
            raise HarnessError(f"{path}:{number}: 'good' and 'bad' are the same text")
        severities = [s.value for s in Severity]
        severity = _choice(path, number, "severity", obj["severity"], severities)
        task = _choice(path, number, "task", obj.get("task", "translation"), list(Task))
        pairs.append(
            Pair(
                id=pair_id,
                source=_text(path, number, obj, "source"),
                references=_references(path, number, obj["reference"]),
                good=good,
                bad=bad,
                phenomenon=_text(path, number, obj, "phenomenon"),
                severity=Severity(severity),
                task=Task(task),
            )
        )
    if not pairs:
        raise HarnessError(f"{path}: no pairs in this file")
    return pairs


def write_pairs(path: Path, pairs: Iterable[Pair]) -> None:
    """The pairs as JSONL (the format :func:`read_pairs` reads)."""
    lines = [json.dumps(pair.to_json(), ensure_ascii=False) for pair in pairs]
    atomic_write_text(path, "".join(line + "\n" for line in lines))
