"""Metrics whose corpus score is a function of their statistics summed over the segments.

Most fidelity metrics are shares over the corpus (Arabic letters over letters, names found
over names): summing the rows first weighs each segment by its size, as BLEU's counts do, and
makes a resample's score the same function of its summed rows. A segment's score is that
function of its one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from harness.metrics.base import Metric


def ratio_scores(totals: np.ndarray, num: int, den: int, empty: float) -> np.ndarray:
    """100 × totals[:, num] / totals[:, den], and ``empty`` where the denominator is 0."""
    den_values = totals[:, den]
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = 100.0 * totals[:, num] / den_values
    return np.where(den_values > 0, scores, empty)


def mean_scores(totals: np.ndarray, n: int, column: int) -> np.ndarray:
    """100 × the mean of one column, from its totals over ``n`` rows; 0 with no rows."""
    return 100.0 * totals[:, column] / n if n else np.zeros(len(totals))


class SummedMetric(Metric):
    """Corpus score = :meth:`scores_from_totals` of the summed rows; segment score = the same
    of one row. Subclasses set :attr:`width` (values per row)."""

    width: ClassVar[int] = 2

    def corpus_score(self, stats: Sequence[Sequence[float]]) -> float:
        totals = np.asarray(stats, dtype=float).reshape(-1, self.width).sum(axis=0)
        return float(self.scores_from_totals(totals[None, :], len(stats))[0])

    def segment_score(self, row: Sequence[float]) -> float:
        return self.corpus_score([row])

    def segment_scores(self, rows: Sequence[Sequence[float]]) -> list[float]:
        # each row as its own "corpus" of one: the same arithmetic as segment_score, per array
        matrix = np.asarray(rows, dtype=float).reshape(-1, self.width)
        return [float(x) for x in self.scores_from_totals(matrix, 1)]

    def stats_width(self) -> int:
        return self.width


class RatioMetric(SummedMetric):
    """A share (0–100): 100 × the first column's total over the second's, :attr:`empty` when
    the second's total is 0 (nothing to count)."""

    empty: ClassVar[float] = 0.0

    def scores_from_totals(self, totals: np.ndarray, n: int) -> np.ndarray:
        return ratio_scores(totals, 0, 1, empty=self.empty)


class MeanMetric(SummedMetric):
    """100 × the mean of a one-value row (a share of segments, a mean cosine); 0 with no
    segments."""

    width = 1

    def scores_from_totals(self, totals: np.ndarray, n: int) -> np.ndarray:
        return mean_scores(totals, n, column=0)
