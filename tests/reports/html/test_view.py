"""The page's content for large runs: a selection of segments and a per-article summary."""

from __future__ import annotations

import numpy as np
from sacrebleu.metrics import BLEU

from harness.reports.html import render_html
from harness.reports.html.view import FULL_VIEW_MAX, WORST_N, build_page
from tests.report_documents import as_report

from .large_report import make_large_report
from .reports import make_report


def test_small_sections_keep_every_segment():
    page = build_page(as_report(make_report(with_statistics=True)))
    for section in page.sections:
        assert not section.is_selection and section.articles is None
        assert len(section.rows) == section.total_rows
    assert "segments.csv</a>" not in render_html(as_report(make_report(with_statistics=True)))


def test_large_section_shows_the_worst_and_says_why():
    report = make_large_report(segments=FULL_VIEW_MAX + 1000, articles=30)
    (section,) = build_page(as_report(report)).sections
    assert section.is_selection and section.total_rows == FULL_VIEW_MAX + 1000
    shown = {row.segment_id: row.reasons for row in section.rows}
    assert len(shown) <= (2 * 3 + 3) * WORST_N
    by_system = {
        system: {s["segment_id"]: s["scores"] for s in report["segments"] if s["system"] == system}
        for system in ("base", "mt")
    }
    # TER: lower is better, so its worst are the highest
    worst_ter = sorted(by_system["mt"], key=lambda i: -by_system["mt"][i]["ter"])[:WORST_N]
    assert all("worst ter: mt" in shown[i] for i in worst_ter)
    drops = sorted(
        by_system["mt"],
        key=lambda i: by_system["mt"][i]["bleu"] - by_system["base"][i]["bleu"],
    )[:WORST_N]
    assert all("bleu: mt − base" in shown[i] for i in drops)
    assert [row.segment_id for row in section.rows] == sorted(shown, key=int)  # report order
    html = render_html(as_report(report))
    assert 'href="segments.csv"' in html and 'href="report.json"' in html


def test_article_summary_scores_each_article_from_its_statistics():
    report = make_large_report(segments=FULL_VIEW_MAX + 1000, articles=30)
    (section,) = build_page(as_report(report)).sections
    summary = section.articles
    assert summary is not None and summary.from_stats and summary.total == 30
    column = [(s, m.name) for s, m in summary.columns].index(("mt", "bleu"))
    row = next(r for r in summary.rows if r.article_id == "doc-00003")
    stats = [
        s["stats"]["bleu"]
        for s in report["segments"]
        if s["system"] == "mt" and s["article_id"] == "doc-00003"
    ]
    assert row.segments == len(stats)
    expected = BLEU()._compute_score_from_stats(np.sum(stats, axis=0)).score
    assert row.scores[column].value == expected


def test_article_summary_without_statistics_uses_mean_segment_scores():
    report = make_large_report(segments=FULL_VIEW_MAX + 1000, articles=30)
    for segment in report["segments"]:
        del segment["stats"]
    (section,) = build_page(as_report(report)).sections
    summary = section.articles
    assert summary is not None and not summary.from_stats
    column = [(s, m.name) for s, m in summary.columns].index(("base", "ter"))
    scores = [
        s["scores"]["ter"]
        for s in report["segments"]
        if s["system"] == "base" and s["article_id"] == "doc-00007"
    ]
    row = next(r for r in summary.rows if r.article_id == "doc-00007")
    assert abs(row.scores[column].value - sum(scores) / len(scores)) < 1e-9
    assert "mean segment score" in render_html(as_report(report))
