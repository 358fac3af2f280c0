"""Detection rates: the share of pairs in which a metric prefers the good text.

Each side of a pair is scored with the metric's sentence-level score (its per-segment
statistics, as in a run); the metric *detects* the error when the good side's score is better
in the metric's own direction (:meth:`Metric.is_improvement`). A tie is a miss, as in DEMETR
(Karpinska et al. 2022): a metric that cannot tell the two apart has not noticed the error.
Rates come with 95% bootstrap intervals over pairs (sacrebleu's draws: 1,000 resamples, seed
12345).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from harness.challenge.pairs import Pair
from harness.metrics.base import Metric
from harness.records import Example, Generation, Status
from harness.run.scoring import scored_hypothesis, segment_stats
from harness.stats import BOOTSTRAP_RESAMPLES, SEED
from harness.stats.resampling import percentile_interval, resample_counts

ALL = "all"


@dataclass(frozen=True)
class Rate:
    """A metric's detection rate (0-100) on one group of pairs."""

    metric: str
    #: ``phenomenon``, ``severity`` or ``all``
    by: str
    group: str
    pairs: int
    detected: int
    rate: float
    ci_low: float | None
    ci_high: float | None
    #: the severity of a phenomenon's pairs ("" for other groups)
    severity: str = ""

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class Scored:
    """Each metric's scores of the good and the bad side of each pair (None: not scored)."""

    pairs: Sequence[Pair]
    good: dict[str, list[float | None]] = field(default_factory=dict)
    bad: dict[str, list[float | None]] = field(default_factory=dict)

    def detected(self, metric: Metric) -> list[bool | None]:
        """Per pair: whether ``metric`` preferred the good side (ties and NaN are misses);
        None where the metric did not score the pair."""
        out: list[bool | None] = []
        for good, bad in zip(self.good[metric.name], self.bad[metric.name], strict=True):
            if good is None or bad is None:
                out.append(None)
            elif math.isnan(good) or math.isnan(bad):
                out.append(False)
            else:
                out.append(metric.is_improvement(good - bad))
        return out


def _scorable(metric: Metric, pair: Pair) -> bool:
    return metric.applies_to(pair.task) and (bool(pair.references) or not metric.needs_reference)


def _generation(pair: Pair, text: str) -> Generation:
    example = Example("challenge", pair.task, pair.id, None, pair.source, pair.references)
    return Generation("challenge", example, text, Status.GENERATED)


def score_pairs(
    pairs: Sequence[Pair],
    metrics: Sequence[Metric],
    progress: Callable[[str], None] = lambda message: None,
) -> Scored:
    """Both sides of every pair scored by every metric that applies to its task.

    One job per metric holds every scorable pair's good and bad side, so the statistics of a
    large set are computed in the scoring pool; each distinct good text is scored once."""
    scored = Scored(pairs)
    for metric in metrics:
        progress(metric.name)
        chosen = [i for i, pair in enumerate(pairs) if _scorable(metric, pair)]
        goods: dict[tuple[str, str, tuple[str, ...], str], int] = {}
        for i in chosen:
            pair = pairs[i]
            goods.setdefault((pair.good, pair.source, pair.references, pair.task.value), i)
        sides = [_generation(pairs[i], pairs[i].good) for i in goods.values()]
        sides += [_generation(pairs[i], pairs[i].bad) for i in chosen]
        job = (
            metric,
            [scored_hypothesis(g) for g in sides],
            [g.example.references for g in sides],
            [g.example.source for g in sides],
        )
        ((_, scores),) = segment_stats([job])
        good_score = dict(zip(goods, scores[: len(goods)], strict=True))
        good: list[float | None] = [None] * len(pairs)
        bad: list[float | None] = [None] * len(pairs)
        for offset, i in enumerate(chosen):
            pair = pairs[i]
            good[i] = good_score[(pair.good, pair.source, pair.references, pair.task.value)]
            bad[i] = scores[len(goods) + offset]
        scored.good[metric.name], scored.bad[metric.name] = good, bad
    return scored


def rate(
    metric: str,
    by: str,
    group: str,
    hits: Sequence[bool],
    resamples: int = BOOTSTRAP_RESAMPLES,
    severity: str = "",
) -> Rate:
    """The detection rate of ``hits`` with its 95% bootstrap interval (none below 2 pairs)."""
    values = np.asarray(hits, dtype=np.float64)
    n = len(values)
    low = high = None
    if n >= 2:
        interval = percentile_interval(100.0 * (resample_counts(n, resamples, SEED) @ values) / n)
        low, high = interval.low, interval.high
    detected = int(values.sum())
    value = 100.0 * detected / n if n else math.nan
    return Rate(metric, by, group, n, detected, value, low, high, severity)


def detection_rates(
    scored: Scored, metrics: Sequence[Metric], resamples: int = BOOTSTRAP_RESAMPLES
) -> list[Rate]:
    """Every metric's rate over all its pairs, per severity and per phenomenon."""
    rates: list[Rate] = []
    for metric in metrics:
        if metric.name not in scored.good:
            continue
        hits = scored.detected(metric)
        kept = [(p, h) for p, h in zip(scored.pairs, hits, strict=True) if h is not None]
        if not kept:
            continue
        rates.append(rate(metric.name, ALL, ALL, [h for _, h in kept], resamples))
        by_severity: dict[str, list[bool]] = {}
        by_phenomenon: dict[str, list[bool]] = {}
        severity_of: dict[str, str] = {}
        for pair, hit in kept:
            by_severity.setdefault(pair.severity.value, []).append(hit)
            by_phenomenon.setdefault(pair.phenomenon, []).append(hit)
            severity_of.setdefault(pair.phenomenon, pair.severity.value)
        for group, hits_of in by_severity.items():
            rates.append(rate(metric.name, "severity", group, hits_of, resamples))
        for group, hits_of in by_phenomenon.items():
            rates.append(
                rate(metric.name, "phenomenon", group, hits_of, resamples, severity_of[group])
            )
    return rates
