"""The metric interface: per-segment sufficient statistics, and scores computed from them.

As in sacrebleu, a metric first reduces each (hypothesis, references) pair to a row of numbers,
then computes the corpus score from those rows alone. Corpus scores, per-segment scores, and
(later) bootstrap resamples and paired tests all reuse the rows without re-tokenizing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any, ClassVar

import numpy as np

from harness.errors import HarnessError
from harness.records import Task

Stats = list[list[float]]


class Measures(StrEnum):
    """What a metric's number is: a verdict on the output, or a description of it.

    A quality metric (BLEU, ROUGE, numbers…) gets worse when the output does, so a gate checks
    it by default. A descriptive metric (coverage, density, compression, repetition) says how an
    output looks, not whether it is good: its direction is a choice (coverage ↑ and density ↓
    reward opposite things), so it is reported and gated only where a gate file names it with
    the direction it wants."""

    QUALITY = "quality"
    DESCRIPTION = "description"


class Metric(ABC):
    """A corpus-level metric on a 0–100 scale (TER may exceed 100)."""

    name: ClassVar[str]
    tasks: ClassVar[frozenset[Task]]
    higher_is_better: ClassVar[bool]
    #: quality (gated by default) or description (reported; gated only where a gate file says
    #: which direction it wants); every built-in metric states it (tests/metrics/test_measures.py)
    measures: ClassVar[Measures] = Measures.QUALITY
    #: a fidelity metric checks what news readers care about (numbers, names, the target
    #: language, meaning) rather than n-gram overlap; reports show it in a "Fidelity" block
    fidelity: ClassVar[bool] = False
    lower_bound: ClassVar[float] = 0.0
    upper_bound: ClassVar[float | None] = 100.0
    #: whether the metric reads the sources (``numbers``, ``xsim``): the scorer passes them to
    #: :meth:`segment_stats_with_sources`; such a metric's plain ``segment_stats`` refuses
    needs_source: ClassVar[bool] = False
    #: whether the metric reads the references; False for reference-free checks, which still
    #: score an output whose example has no reference
    needs_reference: ClassVar[bool] = True

    @abstractmethod
    def segment_stats(
        self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]
    ) -> Stats:
        """One row of sufficient statistics per hypothesis.

        ``references[i]`` holds the reference strings of segment ``i``.
        """

    def segment_stats_with_sources(
        self,
        hypotheses: Sequence[str],
        references: Sequence[Sequence[str]],
        sources: Sequence[str],
    ) -> Stats:
        """The rows the scorer asks for: ``sources[i]`` is the input of segment ``i`` (the
        Arabic sentence, or the article of a summary). Metrics without ``needs_source``
        ignore it."""
        return self.segment_stats(hypotheses, references)

    def stats_width(self) -> int:
        """Values per statistics row: how a report's rows are checked before they are used.
        Found by scoring one segment; metrics that know it without scoring say so."""
        return len(self.segment_stats_with_sources(["a"], [["a"]], ["a"])[0])

    @abstractmethod
    def corpus_score(self, stats: Sequence[Sequence[float]]) -> float:
        """The corpus score computed from the rows of :meth:`segment_stats`."""

    @abstractmethod
    def segment_score(self, row: Sequence[float]) -> float:
        """The score of one segment, for per-segment views."""

    def segment_scores(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """:meth:`segment_score` of each row (metrics that can, do it in one array pass)."""
        return [self.segment_score(row) for row in rows]

    @abstractmethod
    def signature(self) -> str:
        """Everything needed to reproduce the score (tokenizer, options, versions)."""

    def segment_details(
        self, source: str, hypothesis: str, references: Sequence[str]
    ) -> dict[str, Any]:
        """What the metric found in one segment it scored beyond its score (xCOMET's error
        spans), for report.json's ``details``; {} for most metrics."""
        del source, hypothesis, references
        return {}

    def note_references(self, references: Sequence[Sequence[str]]) -> None:
        """Record what :meth:`signature` needs to know about ``references`` (e.g. how many per
        segment). :meth:`segment_stats` does it too; this is for statistics computed in another
        process."""
        del references  # nothing to record for most metrics

    #: computed in the scoring process itself, never in its worker pool: metrics that run a
    #: model (its runtime may not survive a fork, and each worker would load a copy)
    in_process: ClassVar[bool] = False

    #: dtype of resampled totals; sacrebleu's metrics use float32, as its paired bootstrap does.
    resample_dtype: ClassVar[type] = np.float64

    def scores_from_totals(self, totals: np.ndarray, n: int) -> np.ndarray:
        """Corpus scores of many corpora at once, each given by the column sums of its ``n`` rows.

        Bootstrap resamples and randomization trials are scored this way without touching text.
        The default assumes, as every metric here does, that the corpus score depends only on
        the sum (or mean) of the rows; metrics override it to vectorise or to match a library.
        """
        return np.array(
            [self.corpus_score(np.broadcast_to(row / n, (n, row.shape[0]))) for row in totals]
        )

    @classmethod
    def is_quality(cls) -> bool:
        """Whether the metric is a verdict on the output (gated by default)."""
        return cls.measures is Measures.QUALITY

    @classmethod
    def applies_to(cls, task: Task) -> bool:
        """Whether the metric scores ``task``; a summary metric scores English summaries too."""
        return task in cls.tasks or task.kind in cls.tasks

    # --- direction: the one place that reads ``higher_is_better`` --------------------------

    @classmethod
    def improvement(cls, delta: float) -> float:
        """How much better a change of ``delta`` (candidate − baseline) is: positive when it
        is for the better, negative when for the worse, in score points."""
        return delta if cls.higher_is_better else -delta

    @classmethod
    def is_improvement(cls, delta: float) -> bool:
        """Whether a change of ``delta`` (candidate − baseline) is for the better."""
        return cls.improvement(delta) > 0

    @classmethod
    def best(cls, scores: Iterable[float]) -> float:
        """The best of ``scores`` (the highest, or for TER the lowest)."""
        return max(scores, key=cls.improvement)

    @classmethod
    def meets_floor(cls, score: float, floor: float) -> bool:
        """Whether ``score`` is at least as good as ``floor`` (for TER: at most ``floor``)."""
        return cls.improvement(score - floor) >= 0

    @classmethod
    def floor_operator(cls) -> str:
        """``>=`` or ``<=``: how :meth:`meets_floor` reads, for messages."""
        return ">=" if cls.higher_is_better else "<="

    @classmethod
    def arrow(cls) -> str:
        """``↑`` when higher is better, ``↓`` when lower is (for table headers)."""
        return "↑" if cls.higher_is_better else "↓"


class SourceMetric(Metric):
    """A metric that reads each segment's source (the Arabic segment, or the article of a
    summary): the scorer passes it to :meth:`segment_stats_with_sources`, and the plain
    :meth:`segment_stats` refuses."""

    needs_source: ClassVar[bool] = True

    def segment_stats(
        self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]
    ) -> Stats:
        raise HarnessError(f"metric '{self.name}' reads sources: segment_stats_with_sources")

    @abstractmethod
    def segment_stats_with_sources(
        self,
        hypotheses: Sequence[str],
        references: Sequence[Sequence[str]],
        sources: Sequence[str],
    ) -> Stats:
        """One row per hypothesis; ``sources[i]`` is the input of segment ``i``."""
