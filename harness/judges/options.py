"""The options of a ``judge`` metric entry in a config."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.judges.rubric import Rubric, RubricKind


class Scoring(StrEnum):
    """How a segment's score is read from the judge: the expectation over the top logprobs of
    the score tokens, the mean of ``samples`` sampled replies, or one greedy reply."""

    LOGPROBS = "logprobs"
    SAMPLES = "samples"
    GREEDY = "greedy"


class JudgeOptions(BaseModel):
    """``{name: judge, judge: SYSTEM, rubric: RUBRIC, ...}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the configured system that judges
    judge: str = Field(min_length=1)
    #: a built-in rubric (mqm, summary, claims) or a YAML file
    rubric: str = Field(min_length=1)
    mode: Literal["pointwise", "pairwise"] = "pointwise"
    #: sampled replies per segment (scoring: samples)
    samples: int = Field(default=1, ge=1, le=100)
    #: default: logprobs for 1–5 scales on an engine with logprobs, samples when samples > 1,
    #: else greedy
    scoring: Scoring | None = None
    #: show the reference to the judge (the mqm rubric's "with reference" variant)
    reference: bool = True
    #: the judge's reply budget (default: the judge system's max_new_tokens)
    max_new_tokens: int | None = Field(default=None, ge=1)
    #: sampling temperature of scoring: samples (default 1.0)
    temperature: float | None = Field(default=None, ge=0)
    #: ask the engine for the rubric's JSON schema (schema), or parse free text (parse)
    structured: Literal["schema", "parse"] = "schema"
    #: also evaluate the judge system itself (it is not, by default)
    evaluate_judge: bool = False
    #: the one score of the rubric this metric reports (set when the config is read)
    score: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> JudgeOptions:
        if self.scoring is Scoring.SAMPLES and self.samples < 2:
            raise ValueError("scoring: samples needs samples: 2 or more")
        if self.scoring in (Scoring.LOGPROBS, Scoring.GREEDY) and self.samples > 1:
            raise ValueError(f"scoring: {self.scoring.value} reads one reply; samples must be 1")
        sampled = self.scoring is Scoring.SAMPLES or (self.scoring is None and self.samples > 1)
        if self.temperature is not None and not sampled:
            raise ValueError("temperature is for scoring: samples")
        return self

    def resolved_scoring(self, rubric: Rubric, has_logprobs: bool = True) -> Scoring:
        if self.scoring is not None:
            return self.scoring
        if self.samples > 1:
            return Scoring.SAMPLES
        if rubric.kind is RubricKind.SCALES and has_logprobs:
            return Scoring.LOGPROBS
        return Scoring.GREEDY

    def call_key(self) -> tuple[tuple[str, object], ...]:
        """What one judge call is (the same for every score of a rubric)."""
        return tuple(sorted((k, v) for k, v in self.model_dump().items() if k != "score"))
