"""Every registered metric's declared direction and range agree with how it behaves.

A perfect hypothesis must score better than a poor one in the declared direction, and both
scores must lie in the declared range; a comparison's verdict follows the same direction.
"""

from __future__ import annotations

import pytest

from harness.metrics import METRICS, make_metric
from harness.tasks import Task

# Names, numbers (Arabic digits and separators in the sources) and Arabic in the poor outputs,
# so that the fidelity metrics (numbers, names, untranslated, offtarget) see a difference too.
SOURCES = {
    Task.TRANSLATION: [
        "حضر الوزير احتفال الذكرى الـ٢٥ في عمان يوم الاثنين.",
        "نمت العلاقات بين الأردن ومصر بنسبة ٣٫٥٪ منذ عام ٢٠١٩.",
        "أعرب السفير عن دعمه الكامل للمعاهدة المشتركة.",
    ],
    Task.SUMMARIZATION: [
        "شارك وزير الدفاع في احتفال الذكرى السنوية لتأسيس البلاد. وحضر الاحتفال 300 ضيف.",
        "أكد السفير دعم بلاده الكامل للمعاهدة المشتركة خلال مؤتمر صحفي عقده في العاصمة.",
        "تطورت العلاقات بين البلدين بشكل ملحوظ منذ توقيع الاتفاقية قبل عشرة أعوام.",
    ],
}
REFERENCES = {
    Task.TRANSLATION: [
        "The minister attended the 25th anniversary celebration in Amman on Monday.",
        "Relations between Jordan and Egypt have grown by 3.5% since 2019.",
        "The ambassador expressed full support for the joint treaty.",
    ],
    Task.SUMMARIZATION: [
        "شارك وزير الدفاع في احتفال الذكرى السنوية لتأسيس البلاد",
        "أكد السفير دعم بلاده الكامل للمعاهدة المشتركة",
        "تطورت العلاقات بين البلدين بشكل ملحوظ منذ توقيع الاتفاقية",
    ],
}
POOR = {
    Task.TRANSLATION: ["A cat.", "الطقس جميل اليوم", "Nothing here at all."],
    Task.SUMMARIZATION: ["قطة عمرها 7 سنوات", "الطقس جميل اليوم", "لا شيء هنا لا شيء هنا"],
}
#: descriptive summary metrics whose declared direction prefers what the poor outputs do:
#: density ↓ (less verbatim copying) and compression ↑ (shorter summaries)
PREFERS_POOR = {"density", "compression"}
#: reference-free similarity to the source: its best output is the source itself
BEST_IS_SOURCE = {"xsim"}
#: learned metrics score only with a checkpoint the user supplies (no weights ship here); the
#: tiny random test checkpoints cannot tell good from bad: tests/metrics/learned covers them
NEEDS_MODEL = {"comet", "metricx"}


# judge metrics score only what a judge said: tests/judges (their direction and range there)
NAMES = [name for name in METRICS.names() if not name.startswith("judge")]


def test_every_registered_metric_is_covered() -> None:
    for name in NAMES:
        if name in NEEDS_MODEL:
            assert make_metric(name, {"model": "m"}).tasks <= set(REFERENCES), name
            continue
        assert make_metric(name).tasks <= set(REFERENCES), name


CASES = [
    (name, task)
    for name in NAMES
    if name not in NEEDS_MODEL
    for task in sorted(METRICS.get(name).tasks)
]


@pytest.mark.parametrize(("name", "task"), CASES)
def test_direction_and_range_match_behaviour(name: str, task: Task) -> None:
    metric = make_metric(name)
    refs = [[r] for r in REFERENCES[task]]
    perfect_outputs = SOURCES[task] if name in BEST_IS_SOURCE else REFERENCES[task]
    poor_outputs = POOR[task]
    if name in PREFERS_POOR:
        perfect_outputs, poor_outputs = poor_outputs, perfect_outputs
    perfect = metric.corpus_score(
        metric.segment_stats_with_sources(perfect_outputs, refs, SOURCES[task])
    )
    poor = metric.corpus_score(metric.segment_stats_with_sources(poor_outputs, refs, SOURCES[task]))

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
    if best is not None:  # compression has no best value
        assert perfect == pytest.approx(best), f"{name}: a perfect hypothesis scores {perfect}"


def test_ter_is_lower_is_better_and_unbounded_above() -> None:
    ter = make_metric("ter")
    assert not ter.higher_is_better
    assert ter.upper_bound is None
    long_wrong = ter.segment_stats(["a b c d e f g h i j"], [["x"]])
    assert ter.corpus_score(long_wrong) > 100
