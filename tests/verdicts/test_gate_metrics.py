"""Which metrics a gate judges, in which direction, at which level, on which numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.errors import HarnessError
from harness.metrics import make_metric
from harness.report_model import ResultEntry
from harness.stats import PairedTest, paired_test
from harness.stats.margin import margin_test
from harness.verdicts.compare import Comparison
from harness.verdicts.gate import Gate, MetricRule, check_gate, default_gate, load_gate


def _gate(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gate.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- descriptive metrics ----------------------------------------------------------------


def test_the_default_gate_judges_quality_metrics_only() -> None:
    """Before: every metric got max_drop 0, coverage (↑) and density (↓) included."""
    gate = default_gate(["rouge1", "coverage", "density", "compression", "repetition", "bleu"])
    assert set(gate.metrics) == {"rouge1", "bleu"}


def test_reports_with_only_descriptive_metrics_have_nothing_to_gate_by_default() -> None:
    gate = default_gate(["coverage", "density"])
    assert gate.metrics == {} and gate.max_failures == 0  # checking says "nothing to check"


def test_a_descriptive_metric_needs_a_direction_in_the_gate_file(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=r"gate\.yaml:2: metrics\.density: 'density' describes"):
        load_gate(_gate(tmp_path, "metrics:\n  density: {max_drop: 0}\n"))
    gate = load_gate(_gate(tmp_path, "metrics:\n  density: {max_drop: 0, direction: higher}\n"))
    assert gate.higher_is_better("density")  # the gate's choice, against the metric's ↓


def test_a_quality_metric_keeps_its_direction(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=r"gate\.yaml:2: metrics\.ter\.direction: 'ter' is a"):
        load_gate(_gate(tmp_path, "metrics:\n  ter: {floor: 50, direction: higher}\n"))


def _comparison(metric: str, base: np.ndarray, cand: np.ndarray, test=PairedTest.RANDOMIZATION):
    """Rows ``[value, 1]`` (density's) or ``[f, f, f]`` (ROUGE's) of each value."""

    def rows(values: np.ndarray) -> list[list[float]]:
        columns = [values, np.ones_like(values)] if metric == "density" else [values] * 3
        return np.stack(columns, axis=1).tolist()

    result = paired_test(make_metric(metric), rows(base), rows(cand), test, trials=2000)
    return Comparison("base", "cand", "summarization", metric, None, result)


def test_a_descriptive_metric_is_gated_in_the_direction_the_gate_file_gives() -> None:
    """Density rises a lot: with direction lower that is a regression, with higher it is not."""
    rng = np.random.default_rng(3)
    base = rng.uniform(1, 5, size=200)
    comparison = _comparison("density", base, base + 1.0)
    results = [ResultEntry(system="cand", task="summarization", metric="density", score=4.0)]
    for direction, fails in (("lower", True), ("higher", False)):
        rule = MetricRule(floor=3.5, max_drop=0.1, direction=direction)
        gate = Gate(metrics={"density": rule})
        floor, drop = check_gate(gate, results, [comparison])
        assert drop.passed is not fails, drop.message
        assert floor.passed is (direction == "higher")  # 4.0 >= 3.5 passes; <= 3.5 does not


# --- one test at one level --------------------------------------------------------------


def _rouge(shift: float, n: int = 300, seed: int = 5) -> Comparison:
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.2, 0.8, size=n)
    cand = base - shift + rng.normal(0, 0.05, size=n)
    stack = lambda f: np.stack([f, f, f], axis=1).tolist()  # noqa: E731
    result = paired_test(make_metric("rouge1"), stack(base), stack(cand), PairedTest.RANDOMIZATION)
    return Comparison("base", "cand", "summarization", "rouge1", None, result)


@pytest.mark.parametrize("margin", [0.0, 1e-9, 0.5, 2.0])
def test_p_and_bound_say_the_same_thing_at_every_margin(margin: float) -> None:
    """The rule fails exactly when the one-sided p is below α, which is exactly when the
    printed bound exceeds the margin; the message carries that p (not Δ = 0's)."""
    for shift in (0.0, 0.003, 0.006, 0.01, 0.03):
        comparison = _rouge(shift)
        test = margin_test(comparison.result, True, margin, 0.05)
        assert test.rejected == (test.p_value < 0.05)
        assert test.rejected == (test.bound > margin + 1e-9)
        gate = Gate(metrics={"rouge1": MetricRule(max_drop=margin)})
        rouge = [ResultEntry(system="cand", task="summarization", metric="rouge1", score=0.0)]
        [check] = check_gate(gate, rouge, [comparison])
        assert check.passed is not test.rejected
        assert f"p = {test.p_value:.4f} (one-sided paired-ar)" in check.message


def test_a_tiny_margin_does_not_change_the_level() -> None:
    """Before: max_drop 1e-9 needed both the two-sided test and the bootstrap bound, so it
    rejected less than max_drop 0; now the two margins are the same test."""
    for shift in (0.004, 0.005, 0.006, 0.008):
        comparison = _rouge(shift)
        zero = margin_test(comparison.result, True, 0.0, 0.05)
        tiny = margin_test(comparison.result, True, 1e-9, 0.05)
        assert zero.rejected == tiny.rejected
        assert zero.p_value == pytest.approx(tiny.p_value, abs=2e-4)


def test_identical_systems_never_fail() -> None:
    base = np.linspace(0.1, 0.9, 50)
    for test in PairedTest:
        comparison = _comparison("rouge1", base, base, test)
        margin = margin_test(comparison.result, True, 0.0, 0.05)
        assert margin.p_value == 1.0 and not margin.rejected


def test_the_bootstrap_gate_tests_the_margin_too() -> None:
    rng = np.random.default_rng(8)
    base = rng.uniform(0.2, 0.8, size=300)
    cand = base - 0.02 + rng.normal(0, 0.05, size=300)
    comparison = _comparison("rouge1", base, cand, PairedTest.BOOTSTRAP)
    assert margin_test(comparison.result, True, 1.0, 0.05).rejected  # 2 points > 1
    assert not margin_test(comparison.result, True, 3.0, 0.05).rejected


# --- floors read the statistics ---------------------------------------------------------


def _edit(run: Path, tmp_path: Path, edit) -> Path:
    report = json.loads((run / "report.json").read_text(encoding="utf-8"))
    edit(report)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def test_a_hand_edited_score_is_refused(runs: dict[str, Path], tmp_path: Path) -> None:
    """Before: the floor read results[].score, so raising it to 99 passed a floor of 90."""

    def raise_bleu(report: dict) -> None:
        for result in report["results"]:
            if result["metric"] == "bleu":
                result["score"] = 99.0

    candidate = _edit(runs["degraded"], tmp_path, raise_bleu)
    gate = _gate(tmp_path, "metrics:\n  bleu: {floor: 90}\n")
    for args in (
        ["compare", str(runs["base"]), str(candidate), "--gate", str(gate)],
        ["compare", str(candidate), str(runs["base"]), "--gate", str(gate)],  # as the baseline
    ):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "inconsistent report: key 'results[0].score' of bleu of mt" in result.output
        assert "is 99.0, but its per-segment statistics give 35.08" in result.output


def test_floors_read_the_score_recomputed_from_the_statistics(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    """A stored score off by float noise is accepted, and the floor reads the recomputed one."""
    from harness.verdicts.compare import load_report
    from harness.verdicts.gate import GateRun

    def nudge(report: dict) -> None:
        report["results"][0]["score"] += 1e-9

    candidate = load_report(_edit(runs["degraded"], tmp_path, nudge))
    gate = Gate(metrics={"bleu": MetricRule(floor=35.0)})
    [check] = GateRun(None, gate).check(candidate).checks
    stored = candidate.results[0].score
    assert f"= {stored - 1e-9:.2f}" in check.message and check.passed
