"""Writes every rendering of a report into a folder: report.json, report.md, report.html and
the CSV files."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import IO

from harness.atomic import atomic_open, atomic_write_text
from harness.errors import HarnessError
from harness.forking import fork_frozen, fork_gains_a_core, own_std_streams
from harness.metrics import METRICS
from harness.report_model import REPORT_NAME, Report, read_report
from harness.reports.csv_export import RESULTS_NAME, SEGMENTS_NAME, write_exports
from harness.reports.html import HTML_NAME, write_html_report
from harness.reports.html.charts import MetricChart
from harness.reports.html.view import DrawChart
from harness.reports.markdown import render_markdown


def write_json(report: Report, handle: IO[str]) -> None:
    """``report`` as JSON, streamed to ``handle``: no copy of the segments is built in memory.

    Every key is pretty-printed (indent 2) except the ``segments`` list, which is written one
    segment per line: a 100k-segment report stays readable line by line (and greppable), and
    each line is encoded by ``json``'s C encoder, which indented output cannot use.
    """
    handle.write("{")
    written = 0
    for key, value in report.top_level():
        handle.write(",\n  " if written else "\n  ")
        written += 1
        handle.write(json.dumps(key, ensure_ascii=False) + ": ")
        if key == "segments" and isinstance(value, list) and value:
            handle.write("[")
            for index, segment in enumerate(report.segments):
                handle.write(",\n    " if index else "\n    ")
                handle.write(json.dumps(segment.to_json(), ensure_ascii=False))
            handle.write("\n  ]")
        else:  # JSON strings hold no raw newline, so re-indenting the lines is safe
            handle.write(json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  "))
    handle.write("\n}\n" if written else "}\n")


#: segments from which report.html and the CSV files are written in a forked child, beside
#: report.json and report.md
PARALLEL_HTML_MIN = 2000


def _json_and_markdown(report: Report, out_dir: Path) -> None:
    # Each file is written whole or not at all (temp file, then rename): a reader or a killed
    # run never leaves a truncated report.json behind.
    with atomic_open(out_dir / REPORT_NAME) as handle:
        write_json(report, handle)  # streamed: no second copy in memory
    atomic_write_text(out_dir / "report.md", render_markdown(report))


def _exports_and_html(report: Report, out_dir: Path, draw: DrawChart) -> None:
    write_exports(report, out_dir)  # first: the charts drawn ahead arrive meanwhile
    write_html_report(report, out_dir, draw)


def _fork_writer(report: Report, out_dir: Path, draw: DrawChart) -> int | None:
    """Write the CSV files and report.html in a forked child, so that they and report.json
    (about as long together) are written on two cores. Returns the child's pid, or None where
    there is no fork, one core, or a report too small to gain from it."""
    if len(report.segments) < PARALLEL_HTML_MIN or not fork_gains_a_core():
        return None
    pid = fork_frozen()
    if pid == 0:  # the child: write, then leave without running the parent's exit handlers
        code = 1
        try:
            own_std_streams()
            _exports_and_html(report, out_dir, draw)
            code = 0
        finally:
            os._exit(code)
    return pid


def _writer_done(pid: int | None, report: Report, out_dir: Path, draw: DrawChart) -> None:
    """Wait for the child; if it failed (or there was none), write its files here: the same
    files, or the same error, as a serial run."""
    if pid is not None:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 0:
            return
    _exports_and_html(report, out_dir, draw)


def write_report(report: Report, out_dir: Path, draw: DrawChart = MetricChart.svg) -> None:
    """Write every file of ``report`` into ``out_dir``; report.html's charts come from ``draw``
    (a run's: :meth:`ChartsAhead.draw <harness.reports.html.charts_ahead.ChartsAhead.draw>`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    child = _fork_writer(report, out_dir, draw)
    try:
        _json_and_markdown(report, out_dir)
    except BaseException:
        if child is not None:  # no orphan left writing after the run stopped
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
        raise
    _writer_done(child, report, out_dir, draw)


REPORT_FILES = (REPORT_NAME, "report.md", HTML_NAME, RESULTS_NAME, SEGMENTS_NAME)


def remove_reports(out_dir: Path) -> None:
    """Delete the report files of an earlier run in ``out_dir`` (``harness run --force``), so
    a run that then fails leaves no report that looks like its own."""
    for name in REPORT_FILES:
        (out_dir / name).unlink(missing_ok=True)


def rerender(run_dir: Path) -> Report:
    """Re-render the reports of a run folder from its ``report.json``; runs no model.

    The report is validated first (:mod:`harness.report_model`): its metric names are built-in
    or installed ones, so rendering imports nothing the report names."""
    report = read_report(run_dir, known_metric=METRICS.registered)
    try:
        write_report(report, run_dir)
    except KeyError as exc:
        raise HarnessError(f"{run_dir / REPORT_NAME}: incomplete report: missing {exc}") from None
    except (TypeError, ValueError) as exc:
        raise HarnessError(f"{run_dir / REPORT_NAME}: inconsistent report: {exc}") from None
    return report
