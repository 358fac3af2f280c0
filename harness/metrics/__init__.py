"""Metric plug-ins, looked up by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.errors import HarnessError
from harness.metrics.base import Measures, Metric
from harness.registry import Registry

#: built-in metrics, plus those installed packages declare in the ``harness.metrics`` entry-point
#: group (``[project.entry-points."harness.metrics"] mymetric = "mypkg.metric:MyMetric"``)
METRICS: Registry[type[Metric]] = Registry("metric", entry_point_group="harness.metrics")
METRICS.register("bleu", "harness.metrics.sacrebleu_metrics:Bleu")
METRICS.register("chrf", "harness.metrics.sacrebleu_metrics:ChrF")
METRICS.register("ter", "harness.metrics.sacrebleu_metrics:Ter")
METRICS.register("rouge1", "harness.metrics.rouge:Rouge1")
METRICS.register("rouge2", "harness.metrics.rouge:Rouge2")
METRICS.register("rougeL", "harness.metrics.rouge:RougeL")
METRICS.register("rougeLsum", "harness.metrics.rouge:RougeLsum")
# fidelity (issue 14): numbers, names and language carried over; summary style; meaning
METRICS.register("numbers", "harness.metrics.fidelity:Numbers")
METRICS.register("names", "harness.metrics.fidelity:Names")
METRICS.register("untranslated", "harness.metrics.fidelity:Untranslated")
METRICS.register("offtarget", "harness.metrics.fidelity:OffTarget")
METRICS.register("novel_numbers", "harness.metrics.fragments:NovelNumbers")
METRICS.register("coverage", "harness.metrics.fragments:Coverage")
METRICS.register("density", "harness.metrics.fragments:Density")
METRICS.register("compression", "harness.metrics.fragments:Compression")
METRICS.register("repetition", "harness.metrics.fragments:Repetition")
METRICS.register("similarity", "harness.metrics.meaning:Similarity")
METRICS.register("xsim", "harness.metrics.meaning:CrossSimilarity")
# learned metrics (issue 20): checkpoints the user supplies, scored in the scoring process
METRICS.register("comet", "harness.metrics.learned.comet:Comet")
METRICS.register("metricx", "harness.metrics.learned.metricx:MetricX")
# LLM judges (issue 21): a config's {name: judge, ...} entry becomes one metric per rubric score
METRICS.register("judge", "harness.judges.metric:JudgeScore")
for _score, _kind in {
    "mqm": "TranslationJudgeScore",
    "faithfulness": "SummaryJudgeScore",
    "coverage": "SummaryJudgeScore",
    "coherence": "SummaryJudgeScore",
    "fluency": "SummaryJudgeScore",
    "claims": "SummaryJudgeScore",
    "pairwise-translation": "PairwiseEntry",
    "pairwise-summary": "PairwiseEntry",
}.items():
    METRICS.register(f"judge.{_score}", f"harness.judges.metric:{_kind}")

DEFAULT_METRICS = ("bleu", "chrf", "ter", "rouge1", "rouge2", "rougeL", "rougeLsum")


def make_metric(
    name: str, options: Mapping[str, Any] | None = None, *, from_report: bool = False
) -> Metric:
    """A metric by name, with its options (e.g. ``{"word_order": 0}`` for plain chrF).

    ``from_report``: the name comes from a report (untrusted): only built-in and entry-point
    metrics, never an import path."""
    metric_class = METRICS.get_registered(name) if from_report else METRICS.get(name)
    if not (isinstance(metric_class, type) and issubclass(metric_class, Metric)):
        raise HarnessError(f"metric '{name}' is not a Metric subclass")
    try:
        return metric_class(**(options or {}))
    except (TypeError, ValueError) as exc:
        raise HarnessError(f"metric '{name}': bad option: {exc}") from None


def metric_from_report(name: str, options: Mapping[str, Any] | None) -> Metric:
    """:func:`make_metric` for a name and options read from a report (untrusted): registered
    metrics only, and any failure to build one is a :class:`HarnessError` naming the key."""
    try:
        return make_metric(name, options, from_report=True)
    except HarnessError:
        raise
    except Exception as exc:  # options from an untrusted file: any failure is the file's
        raise HarnessError(
            f"key 'provenance.metric_options.{name}': cannot make the metric with these "
            f"options ({type(exc).__name__}: {exc})"
        ) from None


__all__ = ["DEFAULT_METRICS", "METRICS", "Measures", "Metric", "make_metric", "metric_from_report"]
