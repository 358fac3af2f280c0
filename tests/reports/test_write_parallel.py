"""report.html and the CSV files written in a forked child, beside report.json: the same bytes
as serial."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import forking
from harness.report_model import REPORT_NAME
from harness.reports import write
from tests.report_documents import as_report


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_the_forked_html_is_the_serial_html(runs, tmp_path: Path, monkeypatch) -> None:
    report = json.loads((runs["base"] / REPORT_NAME).read_text(encoding="utf-8"))
    children: list[int | None] = []
    fork = write._fork_writer
    monkeypatch.setattr(write, "_fork_writer", lambda *a: children.append(fork(*a)) or children[-1])
    monkeypatch.setattr(forking, "usable_cores", lambda: 2)

    monkeypatch.setattr(write, "PARALLEL_HTML_MIN", 1)
    write.write_report(as_report(report), tmp_path / "forked")
    monkeypatch.setattr(write, "PARALLEL_HTML_MIN", 10**9)
    write.write_report(as_report(report), tmp_path / "serial")

    assert children[0] is not None and children[1] is None  # one child, then none
    forked, serial = _files(tmp_path / "forked"), _files(tmp_path / "serial")
    assert "report.html" in forked
    assert forked == serial


def test_a_failing_child_surfaces_the_serial_error(runs, tmp_path: Path, monkeypatch) -> None:
    report = json.loads((runs["base"] / REPORT_NAME).read_text(encoding="utf-8"))
    monkeypatch.setattr(write, "PARALLEL_HTML_MIN", 1)
    monkeypatch.setattr(forking, "usable_cores", lambda: 2)

    def broken(*_: object) -> None:
        raise KeyError("results")

    monkeypatch.setattr(write, "write_html_report", broken)
    with pytest.raises(KeyError, match="results"):
        write.write_report(as_report(report), tmp_path)
    assert (tmp_path / "report.json").is_file()  # the other files were written meanwhile
    assert not (tmp_path / "report.html").exists()
