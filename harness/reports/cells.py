"""Markdown table cells, one way for every Markdown the harness writes (report.md, the
leaderboard, the judges' and the breakdowns' sections)."""

from __future__ import annotations

from harness.report_model import ResultEntry


def md_cell(value: object) -> str:
    """``value`` as one Markdown table cell: ``|`` escaped, line breaks folded to spaces (a
    report.json read from elsewhere may hold names the config check never saw)."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.splitlines())


def score_cell(entry: ResultEntry | None) -> str:
    """``score [ci_low, ci_high]``, the bare score when there is no interval, or nothing."""
    if entry is None:
        return ""
    text = f"{entry.score:.2f}"
    if entry.ci_low is not None and entry.ci_high is not None:
        text += f" [{entry.ci_low:.2f}, {entry.ci_high:.2f}]"
    if entry.unscored_share is not None:  # a judge's (docs/judges.md)
        text += f" ({entry.unscored_share:.0%} unscored)"
    return text
