"""The margin test's counting rule, and the randomization draw's bounded blocks."""

from __future__ import annotations

import numpy as np
import pytest

from harness.stats import PairedTest
from harness.stats.margin import allowed_count, margin_test
from harness.stats.paired import SWAP_BLOCK_ELEMENTS, PairedResult, swap_block_rows


@pytest.mark.parametrize(
    ("draws", "alpha", "k"), [(1000, 0.05, 49), (1000, 0.001, 0), (1000, 0.002, 1), (1000, 5e-5, -1)]
)
def test_allowed_count_is_the_largest_that_still_rejects(draws: int, alpha: float, k: int) -> None:
    assert allowed_count(draws, alpha) == k
    if k >= 0:
        assert (k + 1) / (draws + 1) < alpha <= (k + 2) / (draws + 1)


def _result(test: PairedTest, delta: float, draws: np.ndarray) -> PairedResult:
    swapped = draws if test is PairedTest.RANDOMIZATION else None
    resampled = None if test is PairedTest.RANDOMIZATION else draws
    return PairedResult(50.0, 50.0 + delta, delta, None, None, test, resampled, swapped)


def test_randomization_counts_trials_reaching_the_shifted_difference() -> None:
    """Higher is better, Δ = −3 (worse by 3): against margin 1 the trials must reach W − m = 2."""
    trials = np.linspace(-2.5, 2.5, 1001)  # pseudo Δ*; worsening W* = −Δ*
    result = _result(PairedTest.RANDOMIZATION, -3.0, trials)
    test = margin_test(result, True, 1.0, 0.05)
    assert test.p_value == pytest.approx((np.sum(-trials >= 2.0) + 1) / 1002)
    assert test.rejected == (test.bound > 1.0)
    lower_is_better = margin_test(_result(PairedTest.RANDOMIZATION, 3.0, trials), False, 1.0, 0.05)
    assert lower_is_better.p_value == test.p_value  # TER rising by 3 is the same worsening


def test_bootstrap_counts_resamples_within_the_margin() -> None:
    resampled = -np.linspace(0.5, 3.5, 1000)  # Δ* of resamples: worse by 0.5 … 3.5
    test = margin_test(_result(PairedTest.BOOTSTRAP, -2.0, resampled), True, 1.0, 0.05)
    assert test.p_value == pytest.approx((np.sum(-resampled <= 1.0) + 1) / 1001)
    assert test.rejected == (test.bound > 1.0)


def test_swap_blocks_are_bounded_and_whole_words() -> None:
    """10,000 trials × 103,050 segments used to be one 1 GB draw."""
    rows = swap_block_rows(103_050, 10_000)
    assert rows % 32 == 0 and rows * 103_050 <= SWAP_BLOCK_ELEMENTS
    assert swap_block_rows(10, 100) == 128  # small sets: one block (rounded up to a word)
