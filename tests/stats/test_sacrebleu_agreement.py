"""Our intervals and paired tests equal sacrebleu's own on real MT output (FLORES-101 devtest).

The candidate is the opus-mt output with the last word of every k-th segment removed, which
gives p-values well away from the floor of 1/(R+1) for BLEU (and close to it for chrF).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.significance import PairedTest as SacrebleuPairedTest

from harness.metrics import make_metric
from harness.stats import PairedTest, bootstrap_interval, paired_test

HYP = "external/mt_system_outputs/opus-mt-ar-en_opus-2019-12-18.flores101-devtest.ara-eng.hyp.txt"
REF = "external/flores/flores101.devtest.eng"
SRC = "external/flores/flores101.devtest.ara"
SACREBLEU_NAMES = {"bleu": "BLEU", "chrf": "chrF2++"}


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _degrade(hypotheses: list[str], every: int) -> list[str]:
    return [" ".join(h.split()[:-1]) if i % every == 0 else h for i, h in enumerate(hypotheses)]


@pytest.fixture(scope="module")
def flores() -> tuple[list[str], list[str]]:
    shared = Path(__file__).resolve().parents[2].parent / "shared"
    hypotheses, references = _lines(shared / HYP), _lines(shared / REF)
    assert len(hypotheses) == len(references) == 1012
    return hypotheses, references


@pytest.fixture(scope="module")
def sacrebleu_results(flores: tuple[list[str], list[str]]) -> dict:
    """sacrebleu's own paired tests: (every, test) → metric → (baseline Result, system Result)."""
    hypotheses, references = flores
    results = {}
    for every in (15, 60):
        candidate = _degrade(hypotheses, every)
        for test in ("bs", "ar"):
            metrics = {"BLEU": BLEU(), "chrF": CHRF(word_order=2)}
            named = [("baseline", hypotheses), ("candidate", candidate)]
            _, scores = SacrebleuPairedTest(named, metrics, [references], test_type=test)()
            results[every, test] = {
                ours: scores[theirs] for ours, theirs in SACREBLEU_NAMES.items()
            }
    return results


@pytest.fixture(scope="module")
def our_stats(flores: tuple[list[str], list[str]]) -> dict:
    """(metric, every) → (baseline rows, candidate rows), extracted once."""
    hypotheses, references = flores
    refs = [[r] for r in references]
    rows = {}
    for name in SACREBLEU_NAMES:
        metric = make_metric(name)
        baseline = metric.segment_stats(hypotheses, refs)
        for every in (15, 60):
            rows[name, every] = baseline, metric.segment_stats(_degrade(hypotheses, every), refs)
    return rows


@pytest.mark.parametrize("every", [15, 60])
@pytest.mark.parametrize("test", [PairedTest.BOOTSTRAP, PairedTest.RANDOMIZATION])
@pytest.mark.parametrize("metric_name", ["bleu", "chrf"])
def test_paired_p_values_equal_sacrebleu(
    our_stats: dict, sacrebleu_results: dict, every: int, test: PairedTest, metric_name: str
) -> None:
    baseline, candidate = our_stats[metric_name, every]

    ours = paired_test(make_metric(metric_name), baseline, candidate, test)

    key = every, "bs" if test is PairedTest.BOOTSTRAP else "ar"
    sb_baseline, sb_candidate = sacrebleu_results[key][metric_name]
    assert ours.p_value == sb_candidate.p_value
    assert ours.baseline_score == pytest.approx(sb_baseline.score, abs=1e-9)
    assert ours.system_score == pytest.approx(sb_candidate.score, abs=1e-9)
    assert ours.interval is not None
    assert ours.interval.low <= ours.delta <= ours.interval.high


@pytest.mark.parametrize("metric_name", ["bleu", "chrf"])
def test_bootstrap_intervals_equal_sacrebleu(
    our_stats: dict, sacrebleu_results: dict, metric_name: str
) -> None:
    """sacrebleu prints mean ± half-width of the same 95% interval (indices R//40, R-R//40-1)."""
    metric = make_metric(metric_name)
    sb_baseline, sb_candidate = sacrebleu_results[60, "bs"][metric_name]
    for rows, theirs in zip(our_stats[metric_name, 60], (sb_baseline, sb_candidate), strict=True):
        interval = bootstrap_interval(metric, rows)
        assert interval is not None
        assert (interval.high - interval.low) / 2 == pytest.approx(theirs.ci, abs=1e-9)
        assert interval.low < theirs.mean < interval.high


def test_a_run_reports_sacrebleus_p_values(
    tmp_path: Path, flores: tuple[list[str], list[str]], sacrebleu_results: dict
) -> None:
    """End to end: FLORES as a line-aligned corpus, `compare:` in the config, report entries."""
    from harness.config import load_config
    from harness.run.evaluate import evaluate, prepare

    hypotheses, _ = flores
    shared = Path(__file__).resolve().parents[2].parent / "shared"
    (tmp_path / "cut15.txt").write_text("\n".join(_degrade(hypotheses, 15)) + "\n", "utf-8")
    config = tmp_path / "flores.yaml"
    config.write_text(
        f"corpus:\n  - {{name: flores, format: parallel, source: {shared / SRC}, "
        f"references: [{shared / REF}]}}\n"
        f"systems:\n  - {{name: opus, type: outputs, task: translation, path: {shared / HYP}}}\n"
        "  - {name: cut15, type: outputs, task: translation, path: cut15.txt}\n"
        "metrics: [bleu, chrf]\ncompare: {baseline: opus, test: paired-bs}\n",
        encoding="utf-8",
    )
    report = evaluate(prepare(load_config(config))).to_document()
    assert sorted(e["metric"] for e in report["comparisons"]) == ["bleu", "chrf"]
    for entry in report["comparisons"]:
        _, theirs = sacrebleu_results[15, "bs"][entry["metric"]]
        assert (entry["baseline"], entry["system"], entry["test"]) == ("opus", "cut15", "paired-bs")
        assert entry["p_value"] == theirs.p_value
        assert entry["system_score"] == pytest.approx(theirs.score, abs=1e-9)
    for result in report["results"]:
        _, theirs = sacrebleu_results[15, "bs"][result["metric"]]
        if result["system"] == "cut15":
            half_width = (result["ci_high"] - result["ci_low"]) / 2
            assert half_width == pytest.approx(theirs.ci, abs=1e-9)
