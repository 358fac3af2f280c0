"""`harness compare` on real reports, and `compare:` comparisons inside a run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.config import load_config
from harness.errors import HarnessError
from harness.reports.markdown import render_markdown
from harness.run.evaluate import evaluate, prepare
from tests.report_documents import as_report

from ..stats.report_factory import write_config, write_outputs

COMPARISON_KEYS = {
    "baseline", "system", "task", "metric", "delta", "ci_low", "ci_high", "p_value", "test",
}  # fmt: skip


def _compare(*args: str):
    return CliRunner().invoke(app, ["compare", *args])


def test_identical_candidate_passes(runs: dict[str, Path]) -> None:
    result = _compare(str(runs["base"]), str(runs["same"] / "report.json"))
    assert result.exit_code == 0, result.output
    assert result.output.count("no significant change") == 3
    assert "PASS: 5/5 gate checks passed" in result.output


def test_degraded_candidate_fails_with_numbers_and_worst_segments(runs: dict[str, Path]) -> None:
    result = _compare(str(runs["base"]), str(runs["degraded"]))
    assert result.exit_code == 1, result.output
    out = result.output
    assert out.count(" worse") >= 3
    assert "ter ↓" in out and "bleu ↑" in out
    assert "segments that got worst:" in out
    assert "000_e6a39a29327ab8d5/" in out
    assert "REGRESSION: 2/5 gate checks passed" in out
    # every segment is worse: only the trial that swaps none of them is as bad (ties count),
    # so the gate's one-sided p is the exact randomization p of 1/2^n, not 1/(R+1) = 0.0001
    n = len(json.loads((runs["base"] / "report.json").read_text(encoding="utf-8"))["segments"])
    p_values = [float(p) for p in re.findall(r"p = ([0-9.]+) \(one-sided paired-ar\)", out)]
    assert len(p_values) == 3
    assert all(p == pytest.approx(1 / 2**n, abs=0.001) for p in p_values), (n, p_values)


def test_the_test_can_be_chosen(runs: dict[str, Path]) -> None:
    result = _compare(str(runs["base"]), str(runs["degraded"]), "--test", "paired-bs")
    assert result.exit_code == 1
    assert "(paired-bs, α = 0.05)" in result.output


def _edited(run: Path, tmp_path: Path, edit) -> Path:
    report = json.loads((run / "report.json").read_text(encoding="utf-8"))
    edit(report)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r["segments"].pop(), "segments differ"),
        (lambda r: r["provenance"]["metrics"].update(bleu="BLEU|tok:intl"), "signature differs"),
        (lambda r: [s.pop("stats") for s in r["segments"]], "no per-segment statistics"),
        (lambda r: r.pop("results"), "not a harness report"),
        (lambda r: r["segments"][0]["stats"].update(bleu=[1.0]), "key 'stats.bleu' has 1 value"),
        (lambda r: r["segments"].append(dict(r["segments"][0])), "appears twice"),
        (
            lambda r: r["provenance"]["metric_options"].update(bleu={"args": ["true"]}),
            "metric 'bleu': bad option",
        ),
    ],
)
def test_mismatched_reports_are_a_usage_error(
    runs: dict[str, Path], tmp_path: Path, edit, message: str
) -> None:
    result = _compare(str(runs["base"]), str(_edited(runs["degraded"], tmp_path, edit)))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_report_is_a_usage_error(tmp_path: Path) -> None:
    result = _compare(str(tmp_path / "nope.json"), str(tmp_path))
    assert result.exit_code == 2
    assert "cannot read report" in result.output


def test_report_carries_intervals_statistics_and_signature_suffix(runs: dict[str, Path]) -> None:
    report = json.loads((runs["degraded"] / "report.json").read_text(encoding="utf-8"))
    for result in report["results"]:
        assert result["ci_low"] <= result["score"] <= result["ci_high"]
        assert result["ci_low"] < result["ci_high"]
    for segment in report["segments"]:
        assert set(segment["stats"]) == {"bleu", "chrf", "ter"}
    assert report["provenance"]["metrics"]["bleu"].endswith("|bs:1000|rs:12345")


def _run_with_compare(folder: Path, compare: str) -> dict:
    for name, degrade in (("perfect", False), ("half", True), ("again", False)):
        write_outputs(folder, name, degrade)
    config = write_config(folder, "trio", ["perfect", "half", "again"], compare)
    return evaluate(prepare(load_config(config))).to_document()


def test_config_compare_with_a_baseline(tmp_path: Path) -> None:
    report = _run_with_compare(tmp_path, "compare: {baseline: perfect}\n")
    comparisons = report["comparisons"]
    assert len(comparisons) == 2 * 3  # two candidates × three metrics
    for entry in comparisons:
        assert COMPARISON_KEYS <= set(entry)
        assert entry["baseline"] == "perfect" and entry["test"] == "paired-ar"
    half = {e["metric"]: e for e in comparisons if e["system"] == "half"}
    assert half["bleu"]["delta"] < 0 and half["ter"]["delta"] > 0
    assert half["bleu"]["ci_low"] <= half["bleu"]["delta"] <= half["bleu"]["ci_high"]
    assert half["bleu"]["p_value"] < 0.05
    again = {e["metric"]: e for e in comparisons if e["system"] == "again"}
    assert again["chrf"]["delta"] == 0.0 and again["chrf"]["p_value"] == 1.0
    markdown = render_markdown(as_report(report))
    assert "## Comparisons" in markdown
    assert "| perfect | half | translation" in markdown
    assert markdown.count("| worse |") == 3 and markdown.count("| no significant change |") == 3


def test_config_compare_all_pairs_with_bootstrap(tmp_path: Path) -> None:
    report = _run_with_compare(tmp_path, "compare: {test: paired-bs}\n")
    pairs = {(e["baseline"], e["system"]) for e in report["comparisons"]}
    assert pairs == {("perfect", "half"), ("perfect", "again"), ("half", "again")}
    assert {e["test"] for e in report["comparisons"]} == {"paired-bs"}


def test_no_compare_key_means_no_comparisons(runs: dict[str, Path]) -> None:
    report = json.loads((runs["base"] / "report.json").read_text(encoding="utf-8"))
    assert "comparisons" not in report


def test_unknown_baseline_names_the_line(tmp_path: Path) -> None:
    write_outputs(tmp_path, "perfect")
    config = write_config(tmp_path, "bad", ["perfect"], "compare: {baseline: perfekt}\n")
    with pytest.raises(HarnessError, match=r"bad\.yaml:\d+: compare\.baseline: unknown system"):
        load_config(config)


def test_an_improved_candidate_is_better_on_every_metric_including_ter(
    runs: dict[str, Path],
) -> None:
    result = _compare(str(runs["degraded"]), str(runs["base"]))
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("mt ")]
    assert len(rows) == 3 and all(row.endswith("better") for row in rows)
    assert "segments that got worst:" not in result.output


def test_unknown_test_method_names_the_line(tmp_path: Path) -> None:
    write_outputs(tmp_path, "perfect")
    config = write_config(tmp_path, "bad", ["perfect"], "compare: {test: t-test}\n")
    with pytest.raises(HarnessError, match=r"bad\.yaml:\d+: compare\.test: .*'paired-ar'"):
        load_config(config)


FLORES_HYP = (
    "external/mt_system_outputs/opus-mt-ar-en_opus-2019-12-18.flores101-devtest.ara-eng.hyp.txt"
)


def _flores_run(
    shared: Path, folder: Path, hypotheses: list[str], metrics: str = "[bleu, chrf, ter]"
) -> Path:
    """A run of plain-text outputs on FLORES-101 devtest (ara→eng); returns its folder."""
    folder.mkdir()
    (folder / "mt.txt").write_text("\n".join(hypotheses) + "\n", encoding="utf-8")
    config = folder / "flores.yaml"
    config.write_text(
        f"name: {folder.name}\n"
        f"corpus:\n  - {{name: flores, format: parallel, "
        f"source: {shared / 'external/flores/flores101.devtest.ara'}, "
        f"references: [{shared / 'external/flores/flores101.devtest.eng'}]}}\n"
        "systems:\n  - {name: mt, type: outputs, task: translation, path: mt.txt}\n"
        f"metrics: {metrics}\n",
        encoding="utf-8",
    )
    report = evaluate(prepare(load_config(config))).to_document()
    (folder / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.mark.slow  # two FLORES runs
def test_one_changed_line_of_1012_is_not_a_regression(shared: Path, tmp_path: Path) -> None:
    """Done-when of issue 11: one FLORES hypothesis replaced → p ≥ 0.5 on every metric with the
    default test, and the default gate passes. (sacrebleu's --paired-ar says p = 0.0001.)"""
    hypotheses = (shared / FLORES_HYP).read_text(encoding="utf-8").splitlines()
    assert len(hypotheses) == 1012
    changed = list(hypotheses)
    changed[500] = "The committee will meet again next week to discuss the proposal."
    base = _flores_run(shared, tmp_path / "base", hypotheses)
    candidate = _flores_run(shared, tmp_path / "candidate", changed)

    result = _compare(str(base), str(candidate))

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    table = lines[1 : lines.index("segments that got worst:")]
    rows = [line.split() for line in table if line.startswith("mt ")]
    assert [row[2] for row in rows] == ["bleu", "chrf", "ter"]
    for row in rows:
        p = float(row[-4])  # …  Δ  [low, high]  p  no significant change
        assert p >= 0.5, row
    assert "PASS: 5/5 gate checks passed" in result.output


def _other_data(report: dict) -> None:
    """As if the baseline had been run on an edited reference file."""
    for info in (report["provenance"]["corpus"], *report["provenance"]["corpora"].values()):
        path = next(p for p in info["files"] if p.endswith(".jsonl"))
        info["files"][path] = "0" * 64


def test_reports_on_different_corpus_files_are_refused_unless_allowed(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    """Same segment ids, other text: by sha256 of the corpus files, not by their paths."""
    baseline = _edited(runs["base"], tmp_path, _other_data)
    refused = _compare(str(baseline), str(runs["same"]))
    assert refused.exit_code == 2, refused.output
    assert "corpus 'seeds' was not read from the same files in both reports" in refused.output
    assert "--allow-different-data" in refused.output
    assert len(refused.output.strip().splitlines()) == 1

    allowed = _compare(str(baseline), str(runs["same"]), "--allow-different-data")
    assert allowed.exit_code == 0, allowed.output
    assert "warning: corpus 'seeds' was not read from the same files" in allowed.output

    moved = _edited(
        runs["base"],
        tmp_path,
        lambda r: [
            info.update(
                files={f"/elsewhere/{i}": sha for i, sha in enumerate(info["files"].values())}
            )
            for info in (r["provenance"]["corpus"], *r["provenance"]["corpora"].values())
        ],
    )
    assert _compare(str(moved), str(runs["same"])).exit_code == 0  # same files, other folder


@pytest.mark.slow  # two FLORES runs
def test_fidelity_metrics_compare_between_reports(shared: Path, tmp_path: Path) -> None:
    """Metrics that read the source (numbers) are rebuilt from the reports and compared: every
    number 1 written as 7 in 200 hypotheses is a significant regression on `numbers`."""
    hypotheses = (shared / FLORES_HYP).read_text(encoding="utf-8").splitlines()
    changed = [h.replace("1", "7") if i < 200 else h for i, h in enumerate(hypotheses)]
    assert sum(a != b for a, b in zip(hypotheses, changed, strict=True)) > 20
    metrics = "[numbers, untranslated, names]"
    base = _flores_run(shared, tmp_path / "base", hypotheses, metrics)
    candidate = _flores_run(shared, tmp_path / "candidate", changed, metrics)

    result = _compare(str(base), str(candidate))

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    table = lines[1 : lines.index("segments that got worst:")]
    rows = {line.split()[2]: line for line in table if line.startswith("mt ")}
    assert rows.keys() == {"numbers", "untranslated", "names"}
    assert rows["numbers"].endswith("worse"), rows["numbers"]
    assert "no significant change" in rows["untranslated"]
