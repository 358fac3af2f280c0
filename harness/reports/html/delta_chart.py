"""A breakdown's chart: each bucket's Δ (candidate − baseline) with its 95% paired interval,
as inline SVG drawn like :mod:`harness.reports.html.charts` (object API, glyph paths,
deterministic output)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.reports.html.charts import chart_settings, finished_svg

_WORSE, _BETTER, _SAME = "#c0392b", "#2e7d32", "#9e9e9e"


@dataclass(frozen=True)
class DeltaBar:
    bucket: str
    delta: float
    ci_low: float | None
    ci_high: float | None
    verdict: str  # "better", "worse" or "no significant change"


def delta_chart_svg(title: str, bars: Sequence[DeltaBar], chart_id: str) -> str:
    """Horizontal bars of Δ per bucket, coloured by verdict, with CI whiskers and a zero line."""
    import matplotlib
    from matplotlib.figure import Figure

    height = 0.9 + 0.36 * len(bars)
    with matplotlib.rc_context(chart_settings(chart_id)):
        figure = Figure(figsize=(5.2, height), layout="constrained")
        axes = figure.subplots()
        positions = list(range(len(bars)))[::-1]
        colours = [
            _WORSE if b.verdict == "worse" else _BETTER if b.verdict == "better" else _SAME
            for b in bars
        ]
        axes.barh(positions, [b.delta for b in bars], color=colours, height=0.6)
        whiskers = [i for i, b in enumerate(bars) if b.ci_low is not None and b.ci_high is not None]
        if whiskers:
            axes.errorbar(
                [bars[i].delta for i in whiskers],
                [positions[i] for i in whiskers],
                xerr=[
                    [bars[i].delta - bars[i].ci_low for i in whiskers],  # type: ignore[operator]
                    [bars[i].ci_high - bars[i].delta for i in whiskers],  # type: ignore[operator]
                ],
                fmt="none",
                ecolor="#222222",
                elinewidth=1.1,
                capsize=3,
            )
        axes.axvline(0, color="#444444", linewidth=0.8)
        axes.set_yticks(positions, [b.bucket for b in bars])
        axes.set_title(title)
        axes.set_xlabel("Δ candidate − baseline, 95% CI (red: worse, green: better, Holm)")
        return finished_svg(figure, axes)
