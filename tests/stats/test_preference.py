"""Win/tie/loss summaries of pairwise judgements: exact sign test, rates and intervals, and
article-level counting."""

from __future__ import annotations

import math

from harness.stats.preference import LOSS, TIE, WIN, preference, sign_test


def test_sign_test_is_the_exact_two_sided_binomial_test():
    assert sign_test(3, 0) == 2 / 8
    assert sign_test(7, 2) == 2 * (1 + 9 + 36) / 512  # C(9, k) for k <= 2
    assert sign_test(5, 5) == 1.0  # 2 · 638/1024 capped at 1
    assert sign_test(0, 12) == 2 / 4096
    assert sign_test(0, 0) is None


def test_rates_intervals_and_ties_carry_no_sign():
    outcomes = [WIN] * 6 + [TIE] * 3 + [LOSS]
    summary = preference(outcomes)
    assert (summary.wins, summary.ties, summary.losses) == (6, 3, 1)
    assert (summary.win_rate, summary.tie_rate, summary.loss_rate) == (0.6, 0.3, 0.1)
    assert math.isclose(summary.p_value, 2 * (1 + 7) / 128)  # 6 wins, 1 loss
    low, high = summary.win_interval.low, summary.win_interval.high
    assert low < 0.6 < high and 0 <= low and high <= 1
    assert summary.units == "segments"


def test_articles_count_once_by_the_sign_of_their_net_wins():
    outcomes = [WIN, WIN, LOSS, WIN, LOSS, LOSS, TIE]
    groups = ["a", "a", "a", "b", "b", "b", "c"]
    summary = preference(outcomes, groups)
    # a: +1, b: -1, c: 0 → one positive, one negative article
    assert summary.units == "articles" and summary.p_value == 1.0
    assert (summary.wins, summary.ties, summary.losses) == (3, 1, 3)
