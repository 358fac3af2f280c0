"""The report page's content, computed from ``report.json`` alone (no templates here).

Everything optional in the report contract is optional here too: ``ci_low``/``ci_high``,
``comparisons`` and ``corpus`` are shown when present, and older reports without them still
render.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.metrics import METRICS, Metric
from harness.reports.html.charts import Bar, metric_chart_svg
from harness.reports.html.numbers_view import NumberPiece, mark_numbers
from harness.reports.html.overlap import Piece, mark_overlap, vocabulary
from harness.verdicts.verdict import Verdict, report_alpha, verdict_of

_COUNT_ORDER = ("generated", "cached", "empty", "missing", "failed")
#: the significance matrix's cell classes
_VERDICT_CLASS = {Verdict.BETTER: "better", Verdict.WORSE: "worse", Verdict.SAME: "same"}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Score:
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    best: bool = False

    @property
    def text(self) -> str:
        return "–" if self.value is None else f"{self.value:.2f}"

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


@dataclass(frozen=True)
class SegmentRow:
    article_id: str
    segment_id: str | None
    source: str
    references: list[str]
    outputs: list[SystemOutput]
    bullets: list[list[Piece]] = field(default_factory=list)


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

    def script_data(self) -> dict[str, Any]:
        """What the sort/filter script needs: per row, system → metric → score."""
        return {
            "systems": self.systems,
            "metrics": [m.name for m in self.metrics],
            "higherIsBetter": {m.name: m.higher_is_better for m in self.metrics},
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


def _embed_rows(embeds: Sequence[Any]) -> list[EmbedRow]:
    return [
        EmbedRow(
            *(str(entry.get(key) or "") for key in ("corpus", "article_id", "segment_id", "lang")),
            str(entry.get("text") or ""),
        )
        for entry in embeds
        if isinstance(entry, dict)
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


def _group_key(entry: dict[str, Any]) -> tuple[str | None, str]:
    return entry.get("corpus"), entry["task"]


def _results_table(
    results: Sequence[dict[str, Any]],
) -> tuple[list[MetricColumn], list[str], list[ResultRow]]:
    metrics = [
        MetricColumn(name, METRICS.get(name))
        for name in dict.fromkeys(r["metric"] for r in results)
    ]
    systems = list(dict.fromkeys(r["system"] for r in results))
    by_key = {(r["system"], r["metric"]): r for r in results}
    best: dict[str, float] = {}
    for metric in metrics:
        values = [
            v
            for s in systems
            if (v := _number(by_key.get((s, metric.name), {}).get("score"))) is not None
        ]
        if len(values) > 1:
            best[metric.name] = metric.metric.best(values)
    rows = []
    for system in systems:
        scores = []
        n = None
        for metric in metrics:
            entry = by_key.get((system, metric.name), {})
            value = _number(entry.get("score"))
            n = entry.get("n", n)
            scores.append(
                Score(
                    value,
                    _number(entry.get("ci_low")),
                    _number(entry.get("ci_high")),
                    best=value is not None and value == best.get(metric.name),
                )
            )
        rows.append(ResultRow(system, n, scores))
    return metrics, systems, rows


def _charts(anchor: str, metrics: list[MetricColumn], rows: list[ResultRow]) -> list[str]:
    charts = []
    for index, metric in enumerate(metrics):
        scores = [(row.system, row.scores[index]) for row in rows]
        bars = [
            Bar(system, score.value, score.ci_low, score.ci_high)
            for system, score in scores
            if score.value is not None
        ]
        if bars:
            charts.append(
                metric_chart_svg(
                    metric.name, bars, metric.higher_is_better, f"{anchor}-{metric.name}"
                )
            )
    return charts


def _matrices(
    comparisons: Sequence[dict[str, Any]], metrics: list[MetricColumn], alpha: float
) -> list[Matrix]:
    matrices = []
    for metric in metrics:
        entries = [c for c in comparisons if c.get("metric") == metric.name]
        if not entries:
            continue
        cells = {}
        for entry in entries:
            delta = _number(entry.get("delta"))
            if delta is None:
                continue
            p_value = _number(entry.get("p_value"))
            verdict = _VERDICT_CLASS[verdict_of(metric.name, delta, p_value, alpha)]
            cells[(entry["baseline"], entry["system"])] = Comparison(
                delta,
                _number(entry.get("ci_low")),
                _number(entry.get("ci_high")),
                p_value,
                str(entry.get("test", "")),
                verdict,
            )
        matrices.append(
            Matrix(
                metric,
                list(dict.fromkeys(e["baseline"] for e in entries)),
                list(dict.fromkeys(e["system"] for e in entries)),
                cells,
            )
        )
    return matrices


def _step_texts(value: Any) -> dict[str, str]:
    """A pipeline segment's ``intermediate`` (step → text); anything else shows nothing."""
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _segment_rows(segments: Sequence[dict[str, Any]], summarization: bool) -> list[SegmentRow]:
    grouped: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    for segment in segments:
        grouped.setdefault((segment["article_id"], segment.get("segment_id")), []).append(segment)
    rows = []
    for (article_id, segment_id), entries in grouped.items():
        references = [str(r) for r in entries[0].get("references", [])]
        outputs = []
        bullets: list[list[Piece]] = []
        reference_words = vocabulary(references) if summarization else set()
        source = str(entries[0].get("source", ""))
        for entry in entries:
            text = str(entry.get("output") or "")
            number_pieces, missing = mark_numbers(text, source)
            outputs.append(
                SystemOutput(
                    system=entry["system"],
                    status=str(entry.get("status", "")),
                    scores={
                        k: v
                        for k, v in (entry.get("scores") or {}).items()
                        if _number(v) is not None
                    },
                    text=text,
                    pieces=mark_overlap(text, reference_words) if summarization else [],
                    error=entry.get("error"),
                    number_pieces=number_pieces,
                    missing_numbers=missing if not summarization else [],
                    intermediate=_step_texts(entry.get("intermediate")),
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
            )
        )
    return rows


def build_page(report: dict[str, Any]) -> Page:
    """Turn a report document into the page's content."""
    provenance = report.get("provenance") or {}
    alpha = report_alpha(report)
    results = report.get("results") or []
    segments = report.get("segments") or []
    comparisons = report.get("comparisons") or []
    groups = list(dict.fromkeys([*map(_group_key, results), *map(_group_key, segments)]))
    several_corpora = len({corpus for corpus, _ in groups}) > 1
    sections = []
    for index, (corpus, task) in enumerate(groups):
        anchor = f"section-{index}"
        in_group = [r for r in results if _group_key(r) == (corpus, task)]
        metrics, systems, rows = _results_table(in_group)
        group_comparisons = [
            c for c in comparisons if c.get("task") == task and c.get("corpus", corpus) == corpus
        ]
        group_segments = [s for s in segments if _group_key(s) == (corpus, task)]
        for segment in group_segments:
            if segment["system"] not in systems:
                systems.append(segment["system"])
        sections.append(
            Section(
                anchor=anchor,
                title=task.capitalize() + (f" — {corpus}" if corpus and several_corpora else ""),
                task=task,
                metrics=metrics,
                systems=systems,
                results=rows,
                charts=_charts(anchor, metrics, rows),
                matrices=_matrices(group_comparisons, metrics, alpha),
                has_comparisons=bool(group_comparisons),
                rows=_segment_rows(
                    group_segments, summarization=task.startswith("summarization")
                ),
                ci_fields=any("ci_low" in r for r in in_group),
            )
        )
    counts = [
        CountRow(
            name,
            str((info.get("params") or {}).get("task", "")),
            dict(info.get("counts") or {}),
        )
        for name, info in (provenance.get("systems") or {}).items()
    ]
    count_columns = list(dict.fromkeys([*_COUNT_ORDER, *(k for row in counts for k in row.counts)]))
    corpus_info = provenance.get("corpus") or {}
    packages = provenance.get("packages") or {}
    environment = [
        f"python {provenance['python']}" if provenance.get("python") else "",
        ", ".join(f"{k} {v}" for k, v in packages.items()),
        f"harness commit {provenance['git_commit']}" if provenance.get("git_commit") else "",
        f"config {provenance['config_path']}" if provenance.get("config_path") else "",
        f"config sha256 {provenance['config_sha256']}" if provenance.get("config_sha256") else "",
        f"duration {provenance['duration_s']} s" if provenance.get("duration_s") else "",
    ]
    return Page(
        title=f"harness report: {provenance.get('run_name', '')}".rstrip(": "),
        corpus=(
            f"{corpus_info['name']} ({corpus_info.get('articles', '?')} article(s))"
            if corpus_info.get("name")
            else ""
        ),
        created_at=str(provenance.get("created_at", "")),
        alpha=alpha,
        sections=sections,
        counts=counts,
        count_columns=[c for c in count_columns if any(c in row.counts for row in counts)],
        warnings=[str(w) for w in provenance.get("warnings") or []],
        signatures={str(k): str(v) for k, v in (provenance.get("metrics") or {}).items()},
        environment=[line for line in environment if line],
        embeds=_embed_rows(report.get("embeds") or []),
    )
