"""Win/tie/loss of a candidate against a baseline, judged pairwise segment by segment.

Rates come with 95% bootstrap intervals (the same draws as the other intervals: 1,000
resamples, seed 12345; whole articles with ``groups``). Significance is a two-sided exact
sign test on wins against losses (ties carry no sign; Dixon & Mood 1946): over segments, or
with ``groups`` over articles, each article counting by the sign of its wins − losses, since
segments of one article are not independent.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from harness.stats.resampling import (
    BOOTSTRAP_RESAMPLES,
    SEED,
    Interval,
    as_units,
    percentile_interval,
    resample_counts,
)

WIN, TIE, LOSS = 1, 0, -1


@dataclass(frozen=True)
class Preference:
    wins: int
    ties: int
    losses: int
    win_rate: float
    tie_rate: float
    loss_rate: float
    win_interval: Interval | None
    tie_interval: Interval | None
    loss_interval: Interval | None
    #: two-sided exact sign test of wins against losses (None when both are 0)
    p_value: float | None
    #: what the sign test counted: segments, or articles (by the sign of wins − losses)
    units: str


def sign_test(positive: int, negative: int) -> float | None:
    """Two-sided exact binomial test of ``positive`` against ``negative`` at p = ½."""
    n = positive + negative
    if n == 0:
        return None
    low = min(positive, negative)
    tail = sum(math.comb(n, k) for k in range(low + 1)) / 2**n
    return min(1.0, 2 * tail)


def preference(
    outcomes: Sequence[int],
    groups: Sequence[Hashable] | None = None,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = SEED,
) -> Preference:
    """Summary of per-segment ``outcomes`` (:data:`WIN`, :data:`TIE`, :data:`LOSS`)."""
    values = np.asarray(outcomes, dtype=np.int64)
    rows = np.stack([values == WIN, values == TIE, values == LOSS], axis=1).astype(np.float64)
    n = len(values)
    counts = rows.sum(axis=0) if n else np.zeros(3)
    rates = counts / n if n else np.full(3, math.nan)
    intervals: list[Interval | None] = [None, None, None]
    units = as_units(rows, groups) if n else None
    if units is not None and units.count >= 2:
        draws = resample_counts(units.count, resamples, seed).astype(np.float64)
        totals = draws @ units.stats  # (resamples, 3)
        sizes = totals.sum(axis=1, keepdims=True)
        resampled = totals / np.where(sizes > 0, sizes, 1)
        intervals = [percentile_interval(resampled[:, i]) for i in range(3)]
    if groups is None or units is None:
        p_value = sign_test(int(counts[0]), int(counts[2]))
        unit_name = "segments"
    else:
        net = units.stats[:, 0] - units.stats[:, 2]
        p_value = sign_test(int((net > 0).sum()), int((net < 0).sum()))
        unit_name = "articles"
    return Preference(
        wins=int(counts[0]),
        ties=int(counts[1]),
        losses=int(counts[2]),
        win_rate=float(rates[0]),
        tie_rate=float(rates[1]),
        loss_rate=float(rates[2]),
        win_interval=intervals[0],
        tie_interval=intervals[1],
        loss_interval=intervals[2],
        p_value=p_value,
        units=unit_name,
    )
