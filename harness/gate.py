"""The regression gate: per-metric rules checked against a candidate and its comparisons.

A gate file (YAML)::

    alpha: 0.05            # significance level of the paired test
    test: paired-ar        # (default) or paired-bs
    metrics:
      bleu: {floor: 25, max_drop: 0.5}
      ter:  {floor: 60}    # TER is lower-is-better: the floor is a ceiling, score <= 60

``floor`` is the worst acceptable score, read in the metric's direction. ``max_drop`` is how
far (in score points) a metric may get worse than the baseline before it can count as a
regression; it counts only when the worsening also is significant at ``alpha``, so noise never
fails a build. A rule gives either or both; without a gate file every metric gets
``max_drop: 0``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from rich.console import Console

from harness.compare import (
    DEFAULT_ALPHA,
    DEFAULT_TEST,
    Comparison,
    ReportComparison,
    compare_reports,
    load_report,
)
from harness.config import Locator, read_yaml_mapping
from harness.errors import HarnessError, did_you_mean
from harness.metrics import METRICS
from harness.stats import PairedTest


class MetricRule(BaseModel):
    """``floor``: worst acceptable score; ``max_drop``: tolerated worsening. At least one."""

    model_config = ConfigDict(extra="forbid")

    floor: float | None = None
    max_drop: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _says_something(self) -> MetricRule:
        if self.floor is None and self.max_drop is None:
            raise ValueError("give 'floor', 'max_drop' or both")
        return self


class Gate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alpha: float = Field(default=DEFAULT_ALPHA, gt=0, lt=1)
    test: PairedTest = DEFAULT_TEST
    metrics: dict[str, MetricRule] = Field(min_length=1)


def default_gate(metrics: Sequence[str]) -> Gate:
    """Without a gate file: any significant worsening of any metric is a regression."""
    return Gate(metrics={name: MetricRule(max_drop=0.0) for name in dict.fromkeys(metrics)})


def parse_gate(data: Any, locator: Locator, prefix: tuple[str | int, ...] = ()) -> Gate:
    """Validate a gate mapping; errors name the file, line and key."""
    if not isinstance(data, dict):
        raise locator.error(prefix, "a gate must be a mapping with 'metrics'")
    gate = locator.validate(Gate, data, prefix)
    for name in gate.metrics:
        if name not in METRICS:
            hint = did_you_mean(name, METRICS.names())
            raise locator.error(
                (*prefix, "metrics", name),
                f"unknown metric '{name}'{hint}; known: {', '.join(METRICS.names())}",
            )
    return gate


def load_gate(path: Path) -> Gate:
    _, data, locator = read_yaml_mapping(path, "gate file")
    return parse_gate(data, locator)


@dataclass(frozen=True)
class Check:
    """One gate rule applied to one system, task and metric (and corpus, when a run has several)."""

    kind: Literal["floor", "drop"]
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


def _several_corpora(results: Sequence[dict[str, Any]]) -> bool:
    return len({r.get("corpus") for r in results}) > 1


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _floor_check(result: dict[str, Any], floor: float, corpus: str | None) -> Check:
    higher = METRICS.get(result["metric"]).higher_is_better
    score = result["score"]
    passed = score >= floor if higher else score <= floor
    op = ">=" if higher else "<="
    on = f"{result['task']} on {corpus}" if corpus else result["task"]
    message = (
        f"{result['metric']} of {result['system']} ({on}) = {score:.2f}, "
        f"required {op} {floor:g}: {'ok' if passed else 'BELOW FLOOR'}"
    )
    return Check(
        "floor", result["system"], result["task"], result["metric"], passed, message, corpus
    )


def _drop_check(comparison: Comparison, max_drop: float, alpha: float, corpus: str | None) -> Check:
    higher = METRICS.get(comparison.metric).higher_is_better
    r = comparison.result
    worsening = -r.delta if higher else r.delta
    significant = r.p_value is not None and r.p_value < alpha
    regression = worsening > max_drop and significant
    interval = r.interval
    ci = f"[{_fmt(interval.low)}, {_fmt(interval.high)}]" if interval else "n/a"
    p = "n/a" if r.p_value is None else f"{r.p_value:.4f}"
    if regression:
        why = "REGRESSION"
    elif worsening > max_drop:
        why = f"ok (worse by {worsening:.2f} but not significant at α={alpha:g})"
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
    several = _several_corpora(results)
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
    return checks


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
) -> GateOutcome:
    """Compare two reports and apply the gate (or :func:`default_gate`)."""
    if gate is None:
        gate = default_gate([r["metric"] for r in candidate["results"]])
    if test is not None:
        gate = gate.model_copy(update={"test": test})
    comparison = compare_reports(baseline, candidate, gate.test)
    checks = check_gate(gate, candidate["results"], comparison.comparisons)
    return GateOutcome(gate, comparison, checks)


def _columns(header: list[str], rows: list[list[str]], left: int) -> list[str]:
    """Plain aligned text (CI logs wrap rich tables): first ``left`` columns left-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(
            cell.ljust(w) if i < left else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *rows]
    ]


def outcome_lines(outcome: GateOutcome) -> list[str]:
    """The comparison table, the segments that got worst, the failed checks and a verdict."""
    alpha = outcome.gate.alpha
    lines = []
    if outcome.comparison.comparisons:
        lines.append(f"candidate vs baseline ({outcome.gate.test.value}, α = {alpha:g}):")
        header = ["system", "task", "metric", "baseline", "candidate", "Δ", "95% CI of Δ", "p"]
        rows = []
        several = len({c.corpus for c in outcome.comparison.comparisons}) > 1
        for c in outcome.comparison.comparisons:
            r = c.result
            arrow = METRICS.get(c.metric).arrow()
            ci = f"[{r.interval.low:+.2f}, {r.interval.high:+.2f}]" if r.interval else "n/a"
            system = c.system if c.system == c.baseline else f"{c.baseline} → {c.system}"
            system += f" @{c.corpus}" if several else ""
            p = "n/a" if r.p_value is None else f"{r.p_value:.4f}"
            rows.append(
                [
                    system,
                    c.task,
                    f"{c.metric} {arrow}",
                    f"{r.baseline_score:.2f}",
                    f"{r.system_score:.2f}",
                    f"{r.delta:+.2f}",
                    ci,
                    p,
                    c.verdict(alpha),
                ]
            )
        lines += _columns([*header, "verdict"], rows, left=3)
    if outcome.comparison.worst:
        lines += ["", "segments that got worst:"]
        rows = [
            [
                w.system,
                w.task,
                w.article_id + (f"/{w.segment_id}" if w.segment_id else ""),
                w.metric,
                f"{w.baseline_score:.2f}",
                f"{w.system_score:.2f}",
            ]
            for w in outcome.comparison.worst
        ]
        lines += _columns(["system", "task", "segment", "metric", "baseline", "candidate"], rows, 4)
    failed = [check for check in outcome.checks if not check.passed]
    lines += [""] + [f"FAIL {check.name}: {check.message}" for check in failed]
    verdict = "REGRESSION" if failed else "PASS"
    passed = len(outcome.checks) - len(failed)
    lines.append(f"{verdict}: {passed}/{len(outcome.checks)} gate checks passed")
    return lines


def print_outcome(console: Console, outcome: GateOutcome) -> None:
    for line in outcome_lines(outcome):
        console.print(line, highlight=False, soft_wrap=True, markup=False)


@dataclass(frozen=True)
class GateRun:
    """A baseline report and gate, loaded and validated before anything runs."""

    baseline: dict[str, Any] | None
    gate: Gate | None
    test: PairedTest | None = None

    @classmethod
    def load(
        cls, baseline: Path | None, gate: Path | None, test: PairedTest | None = None
    ) -> GateRun:
        return cls(
            load_report(baseline) if baseline is not None else None,
            load_gate(gate) if gate is not None else None,
            test,
        )

    def check(self, candidate: dict[str, Any], path: Path | None = None) -> GateOutcome:
        """Gate ``candidate``; without a baseline only the floors can be checked."""
        if path is not None:
            candidate = {**candidate, "_path": str(path)}
        if self.baseline is not None:
            return gate_reports(self.baseline, candidate, self.gate, self.test)
        assert self.gate is not None, "GateRun needs a baseline or a gate"
        checks = check_gate(self.gate, candidate["results"], [])
        return GateOutcome(self.gate, ReportComparison([], []), checks)


class _SpecFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    config: str | None = None
    report: str | None = None
    baseline: str
    gate: str | dict[str, Any]


@dataclass(frozen=True)
class Spec:
    """A regression spec (see :mod:`harness.pytest_plugin`): candidate, baseline and gate."""

    path: Path
    config: Path | None
    report: Path | None
    baseline: dict[str, Any]
    gate: Gate

    def candidate(self) -> dict[str, Any]:
        """The candidate report: the config run now, or the report named by the spec."""
        if self.report is not None:
            return load_report(self.report)
        from harness.config import load_config
        from harness.evaluate import evaluate, prepare

        assert self.config is not None
        return {**evaluate(prepare(load_config(self.config))), "_path": str(self.config)}

    def check(self) -> GateOutcome:
        return GateRun(self.baseline, self.gate).check(self.candidate())


def load_spec(path: Path) -> Spec:
    """Read a regression spec; paths in it are relative to its folder."""
    _, data, locator = read_yaml_mapping(path, "regression spec")
    spec = locator.validate(_SpecFile, data)
    if (spec.config is None) == (spec.report is None):
        raise locator.error((), "give exactly one of 'config' (run it) or 'report' (use it)")
    base = path.parent
    if isinstance(spec.gate, dict):
        gate = parse_gate(spec.gate, locator, ("gate",))
    else:
        gate = load_gate(base / spec.gate)
    return Spec(
        path=path,
        config=base / spec.config if spec.config is not None else None,
        report=base / spec.report if spec.report is not None else None,
        baseline=load_report(base / spec.baseline),
        gate=gate,
    )


def expected_checks(gate: Gate, baseline: dict[str, Any]) -> list[str]:
    """The names of the checks a candidate like ``baseline`` gets, known before it runs."""
    names = []
    several = _several_corpora(baseline["results"])
    for result in baseline["results"]:
        rule = gate.metrics.get(result["metric"])
        if rule is None:
            continue
        where = (
            result["system"],
            result.get("corpus") if several else None,
            result["task"],
            result["metric"],
        )
        if rule.floor is not None:
            names.append(check_name(*where, "floor"))
        if rule.max_drop is not None:
            names.append(check_name(*where, "drop"))
    if not names:
        raise HarnessError(
            f"{baseline['_path']}: none of the gate's metrics ({', '.join(gate.metrics)}) "
            "is in the baseline report"
        )
    return names
