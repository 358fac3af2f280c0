"""The segments whose score moved most between baseline and candidate, in both directions.

A segment's score is the metric's sentence-level score of its own statistics row (chrF++ by
default: unlike sentence BLEU it is informative on one short line), as compare-mt's "sentence
examples" use sentence BLEU. Each difference carries what an engineer reads next: the source,
the references and both outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import HarnessError
from harness.report_model import JsonObject
from harness.verdicts.breakdown import PairedSegments

DEFAULT_METRIC = "chrf"
DEFAULT_COUNT = 10


@dataclass(frozen=True)
class Difference:
    corpus: str | None
    task: str
    article_id: str
    segment_id: str | None
    source: str
    references: list[str]
    baseline_output: str
    candidate_output: str
    baseline_score: float
    candidate_score: float
    #: candidate − baseline in the metric's direction: positive is better
    improvement: float

    def to_json(self) -> JsonObject:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Differences:
    metric: str
    baseline_system: str
    system: str
    task: str
    corpus: str | None
    worse: list[Difference]
    better: list[Difference]

    def to_json(self) -> JsonObject:
        return {
            "metric": self.metric,
            "baseline": self.baseline_system,
            "system": self.system,
            "task": self.task,
            "corpus": self.corpus,
            "worse": [d.to_json() for d in self.worse],
            "better": [d.to_json() for d in self.better],
        }


def choose_metric(pair: PairedSegments, wanted: str | None) -> str:
    """``wanted``, else chrF (chrF++ unless the run set word_order), else the first shared."""
    if wanted is not None:
        if wanted not in pair.metrics:
            raise HarnessError(
                f"--diff-metric {wanted}: not in both reports for {pair.system}/{pair.task} "
                f"(they share {', '.join(pair.metrics) or 'none'})"
            )
        return wanted
    if not pair.metrics:
        raise HarnessError(f"{pair.system}/{pair.task}: the reports share no metric")
    return DEFAULT_METRIC if DEFAULT_METRIC in pair.metrics else next(iter(pair.metrics))


def largest_differences(
    pair: PairedSegments, metric_name: str | None = None, count: int = DEFAULT_COUNT
) -> Differences:
    """The ``count`` segments that got most worse and most better (ties: report order)."""
    name = choose_metric(pair, metric_name)
    metric = pair.metrics[name]
    before = metric.segment_scores(pair.baseline_stats[name])
    after = metric.segment_scores(pair.candidate_stats[name])
    changes = []
    for index, (base, cand) in enumerate(zip(pair.baseline, pair.candidate, strict=True)):
        improvement = metric.improvement(after[index] - before[index])
        if improvement == 0:
            continue
        changes.append(
            Difference(
                cand.corpus,
                pair.task,
                cand.article_id,
                cand.segment_id,
                cand.source,
                list(cand.references),
                base.output,
                cand.output,
                before[index],
                after[index],
                improvement,
            )
        )
    worse = sorted((d for d in changes if d.improvement < 0), key=lambda d: d.improvement)
    better = sorted((d for d in changes if d.improvement > 0), key=lambda d: -d.improvement)
    return Differences(
        name,
        pair.baseline_system,
        pair.system,
        pair.task,
        pair.corpus,
        worse[:count],
        better[:count],
    )
