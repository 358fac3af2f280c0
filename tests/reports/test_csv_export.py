"""results.csv and segments.csv: UTF-8 with BOM, Arabic intact, the report's own numbers."""

from __future__ import annotations

import csv
import io

from harness.reports.csv_export import SEGMENTS_NAME, write_exports
from tests.report_documents import as_report

from .html.reports import EVIL_SYSTEM, INJECTIONS, SOURCES, make_report, without_statistics


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "spreadsheets need the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def test_results_csv_has_every_result_with_cis(tmp_path):
    report = make_report(with_statistics=True)
    write_exports(as_report(report), tmp_path)
    rows = read_csv(tmp_path / "results.csv")
    assert list(rows[0]) == ["system", "task", "metric", "score", "ci_low", "ci_high", "n"]
    assert len(rows) == len(report["results"])
    for row, result in zip(rows, report["results"], strict=True):
        assert row["system"] == result["system"] and row["metric"] == result["metric"]
        assert float(row["score"]) == result["score"]
        assert (
            float(row["ci_low"]) == result["ci_low"] and float(row["ci_high"]) == result["ci_high"]
        )


def test_results_csv_of_an_older_report_has_no_ci_columns(tmp_path):
    write_exports(as_report(without_statistics(make_report())), tmp_path)
    assert list(read_csv(tmp_path / "results.csv")[0]) == ["system", "task", "metric", "score", "n"]


def test_new_scalar_keys_become_columns(tmp_path):
    report = make_report()
    for entry in report["results"]:
        entry["corpus"] = "seeds"
    write_exports(as_report(report), tmp_path)
    assert list(read_csv(tmp_path / "results.csv")[0])[:2] == ["corpus", "system"]


def test_segments_csv_keeps_arabic_and_outputs_verbatim(tmp_path):
    report = make_report()
    write_exports(as_report(report), tmp_path)
    rows = read_csv(tmp_path / SEGMENTS_NAME)
    assert len(rows) == len(report["segments"])
    header = list(rows[0])
    assert header[:8] == [
        "system",
        "task",
        "article_id",
        "segment_id",
        "status",
        "source",
        "output",
        "reference_1",
    ]
    assert header[-5:] == ["bleu", "chrf", "ter", "rouge1", "error"]
    by_key = {(r["system"], r["segment_id"]): r for r in rows}
    assert by_key[("base", "title")]["source"] == SOURCES["title"]
    assert by_key[(EVIL_SYSTEM, "title")]["output"] == INJECTIONS[0]
    missing = by_key[(EVIL_SYSTEM, "paragraph-2")]
    assert missing["status"] == "missing" and missing["error"] == "no output <b>line</b>"
    summary = by_key[("lead-2", "")]
    assert "\n" in summary["reference_1"]  # the bullets, one per line, in one cell
    assert summary["bleu"] == "" and float(summary["rouge1"]) == 40.0
    assert float(by_key[("good", "paragraph-2")]["bleu"]) == 50.0


def test_formula_cells_are_neutralised(tmp_path):
    """Before: an output "=HYPERLINK(…)" reached Excel as a live formula (OWASP CSV injection)."""
    report = make_report()
    starts = ["=1+1", "+1", "-cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx"]
    for segment, text in zip(report["segments"], starts, strict=False):
        segment["output"] = text
    report["results"][0]["system"] = "=evil"
    write_exports(as_report(report), tmp_path)
    raw = (tmp_path / SEGMENTS_NAME).read_bytes()[3:].decode("utf-8")
    outputs = [row["output"] for row in csv.DictReader(io.StringIO(raw, newline=""))]
    assert outputs[: len(starts)] == ["'" + text for text in starts]
    rows = read_csv(tmp_path / "results.csv")
    assert rows[0]["system"] == "'=evil"
    assert float(rows[0]["score"]) == report["results"][0]["score"]  # numbers stay numbers


def test_a_key_only_some_segments_have_is_a_column(tmp_path):
    """Segments given the same fields share their columns; a key of one segment alone (a newer
    writer's) still gets its column, and a nested one gets none."""
    report = make_report()
    segments = report["segments"]
    segments[-1]["reviewer"] = "=A1"
    segments[-1]["notes"] = {"nested": True}
    segments[1].pop("cached", None)
    write_exports(as_report(report), tmp_path)
    rows = read_csv(tmp_path / SEGMENTS_NAME)
    assert "reviewer" in rows[0] and "notes" not in rows[0]
    assert [row["reviewer"] for row in rows] == [""] * (len(rows) - 1) + ["'=A1"]
