"""The report document: ``report.json`` (a public contract, see README), built from a run's
generations, metric results and provenance.

Every other rendering (Markdown, HTML, CSV, the terminal tables) is made from this document
alone, so a run folder can be re-rendered later without re-running anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.corpus.article import Article
from harness.metrics import Metric
from harness.records import Generation, MetricResult, Status
from harness.report_file import SCHEMA_VERSION


def _segment_row(generation: Generation, scores: dict[str, float]) -> dict[str, Any]:
    example = generation.example
    return {
        **generation.to_json(),
        "source": example.source,
        "references": list(example.references),
        "scores": scores,
    }


def _details(
    generation: Generation, scored: dict[str, list[float]], metrics: dict[str, Metric]
) -> dict[str, Any]:
    """``{"details": {metric: …}}`` for the metrics that found more than a score in this
    segment (xCOMET's error spans); nothing when none did."""
    example = generation.example
    found = {
        name: details
        for name in scored
        if (details := metrics[name].segment_details(
            example.source, generation.output, example.references
        ))
    }
    return {"details": found} if found else {}


def build_report(
    generations_by_group: dict[tuple[str, str], list[Generation]],
    results: Sequence[MetricResult],
    metrics: dict[str, Metric],
    provenance: dict[str, Any],
    comparisons: Sequence[dict[str, Any]] | None = None,
    embeds: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
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
    segments = [
        {
            **_segment_row(generation, segment_scores.get((corpus, system, index), {})),
            "stats": segment_stats.get((corpus, system, index), {}),
            **_details(generation, segment_stats.get((corpus, system, index), {}), metrics),
        }
        for (corpus, system), generations in generations_by_group.items()
        for index, generation in enumerate(generations)
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "results": [
            {
                "corpus": r.corpus,
                "system": r.system,
                "task": r.task.value,
                "metric": r.metric,
                "score": r.score,
                "n": r.n,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
            }
            for r in results
        ],
        "segments": segments,
        "provenance": provenance,
    } | (
        ({"comparisons": list(comparisons)} if comparisons is not None else {})
        | ({"embeds": list(embeds)} if embeds is not None else {})
    )


def embed_entries(corpus: str, articles: Sequence[Article]) -> list[dict[str, Any]]:
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
