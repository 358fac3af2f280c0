"""Bootstrap resampling of segment statistics, vectorised as one matrix product.

A resample is a multiset of segment indices; its aggregated statistics are ``counts @ stats``
where ``counts[r, i]`` says how often segment ``i`` was drawn in resample ``r``. The indices are
drawn exactly as sacrebleu draws them (``rng.choice(n, size=(R, n))`` with ``default_rng(seed)``),
so the same seed gives the same resamples and the same intervals as sacrebleu.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from harness.metrics.base import Metric

BOOTSTRAP_RESAMPLES = 1000
AR_TRIALS = 10000
SEED = 12345


@dataclass(frozen=True)
class Interval:
    """A two-sided 95% interval read from sorted resampled values."""

    low: float
    high: float


def bootstrap_signature(resamples: int = BOOTSTRAP_RESAMPLES, seed: int = SEED) -> str:
    """The signature suffix that makes an interval reproducible (sacrebleu's spelling)."""
    return f"|bs:{resamples}|rs:{seed}"


def resample_counts(n: int, resamples: int, seed: int) -> np.ndarray:
    """``(resamples, n)`` draw counts, from the same index draws as sacrebleu's bootstrap."""
    rng = np.random.default_rng(seed)
    indices = rng.choice(n, size=(resamples, n), replace=True)
    flat = indices + (np.arange(resamples) * n)[:, None]
    return np.bincount(flat.ravel(), minlength=resamples * n).reshape(resamples, n)


def as_matrix(stats: Sequence[Sequence[float]], dtype: type = np.float64) -> np.ndarray:
    """Segment statistics as an ``(n, k)`` array (``(0, 0)`` when there are none)."""
    matrix = np.asarray(stats, dtype=dtype)
    return matrix.reshape(len(stats), -1) if matrix.size else matrix.reshape(len(stats), 0)


def resampled_scores(metric: Metric, stats: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The metric's corpus score on every resample described by ``counts``."""
    dtype = metric.resample_dtype
    totals = counts.astype(dtype) @ stats.astype(dtype)
    return metric.scores_from_totals(totals, stats.shape[0])


def percentile_interval(values: np.ndarray) -> Interval:
    """sacrebleu's 95% interval: sorted values at ``R // 40`` and ``R - R // 40 - 1``."""
    ordered = np.sort(values)
    low_index = len(ordered) // 40
    return Interval(float(ordered[low_index]), float(ordered[len(ordered) - low_index - 1]))


def bootstrap_interval(
    metric: Metric,
    stats: Sequence[Sequence[float]],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = SEED,
) -> Interval | None:
    """95% bootstrap interval of the corpus score; ``None`` with fewer than 2 segments."""
    if len(stats) < 2:
        return None
    matrix = as_matrix(stats)
    counts = resample_counts(len(stats), resamples, seed)
    return percentile_interval(resampled_scores(metric, matrix, counts))
