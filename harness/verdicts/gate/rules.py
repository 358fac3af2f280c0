"""The regression gate: per-metric rules checked against a candidate and its comparisons.

A gate file (YAML)::

    alpha: 0.05            # significance level of the paired test
    test: paired-ar        # (default) or paired-bs
    resample: segment      # (default) or article: draw whole articles
    metrics:
      bleu: {floor: 25, max_drop: 0.5}
      ter:  {floor: 60}    # TER is lower-is-better: the floor is a ceiling, score <= 60

``floor`` is the worst acceptable score, read in the metric's direction. ``max_drop`` is how
far (in score points) a metric may get worse than the baseline before it can count as a
regression; it counts only when the worsening also is significant at ``alpha``, so noise never
fails a build: the rule fails only when the one-sided (1 − alpha) bound of the worsening lies
above ``max_drop``. A rule gives either or both; without a gate file every metric gets
``max_drop: 0``. A judge metric (``judge.mqm`` …) is also checked for its share of unscored
segments: at most ``max_unscored`` (default :data:`DEFAULT_MAX_UNSCORED`, 5 %), rule or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


def default_gate(metrics: Sequence[str]) -> Gate:
    """Without a gate file: any significant worsening of any metric is a regression."""
    return Gate(metrics={name: MetricRule(max_drop=0.0) for name in dict.fromkeys(metrics)})


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
    return gate


def load_gate(path: Path) -> Gate:
    _, data, locator = read_yaml_mapping(path, "gate file")
    return parse_gate(data, locator)
