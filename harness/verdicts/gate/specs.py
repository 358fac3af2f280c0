"""Regression specs (``harness_*.yaml``, run by :mod:`harness.pytest_plugin`): a candidate
(a config to run or a report made earlier), a baseline report and a gate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from harness.errors import HarnessError
from harness.report_model import Report
from harness.verdicts.compare import load_report
from harness.verdicts.gate.check import (
    GateOutcome,
    GateRun,
    check_name,
    several_corpora,
    unscored_checked,
)
from harness.verdicts.gate.rules import Gate, load_gate, parse_gate
from harness.yaml_input import read_yaml_mapping


class _SpecFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    config: str | None = None
    report: str | None = None
    baseline: str
    gate: str | dict[str, object]


@dataclass(frozen=True)
class Spec:
    """A regression spec (see :mod:`harness.pytest_plugin`): candidate, baseline and gate."""

    path: Path
    config: Path | None
    report: Path | None
    baseline: Report
    gate: Gate

    def check(self, candidate: Report) -> GateOutcome:
        """Gate ``candidate`` (the spec's report, or its config's run) against the baseline."""
        return GateRun(self.baseline, self.gate).check(candidate)


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


def expected_checks(gate: Gate, baseline: Report) -> list[str]:
    """The names of the checks a candidate like ``baseline`` gets, known before it runs."""
    names = []
    several = several_corpora(baseline.results)
    waived = set(gate.allow_missing)
    for result in baseline.results:
        rule = gate.metrics.get(result.metric)
        where_named = {result.system, result.task, result.corpus, result.metric}
        if (rule is None and not unscored_checked(result)) or where_named & waived:
            continue
        where = (result.system, result.corpus if several else None, result.task, result.metric)
        if rule is not None and rule.floor is not None:
            names.append(check_name(*where, "floor"))
        if rule is not None and rule.max_drop is not None:
            names.append(check_name(*where, "drop"))
        if unscored_checked(result):
            names.append(check_name(*where, "unscored"))
    if not names:
        raise HarnessError(
            f"{baseline.name}: none of the gate's metrics ({', '.join(gate.metrics)}) "
            "is in the baseline report"
        )
    for system in dict.fromkeys(r.system for r in baseline.results):
        if system not in gate.allow_missing:  # the rules every gate with a baseline has
            names += [check_name(system, None, "", "", "present")]
            names += [check_name(system, None, "", "", "failures")]
    return names
