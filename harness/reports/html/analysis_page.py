"""``report.html`` of a comparison folder (``harness compare --by … --out DIR``): each
breakdown as a table and a chart of Δ per bucket, the n-gram lists, and the largest
differences side by side, each linked to its row in the candidate's own report.html.

Rendered with the run report's Jinja2 environment (autoescaping, strict undefined) and its
stylesheet; the page has no script, and its Content-Security-Policy allows none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from harness.reports.analysis import (
    BREAKDOWN_HEADER,
    NGRAM_HEADER,
    NGRAM_TITLES,
    breakdown_rows,
    bucket_verdict,
    difference_title,
    ngram_row,
    pair_title,
    resampling_note,
)
from harness.reports.anchors import segment_anchor
from harness.reports.html.delta_chart import DeltaBar, delta_chart_svg
from harness.reports.html.page import _environment
from harness.verdicts.analysis import PairAnalysis
from harness.verdicts.breakdown import BucketComparison
from harness.verdicts.differences import Difference

#: buckets above which a breakdown (``--by article`` on a large corpus) gets no chart
CHART_MAX_BUCKETS = 30


@dataclass
class Block:
    title: str
    header: list[str]
    rows: list[list[str]]
    verdicts: list[str] = field(default_factory=list)  # per row, for its colour
    charts: list[str] = field(default_factory=list)


@dataclass
class DifferenceView:
    title: str
    difference: Difference
    link: str | None


@dataclass
class PairView:
    anchor: str
    title: str
    breakdowns: list[Block]
    ngrams: list[Block]
    worse: list[DifferenceView]
    better: list[DifferenceView]
    diff_metric: str | None


def _charts(anchor: str, by: str, rows: Sequence[BucketComparison], alpha: float) -> list[str]:
    metrics = list(dict.fromkeys(r.metric for r in rows))
    charts = []
    for metric in metrics:
        bars = [
            DeltaBar(
                r.bucket,
                r.delta,
                r.result.interval.low if r.result.interval else None,
                r.result.interval.high if r.result.interval else None,
                bucket_verdict(r, alpha),
            )
            for r in rows
            if r.metric == metric
        ]
        if len(bars) <= CHART_MAX_BUCKETS:
            charts.append(delta_chart_svg(f"{metric} by {by}", bars, f"{anchor}-{by}-{metric}"))
    return charts


def _differences(items: Sequence[Difference], html: str | None) -> list[DifferenceView]:
    return [
        DifferenceView(
            difference_title(d),
            d,
            f"{html}#{segment_anchor(d.corpus, d.task, d.article_id, d.segment_id)}"
            if html
            else None,
        )
        for d in items
    ]


def _pair_view(index: int, analysis: PairAnalysis, alpha: float, html: str | None) -> PairView:
    anchor = f"pair-{index}"
    breakdowns = [
        Block(
            f"By {by}",
            BREAKDOWN_HEADER,
            breakdown_rows(rows, alpha),
            [bucket_verdict(r, alpha) for r in rows],
            _charts(anchor, by, rows, alpha),
        )
        for by, rows in analysis.breakdowns.items()
    ]
    ngrams = []
    for lists in analysis.ngrams:
        more, less = NGRAM_TITLES[lists.kind.value]
        for title, entries in ((more, lists.candidate_more), (less, lists.baseline_more)):
            ngrams.append(
                Block(f"{lists.kind.value}: {title}", NGRAM_HEADER, [ngram_row(e) for e in entries])
            )
    differences = analysis.differences
    return PairView(
        anchor,
        pair_title(analysis),
        breakdowns,
        ngrams,
        _differences(differences.worse, html) if differences else [],
        _differences(differences.better, html) if differences else [],
        differences.metric if differences else None,
    )


def render_analysis_html(
    analyses: Sequence[PairAnalysis],
    settings: dict[str, str | float],
    baseline: str,
    candidate: str,
    candidate_html: str | None = None,
) -> str:
    alpha = settings["alpha"]
    pairs = [_pair_view(i, a, alpha, candidate_html) for i, a in enumerate(analyses)]
    return (
        _environment()
        .get_template("compare.html.j2")
        .render(
            pairs=pairs,
            note=resampling_note(settings),
            baseline=baseline,
            candidate=candidate,
            candidate_html=candidate_html,
        )
    )
