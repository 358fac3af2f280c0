"""The verdict on one paired comparison: better, worse or no significant change.

One rule for every place that shows a verdict (``harness compare``, the gate, report.md and
report.html): significant at α and a non-zero Δ, read in the metric's own direction.
"""

from __future__ import annotations

from enum import StrEnum

from harness.metrics import METRICS
from harness.report_model import Report
from harness.stats import DEFAULT_ALPHA


class Verdict(StrEnum):
    BETTER = "better"
    WORSE = "worse"
    SAME = "no significant change"


def verdict_of(metric: str, delta: float, p_value: float | None, alpha: float) -> Verdict:
    """``better``, ``worse`` or ``no significant change``, by the metric's direction."""
    if p_value is None or p_value >= alpha or delta == 0:
        return Verdict.SAME
    return Verdict.BETTER if METRICS.get(metric).is_improvement(delta) else Verdict.WORSE


def report_alpha(report: Report) -> float:
    """The α a report's comparisons were made at (``provenance.comparisons.alpha``); reports
    written before it was recorded used the default."""
    settings = report.provenance.comparisons
    return settings.alpha if settings is not None else DEFAULT_ALPHA
