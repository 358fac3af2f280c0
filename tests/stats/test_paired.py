"""Paired tests on hand-made statistics: direction, identical systems, edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from harness.errors import HarnessError
from harness.metrics import make_metric
from harness.stats import PairedTest, paired_test


def _rows(f: np.ndarray) -> list[list[float]]:
    return np.stack([f, f, f], axis=1).tolist()


@pytest.mark.parametrize("test", list(PairedTest))
def test_a_clearly_worse_system_is_significant_with_a_negative_delta(test: PairedTest) -> None:
    rouge = make_metric("rouge1")
    rng = np.random.default_rng(3)
    base = rng.uniform(0.4, 0.6, size=100)
    result = paired_test(rouge, _rows(base), _rows(base - 0.1), test)
    assert result.delta == pytest.approx(-10.0)
    assert result.p_value is not None and result.p_value < 0.01
    assert result.interval is not None
    assert result.interval.low <= -10.0 + 1e-9 and result.interval.high >= -10.0 - 1e-9
    assert result.test is test


@pytest.mark.parametrize("test", list(PairedTest))
def test_identical_systems_have_p_one(test: PairedTest) -> None:
    bleu = make_metric("bleu")
    stats = bleu.segment_stats(["a cat sat", "the dog ran off"], [["a cat sat"], ["a dog ran"]])
    result = paired_test(bleu, stats, stats, test)
    assert result.p_value == 1.0 and result.delta == 0.0


def test_ter_delta_sign_is_raw_and_direction_is_the_metrics() -> None:
    """delta is candidate − baseline; for TER a positive delta is a worsening."""
    ter = make_metric("ter")
    refs = [["the cat sat on the mat"], ["a dog ran in the park"], ["birds fly south"]]
    good = ter.segment_stats([r[0] for r in refs], refs)
    bad = ter.segment_stats(["cat", "dog", "birds"], refs)
    result = paired_test(ter, good, bad, PairedTest.RANDOMIZATION)
    assert result.delta > 0
    assert not ter.is_improvement(result.delta)


def test_fewer_than_two_segments_gives_no_p_value() -> None:
    bleu = make_metric("bleu")
    a = bleu.segment_stats(["a b c d"], [["a b c d"]])
    b = bleu.segment_stats(["x"], [["a b c d"]])
    result = paired_test(bleu, a, b)
    assert result.p_value is None and result.interval is None
    assert result.delta < 0


def test_mismatched_segments_are_refused() -> None:
    rouge = make_metric("rouge1")
    with pytest.raises(HarnessError, match="same segments"):
        paired_test(rouge, _rows(np.ones(3)), _rows(np.ones(4)))


@pytest.mark.parametrize("k", [1, 2, 5])
def test_randomization_counts_ties_when_k_of_n_segments_differ(k: int) -> None:
    """k of 100 segments improve by the same amount. A trial reaches |Δ| only when it swaps
    none or all of them, so the exact p is 2/2^k (1, 0.5, 0.0625): never significant at 0.05.
    Counting only strictly greater |Δ*| (sacrebleu) would give 1/(R+1) for every k; k = 2 also
    needs the float tolerance (the swapped sums differ from |Δ| in the last bits)."""
    rouge = make_metric("rouge1")
    base = np.random.default_rng(k).uniform(0.3, 0.6, size=100)
    candidate = base.copy()
    candidate[np.arange(k) * 7] += 0.1
    result = paired_test(rouge, _rows(base), _rows(candidate), PairedTest.RANDOMIZATION)
    assert result.delta == pytest.approx(0.1 * k)  # ROUGE: mean F over 100 rows, ×100
    assert result.p_value is not None
    if k == 1:
        assert result.p_value == 1.0
    else:
        assert result.p_value == pytest.approx(2.0 ** (1 - k), abs=0.015)
    assert result.p_value > 0.05


def test_article_resampling_swaps_whole_articles() -> None:
    """With groups, a draw takes an article with all its segments: the interval widens when
    segments of one article move together, and identical groups give segment resampling."""
    rouge = make_metric("rouge1")
    rng = np.random.default_rng(5)
    article_effect = np.repeat(rng.normal(0.0, 0.1, size=20), 10)  # 20 articles of 10
    base = np.clip(0.5 + rng.normal(0.0, 0.02, size=200), 0, 1)
    candidate = np.clip(base + article_effect, 0, 1)
    articles = [f"a{i // 10}" for i in range(200)]
    by_segment = paired_test(rouge, _rows(base), _rows(candidate))
    by_article = paired_test(rouge, _rows(base), _rows(candidate), groups=articles)
    assert by_segment.interval is not None and by_article.interval is not None
    width = lambda r: r.interval.high - r.interval.low  # noqa: E731
    assert width(by_article) > 2 * width(by_segment)
    singletons = paired_test(rouge, _rows(base), _rows(candidate), groups=list(range(200)))
    assert singletons.p_value == by_segment.p_value and singletons.interval == by_segment.interval
    one_article = paired_test(rouge, _rows(base), _rows(candidate), groups=["a"] * 200)
    assert one_article.p_value is None and one_article.interval is None
