"""Fidelity metrics get a block of their own in report.md and report.html."""

from __future__ import annotations

import copy

import pytest

from harness.metrics import METRICS
from harness.reports.html import render_html
from harness.reports.markdown import render_markdown, results_tables
from tests.report_documents import as_report

from .html.reports import make_report


def test_the_fidelity_metrics_are_the_ones_marked():
    marked = {name for name in METRICS.names() if METRICS.get(name).fidelity}
    assert marked == {
        "numbers", "names", "untranslated", "offtarget", "novel_numbers", "coverage",
        "density", "compression", "repetition", "similarity", "xsim",
    }  # fmt: skip


@pytest.fixture
def report():
    document = copy.deepcopy(make_report())
    for system, score in (("base", 50.0), ("good", 100.0)):
        document["results"].append(
            {"system": system, "task": "translation", "metric": "numbers", "score": score, "n": 4,
             "ci_low": None, "ci_high": None}
        )
    document["provenance"]["metrics"]["numbers"] = "numbers|test"
    return document


def test_markdown_puts_fidelity_metrics_in_their_own_table(report):
    tables = results_tables(as_report(report))
    header, body = tables["translation: fidelity"]
    assert header == ["system", "n", "failed", "numbers ↑"]
    assert [row[0] for row in body] == ["base", "good"]
    assert not any("numbers" in cell for cell in tables["translation"][0])
    assert "## Translation: fidelity" in render_markdown(as_report(report))


def test_html_has_a_fidelity_block(report):
    html = render_html(as_report(report))
    scores, fidelity = html.index("<h3>Scores</h3>"), html.index("<h3>Fidelity</h3>")
    assert scores < fidelity
    assert '<table class="results fidelity"' in html
    assert "numbers ↑" in html[fidelity:]
    assert "numbers ↑" not in html[scores:fidelity]
