"""The tables of ``harness compare --by/--ngrams``, as rows of text: one source for the
terminal (rich), ``report.md`` and ``report.html`` of a comparison folder."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from harness.metrics import METRICS
from harness.reports.anchors import segment_anchor
from harness.reports.cells import md_cell
from harness.stats import Interval
from harness.verdicts.analysis import PairAnalysis
from harness.verdicts.breakdown import BucketComparison
from harness.verdicts.differences import Difference
from harness.verdicts.ngrams import NgramEntry, NgramLists
from harness.verdicts.verdict import verdict_of

BREAKDOWN_HEADER = [
    "bucket",
    "segments",
    "metric",
    "baseline",
    "candidate",
    "Δ",
    "95% CI of Δ",
    "p",
    "p (Holm)",
    "verdict (Holm)",
]
NGRAM_HEADER = ["n-gram", "baseline", "candidate", "share"]
#: what the n-gram lists of each kind show
NGRAM_TITLES = {
    "match": ("matched with the reference more often by the candidate", "… by the baseline"),
    "over": ("over-produced more by the candidate", "… by the baseline"),
    "under": ("under-produced more by the candidate (missed)", "… by the baseline"),
}


def _interval(interval: Interval | None, signed: bool = False) -> str:
    if interval is None:
        return ""
    spec = "+.2f" if signed else ".2f"
    return f"[{interval.low:{spec}}, {interval.high:{spec}}]"


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def bucket_verdict(row: BucketComparison, alpha: float) -> str:
    """The verdict on Holm's adjusted p: what holds after looking at every bucket; ``n/a``
    for a bucket too small to test (one segment, or one article when drawing articles)."""
    if row.p_holm is None:
        return "n/a"
    return str(verdict_of(row.metric, row.delta, row.p_holm, alpha))


def breakdown_row(row: BucketComparison, alpha: float) -> list[str]:
    r = row.result
    arrow = METRICS.get(row.metric).arrow()
    size = f"{row.segments}" + (f" ({row.articles} art.)" if row.articles > 1 else "")
    return [
        row.bucket,
        size,
        f"{row.metric} {arrow}",
        f"{r.baseline_score:.2f} {_interval(row.baseline_interval)}".strip(),
        f"{r.system_score:.2f} {_interval(row.system_interval)}".strip(),
        f"{r.delta:+.2f}",
        _interval(r.interval, signed=True) or "n/a",
        _p(r.p_value),
        _p(row.p_holm),
        bucket_verdict(row, alpha),
    ]


def breakdown_rows(rows: Sequence[BucketComparison], alpha: float) -> list[list[str]]:
    """Metric by metric, bucket by bucket (the order Holm's families are in)."""
    return [breakdown_row(row, alpha) for row in rows]


def ngram_row(entry: NgramEntry) -> list[str]:
    return [entry.ngram, str(entry.baseline), str(entry.candidate), f"{entry.share:.3f}"]


def difference_title(difference: Difference) -> str:
    segment = difference.article_id + (f"/{difference.segment_id}" if difference.segment_id else "")
    return (
        f"{segment}: {difference.baseline_score:.1f} → {difference.candidate_score:.1f} "
        f"({difference.improvement:+.1f})"
    )


def pair_title(analysis: PairAnalysis) -> str:
    who = (
        analysis.system
        if analysis.system == analysis.baseline_system
        else f"{analysis.baseline_system} → {analysis.system}"
    )
    on = f" on {analysis.corpus}" if analysis.corpus else ""
    return f"{who}, {analysis.task}{on} ({analysis.segments} segments)"


def resampling_note(settings: dict[str, str | float]) -> str:
    return (
        f"Each bucket is scored from the sum of its segments' statistics (as the corpus is); "
        f"brackets: 95% bootstrap intervals; Δ = candidate − baseline with its paired-bootstrap "
        f"interval; p from {settings['test']}, drawing {settings['resample']}s; p (Holm) adjusts "
        f"p over the buckets of one breakdown and metric; verdicts at α = {settings['alpha']:g} "
        f"on the adjusted p."
    )


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [
        "| " + " | ".join(md_cell(h) for h in header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows),
    ]


def _ngram_markdown(lists: NgramLists) -> list[str]:
    more, less = NGRAM_TITLES[lists.kind.value]
    lines = []
    for title, entries in ((more, lists.candidate_more), (less, lists.baseline_more)):
        lines += ["", f"#### {lists.kind.value}: {title}", ""]
        lines += _md_table(NGRAM_HEADER, [ngram_row(e) for e in entries]) if entries else ["none"]
    return lines


def _anchor(difference: Difference) -> str:
    d = difference
    return segment_anchor(d.corpus, d.task, d.article_id, d.segment_id)


def _differences_markdown(analysis: PairAnalysis, link: str | None) -> list[str]:
    differences = analysis.differences
    if differences is None:
        return []
    lines = ["", f"### Largest differences (sentence-level {differences.metric})"]
    for title, items in (("got worse", differences.worse), ("got better", differences.better)):
        lines += ["", f"#### {title}", ""]
        if not items:
            lines.append("none")
        for d in items:
            lines += [
                f"- **{md_cell(difference_title(d))}**"
                + (f" ([side by side]({link}#{_anchor(d)}))" if link else ""),
                f"  - source: {md_cell(d.source)}",
                *(f"  - reference: {md_cell(r)}" for r in d.references),
                f"  - baseline: {md_cell(d.baseline_output)}",
                f"  - candidate: {md_cell(d.candidate_output)}",
            ]
    return lines


def analysis_markdown(
    analyses: Sequence[PairAnalysis],
    settings: dict[str, str | float],
    baseline: str,
    candidate: str,
    candidate_html: str | None = None,
) -> str:
    """``report.md`` of a comparison folder: breakdowns, n-gram lists, largest differences."""
    alpha = settings["alpha"]
    lines = [
        "# harness comparison: where the candidate changed",
        "",
        f"Baseline `{md_cell(baseline)}`, candidate `{md_cell(candidate)}`.",
        "",
        resampling_note(settings),
    ]
    for analysis in analyses:
        lines += ["", f"## {pair_title(analysis)}"]
        for by, rows in analysis.breakdowns.items():
            lines += ["", f"### By {by}", ""]
            lines += _md_table(BREAKDOWN_HEADER, breakdown_rows(rows, alpha))
        if analysis.ngrams:
            lines += [
                "",
                "### N-grams (n = 1–3), compare-mt's lists",
                "",
                "share = (candidate + 1) / (candidate + baseline + 2): above 0.5 the candidate "
                "has more of the n-gram.",
            ]
            for lists in analysis.ngrams:
                lines += _ngram_markdown(lists)
        lines += _differences_markdown(analysis, candidate_html)
    return "\n".join(lines) + "\n"


TERMINAL_HEADER = ["bucket", "n", "base", "cand", "Δ", "95% CI", "p", "Holm p", ""]
_SHORT_VERDICT = {"worse": "worse", "better": "better"}


def _short_interval(interval: Interval | None) -> str:
    return "n/a" if interval is None else f"[{interval.low:+.1f}, {interval.high:+.1f}]"


def _terminal_table(
    analysis: PairAnalysis,
    by: str,
    metric: str,
    rows: Sequence[BucketComparison],
    alpha: float,
) -> Table:
    """One metric's buckets, narrow enough for an 80-column log (no score intervals)."""
    arrow = METRICS.get(metric).arrow()
    table = Table(
        title=f"{pair_title(analysis)}: {metric} {arrow} by {by}",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for index, column in enumerate(TERMINAL_HEADER):
        table.add_column(column, justify="left" if index in (0, 8) else "right", no_wrap=index > 0)
    for row in rows:
        if row.metric != metric:
            continue
        cells = breakdown_row(row, alpha)
        verdict = bucket_verdict(row, alpha)
        table.add_row(
            row.bucket,
            str(row.segments),
            f"{row.result.baseline_score:.2f}",
            f"{row.result.system_score:.2f}",
            cells[5],
            _short_interval(row.result.interval),
            *cells[7:9],
            _SHORT_VERDICT.get(verdict, "–"),
            style="red" if verdict == "worse" else "green" if verdict == "better" else None,
        )
    return table


def print_analysis(
    console: Console, analyses: Sequence[PairAnalysis], settings: dict[str, str | float]
) -> None:
    """The breakdowns and n-gram lists as rich tables, the largest differences as lines."""
    alpha = settings["alpha"]
    console.print(resampling_note(settings), highlight=False, soft_wrap=True)
    for analysis in analyses:
        for by, rows in analysis.breakdowns.items():
            for metric in dict.fromkeys(r.metric for r in rows):
                console.print(_terminal_table(analysis, by, metric, rows, alpha))
        for lists in analysis.ngrams:
            more, less = NGRAM_TITLES[lists.kind.value]
            for title, entries in ((more, lists.candidate_more), (less, lists.baseline_more)):
                table = Table(title=f"{pair_title(analysis)}: {lists.kind.value} n-grams {title}")
                for index, column in enumerate(NGRAM_HEADER):
                    table.add_column(column, justify="left" if index == 0 else "right")
                for entry in entries:
                    table.add_row(*ngram_row(entry))
                console.print(table)
        differences = analysis.differences
        if differences is not None:
            for title, items in (("worse", differences.worse), ("better", differences.better)):
                console.print(
                    f"{pair_title(analysis)}: largest differences, got {title} "
                    f"(sentence-level {differences.metric}):",
                    highlight=False,
                    markup=False,
                )
                for d in items:
                    console.print(
                        f"  {difference_title(d)}\n    baseline:  {d.baseline_output}\n"
                        f"    candidate: {d.candidate_output}",
                        highlight=False,
                        markup=False,
                        soft_wrap=True,
                    )
