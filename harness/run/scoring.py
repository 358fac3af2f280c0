"""Scores generations: per-segment sufficient statistics, corpus scores, segment scores."""

from __future__ import annotations

from collections.abc import Sequence

from harness.metrics.base import Metric
from harness.records import Generation, MetricResult, Task
from harness.stats import Resample, bootstrap_interval
from harness.text.sentences import split_sentences


def scored_hypothesis(generation: Generation) -> str:
    """The text a metric sees: summaries get one sentence per line (for ROUGE-Lsum)."""
    if generation.example.task.kind is Task.SUMMARIZATION:
        return "\n".join(split_sentences(generation.output))
    return generation.output


def score_system(
    generations: Sequence[Generation],
    metrics: Sequence[Metric],
    resample: Resample = Resample.SEGMENT,
) -> list[MetricResult]:
    """Score one system's generations (one task) with every metric that fits the task.

    ``resample: article`` draws whole articles for the bootstrap intervals."""
    if not generations:
        return []
    task = generations[0].example.task
    hypotheses = [scored_hypothesis(g) for g in generations]
    references = [g.example.references for g in generations]
    sources = [g.example.source for g in generations]  # for metrics that need them (numbers)
    groups = article_groups(generations) if resample is Resample.ARTICLE else None
    results = []
    for metric in metrics:
        if not metric.applies_to(task):
            continue
        stats = metric.segment_stats_with_sources(hypotheses, references, sources)
        interval = bootstrap_interval(metric, stats, groups=groups)
        results.append(
            MetricResult(
                system=generations[0].system,
                task=task,
                metric=metric.name,
                score=metric.corpus_score(stats),
                n=len(stats),
                stats=stats,
                ci_low=interval.low if interval else None,
                ci_high=interval.high if interval else None,
                corpus=generations[0].example.corpus,
            )
        )
    return results


def article_groups(generations: Sequence[Generation]) -> list[tuple[str, str]]:
    """The resampling unit of each row: its (corpus, article)."""
    return [(g.example.corpus, g.example.article_id) for g in generations]
