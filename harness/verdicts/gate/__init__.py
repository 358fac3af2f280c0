"""The regression gate, one job a module: ``rules`` (the gate file's model), ``check`` (rules
applied to a candidate and its comparisons), ``outcome`` (the text a CI log shows), ``specs``
(regression specs for the pytest plugin) and ``presence`` (lost outputs).

The names below are imported on first use: a report writer that needs only ``presence`` does
not pay for the gate's models (about 30 ms at every ``harness run``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.verdicts.gate.check import (
        Check,
        GateOutcome,
        GateRun,
        check_gate,
        gate_reports,
    )
    from harness.verdicts.gate.outcome import outcome_lines, print_outcome
    from harness.verdicts.gate.rules import (
        Gate,
        MetricRule,
        default_gate,
        load_gate,
        parse_gate,
    )
    from harness.verdicts.gate.specs import Spec, expected_checks, load_spec

_LAZY = {
    **dict.fromkeys(
        ("Check", "GateOutcome", "GateRun", "check_gate", "gate_reports"),
        "harness.verdicts.gate.check",
    ),
    **dict.fromkeys(("outcome_lines", "print_outcome"), "harness.verdicts.gate.outcome"),
    **dict.fromkeys(
        ("Gate", "MetricRule", "default_gate", "load_gate", "parse_gate"),
        "harness.verdicts.gate.rules",
    ),
    **dict.fromkeys(("Spec", "expected_checks", "load_spec"), "harness.verdicts.gate.specs"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'harness.verdicts.gate' has no attribute '{name}'")


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
