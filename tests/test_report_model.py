"""report.json is untrusted input: schema-validated by every reader, and metric names in it
never resolve through an import path (a crafted report must not run anything)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.errors import HarnessError
from harness.metrics import METRICS
from harness.report_model import (
    ComparisonEntry,
    EmbedEntry,
    PairwiseEntry,
    Report,
    ResultEntry,
    SegmentEntry,
    read_report,
)
from harness.reports.write import rerender


def _report(runs: dict[str, Path], name: str = "base") -> dict[str, Any]:
    return json.loads((runs[name] / "report.json").read_text(encoding="utf-8"))


def _write(folder: Path, report: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report), encoding="utf-8")
    return folder


def _rename_metric(report: dict[str, Any], old: str, new: str, where: str) -> None:
    """Rename metric ``old`` to ``new`` in one place of the report (or everywhere)."""
    if where in ("results", "all"):
        for entry in report["results"]:
            if entry["metric"] == old:
                entry["metric"] = new
    if where in ("stats", "all"):
        for segment in report["segments"]:
            segment["stats"][new] = segment["stats"].pop(old)
            segment["scores"][new] = segment["scores"].pop(old)
    if where in ("provenance", "all"):
        provenance = report["provenance"]
        provenance["metrics"][new] = provenance["metrics"].pop(old)


def _crafted(runs: dict[str, Path], marker: Path, where: str) -> dict[str, Any]:
    """A report whose 'bleu' is renamed to ``subprocess:run``, with options that would make
    ``subprocess.run(args=[...])`` create ``marker`` if the name were ever imported and called."""
    report = _report(runs)
    _rename_metric(report, "bleu", "subprocess:run", where)
    args = [sys.executable, "-c", f"open({str(marker)!r}, 'w').close()"]
    report["provenance"]["metric_options"] = {"subprocess:run": {"args": args}}
    return report


@pytest.mark.parametrize("where", ["all", "results", "stats", "provenance", "options"])
@pytest.mark.parametrize("command", ["compare", "report", "leaderboard"])
def test_a_crafted_report_naming_an_import_path_runs_nothing(
    runs: dict[str, Path], tmp_path: Path, command: str, where: str
) -> None:
    marker = tmp_path / "pwned"
    crafted = _crafted(runs, marker, where if where != "options" else "none")
    run = _write(tmp_path / "crafted", crafted)
    args = {
        "compare": ["compare", str(run), str(run)],
        "report": ["report", str(run)],
        "leaderboard": ["leaderboard", str(run)],
    }[command]

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 2, result.output
    assert not marker.exists()
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert str(run / "report.json") in lines[0] and "unknown metric 'subprocess:run'" in lines[0]
    assert "never an import path" in lines[0]
    assert not (run / "report.md").exists()  # `harness report` refused before writing anything


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (lambda r: r["results"][0].update(score="35"), "results[0].score"),
        (lambda r: r["results"][0].pop("system"), "results[0].system"),
        (lambda r: r["segments"][2].update(stats=[1, 2]), "segments[2].stats"),
        (lambda r: r["segments"][0]["stats"].update(bleu=["x"]), "segments[0].stats.bleu[0]"),
        (lambda r: r["segments"][1].pop("article_id"), "segments[1].article_id"),
        (lambda r: r["segments"][0].update(references="one"), "segments[0].references"),
        (lambda r: r["provenance"].update(metrics=[]), "provenance.metrics"),
        (lambda r: r["provenance"].update(corpora={"x": 1}), "provenance.corpora.x"),
        (
            lambda r: r["provenance"].update(comparisons={"alpha": 2}),
            "provenance.comparisons.alpha",
        ),
        (lambda r: r.update(segments={}), "segments"),
        (lambda r: r.update(comparisons=[{"metric": "bleu"}]), "comparisons[0].baseline"),
        (lambda r: r["results"][0].update(metric="os:system"), "results[0].metric"),
        (lambda r: r["results"][0].update(metric="BLEU"), "results[0].metric"),
    ],
)
def test_a_hand_edited_report_is_one_line_naming_file_and_key(
    runs: dict[str, Path], tmp_path: Path, edit, key: str
) -> None:
    report = _report(runs)
    edit(report)
    run = _write(tmp_path / "edited", report)
    for args in (["compare", str(runs["base"]), str(run)], ["report", str(run)]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert f"report.json: key '{key}'" in result.output, result.output
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_valid_report_reads_back_unchanged(runs: dict[str, Path]) -> None:
    report = read_report(runs["base"], known_metric=METRICS.registered)
    assert report.file == runs["base"] / "report.json"
    assert isinstance(report, Report) and isinstance(report.segments[0], SegmentEntry)
    assert report.to_document() == _report(runs)


BEFORE = Path(__file__).parent / "fixtures" / "report_before_model"
RENDERED = ("report.json", "report.md", "results.csv", "segments.csv", "report.html")


def test_a_report_written_before_the_model_reads_and_renders_byte_for_byte(
    tmp_path: Path,
) -> None:
    """tests/fixtures/report_before_model holds a run folder written by the harness before
    report.json had a model (commit bbb8642: three systems, two tasks, comparisons, embeds,
    a fidelity metric). Read with the model and rendered again, every file is the same bytes:
    the keys, their order and the numbers' text are kept."""
    (tmp_path / "report.json").write_bytes((BEFORE / "report.json").read_bytes())
    report = rerender(tmp_path)
    assert report.comparisons and report.embeds and report.provenance.systems
    for name in RENDERED:
        assert (tmp_path / name).read_bytes() == (BEFORE / name).read_bytes(), name


def test_a_key_the_model_does_not_name_is_kept_and_written_back(tmp_path: Path) -> None:
    """A newer writer may add keys: they survive a read and a re-render, in their place."""
    document = json.loads((BEFORE / "report.json").read_text(encoding="utf-8"))
    document["segments"][0]["reviewer_note"] = "checked"
    document["provenance"]["systems"]["copy"]["extra_fact"] = [1, 2]
    document["later_section"] = {"x": 1}
    (tmp_path / "report.json").write_text(json.dumps(document), encoding="utf-8")
    rerender(tmp_path)
    again = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert again == document
    assert list(again["segments"][0])[-1] == "reviewer_note"


def test_each_metric_name_is_looked_up_once(runs: dict[str, Path]) -> None:
    """A name repeats in every segment's scores and stats; looking up a plug-in's name scans
    package metadata (milliseconds), so a 100k-segment report must not do it per segment."""
    asked: list[str] = []

    def known(name: str) -> bool:
        asked.append(name)
        return METRICS.registered(name)

    read_report(runs["base"], known_metric=known)
    assert len(asked) == len(set(asked)) > 0
    assert len(_report(runs)["segments"]) > len(asked)


def test_an_installed_entry_point_metric_is_known_an_import_path_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package that declares ``[project.entry-points."harness.metrics"]`` is trusted (it was
    installed); the same class named as ``module:attr`` in a report is not."""
    (tmp_path / "shouty_metric.py").write_text(
        "from harness.metrics.sacrebleu_metrics import Bleu\n\n"
        "class ShoutyBleu(Bleu):\n    name = 'shouty'\n",
        encoding="utf-8",
    )
    dist = tmp_path / "shouty_metric-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: shouty-metric\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[harness.metrics]\nshouty = shouty_metric:ShoutyBleu\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert METRICS.registered("shouty") and "shouty" in METRICS.names()
        assert METRICS.get_registered("shouty").__name__ == "ShoutyBleu"
        assert not METRICS.registered("shouty_metric:ShoutyBleu")
        with pytest.raises(HarnessError, match=r"'harness\.metrics' entry point"):
            METRICS.get_registered("shouty_metric:ShoutyBleu")
    finally:
        sys.modules.pop("shouty_metric", None)


DOCS = Path(__file__).parents[1] / "docs" / "reports.md"


def _documented_keys() -> set[str]:
    """The keys docs/reports.md's table names (in backticks or in a ``{"…"}`` list)."""
    table = [line for line in DOCS.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    found = set()
    for line in table:
        found |= set(re.findall(r"`([a-z_]+)`", line)) | set(re.findall(r'"([a-z_]+)"', line))
    return found


@pytest.mark.parametrize(
    "model", [Report, ResultEntry, SegmentEntry, ComparisonEntry], ids=lambda m: m.__name__
)
def test_the_docs_name_every_key_of_the_model(model: type) -> None:
    missing = sorted(set(model.model_fields) - _documented_keys())
    assert not missing, f"docs/reports.md does not describe {model.__name__}: {missing}"


def test_every_list_of_keys_in_the_docs_is_a_model_field() -> None:
    """The ``{"…"}`` key lists of the table are fields of the entry they describe."""
    rows = {
        "results": ResultEntry, "segments": SegmentEntry, "comparisons": ComparisonEntry,
        "embeds": EmbedEntry, "pairwise": PairwiseEntry,
    }  # fmt: skip
    table = [line for line in DOCS.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    for line in table:
        key = line.split("`")[1]
        model = rows.get(key)
        listed = re.search(r"list of `\{([^}]*)\}`", line)
        if model is None or listed is None:
            continue
        named = set(re.findall(r'(?<!: )"(\w+)"', listed.group(1)))  # keys, not values
        assert named <= set(model.model_fields), (key, named - set(model.model_fields))
