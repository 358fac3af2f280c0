"""The pytest plugin: harness_*.yaml specs become one test item per gate rule."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from .stats.report_factory import write_config, write_outputs

pytest_plugins = ["pytester"]


GATE = """gate:
  alpha: 0.05
  metrics:
    bleu: {floor: 30, max_drop: 1.0}
    ter: {floor: 60, max_drop: 1.0}
"""


def _spec(pytester: pytest.Pytester, candidate: str, baseline: Path, gate: str = GATE) -> None:
    pytester.makefile(".yaml", harness_mt=f"{candidate}\nbaseline: {baseline}\n{gate}")


def test_registered_as_a_pytest11_entry_point() -> None:
    plugins = {e.name: e.value for e in entry_points(group="pytest11")}
    assert plugins.get("harness") == "harness.pytest_plugin"


def test_each_gate_rule_is_an_item(pytester: pytest.Pytester, runs: dict[str, Path]) -> None:
    _spec(pytester, f"report: {runs['same']}", runs["base"])
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "harness_mt.yaml::mt/translation/bleu/floor",
            "harness_mt.yaml::mt/translation/bleu/drop",
            "harness_mt.yaml::mt/translation/ter/floor",
            "harness_mt.yaml::mt/translation/ter/drop",
            "harness_mt.yaml::mt/present",
            "harness_mt.yaml::mt/failures",
        ]
    )


def test_an_identical_candidate_passes(pytester: pytest.Pytester, runs: dict[str, Path]) -> None:
    _spec(pytester, f"report: {runs['same']}", runs["base"])
    pytester.runpytest().assert_outcomes(passed=6)


def test_a_degraded_candidate_fails_with_the_numbers_in_junit(
    pytester: pytest.Pytester, runs: dict[str, Path]
) -> None:
    _spec(pytester, f"report: {runs['degraded']}", runs["base"])
    result = pytester.runpytest("--junitxml=junit.xml")
    result.assert_outcomes(passed=4, failed=2)  # floors, presence and failures hold; drops fail
    result.stdout.fnmatch_lines(
        [
            "*bleu of mt vs mt (translation): 100.00 → 35.09, Δ -64.91*H0 worse by ≤ 1: p = 0.00* (one-sided paired-ar)*REGRESSION (worse by at least*"
        ]
    )
    junit = (pytester.path / "junit.xml").read_text(encoding="utf-8")
    assert 'failures="2"' in junit
    assert "ter of mt vs mt (translation): 0.00 → 56.25" in junit


def test_a_spec_can_run_a_config(pytester: pytest.Pytester, runs: dict[str, Path]) -> None:
    write_outputs(pytester.path, "mt", degrade=True)
    config = write_config(pytester.path, "candidate", ["mt"])
    _spec(pytester, f"config: {config.name}", runs["base"])
    pytester.runpytest().assert_outcomes(passed=4, failed=2)


def test_a_gate_file_can_be_referenced(pytester: pytest.Pytester, runs: dict[str, Path]) -> None:
    pytester.makefile(".yaml", gate="metrics:\n  chrf: {max_drop: 100}\n")
    _spec(pytester, f"report: {runs['degraded']}", runs["base"], gate="gate: gate.yaml\n")
    pytester.runpytest().assert_outcomes(passed=3)


def test_a_bad_spec_is_a_collection_error_naming_the_line(
    pytester: pytest.Pytester, runs: dict[str, Path]
) -> None:
    _spec(pytester, f"report: {runs['same']}\nreprot: x", runs["base"])
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*harness_mt.yaml:2: reprot: unknown key 'reprot'*"])
    assert "Traceback" not in result.stdout.str()


def test_other_yaml_files_are_not_collected(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", config="name: x\n")
    result = pytester.runpytest()
    result.assert_outcomes()


def test_a_candidate_that_cannot_be_compared_fails_every_item_in_one_line(
    pytester: pytest.Pytester, runs: dict[str, Path]
) -> None:
    report = json.loads((runs["degraded"] / "report.json").read_text(encoding="utf-8"))
    report["provenance"]["metrics"]["bleu"] = "BLEU|tok:intl"
    (pytester.path / "other.json").write_text(json.dumps(report), encoding="utf-8")
    _spec(pytester, "report: other.json", runs["base"])
    result = pytester.runpytest()
    result.assert_outcomes(failed=6)
    assert result.stdout.str().count("bleu signature differs") >= 6
    assert "Traceback" not in result.stdout.str()


def test_a_crafted_baseline_is_a_collection_error_that_runs_nothing(
    pytester: pytest.Pytester, runs: dict[str, Path], tmp_path: Path
) -> None:
    """A baseline naming ``subprocess:run`` as a metric, with options that would touch a file."""
    from .test_report_model import _crafted, _write

    marker = tmp_path / "pwned"
    baseline = _write(tmp_path / "crafted", _crafted(runs, marker, "all"))  # see test_report_model
    pytester.makefile(
        ".yaml",
        harness_mt=f"report: {runs['base']}\nbaseline: {baseline}\n"
        "gate:\n  metrics:\n    chrf: {max_drop: 0}\n",
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*report.json: key 'results?0?.metric': unknown metric 'subprocess:run'*"]
    )
    assert not marker.exists()
