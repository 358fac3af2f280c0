"""Bootstrap resampling: sacrebleu's draws, vectorised scoring, intervals and their edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from harness.metrics import make_metric
from harness.metrics.base import Metric
from harness.stats import bootstrap_interval, bootstrap_signature
from harness.stats.resampling import percentile_interval, resample_counts


def test_counts_are_sacrebleus_index_draws() -> None:
    counts = resample_counts(7, 50, seed=12345)
    indices = np.random.default_rng(12345).choice(7, size=(50, 7), replace=True)
    assert counts.shape == (50, 7)
    assert (counts.sum(axis=1) == 7).all()
    for row, drawn in zip(counts, indices, strict=True):
        assert row.tolist() == np.bincount(drawn, minlength=7).tolist()


def test_interval_reads_sacrebleus_indices() -> None:
    values = np.arange(1000, dtype=float)[::-1]
    interval = percentile_interval(values)
    assert (interval.low, interval.high) == (25.0, 974.0)  # 1000 // 40, 1000 - 25 - 1


@pytest.mark.parametrize("name", ["bleu", "chrf", "ter", "rouge1", "rougeLsum"])
def test_vectorised_scores_equal_the_generic_definition(name: str) -> None:
    """Each metric's fast ``scores_from_totals`` agrees with the base class's definition."""
    metric = make_metric(name)
    if "rouge" in name:
        hyps, refs = ["قطة على السجادة", "الطقس جميل", "وزير الدفاع"], ["قطة", "الطقس", "وزير"]
    else:
        hyps, refs = ["a cat sat on it", "the weather", "minister of defence"], ["a cat", "x", "m"]
    stats = np.asarray(metric.segment_stats(hyps, [[r] for r in refs]))
    counts = resample_counts(3, 20, seed=1)
    totals = counts.astype(float) @ stats
    fast = metric.scores_from_totals(totals, 3)
    generic = Metric.scores_from_totals(metric, totals, 3)
    assert np.allclose(fast.astype(float), generic, atol=1e-4)


def test_interval_is_none_below_two_items() -> None:
    bleu = make_metric("bleu")
    assert bootstrap_interval(bleu, []) is None
    assert bootstrap_interval(bleu, bleu.segment_stats(["a b c"], [["a b c"]])) is None


def test_interval_brackets_the_score_and_is_seeded() -> None:
    rouge = make_metric("rouge1")
    rng = np.random.default_rng(0)
    f = rng.uniform(0.2, 0.8, size=200)
    stats = np.stack([f, f, f], axis=1).tolist()
    interval = bootstrap_interval(rouge, stats)
    assert interval is not None
    assert interval.low < rouge.corpus_score(stats) < interval.high
    assert bootstrap_interval(rouge, stats) == interval
    assert bootstrap_interval(rouge, stats, seed=1) != interval
    assert bootstrap_signature() == "|bs:1000|rs:12345"


def test_blocked_draws_equal_one_sacrebleu_draw(monkeypatch) -> None:
    """Drawing the resamples a few rows at a time (bounded memory on large corpora) gives the
    same counts, intervals and paired p-values as one draw of the whole matrix."""
    from harness.stats import PairedTest, paired_test, resampling

    metric = make_metric("chrf")
    rng = np.random.default_rng(0)
    words = ["the", "minister", "said", "talks", "were", "fruitful", "on", "monday"]
    hyps = [" ".join(rng.choice(words, 6)) for _ in range(41)]
    refs = [[" ".join(rng.choice(words, 6))] for _ in range(41)]
    base = metric.segment_stats(hyps, refs)
    system = metric.segment_stats(hyps[::-1], refs)

    def tests() -> list:
        return [paired_test(metric, base, system, t, resamples=200, trials=300) for t in PairedTest]

    whole = (resample_counts(41, 200, 12345), bootstrap_interval(metric, base, 200), tests())
    monkeypatch.setattr(resampling, "BLOCK_ELEMENTS", 41 * 7)  # 7 rows per block
    assert resampling.block_rows(41, 200) == 7
    indices = np.random.default_rng(12345).choice(41, size=(200, 41), replace=True)
    blocked = resample_counts(41, 200, 12345)
    assert blocked.tolist() == whole[0].tolist()
    assert blocked[-1].tolist() == np.bincount(indices[-1], minlength=41).tolist()
    assert bootstrap_interval(metric, base, 200) == whole[1]
    from harness.stats import paired

    # randomization trials are blocked too, in whole 32-bit words of boolean draws
    monkeypatch.setattr(paired, "SWAP_BLOCK_ELEMENTS", 41 * 40)
    assert paired.swap_block_rows(41, 300) == 32
    assert tests() == whole[2]
