"""Each metric's statistics width, which `harness compare` checks a report's rows against,
is the width of the rows it computes."""

from __future__ import annotations

import pytest

from harness.metrics import METRICS, make_metric


@pytest.mark.parametrize("name", METRICS.names())
def test_stats_width_is_the_width_of_a_computed_row(name: str) -> None:
    metric = make_metric(name)
    rows = metric.segment_stats_with_sources(
        ["Relations grew by 3.5% since 2019 in Cairo.", ""],
        [["Relations grew by 3.5 percent since 2019 in Cairo."], ["Nothing."]],
        ["نمت العلاقات بنسبة ٣٫٥٪ منذ عام ٢٠١٩ في القاهرة.", "لا شيء."],
    )
    assert [len(row) for row in rows] == [metric.stats_width()] * 2
