"""Gate files: validation, direction-aware floors, tolerated drops that must also be significant."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.errors import HarnessError
from harness.verdicts.compare import load_report
from harness.verdicts.gate import GateRun, load_gate

from ..stats.report_factory import write_config, write_outputs


def _gate(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gate.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _checks(runs: dict[str, Path], tmp_path: Path, text: str) -> dict[str, object]:
    gating = GateRun.load(runs["base"], _gate(tmp_path, text))
    outcome = gating.check(load_report(runs["degraded"]))
    return {check.name: check for check in outcome.checks}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "metrics:\n  bleu: {floor: 25}\n  chrF: {floor: 1}\n",
            r"gate\.yaml:3: metrics\.chrF: unknown metric 'chrF' \(did you mean 'chrf'\?\)",
        ),
        (
            "metrics:\n  bleu: {flor: 25}\n",
            r"gate\.yaml:2: metrics\.bleu\.flor: unknown key 'flor' \(did you mean 'floor'\?\)",
        ),
        (
            "alpha: 1.5\nmetrics:\n  bleu: {floor: 1}\n",
            r"gate\.yaml:1: alpha: Input should be less than 1",
        ),
        (
            "metrics:\n  ter: {max_drop: -1}\n",
            r"gate\.yaml:2: metrics\.ter\.max_drop: Input should be greater",
        ),
        (
            "test: paired-xx\nmetrics:\n  bleu: {floor: 1}\n",
            r"gate\.yaml:1: test: Input should be 'paired-bs' or 'paired-ar'",
        ),
        (
            "metrics:\n  bleu: {}\n",
            r"gate\.yaml:2: metrics\.bleu: .*give 'floor', 'max_drop' or both",
        ),
        ("metrics: {}\n", r"gate\.yaml:1: metrics: .*at least 1"),
        ("- bleu\n", r"gate\.yaml: gate file must be a YAML mapping"),
    ],
)
def test_bad_gate_files_name_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(HarnessError, match=message):
        load_gate(_gate(tmp_path, text))


def test_floors_are_direction_aware(runs: dict[str, Path], tmp_path: Path) -> None:
    # degraded: BLEU 35.09, TER 56.25
    checks = _checks(
        runs,
        tmp_path,
        "metrics:\n  bleu: {floor: 30, max_drop: 100}\n  ter: {floor: 60, max_drop: 100}\n",
    )
    assert checks["mt/translation/bleu/floor"].passed
    assert checks["mt/translation/ter/floor"].passed  # lower is better: 56.25 <= 60
    checks = _checks(runs, tmp_path, "metrics:\n  bleu: {floor: 40}\n  ter: {floor: 50}\n")
    bleu, ter = checks["mt/translation/bleu/floor"], checks["mt/translation/ter/floor"]
    assert not bleu.passed and "required >= 40" in bleu.message and "35.09" in bleu.message
    assert not ter.passed and "required <= 50" in ter.message and "56.25" in ter.message


def test_a_drop_within_tolerance_passes(runs: dict[str, Path], tmp_path: Path) -> None:
    checks = _checks(runs, tmp_path, "metrics:\n  bleu: {max_drop: 70}\n  ter: {max_drop: 10}\n")
    assert checks["mt/translation/bleu/drop"].passed  # dropped 64.91 <= 70
    ter = checks["mt/translation/ter/drop"]
    assert not ter.passed and "REGRESSION" in ter.message  # TER rose by 56.25, 9 segments
    assert "0.00 → 56.25" in ter.message and "H0 worse by ≤ 10: p = 0.0" in ter.message
    assert "worse by at least 20." in ter.message  # the one-sided bound, above the margin 10


def test_a_drop_beyond_tolerance_must_also_be_significant(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    """Nine segments: the one-sided randomization p is about 2⁻⁹, far above α = 0.00005."""
    checks = _checks(runs, tmp_path, "alpha: 0.00005\nmetrics:\n  bleu: {max_drop: 0}\n")
    bleu = checks["mt/translation/bleu/drop"]
    assert bleu.passed
    assert "α = 5e-05: ok (worse by 64.91, not significantly more than 0)" in bleu.message


def test_gate_metric_absent_from_the_report_is_an_error(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(HarnessError, match="rouge1 not in the report"):
        _checks(runs, tmp_path, "metrics:\n  rouge1: {floor: 10}\n")


def test_compare_cli_with_a_gate(runs: dict[str, Path], tmp_path: Path) -> None:
    gate = _gate(tmp_path, "test: paired-bs\nmetrics:\n  bleu: {floor: 30, max_drop: 70}\n")
    result = CliRunner().invoke(
        app, ["compare", str(runs["base"]), str(runs["degraded"]), "--gate", str(gate)]
    )
    assert result.exit_code == 0, result.output
    assert "PASS: 4/4 gate checks passed" in result.output  # + mt/present, mt/failures
    assert "(paired-bs, α = 0.05)" in result.output


def _run(config: Path, *options: str):
    out = config.parent / f"run-{config.stem}"
    return CliRunner().invoke(app, ["run", str(config), "--out", str(out), "--no-cache", *options])


def test_run_with_baseline_and_gate_fails_a_degraded_candidate(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    write_outputs(tmp_path, "mt", degrade=True)
    config = write_config(tmp_path, "candidate", ["mt"])
    gate = _gate(tmp_path, "metrics:\n  chrf: {max_drop: 1}\n")
    result = _run(config, "--baseline", str(runs["base"]), "--gate", str(gate))
    assert result.exit_code == 1, result.output
    assert "FAIL mt/translation/chrf/drop" in result.output
    assert (tmp_path / "run-candidate" / "report.json").is_file()  # the report is still written


def test_run_with_baseline_passes_an_identical_candidate(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    write_outputs(tmp_path, "mt", degrade=False)
    config = write_config(tmp_path, "candidate", ["mt"])
    result = _run(config, "--baseline", str(runs["base"]))
    assert result.exit_code == 0, result.output
    assert "PASS: 5/5 gate checks passed" in result.output


def test_run_checks_the_gate_before_running(tmp_path: Path) -> None:
    write_outputs(tmp_path, "mt")
    config = write_config(tmp_path, "candidate", ["mt"])
    result = _run(config, "--gate", str(_gate(tmp_path, "metrics:\n  blue: {floor: 1}\n")))
    assert result.exit_code == 2
    assert "unknown metric 'blue'" in result.output
    assert not (tmp_path / "run-candidate").exists()


def test_run_with_only_a_gate_checks_floors(tmp_path: Path) -> None:
    write_outputs(tmp_path, "mt", degrade=True)
    config = write_config(tmp_path, "candidate", ["mt"])
    result = _run(config, "--gate", str(_gate(tmp_path, "metrics:\n  bleu: {floor: 50}\n")))
    assert result.exit_code == 1, result.output
    assert "FAIL mt/translation/bleu/floor" in result.output


def test_checks_name_the_corpus_when_a_run_has_several(tmp_path: Path) -> None:
    """Two line-aligned corpora (slices of FLORES): one check per corpus, named after it."""
    from harness.config import load_config
    from harness.run.evaluate import evaluate, prepare
    from harness.verdicts.gate import Gate, GateRun, MetricRule, expected_checks

    flores = Path(__file__).resolve().parents[2].parent / "shared" / "external" / "flores"
    src = (flores / "flores101.devtest.ara").read_text("utf-8").splitlines()
    ref = (flores / "flores101.devtest.eng").read_text("utf-8").splitlines()
    corpora = []
    for name, lines in (("a", slice(0, 30)), ("b", slice(30, 60))):
        (tmp_path / f"{name}.ara").write_text("\n".join(src[lines]) + "\n", "utf-8")
        (tmp_path / f"{name}.eng").write_text("\n".join(ref[lines]) + "\n", "utf-8")
        corpora.append(
            f"  - {{name: {name}, format: parallel, source: {name}.ara, references: [{name}.eng]}}"
        )
    reports = {}
    for run, text in (("base", "the minister said"), ("cand", "x")):
        # JSONL naming each line's corpus: one plain-text file cannot align with two corpora
        lines = [
            f'{{"corpus": "{c}", "article_id": "{c}", "segment_id": "{i}", "output": "{text}"}}\n'
            for c in ("a", "b")
            for i in range(1, 31)
        ]
        (tmp_path / f"{run}.jsonl").write_text("".join(lines), "utf-8")
        config = tmp_path / f"{run}.yaml"
        config.write_text(
            "corpus:\n" + "\n".join(corpora) + "\nsystems:\n"
            f"  - {{name: mt, type: outputs, task: translation, path: {run}.jsonl}}\n"
            "metrics: [chrf]\n",
            encoding="utf-8",
        )
        reports[run] = evaluate(prepare(load_config(config))).located(config)
    gate = Gate(metrics={"chrf": MetricRule(floor=0.5, max_drop=0)})
    expected = expected_checks(gate, reports["base"])
    assert expected == [
        "mt/a/translation/chrf/floor",
        "mt/a/translation/chrf/drop",
        "mt/b/translation/chrf/floor",
        "mt/b/translation/chrf/drop",
        "mt/present",
        "mt/failures",
    ]
    outcome = GateRun(reports["base"], gate).check(reports["cand"])
    checks = {check.name: check for check in outcome.checks}
    assert set(checks) == set(expected)
    assert not checks["mt/b/translation/chrf/drop"].passed
    assert "(translation on b)" in checks["mt/b/translation/chrf/drop"].message


def _margin_checks(max_drop: float, shift: float = 0.02) -> object:
    """ROUGE-1 on 400 segments, the candidate worse by ``100 * shift`` points plus noise."""
    import numpy as np

    from harness.metrics import make_metric
    from harness.report_model import ResultEntry
    from harness.stats import PairedTest, paired_test
    from harness.verdicts.compare import Comparison
    from harness.verdicts.gate import Gate, MetricRule, check_gate

    rng = np.random.default_rng(11)
    base = rng.uniform(0.3, 0.7, size=400)
    cand = base - shift + rng.normal(0.0, 0.03, size=400)

    def rows(f: np.ndarray) -> list[list[float]]:
        return np.stack([f, f, f], axis=1).tolist()

    result = paired_test(make_metric("rouge1"), rows(base), rows(cand), PairedTest.RANDOMIZATION)
    comparison = Comparison("base", "cand", "summarization", "rouge1", None, result)
    gate = Gate(metrics={"rouge1": MetricRule(max_drop=max_drop)})
    results = [ResultEntry(system="cand", task="summarization", metric="rouge1", score=0.0)]
    [check] = check_gate(gate, results, [comparison])
    return result, check


def test_max_drop_is_a_margin_a_significant_drop_within_it_passes() -> None:
    """Worse by about 2 points, significantly (p = 0.0001), with a margin of 1.9: the data do
    not show the drop exceeds 1.9, so the rule holds (before, any significant Δ > 1.9 failed)."""
    from harness.stats.margin import margin_test

    result, check = _margin_checks(max_drop=1.9)
    assert result.p_value < 0.001 and -result.delta > 1.9
    test = margin_test(result, True, 1.9, 0.05)
    assert test.bound is not None and 0 < test.bound < 1.9 and test.p_value > 0.05
    assert check.passed
    assert f"H0 worse by ≤ 1.9: p = {test.p_value:.4f} (one-sided paired-ar)" in check.message
    assert f"not significantly more than 1.9; worse by at least {test.bound:.2f}" in check.message


def test_max_drop_is_a_margin_a_drop_significantly_beyond_it_fails() -> None:
    result, check = _margin_checks(max_drop=1.0)
    assert result.p_value < 0.001 and not check.passed
    assert "REGRESSION (worse by at least 1." in check.message


def test_max_drop_zero_is_the_plain_significance_test() -> None:
    """A tiny but significant worsening fails a zero margin, and passes any margin above it."""
    result, zero = _margin_checks(max_drop=0.0, shift=0.004)
    assert result.p_value < 0.05 and result.delta < 0
    assert not zero.passed
    _, small = _margin_checks(max_drop=0.5, shift=0.004)  # 0.4 points worse: within 0.5
    assert small.passed


def test_a_gate_with_only_max_drop_rules_and_no_baseline_is_refused_before_running(
    tmp_path: Path,
) -> None:
    """It used to print "PASS: 0/0" and exit 0: a build that checked nothing passed."""
    write_outputs(tmp_path, "mt", degrade=True)
    config = write_config(tmp_path, "candidate", ["mt"])
    gate = _gate(tmp_path, "metrics:\n  bleu: {max_drop: 0.5}\n  ter: {max_drop: 1}\n")
    result = _run(config, "--gate", str(gate))
    assert result.exit_code == 2, result.output
    assert "gate.yaml: nothing to check: every rule is a max_drop" in result.output
    assert "--baseline" in result.output
    assert not (tmp_path / "run-candidate").exists()


def test_compare_where_no_gate_rule_applies_exits_2(runs: dict[str, Path], tmp_path: Path) -> None:
    """The gate's only rule is on chrF, which the baseline does not have: nothing compared."""
    import json

    report = json.loads((runs["base"] / "report.json").read_text(encoding="utf-8"))
    report["results"] = [r for r in report["results"] if r["metric"] != "chrf"]
    for segment in report["segments"]:
        del segment["stats"]["chrf"], segment["scores"]["chrf"]
    del report["provenance"]["metrics"]["chrf"]
    baseline = tmp_path / "no-chrf.json"
    baseline.write_text(json.dumps(report), encoding="utf-8")
    gate = _gate(tmp_path, "metrics:\n  chrf: {max_drop: 0}\n")
    result = CliRunner().invoke(
        app, ["compare", str(baseline), str(runs["degraded"]), "--gate", str(gate)]
    )
    assert result.exit_code == 2, result.output
    assert "nothing to check: no gate rule applies (rules: chrf (max_drop)" in result.output
    assert "metrics compared with the baseline: bleu, ter" in result.output
