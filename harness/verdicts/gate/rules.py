"""The regression gate: per-metric rules checked against a candidate and its comparisons.

A gate file (YAML)::

    alpha: 0.05            # significance level of the paired test
    test: paired-ar        # (default) or paired-bs
    resample: segment      # (default) or article: draw whole articles
    metrics:
      bleu: {floor: 25, max_drop: 0.5}
      ter:  {floor: 60}    # TER is lower-is-better: the floor is a ceiling, score <= 60

``floor`` is the worst acceptable score, read in the metric's direction. ``max_drop: m`` is
how far (in score points) a metric may get worse than the baseline: one one-sided test of H0
"worse by at most m" at ``alpha`` (:mod:`harness.stats.margin`), for every m including 0, so
noise never fails a build. A rule gives either or both; without a gate file every quality
metric gets ``max_drop: 0``. A descriptive metric (coverage, density, compression,
repetition) is gated only when the gate file names it *with* ``direction: higher`` or
``direction: lower``: which way is better is the gate's choice, not the metric's.

Beyond the metrics, every gate checks that nothing of the baseline vanished (systems, tasks,
corpora, metrics; ``allow_missing: [NAME, …]`` or ``--allow-missing NAME`` waives one) and
that no system lost more outputs than the baseline did (``max_failures``: how many more failed
or missing outputs a system may have; default 0).
A judge metric (``judge.mqm`` …) is also checked for its share of unscored segments: at most
``max_unscored`` (default :data:`DEFAULT_MAX_UNSCORED`, 5 %), rule or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.errors import did_you_mean
from harness.metrics import METRICS
from harness.stats import DEFAULT_ALPHA, DEFAULT_TEST, PairedTest, Resample
from harness.yaml_input import Locator, read_yaml_mapping

#: the unscored share a judge metric may have when its rule does not say (docs/judges.md)
DEFAULT_MAX_UNSCORED = 0.05


class MetricRule(BaseModel):
    """``floor``: worst acceptable score; ``max_drop``: tolerated worsening. At least one."""

    model_config = ConfigDict(extra="forbid")

    floor: float | None = None
    max_drop: float | None = Field(default=None, ge=0)
    #: which way is better: needed for a descriptive metric, which has no direction of its own
    direction: Literal["higher", "lower"] | None = None
    #: judge metrics: the largest share of unscored segments a run may have (default 0.05)
    max_unscored: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _says_something(self) -> MetricRule:
        if self.floor is None and self.max_drop is None and self.max_unscored is None:
            raise ValueError("give 'floor', 'max_drop' or both (a judge metric: or 'max_unscored')")
        return self


class Gate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alpha: float = Field(default=DEFAULT_ALPHA, gt=0, lt=1)
    test: PairedTest = DEFAULT_TEST
    resample: Resample = Resample.SEGMENT
    metrics: dict[str, MetricRule] = Field(min_length=1)
    #: how many more failed (or missing) outputs than the baseline a system may have
    max_failures: int = Field(default=0, ge=0)
    #: systems, tasks, corpora or metrics of the baseline the candidate may lack
    allow_missing: list[str] = Field(default_factory=list)

    def higher_is_better(self, metric: str) -> bool:
        """The direction the gate reads ``metric`` in: the rule's, else the metric's own."""
        rule = self.metrics.get(metric)
        if rule is not None and rule.direction is not None:
            return rule.direction == "higher"
        return bool(METRICS.get(metric).higher_is_better)


def default_gate(metrics: Sequence[str]) -> Gate:
    """Without a gate file: any significant worsening of any *quality* metric is a regression
    (descriptive metrics are reported, not gated)."""
    quality = [name for name in dict.fromkeys(metrics) if METRICS.get(name).is_quality()]
    rules = {name: MetricRule(max_drop=0.0) for name in quality}
    # only descriptive metrics: a gate without metric rules, which checking refuses in one
    # line ("nothing to check") instead of a validation traceback
    return Gate(metrics=rules) if rules else Gate.model_construct(metrics={})


def parse_gate(data: Any, locator: Locator, prefix: tuple[str | int, ...] = ()) -> Gate:
    """Validate a gate mapping; errors name the file, line and key."""
    if not isinstance(data, dict):
        raise locator.error(prefix, "a gate must be a mapping with 'metrics'")
    gate = locator.validate(Gate, data, prefix)
    for name in gate.metrics:
        if name not in METRICS:
            hint = did_you_mean(name, METRICS.names())
            raise locator.error(
                (*prefix, "metrics", name),
                f"unknown metric '{name}'{hint}; known: {', '.join(METRICS.names())}",
            )
        _check_direction(name, gate.metrics[name], locator, (*prefix, "metrics", name))
    return gate


def _check_direction(
    name: str, rule: MetricRule, locator: Locator, where: tuple[str | int, ...]
) -> None:
    """A descriptive metric needs the rule's direction; a quality metric keeps its own."""
    metric = METRICS.get(name)
    if not metric.is_quality() and rule.direction is None:
        raise locator.error(
            where,
            f"'{name}' describes the output rather than judging it (neither direction is "
            "better by itself): give 'direction: higher' or 'direction: lower' to gate on it",
        )
    own = "higher" if metric.higher_is_better else "lower"
    if metric.is_quality() and rule.direction not in (None, own):
        raise locator.error(
            (*where, "direction"),
            f"'{name}' is a quality metric where {own} is better; its direction cannot be "
            "changed",
        )


def load_gate(path: Path) -> Gate:
    _, data, locator = read_yaml_mapping(path, "gate file")
    return parse_gate(data, locator)
