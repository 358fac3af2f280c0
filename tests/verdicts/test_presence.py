"""Everything of the baseline must be in the candidate, and no system may lose more outputs:
one rule for `harness compare --gate`, `harness run --baseline` and the pytest plugin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.config import load_config
from harness.run.evaluate import evaluate, prepare
from tests.report_documents import as_report

from ..stats.report_factory import write_config, write_outputs

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def two_systems(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A baseline report with systems mt and mt2 (both output the references)."""
    folder = tmp_path_factory.mktemp("two")
    for name in ("mt", "mt2"):
        write_outputs(folder, name)
    report = evaluate(prepare(load_config(write_config(folder, "two", ["mt", "mt2"])))).to_document()
    path = folder / "report.json"
    path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return path


def _compare(*args: str):
    return CliRunner().invoke(app, ["compare", *args])


def _edited(run: Path, tmp_path: Path, edit, name: str = "edited.json") -> Path:
    report = json.loads((run / "report.json").read_text(encoding="utf-8"))
    edit(report)
    path = tmp_path / name
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def test_a_vanished_system_fails_compare(two_systems: Path, runs: dict[str, Path]) -> None:
    """Before: "PASS: 3/3 gate checks passed", exit 0."""
    result = _compare(str(two_systems), str(runs["same"]))
    assert result.exit_code == 1, result.output
    assert "FAIL mt2/present: vanished from the candidate: system 'mt2'" in result.output
    assert "REGRESSION" in result.output


def test_allow_missing_waives_it(two_systems: Path, runs: dict[str, Path]) -> None:
    result = _compare(str(two_systems), str(runs["same"]), "--allow-missing", "mt2")
    assert result.exit_code == 0, result.output
    assert "mt2" not in result.output.split("PASS")[-1]


def test_a_vanished_metric_fails_and_names_it(runs: dict[str, Path], tmp_path: Path) -> None:
    def drop_chrf(report: dict[str, Any]) -> None:
        report["results"] = [r for r in report["results"] if r["metric"] != "chrf"]
        for segment in report["segments"]:
            del segment["stats"]["chrf"], segment["scores"]["chrf"]
        del report["provenance"]["metrics"]["chrf"]

    candidate = _edited(runs["same"], tmp_path, drop_chrf)
    result = _compare(str(runs["base"]), str(candidate))
    assert result.exit_code == 1, result.output
    assert "vanished from the candidate: metric 'chrf' of 'mt' (translation on " in result.output
    assert _compare(str(runs["base"]), str(candidate), "--allow-missing", "chrf").exit_code == 0
    # a gate file naming the vanished metric: the presence rule fails, not a usage error
    gate = tmp_path / "gate.yaml"
    gate.write_text("metrics:\n  chrf: {max_drop: 0}\n  bleu: {max_drop: 0}\n", "utf-8")
    gated = _compare(str(runs["base"]), str(candidate), "--gate", str(gate))
    assert gated.exit_code == 1, gated.output
    assert "FAIL mt/present" in gated.output


def test_run_with_baseline_fails_a_candidate_that_lost_a_system(
    two_systems: Path, tmp_path: Path
) -> None:
    write_outputs(tmp_path, "mt")
    config = write_config(tmp_path, "candidate", ["mt"])
    out = tmp_path / "run"
    args = ["run", str(config), "--out", str(out), "--no-cache", "--baseline", str(two_systems)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "FAIL mt2/present: vanished from the candidate: system 'mt2'" in result.output
    waived = CliRunner().invoke(app, [*args, "--force", "--allow-missing", "mt2"])
    assert waived.exit_code == 0, waived.output


def test_the_plugin_fails_the_same_rule(
    pytester: pytest.Pytester, two_systems: Path, runs: dict[str, Path]
) -> None:
    pytester.makefile(
        ".yaml",
        harness_mt=f"report: {runs['same']}\nbaseline: {two_systems}\n"
        "gate:\n  metrics:\n    bleu: {max_drop: 0}\n",
    )
    result = pytester.runpytest("-rf")
    result.stdout.fnmatch_lines(
        ["*gate rule mt2/present*", "vanished from the candidate: system 'mt2' (in the baseline*"]
    )
    pytester.makefile(
        ".yaml",
        harness_mt=f"report: {runs['same']}\nbaseline: {two_systems}\n"
        "gate:\n  allow_missing: [mt2]\n  metrics:\n    bleu: {max_drop: 0}\n",
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=3)  # mt's bleu drop, presence and failures; mt2 is waived


def _fail(count: int):
    def edit(report: dict[str, Any]) -> None:
        for segment in report["segments"][:count]:
            segment["status"] = "failed"
            segment["error"] = "model crashed"

    return edit


def test_more_failed_outputs_fail_the_gate(runs: dict[str, Path], tmp_path: Path) -> None:
    """Same scores, one more failed output: the default max_failures (no increase) fails it;
    a gate file can tolerate it."""
    candidate = _edited(runs["same"], tmp_path, _fail(1))
    result = _compare(str(runs["base"]), str(candidate))
    assert result.exit_code == 1, result.output
    assert (
        "FAIL mt/failures: failed or missing outputs of mt: 0 in the baseline, 1 in the candidate"
        in result.output
    )
    gate = tmp_path / "gate.yaml"
    gate.write_text("max_failures: 1\nmetrics:\n  bleu: {max_drop: 0}\n", "utf-8")
    assert _compare(str(runs["base"]), str(candidate), "--gate", str(gate)).exit_code == 0
    # as many failures as the baseline had: no increase, passes
    baseline = _edited(runs["base"], tmp_path, _fail(1), "base.json")
    assert _compare(str(baseline), str(candidate)).exit_code == 0


def test_every_results_table_counts_each_systems_lost_outputs(runs: dict[str, Path]) -> None:
    from harness.reports.html.view import build_page
    from harness.reports.markdown import results_tables

    report = json.loads((runs["same"] / "report.json").read_text(encoding="utf-8"))
    _fail(2)(report)
    [(header, rows)] = results_tables(as_report(report)).values()  # the CLI's and report.md's table
    assert header[:3] == ["system", "n", "failed"] and rows[0][:3] == ["mt", "9", "2"]
    [section] = build_page(as_report(report)).sections  # report.html's
    assert [(row.system, row.failed) for row in section.results] == [("mt", 2)]
