"""The metric interface: per-segment sufficient statistics, and scores computed from them.

As in sacrebleu, a metric first reduces each (hypothesis, references) pair to a row of numbers,
then computes the corpus score from those rows alone. Corpus scores, per-segment scores, and
(later) bootstrap resamples and paired tests all reuse the rows without re-tokenizing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from harness.tasks import Task

Stats = list[list[float]]


class Metric(ABC):
    """A corpus-level metric on a 0–100 scale (TER may exceed 100)."""

    name: ClassVar[str]
    tasks: ClassVar[frozenset[Task]]
    higher_is_better: ClassVar[bool]
    lower_bound: ClassVar[float] = 0.0
    upper_bound: ClassVar[float | None] = 100.0

    @abstractmethod
    def segment_stats(
        self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]
    ) -> Stats:
        """One row of sufficient statistics per hypothesis.

        ``references[i]`` holds the reference strings of segment ``i``.
        """

    @abstractmethod
    def corpus_score(self, stats: Sequence[Sequence[float]]) -> float:
        """The corpus score computed from the rows of :meth:`segment_stats`."""

    @abstractmethod
    def segment_score(self, row: Sequence[float]) -> float:
        """The score of one segment, for per-segment views."""

    @abstractmethod
    def signature(self) -> str:
        """Everything needed to reproduce the score (tokenizer, options, versions)."""

    def applies_to(self, task: Task) -> bool:
        return task in self.tasks

    def is_improvement(self, delta: float) -> bool:
        """Whether a change of ``delta`` (candidate − baseline) is for the better."""
        return delta > 0 if self.higher_is_better else delta < 0
