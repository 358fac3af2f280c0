"""Paired significance tests between two systems scored on the same segments.

Both tests reproduce sacrebleu's (``--paired-bs`` and ``--paired-ar``) on the same resamples:

- paired bootstrap: both systems are scored on the same 1,000 resamples; the p-value counts
  resamples whose centred absolute difference exceeds the observed one (Koehn 2004 as in Moses);
- approximate randomization: in each of 10,000 trials every segment's pair of statistics is
  swapped with probability ½; the p-value counts trials whose absolute difference is *at least*
  the observed one (Noreen 1989; Riezler & Maxwell 2005), with a tolerance of 1e-9 of the score
  scale for float noise. sacrebleu (after MultEval) counts only strictly greater differences:
  when few segments differ every trial ties, and one changed line of 1,012 gets
  ``p = 1/(R+1)``; here it gets ``p = 1``.

Both give ``p = (c + 1) / (R + 1)``, except that identical statistics give ``p = 1`` (sacrebleu
reports ``1 / (R + 1)``, which reads as significant for a system against itself). The interval
of the difference (candidate − baseline) is the paired bootstrap's, whichever test gives p; its
resampled differences also give the one-sided bound of a gate's margin (:meth:`PairedResult.
worsening_bound`). With ``groups`` both tests draw (or swap) whole articles.

Calibration (``tests/stats/test_calibration.py``): under the null, approximate randomization
rejects at about the nominal rate; sacrebleu's paired bootstrap centres the *absolute*
differences, which makes it effectively one-sided and rejects about twice as often as α. It is
offered to reproduce sacrebleu; comparisons and gates default to approximate randomization.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from harness.errors import HarnessError
from harness.metrics.base import Metric
from harness.stats.resampling import (
    BOOTSTRAP_RESAMPLES,
    SEED,
    Interval,
    Units,
    as_matrix,
    as_units,
    lower_bound,
    percentile_interval,
    resampled_unit_scores,
)
from harness.stats.settings import AR_TRIALS, DEFAULT_ALPHA, DEFAULT_TEST, PairedTest

__all__ = ["DEFAULT_ALPHA", "DEFAULT_TEST", "PairedTest"]



@dataclass(frozen=True)
class PairedResult:
    """A candidate against a baseline on one metric; ``delta`` is candidate − baseline."""

    baseline_score: float
    system_score: float
    delta: float
    interval: Interval | None
    p_value: float | None
    test: PairedTest
    #: candidate − baseline on each paired bootstrap resample (None below 2 units)
    resampled: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: pseudo-candidate − pseudo-baseline of each randomization trial (paired-ar only)
    swapped: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: differences within this much of each other are ties (float noise of a sum order)
    tolerance: float = 0.0

    def worsening_bound(self, alpha: float, metric: Metric | type[Metric]) -> float | None:
        """One-sided ``(1 − alpha)`` lower bound of the worsening (how much worse the candidate
        is, in score points, in the metric's direction), from the paired bootstrap resamples.

        A gate's ``max_drop`` margin is exceeded significantly when this bound lies above it.
        """
        if self.resampled is None:
            return None
        return lower_bound(-metric.improvement(self.resampled), alpha)


def _p_value(exceeding: int, draws: int) -> float:
    return (exceeding + 1) / (draws + 1)


def _paired_bootstrap_p(
    metric: Metric,
    baseline: Units,
    system: Units,
    observed: float,
    resamples: int,
    seed: int,
) -> tuple[float, np.ndarray]:
    baseline_scores, system_scores = resampled_unit_scores(
        metric, [baseline, system], resamples, seed
    )
    sample_diffs = np.abs(system_scores - baseline_scores)
    centred = sample_diffs - sample_diffs.mean()
    p = _p_value(int(np.sum(centred > observed)), resamples)
    return p, system_scores - baseline_scores


#: rows of swap draws per block: a multiple of 32, because numpy draws booleans 32 to a 32-bit
#: word and keeps no leftover bits between calls; whole words make the blocks, stacked, the
#: same stream as sacrebleu's one ``(trials, n)`` draw
SWAP_WORD = 32
#: swap draws per block: 4M (4 MB of booleans, 32 MB as float64), so memory stays flat however
#: many segments are compared (one 10,000 × 103,050 draw took 1 GB)
SWAP_BLOCK_ELEMENTS = 1 << 22


def swap_block_rows(n: int, trials: int) -> int:
    """Rows of one block of swap draws: whole 32-bit words of draws, at least one word."""
    rows = max(SWAP_WORD, SWAP_BLOCK_ELEMENTS // max(n, 1) // SWAP_WORD * SWAP_WORD)
    return min(rows, -(-trials // SWAP_WORD) * SWAP_WORD)


def _randomization_deltas(
    metric: Metric, baseline_units: Units, system_units: Units, trials: int, seed: int
) -> np.ndarray:
    """Δ* (pseudo-candidate − pseudo-baseline) of each trial: every segment's pair of rows is
    swapped with probability ½, drawn a block of trials at a time."""
    baseline, system = baseline_units.stats, system_units.stats
    n = baseline.shape[0]
    segments = baseline_units.segments  # a trial keeps every segment, in one system or the other
    rng = np.random.default_rng(seed)
    # pseudo-system A takes the baseline's row where swap is set, the system's elsewhere
    difference = baseline - system
    step = swap_block_rows(n, trials)
    swapped = np.empty((trials, difference.shape[1]), dtype=np.float64)
    for start in range(0, trials, step):
        rows = min(step, trials - start)
        swap = rng.integers(2, size=(rows, n), dtype=bool)  # sacrebleu's draw, block by block
        swapped[start : start + rows] = swap.astype(np.float64) @ difference
    totals_a = swapped + system.sum(axis=0)
    totals_b = baseline.sum(axis=0) + system.sum(axis=0) - totals_a
    return metric.scores_from_totals(totals_a, segments) - metric.scores_from_totals(
        totals_b, segments
    )


#: ties within this share of the score scale count as ties (float noise of a different sum order)
TIE_TOLERANCE = 1e-9


def paired_test(
    metric: Metric,
    baseline_stats: Sequence[Sequence[float]],
    system_stats: Sequence[Sequence[float]],
    test: PairedTest = PairedTest.BOOTSTRAP,
    resamples: int = BOOTSTRAP_RESAMPLES,
    trials: int = AR_TRIALS,
    seed: int = SEED,
    groups: Sequence[Hashable] | None = None,
) -> PairedResult:
    """Compare a system with a baseline on the same segments (rows in the same order).

    ``groups`` (an article id per segment) draws and swaps whole articles instead of segments.
    With fewer than 2 segments (or articles) there is nothing to resample: interval and p-value
    are ``None``.
    """
    if len(baseline_stats) != len(system_stats):
        raise HarnessError(
            f"{metric.name}: paired test needs the same segments, got {len(baseline_stats)} "
            f"baseline and {len(system_stats)} system rows"
        )
    baseline = as_matrix(baseline_stats)
    system = as_matrix(system_stats)
    baseline_score = metric.corpus_score(baseline_stats)
    system_score = metric.corpus_score(system_stats)
    delta = system_score - baseline_score
    base_units, system_units = as_units(baseline, groups), as_units(system, groups)
    if len(baseline) < 2 or base_units.count < 2:
        return PairedResult(baseline_score, system_score, delta, None, None, test)
    tolerance = TIE_TOLERANCE * max(1.0, abs(baseline_score), abs(system_score))
    if np.array_equal(baseline, system):  # sacrebleu would say p = 1/(R+1) here
        swapped = np.zeros(trials) if test is PairedTest.RANDOMIZATION else None
        return PairedResult(
            baseline_score,
            system_score,
            0.0,
            Interval(0.0, 0.0),
            1.0,
            test,
            np.zeros(resamples),
            swapped,
            tolerance,
        )
    observed = abs(delta)
    p, deltas = _paired_bootstrap_p(metric, base_units, system_units, observed, resamples, seed)
    swapped = None
    if test is PairedTest.RANDOMIZATION:
        # share of trials with |Δ*| ≥ |Δ| − tolerance: ties count (Noreen 1989)
        swapped = _randomization_deltas(metric, base_units, system_units, trials, seed)
        p = _p_value(int(np.sum(np.abs(swapped) >= observed - tolerance)), trials)
    interval = percentile_interval(deltas)
    return PairedResult(
        baseline_score, system_score, delta, interval, p, test, deltas, swapped, tolerance
    )
