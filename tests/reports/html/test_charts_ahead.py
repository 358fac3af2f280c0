"""Charts drawn ahead by a forked child: the same page, whatever the child did."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness import forking
from harness.report_model import REPORT_NAME, Report
from harness.reports.html import charts_ahead, render_html
from harness.reports.html.charts import MetricChart
from harness.reports.html.charts_ahead import ChartsAhead
from tests.report_documents import as_report


@pytest.fixture
def report(runs) -> Report:
    return as_report(json.loads((runs["base"] / REPORT_NAME).read_text(encoding="utf-8")))


@pytest.fixture(autouse=True)
def two_cores(monkeypatch) -> None:
    monkeypatch.setattr(forking, "usable_cores", lambda: 2)


def _scores(report: Report) -> Report:
    """What a run sends: its results and provenance, without segments."""
    return report.model_copy(update={"segments": [], "results": list(report.results)})


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _never_drawn_here(monkeypatch) -> None:
    def refuse(chart: MetricChart) -> str:
        raise AssertionError(f"{chart.chart_id} drawn in this process")

    monkeypatch.setattr(MetricChart, "svg", refuse)


def test_every_chart_comes_from_the_child_and_the_page_is_the_same(report, monkeypatch) -> None:
    serial = render_html(report)
    with ChartsAhead.start() as charts:
        pid = charts._pid
        charts.send(_scores(report))
        _never_drawn_here(monkeypatch)  # patched after the fork: only this process refuses
        assert render_html(report, charts.draw) == serial
    assert serial.count("<svg") >= 2
    assert pid is not None and _reaped(pid)


def test_a_chart_the_child_did_not_draw_is_drawn_here(report, monkeypatch) -> None:
    serial = render_html(report)
    sent = _scores(report)
    first = sent.results[0]
    assert first.ci_low is not None
    sent.results[0] = first.model_copy(update={"ci_low": first.ci_low - 0.5})
    drawn_here: list[str] = []
    svg = MetricChart.svg
    with ChartsAhead.start() as charts:
        charts.send(sent)  # one chart of the final page differs from what the child drew
        monkeypatch.setattr(MetricChart, "svg", lambda c: drawn_here.append(c.chart_id) or svg(c))
        assert render_html(report, charts.draw) == serial
    assert drawn_here == [f"section-0-{first.metric}"]


def test_a_failing_child_leaves_the_page_as_it_would_be(report, monkeypatch) -> None:
    serial = render_html(report)

    def broken(*args: object) -> None:
        raise RuntimeError("the child fails")

    monkeypatch.setattr(charts_ahead, "build_page", broken)  # before the fork: in the child too
    with ChartsAhead.start() as charts:
        charts.send(_scores(report))
        monkeypatch.undo()
        assert render_html(report, charts.draw) == serial


def test_a_run_that_stops_before_its_scores_leaves_no_child(report) -> None:
    with pytest.raises(KeyboardInterrupt), ChartsAhead.start() as charts:
        pid = charts._pid
        raise KeyboardInterrupt
    assert pid is not None and _reaped(pid)
    # never sent the scores: drawing does not wait for a child that waits for them
    chart = MetricChart("bleu", (), True, "c")
    with ChartsAhead.start() as unsent:
        assert unsent.draw(chart) == chart.svg()


def test_one_core_forks_no_child(report, monkeypatch) -> None:
    monkeypatch.setattr(forking, "usable_cores", lambda: 1)
    with ChartsAhead.start() as charts:
        assert charts._pid is None
        charts.send(_scores(report))
        assert render_html(report, charts.draw) == render_html(report)


def test_a_run_draws_its_charts_ahead(tmp_path: Path, monkeypatch) -> None:
    """`harness run` sends the scores, and report.html is what `harness report` renders."""
    from typer.testing import CliRunner

    from harness.cli import app
    from harness.reports.write import rerender
    from tests.stats.report_factory import write_config, write_outputs

    write_outputs(tmp_path, "good")
    write_outputs(tmp_path, "short", degrade=True)
    config = write_config(tmp_path, "two", ["good", "short"])
    received: list[int] = []
    receive = ChartsAhead._receive

    def counted(self: ChartsAhead) -> dict[str, str]:
        drawn = receive(self)
        received.append(len(drawn))
        return drawn

    monkeypatch.setattr(ChartsAhead, "_receive", counted)
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert received == [3] and html.count("<svg") == 3  # BLEU, chrF++, TER: all from the child
    monkeypatch.undo()
    rerender(tmp_path / "run")
    assert (tmp_path / "run" / "report.html").read_text(encoding="utf-8") == html


def test_a_fork_that_fails_leaves_the_run_without_a_child(report, monkeypatch) -> None:
    def no_fork() -> int:
        raise BlockingIOError("fork: Resource temporarily unavailable")

    monkeypatch.setattr(charts_ahead, "fork_frozen", no_fork)
    open_before = len(os.listdir("/proc/self/fd"))
    with ChartsAhead.start() as charts:
        assert charts._pid is None
        charts.send(_scores(report))
        assert render_html(report, charts.draw) == render_html(report)
    assert len(os.listdir("/proc/self/fd")) == open_before  # its pipes were closed
