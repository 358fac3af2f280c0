"""Checking a gate: its rules applied to a candidate report and its paired comparisons.

``floor`` rules read the candidate's scores, recomputed from its statistics; ``max_drop`` rules
read the comparisons against the baseline and fail only when the one-sided test of H0
"worsening ≤ max_drop" rejects at α. The metric decides what "worse" means (TER: higher), or,
for a descriptive metric, the gate file's ``direction``. With a baseline, two more rules hold
for every gate: nothing of the baseline vanished (``present``) and no system lost more outputs
than ``max_failures`` allows (``failures``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness.errors import HarnessError
from harness.report_model import Report, ResultEntry
from harness.stats import PairedTest, Resample
from harness.stats.margin import margin_test
from harness.verdicts.compare import (
    Comparison,
    GroupKey,
    ReportComparison,
    compare_reports,
    load_report,
)
from harness.verdicts.consistency import recomputed_results
from harness.verdicts.gate.presence import lost_by_system, vanished
from harness.verdicts.gate.rules import DEFAULT_MAX_UNSCORED, Gate, default_gate, load_gate


@dataclass(frozen=True)
class Check:
    """One gate rule applied to one system, task and metric (and corpus, when a run has several)."""

    kind: Literal["floor", "drop", "unscored", "present", "failures"]
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
    return "/".join(part for part in (system, corpus, task, metric, kind) if part)


def several_corpora(results: Sequence[ResultEntry]) -> bool:
    return len({r.corpus for r in results}) > 1


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _floor_check(
    result: ResultEntry, floor: float, higher_is_better: bool, corpus: str | None
) -> Check:
    score = result.score
    passed = (score - floor if higher_is_better else floor - score) >= 0
    op = ">=" if higher_is_better else "<="
    on = f"{result.task} on {corpus}" if corpus else result.task
    message = (
        f"{result.metric} of {result.system} ({on}) = {score:.2f}, "
        f"required {op} {floor:g}: {'ok' if passed else 'BELOW FLOOR'}"
    )
    return Check(
        "floor", result.system, result.task, result.metric, passed, message, corpus
    )


def _drop_check(
    comparison: Comparison,
    max_drop: float,
    alpha: float,
    higher_is_better: bool,
    corpus: str | None,
) -> Check:
    """``max_drop`` is a margin, tested as one: H0 is "worsening ≤ max_drop", one one-sided
    test at ``alpha`` for every margin (:mod:`harness.stats.margin`); the message gives that
    test's p-value and the smallest worsening the data support."""
    r = comparison.result
    test = margin_test(r, higher_is_better, max_drop, alpha)
    worsening = r.delta if not higher_is_better else -r.delta
    interval = r.interval
    ci = f"[{_fmt(interval.low)}, {_fmt(interval.high)}]" if interval else "n/a"
    level = f"{100 * (1 - alpha):g}%"
    if test.p_value is None:
        why = "ok (too few segments to test)"
    elif test.rejected:
        why = f"REGRESSION (worse by at least {test.bound:.2f}, {level} one-sided bound)"
    elif worsening > 0:
        bound = f"; worse by at least {test.bound:.2f}" if test.bound is not None else ""
        why = f"ok (worse by {worsening:.2f}, not significantly more than {max_drop:g}{bound})"
    else:
        why = "ok"
    p = "n/a" if test.p_value is None else f"{test.p_value:.4f}"
    on = f"{comparison.task} on {corpus}" if corpus else comparison.task
    message = (
        f"{comparison.metric} of {comparison.system} vs {comparison.baseline} "
        f"({on}): {r.baseline_score:.2f} → {r.system_score:.2f}, "
        f"Δ {r.delta:+.2f}, 95% CI {ci}; H0 worse by ≤ {max_drop:g}: "
        f"p = {p} (one-sided {test.test.value}), α = {alpha:g}: {why}"
    )
    return Check(
        "drop",
        comparison.system,
        comparison.task,
        comparison.metric,
        not test.rejected,
        message,
        corpus,
    )


def check_gate(
    gate: Gate,
    results: Sequence[ResultEntry],
    comparisons: Sequence[Comparison],
    baseline_metrics: frozenset[str] = frozenset(),
) -> list[Check]:
    """Every metric rule of the gate on the candidate's ``results`` and its ``comparisons``.

    A gate metric the candidate lacks is a usage error unless the baseline has it: then it
    vanished, which the ``present`` check reports."""
    present = {r.metric for r in results}
    missing = [name for name in gate.metrics if name not in present | baseline_metrics]
    if missing:
        raise HarnessError(
            f"gate metric(s) {', '.join(missing)} not in the report "
            f"(it has {', '.join(sorted(present))})"
        )
    several = several_corpora(results)
    checks = []
    for result in results:
        rule = gate.metrics.get(result.metric)
        if rule is not None and rule.floor is not None:
            corpus = result.corpus if several else None
            higher = gate.higher_is_better(result.metric)
            checks.append(_floor_check(result, rule.floor, higher, corpus))
    for comparison in comparisons:
        rule = gate.metrics.get(comparison.metric)
        if rule is not None and rule.max_drop is not None:
            corpus = comparison.corpus if several else None
            higher = gate.higher_is_better(comparison.metric)
            checks.append(_drop_check(comparison, rule.max_drop, gate.alpha, higher, corpus))
    for result in results:
        if unscored_checked(result):
            rule = gate.metrics.get(result.metric)
            limit = rule.max_unscored if rule is not None else None
            corpus = result.corpus if several else None
            checks.append(_unscored_check(result, limit, corpus))
    return checks


def presence_checks(
    gate: Gate,
    baseline: Report,
    candidate: Report,
    comparison: ReportComparison,
    allow_missing: Sequence[str] = (),
) -> list[Check]:
    """``SYSTEM/present`` for each baseline system (nothing of it vanished) and
    ``SYSTEM/failures`` for each paired one (no more lost outputs than ``max_failures``)."""
    allowed = [*gate.allow_missing, *allow_missing]
    lost = vanished(baseline, candidate, comparison.pairs, allowed)
    checks = []
    for system in dict.fromkeys(r.system for r in baseline.results):
        if system in allowed:
            continue
        items = lost.get(system, [])
        message = (
            f"vanished from the candidate: {'; '.join(items)} (in the baseline "
            f"{baseline.name}; --allow-missing NAME waives it)"
            if items
            else f"everything of '{system}' in the baseline is in the candidate"
        )
        checks.append(Check("present", system, "", "", not items, message))
    by_candidate: dict[str, tuple[str, list[GroupKey], list[GroupKey]]] = {}
    for base_key, cand_key in comparison.pairs:
        entry = by_candidate.setdefault(cand_key[0], (base_key[0], [], []))
        entry[1].append(base_key)
        entry[2].append(cand_key)
    for system, (base_system, base_keys, cand_keys) in by_candidate.items():
        before = lost_by_system(baseline, base_keys).get(base_system, 0)
        after = lost_by_system(candidate, cand_keys).get(system, 0)
        passed = after <= before + gate.max_failures
        allowed_text = f"at most {before + gate.max_failures} (baseline {before} + max_failures "
        message = (
            f"failed or missing outputs of {system}: {before} in the baseline, {after} in the "
            f"candidate; {allowed_text}{gate.max_failures}): "
            + ("ok" if passed else "MORE FAILURES")
        )
        checks.append(Check("failures", system, "", "", passed, message))
    return checks


def unscored_checked(result: ResultEntry) -> bool:
    """Whether a result is a judge's (it has an unscored share), which the gate checks."""
    return result.unscored_share is not None


def _unscored_check(result: ResultEntry, limit: float | None, corpus: str | None) -> Check:
    """A judge that could not score more than ``max_unscored`` of the segments fails: its
    mean would stand on too few of them."""
    limit = DEFAULT_MAX_UNSCORED if limit is None else limit
    share = result.unscored_share or 0.0
    passed = share <= limit
    on = f"{result.task} on {corpus}" if corpus else result.task
    message = (
        f"{result.metric} of {result.system} ({on}): {share:.1%} of {result.n} "
        f"segment(s) unscored, allowed {limit:.1%}: {'ok' if passed else 'TOO MANY UNSCORED'}"
    )
    return Check(
        "unscored", result.system, result.task, result.metric, passed, message, corpus
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
    baseline: Report,
    candidate: Report,
    gate: Gate | None = None,
    test: PairedTest | None = None,
    resample: Resample | None = None,
    allow_different_data: bool = False,
    allow_missing: Sequence[str] = (),
) -> GateOutcome:
    """Compare two reports and apply the gate (or :func:`default_gate`); ``test`` and
    ``resample`` override the gate's. Both reports' scores are checked against their
    statistics first (an inconsistent one is refused), and floors read the recomputed ones."""
    if gate is None:
        gate = default_gate([r.metric for r in candidate.results])
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
    recomputed_results(baseline)  # refused when its scores disagree with its statistics
    results = recomputed_results(candidate)
    checks = presence_checks(gate, baseline, candidate, comparison, allow_missing)
    baseline_metrics = frozenset(r.metric for r in baseline.results)
    checks += check_gate(gate, results, comparison.comparisons, baseline_metrics)
    return GateOutcome(gate, comparison, checks)


@dataclass(frozen=True)
class GateRun:
    """A baseline report and gate, loaded and validated before anything runs."""

    baseline: Report | None
    gate: Gate | None
    test: PairedTest | None = None
    resample: Resample | None = None
    allow_different_data: bool = False
    #: names (system, task, corpus or metric) of the baseline the candidate may lack
    allow_missing: tuple[str, ...] = ()

    @classmethod
    def load(
        cls,
        baseline: Path | None,
        gate: Path | None,
        test: PairedTest | None = None,
        resample: Resample | None = None,
        allow_different_data: bool = False,
        allow_missing: Sequence[str] = (),
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
            tuple(allow_missing),
        )

    def check(self, candidate: Report, path: Path | None = None) -> GateOutcome:
        """Gate ``candidate``; without a baseline only the floors can be checked. A gate none
        of whose metric rules applies is an error: passing it would say nothing."""
        if path is not None:
            candidate = candidate.located(path)
        if self.baseline is not None:
            outcome = gate_reports(
                self.baseline,
                candidate,
                self.gate,
                self.test,
                self.resample,
                self.allow_different_data,
                self.allow_missing,
            )
        else:
            assert self.gate is not None, "GateRun needs a baseline or a gate"
            checks = check_gate(self.gate, recomputed_results(candidate), [])
            outcome = GateOutcome(self.gate, ReportComparison([], []), checks)
        if not any(check.kind in ("floor", "drop") for check in outcome.checks):
            rules = ", ".join(
                f"{name} ({'floor' if rule.floor is not None else 'max_drop'})"
                for name, rule in outcome.gate.metrics.items()
            )
            compared = sorted({c.metric for c in outcome.comparison.comparisons})
            raise HarnessError(
                f"{candidate.name or 'candidate'}: nothing to check: no gate rule applies "
                f"(rules: {rules}; metrics compared with the baseline: "
                f"{', '.join(compared) or 'none'})"
            )
        return outcome
