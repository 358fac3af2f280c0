"""The report page's content, computed from ``report.json`` alone (no templates here).

A section with more than :data:`FULL_VIEW_MAX` segment rows (a 100k-segment test set) does
not put every segment on the page, which would make it tens of megabytes and slow to open:
it shows the :data:`WORST_N` worst segments per system and metric and the :data:`WORST_N`
that got most worse per comparison, plus a per-article summary; segments.csv and report.json
next to the page hold every segment.

Everything optional in the report contract is optional here too: ``ci_low``/``ci_high``,
``comparisons`` and ``corpus`` are shown when present, and older reports without them still
render.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from harness.errors import HarnessError
from harness.metrics import METRICS, Metric, metric_from_report
from harness.report_model import (
    ComparisonEntry,
    EmbedEntry,
    JsonObject,
    MetricDetails,
    Report,
    ResultEntry,
    SegmentEntry,
)
from harness.reports.anchors import segment_anchor
from harness.reports.html.charts import Bar, MetricChart
from harness.reports.html.numbers_view import NumberPiece, mark_numbers
from harness.reports.html.overlap import Piece, mark_overlap, vocabulary
from harness.reports.judges import (
    JudgedSegment,
    JudgeSummary,
    PairwiseRow,
    judge_summaries,
    judged_segments,
    pairwise_rows,
)
from harness.verdicts.gate.presence import lost_outputs
from harness.verdicts.verdict import Verdict, report_alpha, verdict_of

#: segment rows per section shown in full; above this a section shows a selection
FULL_VIEW_MAX = 2000
#: worst segments shown per system and metric, and per comparison, in a large section
WORST_N = 25
#: rows of the per-article summary of a large section (the worst articles when there are more)
ARTICLES_MAX = 500

_COUNT_ORDER = ("generated", "cached", "empty", "missing", "failed")
#: the significance matrix's cell classes
_VERDICT_CLASS = {Verdict.BETTER: "better", Verdict.WORSE: "worse", Verdict.SAME: "same"}


@dataclass(frozen=True)
class Score:
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    best: bool = False
    #: a judge metric's share of unscored segments (docs/judges.md)
    unscored_share: float | None = None

    @property
    def text(self) -> str:
        text = "–" if self.value is None else f"{self.value:.2f}"
        if self.unscored_share is not None:
            text += f" ({self.unscored_share:.0%} unscored)"
        return text

    @property
    def ci_text(self) -> str:
        if self.ci_low is None or self.ci_high is None:
            return ""
        return f"[{self.ci_low:.2f}, {self.ci_high:.2f}]"


@dataclass(frozen=True)
class MetricColumn:
    name: str
    metric: type[Metric]  # its direction: arrow, best score, verdicts

    @property
    def label(self) -> str:
        return f"{self.name} {self.metric.arrow()}"

    @property
    def higher_is_better(self) -> bool:
        return self.metric.higher_is_better


@dataclass(frozen=True)
class ResultRow:
    system: str
    n: int | None
    scores: list[Score]
    #: lost outputs (failed or missing), scored as empty ones
    failed: int = 0


@dataclass(frozen=True)
class Comparison:
    delta: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    test: str
    verdict: str  # "better", "worse" or "same" (not significant)

    @property
    def ci_text(self) -> str:
        if self.ci_low is None or self.ci_high is None:
            return ""
        return f"[{self.ci_low:+.2f}, {self.ci_high:+.2f}]"


@dataclass(frozen=True)
class Matrix:
    metric: MetricColumn
    baselines: list[str]
    systems: list[str]
    cells: dict[tuple[str, str], Comparison]


@dataclass(frozen=True)
class SystemOutput:
    system: str
    status: str
    scores: dict[str, float]
    text: str = ""
    pieces: list[Piece] = field(default_factory=list)
    error: str | None = None
    #: the text with numbers not in the source marked, and the source's numbers it lacks
    number_pieces: list[NumberPiece] = field(default_factory=list)
    missing_numbers: list[str] = field(default_factory=list)
    #: a pipeline's step outputs (step name → text)
    intermediate: dict[str, str] = field(default_factory=dict)
    #: error spans a learned metric found (xCOMET): (metric, text, severity, confidence)
    error_spans: list[tuple[str, str, str, float]] = field(default_factory=list)


@dataclass(frozen=True)
class SegmentRow:
    article_id: str
    segment_id: str | None
    source: str
    references: list[str]
    outputs: list[SystemOutput]
    bullets: list[list[Piece]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why a large section shows it
    anchor: str = ""  # the row's id, for links from a comparison (reports.anchors)


@dataclass(frozen=True)
class ArticleRow:
    """One article of a large section: its segment count and a score per system and metric."""

    article_id: str
    segments: int
    scores: list[Score]


@dataclass
class ArticleSummary:
    columns: list[tuple[str, MetricColumn]]  # (system, metric) per score column
    rows: list[ArticleRow]
    total: int  # articles in the section (rows may hold only the worst)
    from_stats: bool  # corpus score of the article's statistics, else mean segment score


@dataclass
class Section:
    """One task (on one corpus): its table, charts, comparisons and segments."""

    anchor: str
    title: str
    task: str
    metrics: list[MetricColumn]
    systems: list[str]
    results: list[ResultRow]
    charts: list[str]
    matrices: list[Matrix]
    has_comparisons: bool
    rows: list[SegmentRow]
    ci_fields: bool = False  # whether the results carry ci_low/ci_high keys (maybe null)
    total_rows: int = 0  # segment rows in the section; more than len(rows) when a selection
    articles: ArticleSummary | None = None  # large sections only

    @property
    def is_selection(self) -> bool:
        return self.total_rows > len(self.rows)

    @property
    def worst_n(self) -> int:
        return WORST_N

    @property
    def ci_note(self) -> str:
        """Why the table has (or lacks) intervals."""
        if any(score.ci_text for row in self.results for score in row.scores):
            return "Brackets: 95% bootstrap confidence interval."
        if self.ci_fields:
            return "No confidence intervals: they need at least 2 items scored."
        return "This report has no confidence intervals."

    def blocks(self) -> list[tuple[str, list[int]]]:
        """The results table split in two: n-gram "Scores", and "Fidelity" (numbers, names,
        language, meaning), each as (title, column indices); empty blocks left out."""
        fidelity = [i for i, m in enumerate(self.metrics) if m.metric.fidelity]
        scores = [i for i in range(len(self.metrics)) if i not in fidelity]
        blocks = [("Scores", scores), ("Fidelity", fidelity)]
        return [(title, cols) for title, cols in blocks if cols]

    @property
    def is_summarization(self) -> bool:
        return self.task.startswith("summarization")

    def script_data(self) -> JsonObject:
        """What the sort/filter script needs: per row, system → metric → score."""
        return {
            "systems": self.systems,
            "rows": [{o.system: o.scores for o in row.outputs} for row in self.rows],
        }


@dataclass(frozen=True)
class CountRow:
    system: str
    task: str
    counts: dict[str, int]


@dataclass(frozen=True)
class EmbedRow:
    """An embed segment (quoted tweet, attribution, picture link): shown, not scored."""

    corpus: str
    article_id: str
    segment_id: str
    lang: str
    text: str


def _embed_rows(embeds: Sequence[EmbedEntry]) -> list[EmbedRow]:
    return [
        EmbedRow(e.corpus or "", e.article_id, e.segment_id or "", e.lang or "", e.text)
        for e in embeds
    ]


@dataclass
class Page:
    title: str
    corpus: str
    created_at: str
    alpha: float
    sections: list[Section]
    counts: list[CountRow]
    count_columns: list[str]
    warnings: list[str]
    signatures: dict[str, str]
    environment: list[str]
    embeds: list[EmbedRow] = field(default_factory=list)
    judges: list[JudgeSummary] = field(default_factory=list)
    judged: list[JudgedSegment] = field(default_factory=list)
    pairwise: list[PairwiseRow] = field(default_factory=list)


def _group_key(entry: ResultEntry | SegmentEntry) -> tuple[str | None, str]:
    return entry.corpus, entry.task


def _results_table(
    results: Sequence[ResultEntry], lost: dict[str, int] | None = None
) -> tuple[list[MetricColumn], list[str], list[ResultRow]]:
    metrics = [
        MetricColumn(name, METRICS.get(name)) for name in dict.fromkeys(r.metric for r in results)
    ]
    systems = list(dict.fromkeys(r.system for r in results))
    by_key = {(r.system, r.metric): r for r in results}
    best: dict[str, float] = {}
    for metric in metrics:
        values = [by_key[s, metric.name].score for s in systems if (s, metric.name) in by_key]
        if len(values) > 1:
            best[metric.name] = metric.metric.best(values)
    rows = []
    for system in systems:
        scores = []
        n = None
        for metric in metrics:
            entry = by_key.get((system, metric.name))
            if entry is None:
                scores.append(Score(None))
                continue
            n = entry.n if "n" in entry.model_fields_set else n
            scores.append(
                Score(
                    entry.score,
                    entry.ci_low,
                    entry.ci_high,
                    best=entry.score == best.get(metric.name),
                    unscored_share=entry.unscored_share,
                )
            )
        rows.append(ResultRow(system, n, scores, (lost or {}).get(system, 0)))
    return metrics, systems, rows


def _charts(
    anchor: str, metrics: list[MetricColumn], rows: list[ResultRow], draw: DrawChart
) -> list[str]:
    charts = []
    for index, metric in enumerate(metrics):
        scores = [(row.system, row.scores[index]) for row in rows]
        bars = tuple(
            Bar(system, score.value, score.ci_low, score.ci_high)
            for system, score in scores
            if score.value is not None
        )
        if bars:
            charts.append(
                draw(
                    MetricChart(
                        metric.name, bars, metric.higher_is_better, f"{anchor}-{metric.name}"
                    )
                )
            )
    return charts


def _matrices(
    comparisons: Sequence[ComparisonEntry], metrics: list[MetricColumn], alpha: float
) -> list[Matrix]:
    matrices = []
    for metric in metrics:
        entries = [c for c in comparisons if c.metric == metric.name]
        if not entries:
            continue
        cells = {}
        for entry in entries:
            delta = entry.delta
            if delta is None:
                continue
            verdict = _VERDICT_CLASS[verdict_of(metric.name, delta, entry.p_value, alpha)]
            cells[(entry.baseline, entry.system)] = Comparison(
                delta, entry.ci_low, entry.ci_high, entry.p_value, entry.test, verdict
            )
        matrices.append(
            Matrix(
                metric,
                list(dict.fromkeys(e.baseline for e in entries)),
                list(dict.fromkeys(e.system for e in entries)),
                cells,
            )
        )
    return matrices


RowKey = tuple[str, str | None]


def _or_unknown(count: int | None) -> str:
    return "?" if count is None else str(count)


def _error_spans(details: dict[str, MetricDetails]) -> list[tuple[str, str, str, float]]:
    """The error spans in a segment's ``details`` (those with a confidence)."""
    return [
        (metric, span.text, span.severity, span.confidence)
        for metric, found in details.items()
        for span in found.error_spans
        if span.confidence is not None
    ]


def _grouped(segments: Sequence[SegmentEntry]) -> dict[RowKey, list[SegmentEntry]]:
    """The segments of a section by row (article, segment), in report order."""
    grouped: dict[RowKey, list[SegmentEntry]] = {}
    for segment in segments:
        grouped.setdefault((segment.article_id, segment.segment_id), []).append(segment)
    return grouped


def _segment_rows(
    grouped: dict[RowKey, list[SegmentEntry]],
    summarization: bool,
    reasons: dict[RowKey, list[str]] | None = None,
) -> list[SegmentRow]:
    """The table's rows: every row, or only those in ``reasons`` (in report order)."""
    rows = []
    for (article_id, segment_id), entries in grouped.items():
        if reasons is not None and (article_id, segment_id) not in reasons:
            continue
        references = list(entries[0].references)
        outputs = []
        bullets: list[list[Piece]] = []
        reference_words = vocabulary(references) if summarization else set()
        source = entries[0].source
        for entry in entries:
            text = entry.output
            number_pieces, missing = mark_numbers(text, source)
            outputs.append(
                SystemOutput(
                    system=entry.system,
                    status=entry.status,
                    scores={k: v for k, v in entry.scores.items() if v is not None},
                    text=text,
                    pieces=mark_overlap(text, reference_words) if summarization else [],
                    error=entry.error,
                    number_pieces=number_pieces,
                    missing_numbers=missing if not summarization else [],
                    intermediate=dict(entry.intermediate),
                    error_spans=_error_spans(entry.details),
                )
            )
        if summarization:
            summary_words = vocabulary(o.text for o in outputs)
            bullets = [
                mark_overlap(line, summary_words)
                for reference in references
                for line in reference.split("\n")
                if line.strip()
            ]
        rows.append(
            SegmentRow(
                article_id=str(article_id),
                segment_id=segment_id,
                source=source,
                references=references,
                outputs=outputs,
                bullets=bullets,
                reasons=(reasons or {}).get((article_id, segment_id), []),
                anchor=segment_anchor(entries[0].corpus, entries[0].task, article_id, segment_id),
            )
        )
    return rows


def _worst(values: dict[RowKey, float], metric: MetricColumn, n: int) -> list[RowKey]:
    """The ``n`` rows whose value is worst in the metric's direction (report order on ties)."""
    keys = list(values)
    sign = metric.metric.improvement(1.0)  # +1 when higher is better, -1 when lower is
    order = np.argsort(sign * np.fromiter(values.values(), float, len(keys)), kind="stable")
    return [keys[i] for i in order[:n]]


def _score_columns(
    grouped: dict[RowKey, list[SegmentEntry]],
) -> dict[tuple[str, str], dict[RowKey, float]]:
    """(system, metric) → row → segment score, for every score in the section (not null)."""
    columns: dict[tuple[str, str], dict[RowKey, float]] = {}
    for key, entries in grouped.items():
        for entry in entries:
            for name, value in entry.scores.items():
                if value is not None:
                    columns.setdefault((entry.system, name), {})[key] = value
    return columns


def _selection(
    grouped: dict[RowKey, list[SegmentEntry]],
    systems: list[str],
    metrics: list[MetricColumn],
    comparisons: Sequence[ComparisonEntry],
    n: int = WORST_N,
) -> dict[RowKey, list[str]]:
    """Which rows a large section shows, and why: the ``n`` worst per system and metric, and
    the ``n`` that got most worse (system − baseline) per comparison."""
    columns = _score_columns(grouped)
    reasons: dict[RowKey, list[str]] = {}
    for metric in metrics:
        for system in systems:
            for key in _worst(columns.get((system, metric.name), {}), metric, n):
                reasons.setdefault(key, []).append(f"worst {metric.name}: {system}")
        pairs = dict.fromkeys(
            (c.baseline, c.system) for c in comparisons if c.metric == metric.name
        )
        for baseline, system in pairs:
            base = columns.get((baseline, metric.name), {})
            deltas = {
                key: value - base[key]
                for key, value in columns.get((system, metric.name), {}).items()
                if key in base
            }
            for key in _worst(deltas, metric, n):
                reasons.setdefault(key, []).append(f"{metric.name}: {system} − {baseline}")
    return reasons


def _article_summary(
    segments: Sequence[SegmentEntry],
    systems: list[str],
    metrics: list[MetricColumn],
    options: dict[str, JsonObject],
    limit: int = ARTICLES_MAX,
) -> ArticleSummary:
    """Per article and per (system, metric): the corpus score of the article's segment
    statistics (as the results table computes it for the whole corpus), or, in a report
    without statistics, the mean segment score."""
    columns = [(system, metric) for system in systems for metric in metrics]
    articles: dict[str, int] = {}
    ids: dict[str, set[str | None]] = {}
    # (system, metric) → article index of each segment, its statistics row, its score
    where: dict[tuple[str, str], tuple[list[int], list[Sequence[float]], list[float]]] = {
        (system, metric.name): ([], [], []) for system, metric in columns
    }
    from_stats = True
    for segment in segments:
        article = segment.article_id
        index = articles.setdefault(article, len(articles))
        ids.setdefault(article, set()).add(segment.segment_id)
        rows = segment.stats
        for name, value in segment.scores.items():
            column = where.get((segment.system, name))
            if column is None or value is None:
                continue
            column[0].append(index)
            column[2].append(value)
            if name in rows:
                column[1].append(rows[name])
            else:
                from_stats = False
    scorers: dict[str, Metric] = {}
    if from_stats:
        try:
            scorers = {m.name: metric_from_report(m.name, options.get(m.name)) for m in metrics}
        except HarnessError:  # options this version does not know: fall back to means
            from_stats = False
    cells: list[list[Score]] = [[] for _ in articles]
    for system, metric in columns:
        indices, rows, values = where[(system, metric.name)]
        counts = np.bincount(indices, minlength=len(articles))
        if from_stats and rows:
            matrix = np.asarray(rows, dtype=float)
            totals = np.stack(
                [
                    np.bincount(indices, weights=matrix[:, j], minlength=len(articles))
                    for j in range(matrix.shape[1])
                ],
                axis=1,
            )
            scorer = scorers[metric.name]
        else:
            means = np.bincount(indices, weights=values, minlength=len(articles))
        for article in range(len(articles)):
            if not counts[article]:
                cells[article].append(Score(None))
            elif from_stats and rows:
                total = totals[article : article + 1]
                score = scorer.scores_from_totals(total, int(counts[article]))[0]
                cells[article].append(Score(float(score)))
            else:
                cells[article].append(Score(float(means[article] / counts[article])))
    table = [
        ArticleRow(article, len(ids[article]), cells[index]) for article, index in articles.items()
    ]
    if len(table) > limit and columns:  # keep the worst by the first system's first metric
        values_of = {
            (row.article_id, None): row.scores[0].value
            for row in table
            if row.scores[0].value is not None
        }
        kept = {article for article, _ in _worst(values_of, columns[0][1], limit)}  # type: ignore[arg-type]
        table = [row for row in table if row.article_id in kept]
    return ArticleSummary(columns, table, len(articles), from_stats)


#: how the page gets a chart's SVG: drawn here (the default) or taken from charts drawn ahead
DrawChart = Callable[[MetricChart], str]


def build_page(report: Report, draw: DrawChart = MetricChart.svg) -> Page:
    """Turn a report into the page's content."""
    provenance = report.provenance
    alpha = report_alpha(report)
    results = report.results
    segments = report.segments
    comparisons = report.comparisons or []
    segments_by_group: dict[tuple[str | None, str], list[SegmentEntry]] = {}
    for segment in segments:  # one pass over the segments, however many sections
        segments_by_group.setdefault(_group_key(segment), []).append(segment)
    groups = list(dict.fromkeys([*map(_group_key, results), *segments_by_group]))
    several_corpora = len({corpus for corpus, _ in groups}) > 1
    all_lost = lost_outputs(report)  # failed or missing outputs per system, task, corpus
    sections = []
    for index, (corpus, task) in enumerate(groups):
        anchor = f"section-{index}"
        in_group = [r for r in results if _group_key(r) == (corpus, task)]
        lost = {
            system: count
            for (system, lost_task, lost_corpus), count in all_lost.items()
            if (lost_corpus, lost_task) == (corpus, task)
        }
        metrics, systems, rows = _results_table(in_group, lost)
        group_comparisons = [
            c
            for c in comparisons
            if c.task == task and (c.corpus if "corpus" in c.model_fields_set else corpus) == corpus
        ]
        group_segments = segments_by_group.get((corpus, task), [])
        for segment in group_segments:
            if segment.system not in systems:
                systems.append(segment.system)
        sections.append(
            Section(
                anchor=anchor,
                title=task.capitalize() + (f" — {corpus}" if corpus and several_corpora else ""),
                task=task,
                metrics=metrics,
                systems=systems,
                results=rows,
                charts=_charts(anchor, metrics, rows, draw),
                matrices=_matrices(group_comparisons, metrics, alpha),
                has_comparisons=bool(group_comparisons),
                rows=[],
                ci_fields=any("ci_low" in r.model_fields_set for r in in_group),
            )
        )
        section = sections[-1]
        grouped = _grouped(group_segments)
        section.total_rows = len(grouped)
        summarization = section.is_summarization
        if len(grouped) <= FULL_VIEW_MAX:
            section.rows = _segment_rows(grouped, summarization)
        else:
            section.rows = _segment_rows(
                grouped, summarization, _selection(grouped, systems, metrics, group_comparisons)
            )
            section.articles = _article_summary(
                group_segments, systems, metrics, provenance.metric_options
            )
    counts = [
        CountRow(name, str(info.params.get("task", "")), dict(info.counts))
        for name, info in provenance.systems.items()
    ]
    count_columns = list(dict.fromkeys([*_COUNT_ORDER, *(k for row in counts for k in row.counts)]))
    corpus_info = provenance.corpus
    p = provenance
    environment = [
        f"python {p.python}" if p.python else "",
        ", ".join(f"{k} {v}" for k, v in p.packages.items()),
        f"harness commit {p.git_commit}" if p.git_commit else "",
        f"config {p.config_path}" if p.config_path else "",
        f"config sha256 {p.config_sha256}" if p.config_sha256 else "",
        f"duration {p.duration_s} s" if p.duration_s else "",
    ]
    return Page(
        title=f"harness report: {provenance.run_name}".rstrip(": "),
        corpus=(
            f"{corpus_info.name} ({_or_unknown(corpus_info.articles)} article(s))"
            if corpus_info is not None and corpus_info.name
            else ""
        ),
        created_at=provenance.created_at or "",
        alpha=alpha,
        sections=sections,
        counts=counts,
        count_columns=[c for c in count_columns if any(c in row.counts for row in counts)],
        warnings=list(provenance.warnings),
        signatures=dict(provenance.metrics),
        environment=[line for line in environment if line],
        embeds=_embed_rows(report.embeds or []),
        judges=judge_summaries(report),
        judged=judged_segments(report),
        pairwise=pairwise_rows(report),
    )
