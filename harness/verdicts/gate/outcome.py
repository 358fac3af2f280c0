"""The gate's outcome as plain text for a terminal or CI log: the comparison table, the
segments that got worst, each failed check and the verdict line."""

from __future__ import annotations

from rich.console import Console

from harness.metrics import METRICS
from harness.verdicts.gate.check import GateOutcome


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
        by = "" if outcome.gate.resample == "segment" else f", by {outcome.gate.resample}"
        lines.append(f"candidate vs baseline ({outcome.gate.test.value}, α = {alpha:g}{by}):")
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
    lines += [f"warning: {note}" for note in outcome.comparison.notes]
    failed = [check for check in outcome.checks if not check.passed]
    lines += [""] + [f"FAIL {check.name}: {check.message}" for check in failed]
    verdict = "REGRESSION" if failed else "PASS"
    passed = len(outcome.checks) - len(failed)
    lines.append(f"{verdict}: {passed}/{len(outcome.checks)} gate checks passed")
    return lines


def print_outcome(console: Console, outcome: GateOutcome) -> None:
    for line in outcome_lines(outcome):
        console.print(line, highlight=False, soft_wrap=True, markup=False)
