"""Bootstrap intervals of the agreement figures, and the permutation test of Deutsch et al.
(2021) for "metric B agrees with the humans better than metric A".

The bootstrap draws items (each item with all its systems), with sacrebleu's draws (1,000
resamples, seed 12345) and its percentile interval. The permutation test is mt-metrics-eval's
``PermutationSigDiff`` (PERM-BOTH): both metrics' scores are z-scored, and each trial swaps
the two metrics' scores of every cell (a system, or an output) with probability ½; p is the
share of trials whose difference is at least the observed one (no early stopping).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from harness.meta.correlation import (
    BLOCK,
    acc_eq,
    acc_eq_curve,
    group_weights,
    grouped_pairs,
    kendall_tau_b,
)
from harness.stats import SEED, Interval
from harness.stats.resampling import percentile_interval, resample_counts

PERMUTATION_TRIALS = 1000


def interval(values: np.ndarray) -> Interval | None:
    """The 95% percentile interval of the finite resampled values (None if under half are)."""
    finite = values[np.isfinite(values)]
    return percentile_interval(finite) if len(finite) * 2 >= len(values) > 0 else None


def tau_b_bootstrap(
    metric: np.ndarray, human: np.ndarray, item: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """τ_b of each resample, where ``counts[r, i]`` copies of item ``i``'s cells are drawn.

    Each resample's pair counts are quadratic forms of the copies ``c``: ``C − D =
    ½ cᵀSc`` with ``S = sign(Δmetric)·sign(Δhuman)`` (copies of one cell tie on both sides),
    and the tied pairs of a value held by ``T`` copies are ``T(T − 1)/2``; so no resample is
    rebuilt cell by cell. ``S`` is computed in column blocks."""
    cells = counts[:, item].astype(np.float64)  # (R, n) copies of each cell
    n = len(metric)
    step = max(1, BLOCK // max(n, 1))
    concordant = np.zeros(len(cells))
    for start in range(0, n, step):
        block = slice(start, start + step)
        s = np.sign(metric[:, None] - metric[None, block]) * np.sign(
            human[:, None] - human[None, block]
        )
        concordant += ((cells @ s) * cells[:, block]).sum(axis=1)
    concordant /= 2
    total = cells.sum(axis=1)
    n0 = total * (total - 1) / 2

    def ties(values: np.ndarray) -> np.ndarray:
        _, inverse = np.unique(values, return_inverse=True)
        grouped = np.zeros((len(cells), inverse.max() + 1))
        for column, value in enumerate(inverse):
            grouped[:, value] += cells[:, column]
        return (grouped * (grouped - 1) / 2).sum(axis=1)

    n1, n2 = ties(metric), ties(human)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = concordant / np.sqrt((n0 - n1) * (n0 - n2))
    return np.where((n0 > n1) & (n0 > n2), tau, np.nan)


def acc_eq_bootstrap(human: np.ndarray, metric: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """acc_eq (re-calibrated) of each resample of the rows (items) of ``(items, systems)``
    matrices: a drawn item's pairs count as often as it is drawn."""
    pairs = grouped_pairs(human, metric)
    if not pairs.size:
        return np.full(len(counts), np.nan)
    rated_rows = np.flatnonzero(np.bincount(_row_of_pairs(human), minlength=len(human)))
    group_counts = counts[:, rated_rows]
    out = np.empty(len(counts))
    step = max(1, BLOCK // max(pairs.size, 1))
    for start in range(0, len(counts), step):
        rows = slice(start, start + step)
        _, accuracy = acc_eq_curve(pairs, group_weights(pairs, group_counts[rows]))
        out[rows] = accuracy.max(axis=-1)
    return out


def _row_of_pairs(human: np.ndarray) -> np.ndarray:
    """The row of each pair :func:`grouped_pairs` forms (rows with two rated cells)."""
    rated = ~np.isnan(human)
    first, second = np.triu_indices(human.shape[1], k=1)
    both = rated[:, first] & rated[:, second]
    return np.broadcast_to(np.arange(len(human))[:, None], both.shape)[both]


def flat_acc_eq_bootstrap(human: np.ndarray, metric: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """acc_eq of one group (one system's items) per resample, rebuilt from the drawn items."""
    out = np.empty(len(counts))
    for r, row in enumerate(counts):
        drawn = np.repeat(np.arange(len(row)), row)
        out[r] = acc_eq(human[drawn][None, :], metric[drawn][None, :])[0]
    return out


def zscore(values: np.ndarray) -> np.ndarray:
    """(x − mean) / std over the finite values (NaN stays NaN); unchanged when constant."""
    finite = values[np.isfinite(values)]
    spread = finite.std() if len(finite) else 0.0
    return (
        (values - finite.mean()) / spread
        if spread > 0
        else values - (finite.mean() if len(finite) else 0)
    )


def permutation_p(
    score_a: np.ndarray,
    score_b: np.ndarray,
    statistic: Callable[[np.ndarray], float],
    trials: int = PERMUTATION_TRIALS,
    seed: int = SEED,
) -> tuple[float, float]:
    """``(p, delta)`` for "B agrees better than A": delta = statistic(B) − statistic(A) on
    z-scored scores, p the share of trials (cells swapped between A and B at random) whose
    difference is at least delta."""
    a, b = zscore(score_a), zscore(score_b)
    delta = statistic(b) - statistic(a)
    rng = np.random.default_rng(seed)
    larger = 0
    for _ in range(trials):
        swap = rng.integers(0, 2, size=a.shape).astype(bool)
        first, second = np.where(swap, b, a), np.where(swap, a, b)
        if statistic(second) - statistic(first) >= delta:
            larger += 1
    return larger / trials, float(delta)


def item_counts(items: int, resamples: int, seed: int = SEED) -> np.ndarray:
    """``(resamples, items)`` bootstrap draw counts (sacrebleu's draws)."""
    return resample_counts(items, resamples, seed)


__all__ = [
    "PERMUTATION_TRIALS",
    "acc_eq_bootstrap",
    "flat_acc_eq_bootstrap",
    "interval",
    "item_counts",
    "kendall_tau_b",
    "permutation_p",
    "tau_b_bootstrap",
]
