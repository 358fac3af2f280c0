"""A run's :class:`~harness.report_model.Report`, built from its generations, metric results
and provenance.

Every rendering (report.json, Markdown, HTML, CSV, the terminal tables) is made from the report
alone, so a run folder can be re-rendered later without re-running anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.corpus.article import Article
from harness.metrics import Metric
from harness.records import Generation, MetricResult, Status
from harness.report_model import (
    SCHEMA_VERSION,
    ComparisonEntry,
    EmbedEntry,
    JsonObject,
    Provenance,
    Report,
    ResultEntry,
    SegmentEntry,
)


def _segment_row(generation: Generation, scores: dict[str, float]) -> JsonObject:
    example = generation.example
    return {
        **generation.to_json(),
        "source": example.source,
        "references": list(example.references),
        "scores": scores,
    }


def _details(
    generation: Generation, scored: dict[str, list[float]], metrics: dict[str, Metric]
) -> JsonObject:
    """``{"details": {metric: …}}`` for the metrics that found more than a score in this
    segment (xCOMET's error spans); nothing when none did."""
    example = generation.example
    found = {
        name: details
        for name in scored
        if (
            details := metrics[name].segment_details(
                example.source, generation.output, example.references
            )
        )
    }
    return {"details": found} if found else {}


def build_report(
    generations_by_group: dict[tuple[str, str], list[Generation]],
    results: Sequence[MetricResult],
    metrics: dict[str, Metric],
    provenance: JsonObject,
    comparisons: Sequence[ComparisonEntry] | None = None,
    embeds: Sequence[JsonObject] | None = None,
) -> Report:
    """``generations_by_group`` maps (corpus, system) to that system's outputs on the corpus,
    in the order of the statistics rows of the matching ``results``; ``embeds`` are the
    corpora's embed segments (:func:`embed_entries`), shown in the report but never scored."""
    SegmentKey = tuple[str | None, str, int]
    segment_scores: dict[SegmentKey, dict[str, float]] = {}
    segment_stats: dict[SegmentKey, dict[str, list[float]]] = {}
    for result in results:
        metric = metrics[result.metric]
        scores = result.segment_scores or metric.segment_scores(result.stats)
        for index, row in enumerate(result.stats):
            key = (result.corpus, result.system, index)
            segment_scores.setdefault(key, {})[result.metric] = scores[index]
            segment_stats.setdefault(key, {})[result.metric] = list(row)
    # the run's own data: validated (non-strictly: numpy floats are floats), not re-checked
    # as an untrusted file would be
    report = scores_report(results, provenance)
    report.segments = [
        SegmentEntry.model_validate(
            {
                **_segment_row(generation, segment_scores.get((corpus, system, index), {})),
                "stats": segment_stats.get((corpus, system, index), {}),
                **_details(generation, segment_stats.get((corpus, system, index), {}), metrics),
            },
            strict=False,
        )
        for (corpus, system), generations in generations_by_group.items()
        for index, generation in enumerate(generations)
    ]
    if comparisons is not None:
        report.comparisons = list(comparisons)
    if embeds is not None:
        report.embeds = [EmbedEntry.model_validate(e, strict=False) for e in embeds]
    return report


def scores_report(results: Sequence[MetricResult], provenance: JsonObject) -> Report:
    """A report of the corpus scores alone, without segments: what its charts are drawn from."""
    return Report(
        schema_version=SCHEMA_VERSION,
        results=[
            ResultEntry.model_validate(
                {
                    "corpus": r.corpus,
                    "system": r.system,
                    "task": r.task.value,
                    "metric": r.metric,
                    "score": r.score,
                    "n": r.n,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                },
                strict=False,
            )
            for r in results
        ],
        segments=[],
        provenance=Provenance.model_validate(provenance, strict=False),
    )


def embed_entries(corpus: str, articles: Sequence[Article]) -> list[JsonObject]:
    """The ``embeds`` entries of a corpus: each embed segment (a quoted tweet, its attribution
    line, a picture link) with its ids, language and text, marked ``scored: false``."""
    return [
        {"corpus": corpus, **segment.to_json(), "scored": False}
        for article in articles
        for segment in article.embeds
    ]


def status_counts(generations: Sequence[Generation]) -> dict[str, int]:
    """Where each output came from; the counts add up to the number of examples.

    ``generated``: non-empty, computed in this run; ``cached``: non-empty, reused from the
    output cache; ``empty``, ``missing``, ``failed``: wherever they came from.
    """
    counts = {status.value: sum(g.status is status for g in generations) for status in Status}
    counts["cached"] = sum(g.cached and g.status is Status.GENERATED for g in generations)
    counts[Status.GENERATED.value] -= counts["cached"]
    return counts
