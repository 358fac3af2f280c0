"""Metric charts: matplotlib SVG with CI error bars, deterministic and free of report text."""

from __future__ import annotations

import re

from harness.reports.html.charts import Bar, metric_chart_svg
from harness.reports.html.delta_chart import DeltaBar, delta_chart_svg


def chart(bars, chart_id="c1", higher=True):
    return metric_chart_svg("bleu", bars, higher, chart_id)


def test_svg_is_an_inline_element_and_deterministic():
    bars = [Bar("a", 20.0, 18.0, 22.0), Bar("b", 10.0, 9.0, 12.5)]
    svg = chart(bars)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert svg == chart(bars)


def test_error_bars_drawn_only_with_cis():
    with_ci = chart([Bar("a", 20.0, 18.0, 22.0), Bar("b", 10.0, 9.0, 12.5)])
    without = chart([Bar("a", 20.0), Bar("b", 10.0)])
    # matplotlib groups error bars as LineCollection paths; none without CIs.
    assert re.search(r'id="LineCollection_\d+"', with_ci)
    assert not re.search(r'id="LineCollection_\d+"', without)


def test_chart_ids_differ_between_charts():
    bars = [Bar("a", 20.0)]
    ids = [set(re.findall(r'id="([^"]+)"', chart(bars, chart_id=c))) for c in ("x", "y")]
    hashed = [{i for i in s if re.fullmatch(r"[mp][0-9a-f]{8,}", i)} for s in ids]
    assert hashed[0] and not hashed[0] & hashed[1]


def test_system_names_are_drawn_not_embedded():
    svg = chart([Bar("--><script>alert(1)</script>", 5.0)])
    assert "script" not in svg and "<!--" not in svg


def test_names_with_dollar_signs_are_text_not_mathtext():
    """Before: matplotlib parsed "cost $x^$ y" as mathtext and raised (after report.json was
    written, so `harness run` ended in a traceback)."""
    plain = chart([Bar("cost x^ y", 5.0)])
    dollars = chart([Bar("cost $x^$ y", 5.0), Bar("$\\frac{", 4.0)])
    assert dollars.startswith("<svg")
    assert dollars != plain  # the dollar signs are drawn as glyphs
    assert metric_chart_svg("$bleu^$", [Bar("a", 1.0)], True, "c2").startswith("<svg")


def test_breakdown_buckets_with_dollar_signs_are_text_too():
    """A bucket is a label from the user's --labels file or a report: the breakdown chart
    shares the metric chart's settings (before, it parsed "$x^$" as mathtext and raised)."""
    bars = [
        DeltaBar("cost $x^$ y", -1.0, -2.0, 0.5, "worse"),
        DeltaBar("$\\frac{", 0.5, None, None, "better"),
    ]
    svg = delta_chart_svg("chrf by domain", bars, "d1")
    assert svg.startswith("<svg") and svg == delta_chart_svg("chrf by domain", bars, "d1")
