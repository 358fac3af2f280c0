"""The regression gate, one job a module: ``rules`` (the gate file's model), ``check`` (rules
applied to a candidate and its comparisons), ``outcome`` (the text a CI log shows) and
``specs`` (regression specs for the pytest plugin)."""

from harness.verdicts.gate.check import Check, GateOutcome, GateRun, check_gate, gate_reports
from harness.verdicts.gate.outcome import outcome_lines, print_outcome
from harness.verdicts.gate.rules import Gate, MetricRule, default_gate, load_gate, parse_gate
from harness.verdicts.gate.specs import Spec, expected_checks, load_spec

__all__ = [
    "Check",
    "Gate",
    "GateOutcome",
    "GateRun",
    "MetricRule",
    "Spec",
    "check_gate",
    "default_gate",
    "expected_checks",
    "gate_reports",
    "load_gate",
    "load_spec",
    "outcome_lines",
    "parse_gate",
    "print_outcome",
]
