"""A config's ``judge`` metric entries, read: checked against the config's systems and
expanded into one metric per score of the rubric (see :func:`expand`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.judges.metric import ENTRY, expand_entry, score_class
from harness.metrics import METRICS
from harness.systems.base import SystemParams
from harness.systems.judge_engines import judge_engine_class, judge_types
from harness.yaml_input import Loc, Locator

__all__ = ["ENTRY", "expand", "judge_only"]


def expand(
    entry: dict[str, Any],
    loc: Loc,
    locator: Locator,
    systems: tuple[SystemParams, ...],
    base_dir: Path | None,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(metric name, options) per score of the entry's rubric; errors name the entry's key."""
    given = {key: value for key, value in entry.items() if key != "name"}
    by_name = {system.name: system for system in systems}
    judge = by_name.get(str(given.get("judge")))
    judge_type = None if judge is None else judge.type
    engine = None if judge_type is None else judge_engine_class(judge_type)
    if judge is not None and engine is None:
        raise locator.error(
            (*loc, "judge"),
            f"system '{judge.name}' (type {judge_type}) cannot judge; judge types: "
            + ", ".join(judge_types()),
        )
    try:
        rubric, entries = expand_entry(
            given, base_dir, judge_type, engine is not None and engine.has_logprobs
        )
    except ValueError as exc:
        key, _, message = str(exc).partition(": ")
        if key in given or key in ("judge", "score", "scoring"):
            raise locator.error((*loc, key), message) from None
        raise locator.error(loc, str(exc)) from None
    for name, _ in entries:
        if name not in METRICS:  # a user's rubric: its scores become metric names
            METRICS.register(name, f"harness.judges.metric:{score_class(rubric)}")
    yield from entries


def judge_only(metric_options: dict[str, dict[str, Any]]) -> frozenset[str]:
    """Systems named as judges by entries that do not ask to evaluate them too."""
    judges = {o["judge"] for n, o in metric_options.items() if n.startswith(ENTRY + ".")}
    evaluated = {
        o["judge"]
        for n, o in metric_options.items()
        if n.startswith(ENTRY + ".") and o.get("evaluate_judge")
    }
    return frozenset(judges - evaluated)
