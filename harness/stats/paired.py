"""Paired significance tests between two systems scored on the same segments.

Both tests reproduce sacrebleu's (``--paired-bs`` and ``--paired-ar``) on the same resamples:

- paired bootstrap: both systems are scored on the same 1,000 resamples; the p-value counts
  resamples whose centred absolute difference exceeds the observed one (Koehn 2004 as in Moses);
- approximate randomization: in each of 10,000 trials every segment's pair of statistics is
  swapped with probability ½; the p-value counts trials whose absolute difference exceeds the
  observed one.

Both give ``p = (c + 1) / (R + 1)``, except that identical statistics give ``p = 1`` (sacrebleu
reports ``1 / (R + 1)``, which reads as significant for a system against itself). The interval
of the difference (candidate − baseline) is the paired bootstrap's, whichever test gives p.

Calibration (``tests/stats/test_calibration.py``): under the null, approximate randomization
rejects at about the nominal rate; sacrebleu's paired bootstrap centres the *absolute*
differences, which makes it effectively one-sided and rejects about twice as often as α. It is
offered to reproduce sacrebleu; comparisons and gates default to approximate randomization.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from harness.errors import HarnessError
from harness.metrics.base import Metric
from harness.stats.resampling import (
    AR_TRIALS,
    BOOTSTRAP_RESAMPLES,
    SEED,
    Interval,
    as_matrix,
    block_rows,
    bootstrap_signature,
    percentile_interval,
    resample_count_blocks,
    resampled_totals,
)


class PairedTest(StrEnum):
    BOOTSTRAP = "paired-bs"
    RANDOMIZATION = "paired-ar"

    def signature(self) -> str:
        """sacrebleu's spelling of the test's settings."""
        if self is PairedTest.BOOTSTRAP:
            return bootstrap_signature()
        return f"|ar:{AR_TRIALS}" + bootstrap_signature()


#: approximate randomization: its false-positive rate is nominal; sacrebleu's paired bootstrap
#: rejects about twice as often as alpha under the null (see tests/stats/test_calibration.py)
DEFAULT_TEST = PairedTest.RANDOMIZATION
#: the significance level of comparisons and gates unless a config or gate file sets one
DEFAULT_ALPHA = 0.05


@dataclass(frozen=True)
class PairedResult:
    """A candidate against a baseline on one metric; ``delta`` is candidate − baseline."""

    baseline_score: float
    system_score: float
    delta: float
    interval: Interval | None
    p_value: float | None
    test: PairedTest


def _p_value(exceeding: int, draws: int) -> float:
    return (exceeding + 1) / (draws + 1)


def _paired_bootstrap_p(
    metric: Metric,
    baseline: np.ndarray,
    system: np.ndarray,
    observed: float,
    resamples: int,
    seed: int,
) -> tuple[float, np.ndarray]:
    baseline_totals, system_totals = [], []
    for block in resample_count_blocks(baseline.shape[0], resamples, seed):
        baseline_totals.append(resampled_totals(metric, baseline, block))
        system_totals.append(resampled_totals(metric, system, block))
    n = baseline.shape[0]
    baseline_scores = metric.scores_from_totals(np.concatenate(baseline_totals), n)
    system_scores = metric.scores_from_totals(np.concatenate(system_totals), n)
    sample_diffs = np.abs(system_scores - baseline_scores)
    centred = sample_diffs - sample_diffs.mean()
    p = _p_value(int(np.sum(centred > observed)), resamples)
    return p, system_scores - baseline_scores


def _randomization_p(
    metric: Metric,
    baseline: np.ndarray,
    system: np.ndarray,
    observed: float,
    trials: int,
    seed: int,
) -> float:
    n = baseline.shape[0]
    rng = np.random.default_rng(seed)
    swap = rng.integers(2, size=(trials, n), dtype=bool)  # sacrebleu's draw, in one piece
    # pseudo-system A takes the baseline's row where swap is set, the system's elsewhere;
    # converted to float a block of rows at a time, so memory stays at the bool matrix
    step = block_rows(n, trials)
    difference = baseline - system
    swapped = np.concatenate(
        [
            swap[start : start + step].astype(np.float64) @ difference
            for start in range(0, trials, step)
        ]
    )
    totals_a = swapped + system.sum(axis=0)
    totals_b = baseline.sum(axis=0) + system.sum(axis=0) - totals_a
    scores_a = metric.scores_from_totals(totals_a, n)
    scores_b = metric.scores_from_totals(totals_b, n)
    return _p_value(int(np.sum(np.abs(scores_a - scores_b) > observed)), trials)


def paired_test(
    metric: Metric,
    baseline_stats: Sequence[Sequence[float]],
    system_stats: Sequence[Sequence[float]],
    test: PairedTest = PairedTest.BOOTSTRAP,
    resamples: int = BOOTSTRAP_RESAMPLES,
    trials: int = AR_TRIALS,
    seed: int = SEED,
) -> PairedResult:
    """Compare a system with a baseline on the same segments (rows in the same order).

    With fewer than 2 segments there is nothing to resample: interval and p-value are ``None``.
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
    if len(baseline) < 2:
        return PairedResult(baseline_score, system_score, delta, None, None, test)
    if np.array_equal(baseline, system):  # sacrebleu would say p = 1/(R+1) here
        return PairedResult(baseline_score, system_score, 0.0, Interval(0.0, 0.0), 1.0, test)
    observed = abs(delta)
    p, deltas = _paired_bootstrap_p(metric, baseline, system, observed, resamples, seed)
    if test is PairedTest.RANDOMIZATION:
        p = _randomization_p(metric, baseline, system, observed, trials, seed)
    return PairedResult(baseline_score, system_score, delta, percentile_interval(deltas), p, test)
