"""Summary fidelity: novel numbers, Newsroom's fragment statistics, repeated trigrams.

Expected values are worked out by hand from the definitions (Grusky et al. 2018, §4.1 and
Algorithm 1), not read back from the code.
"""

from __future__ import annotations

import pytest

from harness.errors import HarnessError
from harness.metrics.fragments import (
    Compression,
    Coverage,
    Density,
    Fragment,
    NovelNumbers,
    Repetition,
    fragments,
)


def test_greedy_fragments_take_the_longest_run() -> None:
    # "a b" matches at 1 (length 2) and "a b c" at 6 (length 3): the longer wins; "d" at 5
    assert fragments("a b c d".split(), "x a b y c d a b c".split()) == [
        Fragment(0, 6, 3),
        Fragment(3, 5, 1),
    ]


def test_greedy_fragments_resume_after_a_run_as_newsroom_does() -> None:
    """Algorithm 1 (and newsroom's Fragments) resume the article scan after each candidate
    run, so "a a b" at article position 1 is never tried once "a a" matched at 0."""
    assert fragments("a a b".split(), "a a a b".split()) == [Fragment(0, 0, 2), Fragment(2, 3, 1)]


def test_tokens_found_nowhere_are_skipped() -> None:
    assert fragments("q a r".split(), "a".split()) == [Fragment(1, 0, 1)]
    assert fragments([], "a".split()) == []


ARTICLE = "x a b y c d a b c"
SUMMARY = "a b c d"


def _value(metric, summary: str, article: str) -> float:
    stats = metric.segment_stats_with_sources([summary], [[]], [article])
    return metric.corpus_score(stats)


def test_coverage_density_compression_of_a_worked_example() -> None:
    assert _value(Coverage(), SUMMARY, ARTICLE) == pytest.approx(100.0)  # 4 of 4 tokens
    assert _value(Density(), SUMMARY, ARTICLE) == pytest.approx((3**2 + 1**2) / 4)
    assert _value(Compression(), SUMMARY, ARTICLE) == pytest.approx(9 / 4)
    assert _value(Coverage(), "a z", ARTICLE) == pytest.approx(50.0)


def test_fragment_statistics_use_normalised_arabic_tokens() -> None:
    article = "أعلنت وزارة الصحة عن إطلاق حملة وطنية."
    summary = "اعلنت وزاره الصحه حملة"  # folded spellings still match
    assert _value(Coverage(), summary, article) == pytest.approx(100.0)
    assert _value(Density(), summary, article) == pytest.approx((3**2 + 1) / 4)


def test_corpus_value_is_the_mean_over_non_empty_summaries() -> None:
    coverage = Coverage()
    stats = coverage.segment_stats_with_sources(
        [SUMMARY, "a z", ""], [[], [], []], [ARTICLE, ARTICLE, ARTICLE]
    )
    assert stats == [[100.0, 1.0], [50.0, 1.0], [0.0, 0.0]]
    assert coverage.corpus_score(stats) == pytest.approx(75.0)
    assert coverage.corpus_score([[0.0, 0.0]]) == 0.0


def test_novel_numbers() -> None:
    novel = NovelNumbers()
    article = "قتل ٤٥ شخصا في عام ٢٠٢٤ بحسب 3 مصادر"
    stats = novel.segment_stats_with_sources(
        ["قتل 45 شخصا عام 2024", "قتل 54 شخصا عام 2024", "قتل العشرات"],
        [[], [], []],
        [article, article, article],
    )
    assert stats == [[0.0, 2.0], [1.0, 2.0], [0.0, 0.0]]
    assert novel.corpus_score(stats) == pytest.approx(25.0)
    assert novel.segment_score(stats[1]) == pytest.approx(50.0)
    assert novel.corpus_score([[0.0, 0.0]]) == 0.0  # no numbers: none invented
    assert not novel.higher_is_better


def test_repetition_counts_repeats_of_earlier_trigrams() -> None:
    repetition = Repetition()
    stats = repetition.segment_stats(["a b c a b c a b", "a b", "x y z"], [[], [], []])
    # trigrams: abc bca cab abc bca cab → 6, of which 3 repeat an earlier one
    assert stats == [[3.0, 6.0], [0.0, 0.0], [0.0, 1.0]]
    assert repetition.corpus_score(stats) == pytest.approx(100 * 3 / 7)


def test_source_metrics_refuse_to_score_without_sources() -> None:
    with pytest.raises(HarnessError, match="sources"):
        Coverage().segment_stats(["a"], [["a"]])
