"""The records that flow along the data path, shared by every step that reads them.

A :class:`Task` names what a system does; an :class:`Example` is one unit of work for it (built
from a corpus by :mod:`harness.tasks`); a :class:`Generation` is what came back (made by the
runner, read by scoring and the reports). They live here, below every step, so that a step
reading a record never imports the step that wrote it. A :class:`MetricResult` is one
metric's score of one system, with the per-segment statistics it was computed from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Task(StrEnum):
    """What a system does. ``summarization-en`` is an English summary of an Arabic article,
    scored against the English translations of its bullets: a system entry asks for it with
    ``task: summarization`` and ``target_lang: en``; results and tables keep it apart from
    Arabic summaries, which are scored against different references."""

    TRANSLATION = "translation"
    SUMMARIZATION = "summarization"
    SUMMARIZATION_EN = "summarization-en"

    @property
    def kind(self) -> Task:
        """The task a system entry names: an English summary is a summary."""
        return Task.SUMMARIZATION if self is Task.SUMMARIZATION_EN else self


@dataclass(frozen=True)
class Example:
    """One unit of work for a system and one row of per-segment scores."""

    corpus: str
    task: Task
    article_id: str
    segment_id: str | None
    source: str
    references: tuple[str, ...]

    @property
    def where(self) -> str:
        """``article_id/segment_id`` (or the article id of a summary), for messages."""
        return self.article_id + (f"/{self.segment_id}" if self.segment_id else "")


class Status(StrEnum):
    GENERATED = "generated"
    EMPTY = "empty"
    MISSING = "missing"
    FAILED = "failed"


@dataclass(frozen=True)
class Generation:
    system: str
    example: Example
    output: str
    status: Status
    error: str | None = None
    cached: bool = False  # reused from the output cache, not computed in this run
    #: a pipeline's step outputs (step system name → text), shown next to the final output
    intermediate: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        """Which system and example, and what came out: a line of outputs.jsonl."""
        example = self.example
        record: dict[str, Any] = {
            "corpus": example.corpus,
            "system": self.system,
            "task": example.task.value,
            "article_id": example.article_id,
            "segment_id": example.segment_id,
            "output": self.output,
            "status": self.status.value,
            "cached": self.cached,
        }
        if self.error:
            record["error"] = self.error
        if self.intermediate:
            record["intermediate"] = self.intermediate
        return record

    @property
    def where(self) -> str:
        return self.example.where


@dataclass
class MetricResult:
    system: str
    task: Task
    metric: str
    score: float
    n: int
    stats: list[list[float]] = field(repr=False)
    #: 95% bootstrap interval of ``score`` (see ``harness.stats``); None below 2 items
    ci_low: float | None = None
    ci_high: float | None = None
    corpus: str | None = None
    #: ``metric.segment_score`` of each row, when scoring computed them (in its worker pool)
    segment_scores: list[float] | None = field(default=None, repr=False)
