"""Where a candidate got worse: each bucket of segments compared as the corpus is.

Every bucket (the titles, the first paragraphs, the long sentences, one article, …) is scored
from the sum of its segments' sufficient statistics, so the BLEU of the titles is sacrebleu's
corpus BLEU on the titles alone, never a mean of sentence scores. Each bucket gets both
systems' 95% bootstrap intervals, the Δ with its paired-bootstrap interval and the paired
test's p, drawn as the comparison draws: segments, or whole articles (``resample: article``;
an article then contributes its segments in this bucket to each of the bucket's draws). The
buckets of one breakdown are a family of tests: Holm's adjustment (:func:`harness.stats.
multiple.holm`) says which drops survive having looked at every bucket.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from harness.errors import HarnessError
from harness.metrics import Metric
from harness.report_model import JsonObject, Report, SegmentEntry
from harness.stats import Interval, PairedResult, PairedTest, Resample, paired_test
from harness.stats.multiple import holm
from harness.stats.resampling import bootstrap_intervals
from harness.verdicts.buckets import Labels, bucket_segments
from harness.verdicts.compare import (
    _group,
    _match_groups,
    _report_metric,
    _rows,
    _segment_key,
)


@dataclass(frozen=True)
class PairedSegments:
    """One system of each report on one task (and corpus): the same segments, in one order,
    with each shared metric's statistics rows."""

    baseline_system: str
    system: str
    task: str
    corpus: str | None
    metrics: dict[str, Metric]
    baseline: list[SegmentEntry]
    candidate: list[SegmentEntry]
    baseline_stats: dict[str, list[Sequence[float]]]
    candidate_stats: dict[str, list[Sequence[float]]]


def paired_segments(baseline: Report, candidate: Report) -> Iterator[PairedSegments]:
    """The pairs :func:`harness.verdicts.compare.compare_reports` compares, segment by segment
    (same matching of systems, same checks of the statistics rows)."""
    base_where, cand_where = baseline.name, candidate.name
    base_groups, cand_groups = _group(baseline), _group(candidate)
    built: dict[str, Metric] = {}
    for base_key, cand_key in _match_groups(base_groups, cand_groups):
        base_group, cand_group = base_groups[base_key], cand_groups[cand_key]
        shared = [m for m in cand_group.metrics if m in base_group.metrics]
        base_by_key = {_segment_key(s): s for s in base_group.segments}
        cand_by_key = {_segment_key(s): s for s in cand_group.segments}
        keys = [k for k in cand_by_key if k in base_by_key]
        metrics, base_stats, cand_stats = {}, {}, {}
        for name in shared:
            if name not in built:
                built[name] = _report_metric(name, candidate)[0]
            width = built[name].stats_width()
            base_rows = _rows(base_group.segments, name, base_where, width)
            cand_rows = _rows(cand_group.segments, name, cand_where, width)
            metrics[name] = built[name]
            base_stats[name] = [base_rows[k] for k in keys]
            cand_stats[name] = [cand_rows[k] for k in keys]
        system, task, corpus = cand_key
        yield PairedSegments(
            base_key[0],
            system,
            task,
            corpus,
            metrics,
            [base_by_key[k] for k in keys],
            [cand_by_key[k] for k in keys],
            base_stats,
            cand_stats,
        )


@dataclass(frozen=True)
class BucketComparison:
    """One bucket of one breakdown on one metric: both scores with their intervals, Δ with its
    paired interval and p, and p adjusted over the breakdown's buckets (Holm)."""

    by: str
    bucket: str
    baseline_system: str
    system: str
    task: str
    corpus: str | None
    metric: str
    segments: int
    articles: int
    result: PairedResult
    baseline_interval: Interval | None
    system_interval: Interval | None
    p_holm: float | None = None

    @property
    def delta(self) -> float:
        return self.result.delta

    def to_json(self) -> JsonObject:
        r = self.result

        bounds = Interval.bounds
        return {
            "by": self.by,
            "bucket": self.bucket,
            "baseline": self.baseline_system,
            "system": self.system,
            "task": self.task,
            "corpus": self.corpus,
            "metric": self.metric,
            "segments": self.segments,
            "articles": self.articles,
            "baseline_score": r.baseline_score,
            "baseline_ci": bounds(self.baseline_interval),
            "system_score": r.system_score,
            "system_ci": bounds(self.system_interval),
            "delta": r.delta,
            "delta_ci": bounds(r.interval),
            "p_value": r.p_value,
            "p_holm": self.p_holm,
            "test": r.test.value,
        }


def _bucket_comparisons(
    pair: PairedSegments,
    metric_name: str,
    by: str,
    of_segment: Sequence[str | None],
    order: Sequence[str],
    test: PairedTest,
    resample: Resample,
) -> list[BucketComparison]:
    metric = pair.metrics[metric_name]
    base_all, cand_all = pair.baseline_stats[metric_name], pair.candidate_stats[metric_name]
    comparisons = []
    for bucket in order:
        members = [i for i, b in enumerate(of_segment) if b == bucket]
        base = [base_all[i] for i in members]
        cand = [cand_all[i] for i in members]
        articles = [
            (pair.baseline[i].corpus, pair.baseline[i].article_id) for i in members
        ]
        groups = articles if resample is Resample.ARTICLE else None
        outcome = paired_test(metric, base, cand, test, groups=groups)
        base_ci, cand_ci = bootstrap_intervals([(metric, base, groups), (metric, cand, groups)])
        comparisons.append(
            BucketComparison(
                by,
                bucket,
                pair.baseline_system,
                pair.system,
                pair.task,
                pair.corpus,
                metric_name,
                len(members),
                len(set(articles)),
                outcome,
                base_ci,
                cand_ci,
            )
        )
    adjusted = holm([c.result.p_value for c in comparisons])
    return [replace(c, p_holm=p) for c, p in zip(comparisons, adjusted, strict=True)]


def breakdown(
    pair: PairedSegments,
    by: str,
    metrics: Sequence[str] | None = None,
    test: PairedTest = PairedTest.RANDOMIZATION,
    resample: Resample = Resample.SEGMENT,
    length_edges: Sequence[int] | None = None,
    labels: Labels | None = None,
) -> list[BucketComparison]:
    """Every bucket of ``by`` compared on each of ``metrics`` (default: every shared metric);
    Holm's adjustment runs over the buckets of one metric."""
    names = list(pair.metrics) if metrics is None else [m for m in metrics if m in pair.metrics]
    if metrics is not None and not names:
        raise HarnessError(
            f"{pair.system}/{pair.task}: none of the metrics {', '.join(metrics)} is in both "
            f"reports (they share {', '.join(pair.metrics) or 'none'})"
        )
    buckets = bucket_segments(by, pair.baseline, length_edges, labels)
    comparisons: list[BucketComparison] = []
    for name in names:
        comparisons += _bucket_comparisons(
            pair, name, by, buckets.of_segment, buckets.order, test, resample
        )
    return comparisons
