"""Per-row contracts of every metric: its statistics width (what `harness compare` checks a
report's rows against) is the width of the rows it computes, and its segment scores in one
pass equal its score of each row."""

from __future__ import annotations

import pytest

from harness.metrics import METRICS, make_metric
from tests.metrics.learned.conftest import learned_options

# judge metrics compute rows only from a judge's verdicts: tests/judges/test_metric.py
NAMES = [name for name in METRICS.names() if not name.startswith("judge")]


@pytest.mark.parametrize("name", NAMES)
def test_stats_width_is_the_width_of_a_computed_row(name: str) -> None:
    metric = make_metric(name, learned_options(name))
    rows = metric.segment_stats_with_sources(
        ["Relations grew by 3.5% since 2019 in Cairo.", ""],
        [["Relations grew by 3.5 percent since 2019 in Cairo."], ["Nothing."]],
        ["نمت العلاقات بنسبة ٣٫٥٪ منذ عام ٢٠١٩ في القاهرة.", "لا شيء."],
    )
    assert [len(row) for row in rows] == [metric.stats_width()] * 2


@pytest.mark.parametrize("name", NAMES)
def test_segment_scores_equal_segment_score_row_by_row(name: str) -> None:
    metric = make_metric(name, learned_options(name))
    rows = metric.segment_stats_with_sources(
        ["Relations grew by 3.5% since 2019 in Cairo, Cairo.", "", "Nothing at all here."],
        [["Relations grew by 3.5 percent since 2019 in Cairo."], ["Nothing."], ["Nothing."]],
        ["نمت العلاقات بنسبة ٣٫٥٪ منذ عام ٢٠١٩ في القاهرة.", "لا شيء.", "لا شيء هنا."],
    )
    assert metric.segment_scores(rows) == [metric.segment_score(row) for row in rows]
