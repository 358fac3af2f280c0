"""Writing a run's reports: each file is replaced whole, or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.report_model import REPORT_NAME
from harness.reports.write import write_report
from tests.report_documents import as_report


def test_a_report_that_fails_midway_leaves_the_previous_one_whole(runs, tmp_path: Path):
    report = json.loads((runs["base"] / REPORT_NAME).read_text(encoding="utf-8"))
    write_report(as_report(report), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert {"report.json", "report.md", "report.html", "results.csv", "segments.csv"} <= set(before)

    broken = {**report, "zz_not_json": object()}  # json.dump has streamed most of it by then
    with pytest.raises(TypeError):
        write_report(as_report(broken), tmp_path)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before  # no truncated report.json, no temp file left over
    json.loads(after["report.json"])
