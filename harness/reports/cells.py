"""Markdown table cells, one way for every Markdown the harness writes (report.md, the
leaderboard, the judges' and the breakdowns' sections)."""

from __future__ import annotations

from typing import Any


def md_cell(value: object) -> str:
    """``value`` as one Markdown table cell: ``|`` escaped, line breaks folded to spaces (a
    report.json read from elsewhere may hold names the config check never saw)."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.splitlines())


def score_cell(entry: dict[str, Any] | None) -> str:
    """``score [ci_low, ci_high]``, the bare score when there is no interval, or nothing."""
    if entry is None or not isinstance(entry.get("score"), int | float):
        return ""
    low, high = entry.get("ci_low"), entry.get("ci_high")
    text = f"{entry['score']:.2f}"
    if isinstance(low, int | float) and isinstance(high, int | float):
        text += f" [{low:.2f}, {high:.2f}]"
    if isinstance(entry.get("unscored_share"), int | float):  # a judge's (docs/judges.md)
        text += f" ({entry['unscored_share']:.0%} unscored)"
    return text
