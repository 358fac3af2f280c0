"""Every built-in metric says whether it is a verdict (quality) or a description of the output,
and which tasks it means something on."""

from __future__ import annotations

import pytest

from harness.metrics import METRICS, Measures
from harness.records import Task

QUALITY, DESCRIPTION = Measures.QUALITY, Measures.DESCRIPTION
DECLARED = {
    "bleu": QUALITY,
    "chrf": QUALITY,
    "ter": QUALITY,
    "rouge1": QUALITY,
    "rouge2": QUALITY,
    "rougeL": QUALITY,
    "rougeLsum": QUALITY,
    "numbers": QUALITY,
    "names": QUALITY,
    "untranslated": QUALITY,
    "offtarget": QUALITY,
    "novel_numbers": QUALITY,
    "similarity": QUALITY,
    "xsim": QUALITY,
    "comet": QUALITY,
    "metricx": QUALITY,
    # what an LLM judge says of the output (tests/judges: their scales and unscored segments)
    "judge": QUALITY,
    "judge.mqm": QUALITY,
    "judge.faithfulness": QUALITY,
    "judge.coverage": QUALITY,
    "judge.coherence": QUALITY,
    "judge.fluency": QUALITY,
    "judge.claims": QUALITY,
    "judge.pairwise-translation": QUALITY,
    "judge.pairwise-summary": QUALITY,
    # style: how extractive, how short, how repetitive; no direction is "better" by itself
    "coverage": DESCRIPTION,
    "density": DESCRIPTION,
    "compression": DESCRIPTION,
    "repetition": DESCRIPTION,
}


def test_every_built_in_metric_is_declared_here() -> None:
    """A new built-in metric must be added to this table (and so say what it measures)."""
    built_in = set(METRICS._targets)  # the built-ins, not entry points of installed packages
    assert built_in == set(DECLARED)


@pytest.mark.parametrize(("name", "measures"), sorted(DECLARED.items()))
def test_declaration(name: str, measures: Measures) -> None:
    metric = METRICS.get(name)
    assert metric.measures is measures
    assert metric.is_quality() == (measures is QUALITY)


@pytest.mark.parametrize("name", ["coverage", "density", "compression"])
def test_fragment_metrics_do_not_apply_to_english_summaries(name: str) -> None:
    """Fragments are runs of tokens shared with the Arabic article: an English summary has
    none, so coverage would read 0 and density 0 for every system."""
    metric = METRICS.get(name)
    assert metric.applies_to(Task.SUMMARIZATION)
    assert not metric.applies_to(Task.SUMMARIZATION_EN)
    assert not metric.applies_to(Task.TRANSLATION)


@pytest.mark.parametrize("name", ["repetition", "novel_numbers", "rouge1"])
def test_script_independent_summary_metrics_apply_to_english_summaries(name: str) -> None:
    assert METRICS.get(name).applies_to(Task.SUMMARIZATION_EN)
