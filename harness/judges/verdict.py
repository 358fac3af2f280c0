"""From a judge's reply to scores: JSON extracted and checked against the rubric's schema,
then scored by the rubric's kind; 1–5 scales optionally from the top logprobs.

- ``scales``: each dimension's integer, or with logprobs its expectation Σ p(s)·s over the
  score tokens 1–5 among the top alternatives at the position where the reply wrote it, the
  probabilities renormalised over those score tokens (Liu et al. 2023, G-Eval).
- ``mqm``: −(25·critical + 5·major + 1·minor), capped at −25 (:data:`MQM_CAP`): one critical
  error already means the meaning is lost, and a segment cannot be worse than lost (as in
  GEMBA-MQM). No length normalisation: a segment is the unit, scores run from −25 to 0.
- ``claims``: 100 × the share of the output's claims that the source supports; a reply with
  no claims at all cannot be scored (it is a parse failure, not a perfect or a zero score).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from harness.judges.rubric import SCALE, Rubric, RubricKind
from harness.systems.judge_engines import TokenChoice

MQM_WEIGHTS = {"critical": 25.0, "major": 5.0, "minor": 1.0}
MQM_CAP = 25.0


class ReplyError(ValueError):
    """A reply that cannot be scored (not JSON, not the rubric's schema, nothing to score)."""


def extract_json(text: str) -> Any:
    """The first JSON object in ``text`` (a reply may wrap it in prose or a code fence)."""
    start = text.find("{")
    if start < 0:
        raise ReplyError("no JSON object in the reply")
    try:
        value, _ = json.JSONDecoder().raw_decode(text[start:])
    except json.JSONDecodeError as exc:
        raise ReplyError(f"not valid JSON: {exc.msg} at character {start + exc.pos}") from None
    return value


def parse_reply(rubric: Rubric, text: str) -> dict[str, Any]:
    """The reply's JSON object, checked against the rubric's schema."""
    import jsonschema  # 40 ms to import: only runs that judge need it

    value = extract_json(text)
    try:
        jsonschema.validate(value, rubric.schema())
    except jsonschema.ValidationError as exc:
        where = "/".join(str(part) for part in exc.absolute_path) or "the reply"
        raise ReplyError(f"{where}: {exc.message}") from None
    if rubric.kind is RubricKind.CLAIMS and not value["claims"]:
        raise ReplyError("no claims listed")
    return value


@dataclass
class Scored:
    """One parsed reply's scores and what the segment shows of it."""

    scores: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)
    #: whether every score came from logprobs (scales only)
    from_logprobs: bool = False


def score_reply(rubric: Rubric, value: dict[str, Any], output: str = "") -> Scored:
    """Scores of a parsed reply; ``output`` is the judged text (to check MQM spans in it)."""
    if rubric.kind is RubricKind.SCALES:
        return Scored({name: float(value[name]) for name in rubric.dimensions})
    if rubric.kind is RubricKind.MQM:
        errors = value["errors"]
        counts = {severity: 0 for severity in MQM_WEIGHTS}
        for error in errors:
            counts[error["severity"]] += 1
        penalty = sum(MQM_WEIGHTS[s] * n for s, n in counts.items())
        shown = [{**error, "in_output": error["span"] in output} for error in errors]
        score = -min(MQM_CAP, penalty)
        return Scored({rubric.name: score + 0.0}, {"errors": shown, "counts": counts})
    claims = value["claims"]
    supported = sum(1 for claim in claims if claim["supported"])
    unsupported = [claim["claim"] for claim in claims if not claim["supported"]]
    share = 100.0 * supported / len(claims)
    return Scored(
        {rubric.name: share},
        {"claims": len(claims), "supported": supported, "unsupported": unsupported},
    )


_SCORE_TOKENS = {str(s): float(s) for s in SCALE}


def expected_score(top: list[tuple[str, float]]) -> float | None:
    """Σ p(s)·s over the score tokens among ``top`` (token, logprob) alternatives, with p
    renormalised over them; None when none of them is a score token."""
    probabilities: dict[str, float] = {}
    for token, logprob in top:
        key = token.strip().strip('"')
        if key in _SCORE_TOKENS and key not in probabilities:  # first = the engine's value
            probabilities[key] = math.exp(logprob)
    total = sum(probabilities.values())
    if not total:
        return None
    return sum(p * _SCORE_TOKENS[key] for key, p in probabilities.items()) / total


def scale_expectations(
    rubric: Rubric, text: str, tokens: list[TokenChoice] | None
) -> dict[str, float] | None:
    """Each dimension's expectation from the reply's token logprobs; None when any dimension
    cannot be read from them (no logprobs, tokens that do not spell the reply, a score that is
    not one token)."""
    if not tokens or rubric.kind is not RubricKind.SCALES:
        return None
    spelled = "".join(token for token, _ in tokens)
    if spelled != text:
        return None
    starts = []
    position = 0
    for token, _ in tokens:
        starts.append(position)
        position += len(token)
    expectations: dict[str, float] = {}
    for name in rubric.dimensions:
        match = re.search(rf'"{re.escape(name)}"\s*:\s*"?([1-5])', spelled)
        if match is None:
            return None
        at = match.start(1)
        index = max(i for i, start in enumerate(starts) if start <= at)
        token, top = tokens[index]
        if token.strip().strip('"') != match.group(1):
            return None  # the digit shares its token with other text: no clean distribution
        value = expected_score(top)
        if value is None:
            return None
        expectations[name] = value
    return expectations
