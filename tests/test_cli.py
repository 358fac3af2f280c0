"""`harness run` end to end on the built-in default and on an outputs system."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.systems.base import System

from .conftest import REPO


@pytest.fixture(scope="module")
def default_cache(tmp_path_factory):
    """One output cache for the runs of the default config: gemma generates once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def default_report(tmp_path_factory, default_cache):
    out = tmp_path_factory.mktemp("run")
    command = ["run", str(REPO / "configs" / "default.yaml"), "--out", str(out), "--cache-dir", str(default_cache)]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    return json.loads((out / "report.json").read_text(encoding="utf-8")), (out / "report.md").read_text(), result


def test_report_contract(default_report):
    report, _, _ = default_report
    assert report["schema_version"] == 1
    assert {"schema_version", "results", "segments", "provenance"} <= set(report)
    for result in report["results"]:
        assert {"system", "task", "metric", "score", "n"} <= set(result)
        assert 0.0 <= result["score"] <= 100.0
    for segment in report["segments"]:
        assert {"system", "task", "article_id", "segment_id", "source", "output", "references", "scores"} <= set(segment)
        assert isinstance(segment["references"], list)
    provenance = report["provenance"]
    assert {"config", "config_sha256", "packages", "metrics", "created_at"} <= set(provenance)
    assert provenance["metrics"]["bleu"].startswith("BLEU|nrefs:1|case:mixed|eff:no|tok:13a")
    assert provenance["metrics"]["rougeLsum"].startswith("rougeLsum|nrefs:1|tok:ar-v1")
    assert provenance["packages"]["sacrebleu"] == "2.6.0"


def test_every_system_scored_on_the_right_metrics(default_report):
    report, _, _ = default_report
    by_system = {}
    for r in report["results"]:
        by_system.setdefault(r["system"], {})[r["metric"]] = r
    assert set(by_system) == {"lead-2", "copy", "gemma-translate", "gemma-summarize"}
    assert set(by_system["lead-2"]) == set(by_system["gemma-summarize"]) == {"rouge1", "rouge2", "rougeL", "rougeLsum"}
    assert set(by_system["copy"]) == set(by_system["gemma-translate"]) == {"bleu", "chrf", "ter"}
    assert by_system["lead-2"]["rouge1"]["n"] == 1
    assert by_system["copy"]["bleu"]["n"] == 9
    # Copying Arabic into an English evaluation is the floor: near-zero BLEU, TER near 100.
    assert by_system["copy"]["bleu"]["score"] < 2 and by_system["copy"]["ter"]["score"] > 95
    # Lead-2 overlaps the article's own bullets, but is no copy of them.
    assert 5 < by_system["lead-2"]["rouge1"]["score"] < 60


def test_the_real_model_beats_the_copy_baseline_significantly(default_report):
    """The demo's point: gemma-3-270m's translations against copying the Arabic, by the paired
    test (on the seed's 9 segments the exact randomization p is 2/2^9 when all are better)."""
    report, _, result = default_report
    gemma = {r["metric"]: r["score"] for r in report["results"] if r["system"] == "gemma-translate"}
    assert gemma["bleu"] > 8 and gemma["chrf"] > 25 and gemma["ter"] < 90
    comparisons = {
        (c["system"], c["baseline"], c["metric"]): c for c in report["comparisons"]
    }
    assert set(comparisons) == {
        ("gemma-translate", "copy", m) for m in ("bleu", "chrf", "ter")
    } | {("gemma-summarize", "lead-2", m) for m in ("rouge1", "rouge2", "rougeL", "rougeLsum")}
    for metric in ("bleu", "chrf"):
        assert comparisons[("gemma-translate", "copy", metric)]["p_value"] < 0.05
    assert "paired comparisons: translation (seeds), paired-ar" in result.stdout
    assert "gemma-translate vs" in result.stdout and "better" in result.stdout


def test_segments_and_summary_shape(default_report):
    report, _, _ = default_report
    summaries = [s for s in report["segments"] if s["system"] == "lead-2"]
    (summary,) = summaries
    assert summary["segment_id"] is None
    assert summary["output"].count("\n") == 1  # two sentences, one per line
    assert summary["references"][0].count("\n") == 1  # two bullets
    translations = [s for s in report["segments"] if s["system"] == "copy"]
    assert [s["segment_id"] for s in translations][:3] == ["title", "bullet-1", "bullet-2"]
    assert all(s["output"] == s["source"] for s in translations)
    assert all(set(s["scores"]) == {"bleu", "chrf", "ter"} for s in translations)


def test_markdown_and_terminal_tables(default_report):
    _report, markdown, result = default_report
    assert "| lead-2 | 1 | 0 |" in markdown and "| copy | 9 | 0 |" in markdown
    assert "ter ↓" in markdown and "bleu ↑" in markdown
    assert "lead-2" in result.stdout and "copy" in result.stdout


def test_outputs_jsonl_must_cover_the_corpus_ids_unless_allow_missing(tmp_path):
    """Before: a file lacking two ids and naming a stray one was only warned about, and the
    missing outputs were scored as empty."""
    refs = [json.loads(line) for line in (REPO / "references" / "000_e6a39a29327ab8d5.en.jsonl").open()]
    lines = [
        {"article_id": r["article_id"], "segment_id": r["segment_id"], "output": r["reference"]}
        for r in refs
        if r["segment_id"] not in ("paragraph-2", "paragraph-5")
    ]
    lines.append({"article_id": "000_e6a39a29327ab8d5", "segment_id": "stray", "output": "x"})
    (tmp_path / "mine.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text(
        f"articles: {REPO}/seeds/\nreferences: {REPO}/references/\n"
        "systems:\n  - {name: mine, type: outputs, task: translation, path: mine.jsonl}\n"
        "metrics: [bleu]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    message = " ".join(result.stderr.split())
    assert "mine.jsonl: does not cover exactly the ids of system 'mine''s corpus" in message
    assert "2 id(s) of the corpus have no line: 000_e6a39a29327ab8d5/paragraph-2, " in message
    assert "1 line(s) name ids it does not have: 000_e6a39a29327ab8d5/stray" in message
    assert not (tmp_path / "out").exists()


def test_outputs_system_missing_segments_are_reported_and_scored_empty(tmp_path):
    refs = [json.loads(line) for line in (REPO / "references" / "000_e6a39a29327ab8d5.en.jsonl").open()]
    # A perfect system for every segment except two: those are missing.
    lines = [
        {"article_id": r["article_id"], "segment_id": r["segment_id"], "output": r["reference"]}
        for r in refs
        if r["segment_id"] not in ("paragraph-2", "paragraph-5")
    ]
    (tmp_path / "mine.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    config = tmp_path / "c.yaml"
    config.write_text(
        f"articles: {REPO}/seeds/\nreferences: {REPO}/references/\n"
        "systems:\n  - {name: mine, type: outputs, task: translation, path: mine.jsonl,"
        " allow_missing: true}\n"
        "metrics: [bleu, chrf, ter]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "mine: 2 missing output(s): " in result.stderr
    assert "000_e6a39a29327ab8d5/paragraph-2" in result.stderr and "scored as empty" in result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["provenance"]["systems"]["mine"]["counts"] == {
        "generated": 7, "cached": 0, "empty": 0, "missing": 2, "failed": 0
    }
    missing = [s for s in report["segments"] if s["status"] == "missing"]
    assert [s["segment_id"] for s in missing] == ["paragraph-2", "paragraph-5"]
    assert all(s["output"] == "" and s["scores"]["bleu"] == 0.0 for s in missing)
    bleu = next(r for r in report["results"] if r["metric"] == "bleu")
    assert bleu["n"] == 9 and 40 < bleu["score"] < 100  # the missing segments cost it
    perfect = [s for s in report["segments"] if s["status"] == "generated"]
    assert all(s["scores"]["bleu"] == pytest.approx(100.0) for s in perfect)


def test_default_out_dir_is_under_runs(tmp_path, monkeypatch, default_cache):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", str(REPO / "configs" / "default.yaml"), "--cache-dir", str(default_cache)])
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert run_dir.name.startswith("default-") and (run_dir / "report.json").is_file()


def test_messages_are_printed_as_written_not_as_rich_markup(tmp_path):
    """A name like '[bold]x' (or sacrebleu's 'pip install sacrebleu[ja]') must not vanish."""
    config = tmp_path / "c.yaml"
    config.write_text(
        f"articles: {REPO}/seeds/\nreferences: {REPO}/references/\nsystems:\n"
        "  - {name: '[bold]x', type: identity, task: translation}\n"
        "  - {name: '[bold]x', type: identity, task: translation}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", str(config)])
    assert result.exit_code == 2
    assert "duplicate system name '[bold]x'" in result.stderr


class Interrupting(System):
    """Stands for a user pressing Ctrl-C while a model runs."""

    def generate(self, examples):
        raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("options", "line"),
    [
        (["--no-cache"], "interrupted: this run has no output cache, so nothing is kept for a rerun"),
        ([], "interrupted: 0 finished output(s) are kept in the cache {cache}; rerun the same command to resume"),
    ],
)
def test_ctrl_c_is_one_line_and_exit_130(tmp_path, options, line):
    config = tmp_path / "c.yaml"
    config.write_text(
        f"articles: {REPO}/seeds/\nreferences: {REPO}/references/\n"
        "systems:\n  - {name: i, type: 'tests.test_cli:Interrupting', task: translation}\nmetrics: [chrf]\n",
        encoding="utf-8",
    )
    cache = tmp_path / "cache"
    args = ["run", str(config), "--out", str(tmp_path / "out"), "--cache-dir", str(cache), *options]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 130, result.output
    assert result.stderr.strip() == line.format(cache=cache)
