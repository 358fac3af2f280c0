"""Agreement of metric scores with human scores, as google-research/mt-metrics-eval defines it.

- :func:`pearson`: Pearson's r (system level).
- :func:`kendall_tau_b`: Kendall's τ_b (scipy's ``kendalltau(variant="b")``), from the pair
  counts ``(C − D) / sqrt((n0 − n1)(n0 − n2))``.
- :func:`pairwise_accuracy`: the share of pairs whose order the metric and the humans agree
  on, ``sign(Δh) == sign(Δm)`` (mt-metrics-eval's ``Agreement``; Kocmi et al. 2021).
- :func:`acc_eq`: pairwise accuracy with tie calibration (Deutsch, Foster & Freitag 2023,
  mt-metrics-eval's ``KendallWithTiesOpt(variant="acc23")``): a pair is right when both
  order it the same way, or both call it a tie; metric differences up to ε count as ties, and
  ε is chosen to maximise the accuracy. Pairs are formed within each group (WMT23: the
  systems' outputs for one item) and the groups' accuracies averaged.

Everything here takes plain arrays; :mod:`harness.meta.resample` adds intervals and tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLOCK = 1 << 22  # pair comparisons per block in the O(n²) counts


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r; NaN when either side is constant or has fewer than 2 values."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(x) < 2:
        return float("nan")
    dx, dy = x - x.mean(), y - y.mean()
    denominator = np.sqrt((dx @ dx) * (dy @ dy))
    return float(dx @ dy / denominator) if denominator > 0 else float("nan")


def concordance(x: np.ndarray, y: np.ndarray) -> float:
    """``C − D``: the sum over pairs of ``sign(Δx)·sign(Δy)``, in blocks of rows."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n = len(x)
    step = max(1, BLOCK // max(n, 1))
    total = 0.0
    for start in range(0, n, step):
        sx = np.sign(x[start : start + step, None] - x[None, :])
        sy = np.sign(y[start : start + step, None] - y[None, :])
        total += float((sx * sy).sum())
    return total / 2  # each pair counted twice (i, j) and (j, i)


def tied_pairs(values: np.ndarray, counts: np.ndarray | None = None) -> float:
    """Pairs with equal values; with ``counts``, value ``i`` stands for ``counts[i]`` copies."""
    _, inverse = np.unique(np.asarray(values), return_inverse=True)
    weights = np.ones(len(values)) if counts is None else np.asarray(counts, dtype=np.float64)
    sizes = np.bincount(inverse, weights=weights)
    return float((sizes * (sizes - 1) / 2).sum())


def kendall_tau_b(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's τ_b; NaN when every pair is tied on one side (as mt-metrics-eval)."""
    n = len(x)
    n0 = n * (n - 1) / 2
    n1, n2 = tied_pairs(x), tied_pairs(y)
    if n0 == 0 or n1 == n0 or n2 == n0:
        return float("nan")
    return float(concordance(x, y) / np.sqrt((n0 - n1) * (n0 - n2)))


def pairwise_accuracy(human: np.ndarray, metric: np.ndarray) -> float:
    """The share of pairs with ``sign(Δhuman) == sign(Δmetric)`` (ties agree with ties)."""
    h, m = np.asarray(human, dtype=np.float64), np.asarray(metric, dtype=np.float64)
    upper = np.triu_indices(len(h), k=1)
    if not len(upper[0]):
        return float("nan")
    agree = np.sign(h[:, None] - h[None, :]) == np.sign(m[:, None] - m[None, :])
    return float(agree[upper].mean())


@dataclass(frozen=True)
class Pairs:
    """The pairs acc_eq reads: per pair, whether the humans tie it, whether the metric orders
    it the humans' way, how far apart the metric scores are, and its group."""

    human_tie: np.ndarray
    agree: np.ndarray  # same order (meaningful for pairs neither side ties)
    metric_gap: np.ndarray
    group: np.ndarray
    groups: int

    @property
    def size(self) -> int:
        return len(self.group)


def grouped_pairs(human: np.ndarray, metric: np.ndarray) -> Pairs:
    """The pairs of each row of ``(groups, members)`` matrices; NaN human scores are left out
    (an unrated output), and a row with fewer than 2 rated members forms no pair."""
    human = np.atleast_2d(np.asarray(human, dtype=np.float64))
    metric = np.atleast_2d(np.asarray(metric, dtype=np.float64))
    members = human.shape[1]
    first, second = np.triu_indices(members, k=1)
    h1, h2 = human[:, first], human[:, second]
    m1, m2 = metric[:, first], metric[:, second]
    rated = ~(np.isnan(h1) | np.isnan(h2))
    rows = np.broadcast_to(np.arange(human.shape[0])[:, None], rated.shape)[rated]
    h_diff, m_diff = (h1 - h2)[rated], (m1 - m2)[rated]
    _, group = np.unique(rows, return_inverse=True)
    return Pairs(
        human_tie=h_diff == 0,
        agree=np.sign(h_diff) == np.sign(m_diff),
        metric_gap=np.abs(m_diff),
        group=group,
        groups=int(group.max()) + 1 if len(group) else 0,
    )


def acc_eq_curve(pairs: Pairs, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate thresholds ε (0, then each distinct metric gap) and the accuracy at each,
    for one or many rows of per-pair ``weights`` (``(pairs,)`` or ``(rows, pairs)``).

    At ε a pair counts as right when the metric gap is at most ε and the humans tie it, or
    the gap is larger and both order it the same way (the humans do not tie it)."""
    untied_right = (~pairs.human_tie & pairs.agree).astype(np.float64)
    change = pairs.human_tie.astype(np.float64) - untied_right  # right when tied minus untied
    order = np.argsort(pairs.metric_gap, kind="stable")
    gaps = pairs.metric_gap[order]
    last = np.r_[gaps[1:] != gaps[:-1], True]
    base = weights @ untied_right
    cumulative = np.cumsum(weights[..., order] * change[order], axis=-1)[..., last]
    thresholds = gaps[last]
    accuracy = base[..., None] + cumulative if np.ndim(base) else base + cumulative
    if thresholds[0] != 0:
        thresholds = np.r_[0.0, thresholds]
        accuracy = np.concatenate([np.expand_dims(base, -1), accuracy], axis=-1)
    return thresholds, accuracy


def group_weights(pairs: Pairs, group_counts: np.ndarray | None = None) -> np.ndarray:
    """Per-pair weights that average the groups' accuracies (each group's pairs share its
    weight); ``group_counts`` (``(rows, groups)``) weighs groups as a resample draws them."""
    per_group = np.bincount(pairs.group, minlength=pairs.groups).astype(np.float64)
    if group_counts is None:
        return 1.0 / (pairs.groups * per_group[pairs.group])
    counts = np.asarray(group_counts, dtype=np.float64)
    totals = counts.sum(axis=-1, keepdims=True)
    return counts[..., pairs.group] / totals / per_group[pairs.group]


def acc_eq(human: np.ndarray, metric: np.ndarray) -> tuple[float, float]:
    """acc_eq with tie calibration over the rows of ``(groups, members)`` matrices: the best
    accuracy and the smallest ε that reaches it (NaN, 0 when there is no pair)."""
    pairs = grouped_pairs(human, metric)
    if not pairs.size:
        return float("nan"), 0.0
    thresholds, accuracy = acc_eq_curve(pairs, group_weights(pairs))
    best = best_index(accuracy)
    return float(accuracy[best]), float(thresholds[best])


def best_index(accuracy: np.ndarray) -> int:
    """The smallest ε whose accuracy is the maximum (up to float summation noise)."""
    return int(np.argmax(accuracy >= accuracy.max() - 1e-12))
