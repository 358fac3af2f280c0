"""The judge metrics: one :class:`JudgeScore` per score a rubric gives (``judge.mqm``,
``judge.faithfulness`` …, ``judge.claims``), filled by the run's judging step
(:mod:`harness.run.judging`) before scoring.

A statistics row is ``[score, 1]`` for a scored segment and ``[0, 0]`` for an unscored one:
the corpus score is Σ score / Σ scored, so an unscored segment weighs nothing in the mean, in
its bootstrap interval and on its system's side of a paired test; it is never a 0 and never the
minimum. Its segment score is ``null``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from pydantic import ValidationError

from harness.errors import HarnessError
from harness.judges.judge import Verdict
from harness.judges.options import JudgeOptions, Scoring
from harness.judges.rubric import BUILT_IN, Rubric, RubricKind, load_rubric
from harness.metrics.base import Metric, Stats
from harness.records import Task

#: the name a config's judge entry has: it becomes one metric per score of its rubric
ENTRY = "judge"
PREFIX = "judge."


def segment_key(source: str, hypothesis: str, references: Sequence[str]) -> tuple[str, ...]:
    """How a verdict is found again from what the scorer passes (a summary arrives with one
    sentence per line: whitespace is not part of the key)."""
    return (source, " ".join(hypothesis.split()), *references)


class JudgeScore(Metric):
    """One score of a judge rubric (direction: higher is better for every built-in kind)."""

    name: ClassVar[str] = "judge"
    tasks: ClassVar[frozenset[Task]] = frozenset({Task.TRANSLATION, Task.SUMMARIZATION})
    higher_is_better = True
    needs_source = True
    needs_reference = False
    in_process = True  # it calls a model: never in the scoring pool

    def __init__(self, **options: Any) -> None:
        try:
            self.options = JudgeOptions.model_validate(options)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"{where}: {first['msg']}" if where else first["msg"]) from None
        self.name = PREFIX + (self.options.score or "?")  # type: ignore[misc]
        self.verdicts: dict[tuple[str, ...], Verdict] = {}
        self.described: dict[str, Any] | None = None

    # -- bounds from the rubric's kind (known once the judging step has run) -------------
    def set_kind(self, kind: RubricKind) -> None:
        bounds = {
            RubricKind.SCALES: (1.0, 5.0),
            RubricKind.MQM: (-25.0, 0.0),
            RubricKind.CLAIMS: (0.0, 100.0),
            RubricKind.PREFERENCE: (0.0, 1.0),
        }[kind]
        self.lower_bound, self.upper_bound = bounds  # type: ignore[misc]

    def record(self, key: tuple[str, ...], verdict: Verdict) -> None:
        self.verdicts[key] = verdict

    # -- statistics ----------------------------------------------------------------------
    def stats_width(self) -> int:
        return 2

    def segment_stats(
        self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]
    ) -> Stats:
        raise HarnessError(f"metric '{self.name}' reads sources: segment_stats_with_sources")

    def segment_stats_with_sources(
        self,
        hypotheses: Sequence[str],
        references: Sequence[Sequence[str]],
        sources: Sequence[str],
    ) -> Stats:
        rows = []
        score = self.options.score or ""
        for hypothesis, refs, source in zip(hypotheses, references, sources, strict=True):
            verdict = self.verdicts.get(segment_key(source, hypothesis, refs))
            if verdict is None:
                raise HarnessError(
                    f"metric '{self.name}': a segment was scored that the judge did not see "
                    "(the judging step runs before scoring)"
                )
            if verdict.scores is None:
                rows.append([0.0, 0.0])
            else:
                rows.append([verdict.scores[score], 1.0])
        return rows

    def corpus_score(self, stats: Sequence[Sequence[float]]) -> float:
        scored = sum(row[1] for row in stats)
        if not scored:
            return float("nan")  # nothing scored: no number at all, never 0
        return sum(row[0] for row in stats) / scored

    def scores_from_totals(self, totals: np.ndarray, n: int) -> np.ndarray:
        scored = totals[:, 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(scored > 0, totals[:, 0] / np.where(scored > 0, scored, 1), np.nan)

    def segment_score(self, row: Sequence[float]) -> float:
        return row[0] if row[1] else None  # type: ignore[return-value]

    def signature(self) -> str:
        described = self.described or {}
        parts = [
            self.name,
            f"judge:{self.options.judge}",
            f"model:{described.get('model', '?')}",
            f"fingerprint:{str(described.get('judge_fingerprint', '?'))[:16]}",
            f"rubric:{described.get('rubric', self.options.rubric)}",
            f"rubric_sha256:{str(described.get('rubric_sha256', '?'))[:16]}",
            f"mode:{self.options.mode}",
            f"scoring:{(self.options.scoring or Scoring.GREEDY).value}",
            f"samples:{self.options.samples}",
            f"structured:{self.options.structured}",
            f"reference:{'yes' if self.options.reference else 'no'}",
        ]
        return "|".join(parts)


class TranslationJudgeScore(JudgeScore):
    tasks = frozenset({Task.TRANSLATION})


class SummaryJudgeScore(JudgeScore):
    tasks = frozenset({Task.SUMMARIZATION})


class PairwiseEntry(JudgeScore):
    """A ``mode: pairwise`` judge entry: it scores no system on its own (its results are the
    report's ``pairwise`` entries, candidate against baseline), so it applies to no task."""

    tasks: ClassVar[frozenset[Task]] = frozenset()


def score_class(rubric: Rubric) -> str:
    if rubric.kind is RubricKind.PREFERENCE:
        return "PairwiseEntry"
    return "TranslationJudgeScore" if rubric.task is Task.TRANSLATION else "SummaryJudgeScore"


def expand_entry(
    options: dict[str, Any], base_dir: Any, judge_type: str | None, has_logprobs: bool
) -> tuple[Rubric, list[tuple[str, dict[str, Any]]]]:
    """A config's judge entry as one (metric name, options) per score of its rubric, with the
    rubric's path resolved and the scoring method fixed (so the report says what was used).

    ``judge_type`` is the judge system's type (None: no such system); ``has_logprobs``
    whether its engine gives logprobs. Raises ValueError with the reason."""
    if "score" in options:
        raise ValueError("score: set by the harness, not in a config")
    try:
        parsed = JudgeOptions.model_validate(options)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where}: {first['msg']}" if where else first["msg"]) from None
    try:
        rubric = load_rubric(parsed.rubric, base_dir)
    except HarnessError as exc:
        raise ValueError(str(exc)) from None
    if judge_type is None:
        raise ValueError(f"judge: no system named '{parsed.judge}' in the config")
    pairwise = rubric.kind is RubricKind.PREFERENCE
    if pairwise != (parsed.mode == "pairwise"):
        raise ValueError(
            f"mode: rubric '{rubric.name}' is for mode: {'pairwise' if pairwise else 'pointwise'}"
            + (" (built in: pairwise-translation, pairwise-summary)" if not pairwise else "")
        )
    if pairwise and (parsed.samples > 1 or parsed.scoring not in (None, Scoring.GREEDY)):
        raise ValueError("scoring: a pairwise judge reads one greedy reply per order")
    scoring = Scoring.GREEDY if pairwise else parsed.resolved_scoring(rubric, has_logprobs)
    if scoring is Scoring.LOGPROBS and rubric.kind is not RubricKind.SCALES:
        raise ValueError(
            f"scoring: logprobs reads 1–5 scales; rubric '{rubric.name}' ({rubric.kind.value}) "
            "has none (use greedy or samples)"
        )
    if scoring is Scoring.LOGPROBS and not has_logprobs:
        raise ValueError(
            f"scoring: logprobs, but the judge's engine ({judge_type}) gives no logprobs "
            "(use greedy or samples)"
        )
    resolved = parsed.rubric if parsed.rubric in BUILT_IN else rubric.origin
    entries = []
    for score in rubric.scores:
        given = {**options, "rubric": resolved, "scoring": scoring.value, "score": score}
        entries.append((PREFIX + score, given))
    return rubric, entries
