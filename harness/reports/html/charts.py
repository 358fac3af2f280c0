"""One chart per metric: each system's score with its confidence interval, as inline SVG.

Drawn with matplotlib's object API (no pyplot, so no global backend state). Text is drawn as
glyph paths, so the SVG needs no font and carries no text from the report; the SVG is made
deterministic (no date, fixed id salt) so the same report renders to the same file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass(frozen=True)
class Bar:
    system: str
    score: float
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class MetricChart:
    """One metric's chart as the page asks for it: everything :func:`metric_chart_svg` draws
    from, so two equal charts are the same SVG (drawn ahead, in another process, or not)."""

    metric: str
    bars: tuple[Bar, ...]
    higher_is_better: bool
    chart_id: str

    @property
    def key(self) -> str:
        """The chart's identity as text (every field; floats by ``repr``, which is exact)."""
        return repr(self)

    def svg(self) -> str:
        return metric_chart_svg(self.metric, self.bars, self.higher_is_better, self.chart_id)


def metric_chart_svg(
    metric: str, bars: Sequence[Bar], higher_is_better: bool, chart_id: str
) -> str:
    """A horizontal bar chart of ``bars`` with CI error bars, as an ``<svg>`` element.

    ``chart_id`` salts the SVG's internal ids, so several charts can share one page.
    """
    import matplotlib
    from matplotlib.figure import Figure

    height = 0.9 + 0.42 * len(bars)
    with matplotlib.rc_context(chart_settings(chart_id)):
        figure = Figure(figsize=(4.6, height), layout="constrained")
        axes = figure.subplots()
        positions = list(range(len(bars)))[::-1]
        scores = [bar.score for bar in bars]
        axes.barh(positions, scores, color="#4c78a8", height=0.6)
        with_ci = [
            i for i, bar in enumerate(bars) if bar.ci_low is not None and bar.ci_high is not None
        ]
        if with_ci:
            axes.errorbar(
                [scores[i] for i in with_ci],
                [positions[i] for i in with_ci],
                xerr=[
                    [scores[i] - bars[i].ci_low for i in with_ci],  # type: ignore[operator]
                    [bars[i].ci_high - scores[i] for i in with_ci],  # type: ignore[operator]
                ],
                fmt="none",
                ecolor="#222222",
                elinewidth=1.2,
                capsize=4,
            )
        axes.set_yticks(positions, [bar.system for bar in bars])
        axes.set_title(f"{metric} ({'higher' if higher_is_better else 'lower'} is better)")
        axes.set_xlabel("score with 95% CI" if with_ci else "score")
        return finished_svg(figure, axes)


def load_matplotlib() -> None:
    """Import what drawing the first chart imports (a third of a second of CPU)."""
    import matplotlib.backends.backend_svg
    import matplotlib.figure  # noqa: F401


def chart_settings(chart_id: str) -> dict[str, object]:
    """matplotlib settings of every chart on a page; ``chart_id`` salts the SVG's ids."""
    return {
        "svg.hashsalt": chart_id,
        "svg.fonttype": "path",
        "font.size": 9,
        # names come from configs, reports and label files: "$x^$" is a name, never mathtext
        # (which would raise on it, after report.json was written) nor LaTeX
        "text.parse_math": False,
        "text.usetex": False,
    }


def finished_svg(figure: Figure, axes: Axes) -> str:
    """The chart's common styling, then the figure as an ``<svg>`` element (call it inside
    ``rc_context(chart_settings(...))``: the id salt applies when saving)."""
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    # matplotlib escapes text in its comments; dropping them keeps the page smaller anyway.
    return _COMMENT.sub("", _PROLOGUE.sub("", buffer.getvalue(), count=1))
