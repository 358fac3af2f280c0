"""Fidelity metrics get a block of their own in report.md and report.html."""

from __future__ import annotations

import copy

import pytest

from harness.metrics import METRICS
from harness.metrics.base import Metric
from harness.records import Task
from harness.reports.html import render_html
from harness.reports.markdown import render_markdown, results_tables

from .html.reports import make_report


class FakeNumbers(Metric):
    """Stands in for a fidelity metric: only its class metadata is read when rendering."""

    name = "numbers"
    tasks = frozenset({Task.TRANSLATION})
    higher_is_better = True
    fidelity = True

    def segment_stats(self, hypotheses, references):
        raise NotImplementedError

    def corpus_score(self, stats):
        raise NotImplementedError

    def segment_score(self, row):
        raise NotImplementedError

    def signature(self):
        return "numbers|test"


@pytest.fixture
def report(monkeypatch):
    monkeypatch.setitem(METRICS._targets, "numbers", f"{__name__}:FakeNumbers")
    document = copy.deepcopy(make_report())
    for system, score in (("base", 50.0), ("good", 100.0)):
        document["results"].append(
            {"system": system, "task": "translation", "metric": "numbers", "score": score, "n": 4,
             "ci_low": None, "ci_high": None}
        )
    document["provenance"]["metrics"]["numbers"] = "numbers|test"
    return document


def test_markdown_puts_fidelity_metrics_in_their_own_table(report):
    tables = results_tables(report)
    header, body = tables["translation: fidelity"]
    assert header == ["system", "n", "numbers ↑"]
    assert [row[0] for row in body] == ["base", "good"]
    assert not any("numbers" in cell for cell in tables["translation"][0])
    assert "## Translation: fidelity" in render_markdown(report)


def test_html_has_a_fidelity_block(report):
    html = render_html(report)
    scores, fidelity = html.index("<h3>Scores</h3>"), html.index("<h3>Fidelity</h3>")
    assert scores < fidelity
    assert '<table class="results fidelity"' in html
    assert "numbers ↑" in html[fidelity:]
    assert "numbers ↑" not in html[scores:fidelity]
