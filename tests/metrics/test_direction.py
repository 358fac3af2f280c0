"""Every registered metric's declared direction and range agree with how it behaves.

A perfect hypothesis must score better than a poor one in the declared direction, and both
scores must lie in the declared range; a comparison's verdict follows the same direction.
"""

from __future__ import annotations

import pytest

from harness.metrics import METRICS, make_metric
from harness.tasks import Task

REFERENCES = {
    Task.TRANSLATION: [
        "The minister attended the celebration in the capital on Monday.",
        "Relations between the two countries have developed markedly.",
        "The ambassador expressed full support for the joint treaty.",
    ],
    Task.SUMMARIZATION: [
        "شارك وزير الدفاع في احتفال الذكرى السنوية لتأسيس البلاد",
        "أكد السفير دعم بلاده الكامل للمعاهدة المشتركة",
        "تطورت العلاقات بين البلدين بشكل ملحوظ منذ توقيع الاتفاقية",
    ],
}
POOR = {
    Task.TRANSLATION: ["A cat.", "Weather is nice", "Nothing here at all."],
    Task.SUMMARIZATION: ["قطة", "الطقس جميل اليوم", "لا شيء هنا"],
}


def test_every_registered_metric_is_covered() -> None:
    for name in METRICS.names():
        assert make_metric(name).tasks <= set(REFERENCES), name


@pytest.mark.parametrize("name", METRICS.names())
def test_direction_and_range_match_behaviour(name: str) -> None:
    metric = make_metric(name)
    task = next(iter(metric.tasks))
    refs = [[r] for r in REFERENCES[task]]
    perfect = metric.corpus_score(metric.segment_stats(REFERENCES[task], refs))
    poor = metric.corpus_score(metric.segment_stats(POOR[task], refs))

    better, worse = (perfect, poor) if metric.higher_is_better else (poor, perfect)
    assert better > worse, f"{name}: perfect={perfect}, poor={poor}"
    assert metric.is_improvement(perfect - poor)
    assert not metric.is_improvement(poor - perfect)
    eps = 1e-9  # sacrebleu's BLEU of a perfect match is 100.00000000000004
    for score in (perfect, poor):
        assert score >= metric.lower_bound - eps
        if metric.upper_bound is not None:
            assert score <= metric.upper_bound + eps
    best = metric.upper_bound if metric.higher_is_better else metric.lower_bound
    assert perfect == pytest.approx(best), f"{name}: a perfect hypothesis scores {perfect}"


def test_ter_is_lower_is_better_and_unbounded_above() -> None:
    ter = make_metric("ter")
    assert not ter.higher_is_better
    assert ter.upper_bound is None
    long_wrong = ter.segment_stats(["a b c d e f g h i j"], [["x"]])
    assert ter.corpus_score(long_wrong) > 100
