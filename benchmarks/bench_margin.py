"""Null simulation of the gate's ``max_drop: m`` test at its boundary (true worsening = m).

The population is FLORES-101 devtest ara→eng (1,012 sentences) with two real outputs per
sentence: ``good`` is the published opus-mt-ar-en output, ``worse`` the same output with every
third word dropped. A simulated comparison draws ``--segments`` sentences at random (with
replacement); for each the baseline takes ``good`` or ``worse`` with probability ½, and the
candidate takes ``worse`` with probability q, ``good`` otherwise. q = ½ makes the two systems
exchangeable (true worsening 0); for m > 0, q is set by bisection so that the population's
corpus score (the score of the expected summed statistics) of the candidate is exactly m
points below the baseline's. Every simulated pair is then gated with ``max_drop: m`` at
α = 0.05; the rejection rate at the boundary should be near α for every m.

Side by side on the same simulated pairs: the gate's one-sided test with approximate
randomization (the default ``paired-ar``), with the paired bootstrap (``paired-bs``), and the
rule before this change (two-sided randomization p < α and Δ worse, plus for m > 0 the one-sided
bootstrap bound above m). ROUGE-1 is computed on the same English sentences (its statistics are
per-sentence F-measures, whatever the language).

    .venv/bin/python benchmarks/bench_margin.py [--runs 1000] [--bleu-runs 800] [--segments 300]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from harness.metrics import make_metric
from harness.metrics.base import Metric
from harness.stats import PairedTest, paired_test
from harness.stats.margin import margin_test
from harness.stats.resampling import lower_bound

REPO = Path(__file__).resolve().parent.parent
EXTERNAL = REPO.parent / "shared" / "external"
ALPHA = 0.05


def _population() -> tuple[list[str], list[str], list[str]]:
    refs = (EXTERNAL / "flores" / "flores101.devtest.eng").read_text("utf-8").splitlines()
    hyp_file = "opus-mt-ar-en_opus-2019-12-18.flores101-devtest.ara-eng.hyp.txt"
    good = (EXTERNAL / "mt_system_outputs" / hyp_file).read_text("utf-8").splitlines()
    worse = [" ".join(w for i, w in enumerate(h.split()) if i % 3 != 2) for h in good]
    return refs, good, worse


def _score(metric: Metric, rows: np.ndarray) -> float:
    return float(metric.scores_from_totals(rows.sum(axis=0, keepdims=True), len(rows))[0])


def _q_for_margin(metric: Metric, good: np.ndarray, worse: np.ndarray, margin: float) -> float:
    """q such that the candidate's population score is ``margin`` worse than the baseline's."""
    base = _score(metric, (good + worse) / 2)
    sign = 1.0 if metric.higher_is_better else -1.0

    def worsening(q: float) -> float:
        return sign * (base - _score(metric, q * worse + (1 - q) * good))

    low, high = 0.5, 1.0
    if worsening(high) < margin:
        raise SystemExit(f"{metric.name}: margin {margin} is beyond the population's reach")
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if worsening(mid) < margin else (low, mid)
    return (low + high) / 2


def simulate(
    metric: Metric,
    good: np.ndarray,
    worse: np.ndarray,
    margin: float,
    runs: int,
    segments: int,
    trials: int,
    seed: int,
) -> dict[str, float]:
    q = 0.5 if margin == 0 else _q_for_margin(metric, good, worse, margin)
    rng = np.random.default_rng(seed)
    rejected = {"paired-ar": 0, "paired-bs": 0, "before": 0}
    for run in range(runs):
        index = rng.integers(0, len(good), size=segments)
        base_worse = rng.random(segments) < 0.5
        cand_worse = rng.random(segments) < q
        base = np.where(base_worse[:, None], worse[index], good[index])
        cand = np.where(cand_worse[:, None], worse[index], good[index])
        result = paired_test(
            metric, base, cand, PairedTest.RANDOMIZATION, trials=trials, seed=run
        )
        higher = metric.higher_is_better
        rejected["paired-ar"] += margin_test(result, higher, margin, ALPHA).rejected
        bootstrap = dataclasses.replace(result, test=PairedTest.BOOTSTRAP)
        rejected["paired-bs"] += margin_test(bootstrap, higher, margin, ALPHA).rejected
        # the rule before: two-sided randomization says "worse", and for m > 0 also the
        # one-sided bootstrap bound of the worsening lies above m
        worse_sig = result.p_value < ALPHA and not metric.is_improvement(result.delta)
        worsening = -metric.improvement(result.resampled)
        beyond = margin == 0 or lower_bound(worsening, ALPHA) > margin
        rejected["before"] += bool(worse_sig and result.delta != 0 and beyond)
    return {name: count / runs for name, count in rejected.items()} | {"q": q}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="simulated comparisons (ROUGE-1)")
    parser.add_argument(
        "--bleu-runs", type=int, default=800, help="for BLEU (sacrebleu scores each draw: slower)"
    )
    parser.add_argument("--segments", type=int, default=300)
    parser.add_argument("--trials", type=int, default=1000, help="randomization trials per test")
    args = parser.parse_args()
    refs, good_text, worse_text = _population()
    margins = {"rouge1": (0.0, 0.5, 2.0), "bleu": (0.0, 0.5, 2.0)}
    print(
        f"null simulation at the boundary: {args.segments} segments per comparison, "
        f"alpha {ALPHA}, {args.trials} randomization trials, 1000 bootstrap resamples"
    )
    print("| metric | max_drop | q | runs | paired-ar (gate default) | paired-bs | before |")
    print("|---|---|---|---|---|---|---|")
    for name, values in margins.items():
        metric = make_metric(name)
        references = [[r] for r in refs]
        good = np.asarray(metric.segment_stats(good_text, references), dtype=np.float64)
        worse = np.asarray(metric.segment_stats(worse_text, references), dtype=np.float64)
        runs = args.bleu_runs if name == "bleu" else args.runs
        for margin in values:
            started = time.perf_counter()
            rates = simulate(metric, good, worse, margin, runs, args.segments, args.trials, seed=7)
            print(
                f"| {name} | {margin:g} | {rates['q']:.4f} | {runs} | {rates['paired-ar']:.3f} | "
                f"{rates['paired-bs']:.3f} | {rates['before']:.3f} |  "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
