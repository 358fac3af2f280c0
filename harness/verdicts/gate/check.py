"""Checking a gate: its rules applied to a candidate report and its paired comparisons.

``floor`` rules read the candidate's scores; ``max_drop`` rules read the comparisons against
the baseline and fail only when the worsening is significantly larger than ``max_drop``. The
metric decides what "worse" means (TER: higher).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from harness.errors import HarnessError
from harness.metrics import METRICS
from harness.stats import PairedTest, Resample
from harness.verdicts.compare import Comparison, ReportComparison, compare_reports, load_report
from harness.verdicts.gate.rules import DEFAULT_MAX_UNSCORED, Gate, default_gate, load_gate
from harness.verdicts.verdict import Verdict


@dataclass(frozen=True)
class Check:
    """One gate rule applied to one system, task and metric (and corpus, when a run has several)."""

    kind: Literal["floor", "drop", "unscored"]
    system: str
    task: str
    metric: str
    passed: bool
    message: str
    corpus: str | None = None

    @property
    def name(self) -> str:
        return check_name(self.system, self.corpus, self.task, self.metric, self.kind)


def check_name(system: str, corpus: str | None, task: str, metric: str, kind: str) -> str:
    """``SYSTEM/TASK/METRIC/KIND``, with ``/CORPUS`` after the system when it matters."""
    return "/".join(part for part in (system, corpus, task, metric, kind) if part is not None)


def several_corpora(results: Sequence[dict[str, Any]]) -> bool:
    return len({r.get("corpus") for r in results}) > 1


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _floor_check(result: dict[str, Any], floor: float, corpus: str | None) -> Check:
    metric = METRICS.get(result["metric"])
    score = result["score"]
    passed = metric.meets_floor(score, floor)
    op = metric.floor_operator()
    on = f"{result['task']} on {corpus}" if corpus else result["task"]
    message = (
        f"{result['metric']} of {result['system']} ({on}) = {score:.2f}, "
        f"required {op} {floor:g}: {'ok' if passed else 'BELOW FLOOR'}"
    )
    return Check(
        "floor", result["system"], result["task"], result["metric"], passed, message, corpus
    )


def _drop_check(comparison: Comparison, max_drop: float, alpha: float, corpus: str | None) -> Check:
    """``max_drop`` is a margin, tested as one: H0 is "worsening ≤ max_drop".

    The rule fails when the worsening is significant by the paired test (p < α, the plain test
    of ``max_drop: 0``) *and* the one-sided (1 − α) lower bound of the worsening, from the
    paired bootstrap, lies above ``max_drop``: the data say the candidate is worse by more than
    the margin, not merely worse than the baseline by an amount that could be within it.
    """
    r = comparison.result
    metric = METRICS.get(comparison.metric)
    worsening = -metric.improvement(r.delta)
    significant = comparison.verdict(alpha) is Verdict.WORSE  # the one verdict rule
    bound = r.worsening_bound(alpha, metric)
    beyond_margin = max_drop == 0 or (bound is not None and bound > max_drop)
    regression = significant and beyond_margin
    interval = r.interval
    ci = f"[{_fmt(interval.low)}, {_fmt(interval.high)}]" if interval else "n/a"
    p = "n/a" if r.p_value is None else f"{r.p_value:.4f}"
    level = f"{100 * (1 - alpha):g}%"
    lower = f"worse by at least {bound:.2f} ({level} one-sided bound)" if bound is not None else ""
    if regression:
        why = f"REGRESSION ({lower})" if lower else "REGRESSION"
    elif worsening > 0 and not significant:
        why = f"ok (worse by {worsening:.2f} but not significant at α={alpha:g})"
    elif worsening > 0:
        why = f"ok ({lower}, within the tolerated drop)" if lower else "ok"
    else:
        why = "ok"
    on = f"{comparison.task} on {corpus}" if corpus else comparison.task
    message = (
        f"{comparison.metric} of {comparison.system} vs {comparison.baseline} "
        f"({on}): {r.baseline_score:.2f} → {r.system_score:.2f}, "
        f"Δ {r.delta:+.2f}, 95% CI {ci}, p = {p} ({r.test.value}); "
        f"tolerated drop {max_drop:g} at α = {alpha:g}: {why}"
    )
    return Check(
        "drop",
        comparison.system,
        comparison.task,
        comparison.metric,
        not regression,
        message,
        corpus,
    )


def check_gate(
    gate: Gate, results: Sequence[dict[str, Any]], comparisons: Sequence[Comparison]
) -> list[Check]:
    """Every rule of the gate on the candidate's ``results`` and its ``comparisons``."""
    present = {r["metric"] for r in results}
    missing = [name for name in gate.metrics if name not in present]
    if missing:
        raise HarnessError(
            f"gate metric(s) {', '.join(missing)} not in the report "
            f"(it has {', '.join(sorted(present))})"
        )
    several = several_corpora(results)
    checks = []
    for result in results:
        rule = gate.metrics.get(result["metric"])
        if rule is not None and rule.floor is not None:
            corpus = result.get("corpus") if several else None
            checks.append(_floor_check(result, rule.floor, corpus))
    for comparison in comparisons:
        rule = gate.metrics.get(comparison.metric)
        if rule is not None and rule.max_drop is not None:
            corpus = comparison.corpus if several else None
            checks.append(_drop_check(comparison, rule.max_drop, gate.alpha, corpus))
    for result in results:
        if unscored_checked(result):
            rule = gate.metrics.get(result["metric"])
            limit = rule.max_unscored if rule is not None else None
            corpus = result.get("corpus") if several else None
            checks.append(_unscored_check(result, limit, corpus))
    return checks


def unscored_checked(result: dict[str, Any]) -> bool:
    """Whether a result is a judge's (it has an unscored share), which the gate checks."""
    share = result.get("unscored_share")
    return isinstance(share, int | float) and not isinstance(share, bool)


def _unscored_check(result: dict[str, Any], limit: float | None, corpus: str | None) -> Check:
    """A judge that could not score more than ``max_unscored`` of the segments fails: its
    mean would stand on too few of them."""
    limit = DEFAULT_MAX_UNSCORED if limit is None else limit
    share = float(result["unscored_share"])
    passed = share <= limit
    on = f"{result['task']} on {corpus}" if corpus else result["task"]
    message = (
        f"{result['metric']} of {result['system']} ({on}): {share:.1%} of {result['n']} "
        f"segment(s) unscored, allowed {limit:.1%}: {'ok' if passed else 'TOO MANY UNSCORED'}"
    )
    return Check(
        "unscored", result["system"], result["task"], result["metric"], passed, message, corpus
    )


@dataclass(frozen=True)
class GateOutcome:
    gate: Gate
    comparison: ReportComparison
    checks: list[Check]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)


def gate_reports(
    baseline: dict[str, Any],
    candidate: dict[str, Any],
    gate: Gate | None = None,
    test: PairedTest | None = None,
    resample: Resample | None = None,
    allow_different_data: bool = False,
) -> GateOutcome:
    """Compare two reports and apply the gate (or :func:`default_gate`); ``test`` and
    ``resample`` override the gate's."""
    if gate is None:
        gate = default_gate([r["metric"] for r in candidate["results"]])
    if test is not None:
        gate = gate.model_copy(update={"test": test})
    if resample is not None:
        gate = gate.model_copy(update={"resample": resample})
    comparison = compare_reports(
        baseline,
        candidate,
        gate.test,
        resample=gate.resample,
        allow_different_data=allow_different_data,
    )
    checks = check_gate(gate, candidate["results"], comparison.comparisons)
    return GateOutcome(gate, comparison, checks)


@dataclass(frozen=True)
class GateRun:
    """A baseline report and gate, loaded and validated before anything runs."""

    baseline: dict[str, Any] | None
    gate: Gate | None
    test: PairedTest | None = None
    resample: Resample | None = None
    allow_different_data: bool = False

    @classmethod
    def load(
        cls,
        baseline: Path | None,
        gate: Path | None,
        test: PairedTest | None = None,
        resample: Resample | None = None,
        allow_different_data: bool = False,
    ) -> GateRun:
        """Load and check both before anything runs; a gate with nothing it could check (only
        ``max_drop`` rules and no baseline) is refused here."""
        loaded = load_gate(gate) if gate is not None else None
        if loaded is not None and baseline is None:
            floors = [name for name, rule in loaded.metrics.items() if rule.floor is not None]
            if not floors:
                raise HarnessError(
                    f"{gate}: nothing to check: every rule is a max_drop, which compares with "
                    "a baseline; give --baseline or add a floor"
                )
        return cls(
            load_report(baseline) if baseline is not None else None,
            loaded,
            test,
            resample,
            allow_different_data,
        )

    def check(self, candidate: dict[str, Any], path: Path | None = None) -> GateOutcome:
        """Gate ``candidate``; without a baseline only the floors can be checked. A gate none
        of whose rules applies is an error: passing it would say nothing."""
        if path is not None:
            candidate = {**candidate, "_path": str(path)}
        if self.baseline is not None:
            outcome = gate_reports(
                self.baseline,
                candidate,
                self.gate,
                self.test,
                self.resample,
                self.allow_different_data,
            )
        else:
            assert self.gate is not None, "GateRun needs a baseline or a gate"
            checks = check_gate(self.gate, candidate["results"], [])
            outcome = GateOutcome(self.gate, ReportComparison([], []), checks)
        if not outcome.checks:
            rules = ", ".join(
                f"{name} ({'floor' if rule.floor is not None else 'max_drop'})"
                for name, rule in outcome.gate.metrics.items()
            )
            compared = sorted({c.metric for c in outcome.comparison.comparisons})
            raise HarnessError(
                f"{candidate.get('_path', 'candidate')}: nothing to check: no gate rule applies "
                f"(rules: {rules}; metrics compared with the baseline: "
                f"{', '.join(compared) or 'none'})"
            )
        return outcome
