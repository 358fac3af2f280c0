"""Judging outputs with a configured system: prompts from the rubric, replies through the
output cache, one repair retry for a reply that cannot be parsed, then *unscored*.

Replies are cached under the judge's own fingerprint (the system's fingerprint, the rubric's
sha256, how replies are constrained) and the request (the rendered messages, the sample's seed,
the attempt), so a rerun asks nothing again and an edited rubric asks everything again. Every
reply the engine gave is stored, parseable or not: greedy replies are deterministic, so a
stored bad reply is what the judge would say again. Failed requests are not stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.judges.options import JudgeOptions, Scoring
from harness.judges.rubric import Rubric, RubricKind, languages
from harness.judges.verdict import (
    MQM_CAP,
    ReplyError,
    Scored,
    parse_reply,
    scale_expectations,
    score_reply,
)
from harness.records import Task
from harness.systems.base import System
from harness.systems.judge_engines import JudgeEngine, JudgeReply, JudgeRequest

#: bump when a change here alters the requests a judge sends for the same rubric and options
JUDGE_VERSION = "1"
#: requests sent to the engine (and committed to the cache) at a time
BATCH = 16

REPAIR = (
    "Your reply could not be read ({problem}). Reply again with only the JSON object, "
    "exactly as asked."
)


class ReplyCache(Protocol):
    """What the judge needs of the run's output cache (:class:`harness.run.cache.OutputCache`)."""

    def register(self, fingerprint: str, name: str, description: dict[str, Any]) -> None: ...

    def get_many(self, fingerprint: str, input_hashes: Sequence[str]) -> dict[str, str]: ...

    def put_many(self, fingerprint: str, outputs: Sequence[tuple[str, str]]) -> None: ...


@dataclass(frozen=True)
class Item:
    """One output to judge, with what its prompt shows."""

    task: Task
    source: str
    output: str
    references: tuple[str, ...]
    #: no output to judge (empty, missing or failed): scored as the worst, without a call
    empty: bool = False


@dataclass
class Verdict:
    """A segment's judgement: ``scores`` None means unscored (never 0, never the minimum)."""

    scores: dict[str, float] | None
    method: str
    reason: str | None = None
    replies: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {"scores": self.scores, "method": self.method}
        if self.scores is None:
            record["unscored"] = self.reason
            record["replies"] = self.replies
        record.update(self.details)
        return record


def worst_scores(rubric: Rubric) -> dict[str, float]:
    """The scores of an empty output: the bottom of each scale (nothing to judge is no
    translation and no summary at all; it must not look better than a bad one)."""
    if rubric.kind is RubricKind.SCALES:
        return dict.fromkeys(rubric.dimensions, 1.0)
    if rubric.kind is RubricKind.MQM:
        return {rubric.name: -MQM_CAP}
    return {rubric.name: 0.0}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Judge:
    """A rubric asked of one system's engine, with the options of one judge metric entry."""

    def __init__(
        self,
        rubric: Rubric,
        options: JudgeOptions,
        system: System,
        engine: JudgeEngine,
        cache: ReplyCache | None,
    ) -> None:
        self.rubric = rubric
        self.options = options
        self.system = system
        self.engine = engine
        self.cache = cache
        self.cached_replies = 0
        self.fresh_replies = 0
        self.failed_requests = 0

    # -- identity ----------------------------------------------------------------------------
    @property
    def scoring(self) -> Scoring:
        return self.options.resolved_scoring(self.rubric)

    def max_tokens(self) -> int:
        own = getattr(self.system.params, "max_new_tokens", 256)
        return self.options.max_new_tokens or own

    def temperature(self) -> float:
        if self.scoring is Scoring.SAMPLES:
            return 1.0 if self.options.temperature is None else self.options.temperature
        return 0.0

    def describe(self) -> dict[str, Any]:
        return {
            "judge": self.system.name,
            "judge_fingerprint": self.system.fingerprint(),
            "rubric": self.rubric.label,
            "rubric_sha256": self.rubric.sha256,
            "rubric_origin": self.rubric.origin,
            "scoring": self.scoring.value,
            "samples": self.options.samples,
            "structured": self.options.structured,
            "reference": self.options.reference,
            "max_new_tokens": self.max_tokens(),
            "temperature": self.temperature(),
            "judge_version": JUDGE_VERSION,
        }

    def fingerprint(self) -> str:
        """The cache's fingerprint of this judge's replies (a rubric counts by its content,
        not by where its file lies)."""
        identity = {k: v for k, v in self.describe().items() if k != "rubric_origin"}
        return sha256(json.dumps(identity, sort_keys=True))

    # -- requests ----------------------------------------------------------------------------
    def variables(self, item: Item) -> dict[str, Any]:
        reference = ""
        if self.options.reference and item.references:
            if item.task.kind is Task.TRANSLATION:
                reference = item.references[0]
            else:
                reference = "\n".join(f"- {line}" for line in item.references)
        return {
            "source": item.source,
            "output": item.output,
            "reference": reference,
            **languages(item.task),
        }

    def request(
        self, variables: dict[str, Any], sample: int, repair: tuple[str, str] | None
    ) -> JudgeRequest:
        messages = [(m["role"], m["content"]) for m in self.rubric.messages(variables)]
        if repair is not None:
            reply, problem = repair
            messages += [("assistant", reply), ("user", REPAIR.format(problem=problem))]
        return JudgeRequest(
            messages=tuple(messages),
            schema=self.rubric.schema() if self.options.structured == "schema" else None,
            max_tokens=self.max_tokens(),
            temperature=self.temperature(),
            seed=sample if self.scoring is Scoring.SAMPLES else None,
            logprobs=self.scoring is Scoring.LOGPROBS,
        )

    def register(self) -> None:
        """Name this judge's fingerprint in the cache (``harness cache stats`` lists it)."""
        if self.cache is not None:
            self.cache.register(self.fingerprint(), f"judge:{self.system.name}", self.describe())

    def ask(self, requests: Sequence[JudgeRequest]) -> list[JudgeReply | Exception]:
        """Replies from the cache where stored, else from the engine (stored batch by batch)."""
        keys = [sha256(request.key()) for request in requests]
        fingerprint = self.fingerprint()
        stored = self.cache.get_many(fingerprint, keys) if self.cache is not None else {}
        replies: list[JudgeReply | Exception | None] = [
            JudgeReply.from_json(stored[key]) if key in stored else None for key in keys
        ]
        self.cached_replies += sum(reply is not None for reply in replies)
        todo = [i for i, reply in enumerate(replies) if reply is None]
        for start in range(0, len(todo), BATCH):
            positions = todo[start : start + BATCH]
            fresh = self.engine.complete([requests[i] for i in positions])
            for i, reply in zip(positions, fresh, strict=True):
                replies[i] = reply
            done = [
                (keys[i], reply.to_json())
                for i, reply in zip(positions, fresh, strict=True)
                if isinstance(reply, JudgeReply)
            ]
            self.fresh_replies += len(done)
            self.failed_requests += len(positions) - len(done)
            if self.cache is not None and done:
                self.cache.put_many(fingerprint, done)
        return [reply for reply in replies if reply is not None]

    # -- judging -----------------------------------------------------------------------------
    def judge(self, items: Sequence[Item]) -> list[Verdict]:
        """One verdict per item, in order."""
        self.register()
        samples = self.options.samples if self.scoring is Scoring.SAMPLES else 1
        asked = [(i, s) for i, item in enumerate(items) if not item.empty for s in range(samples)]
        first = self.ask([self.request(self.variables(items[i]), s, None) for i, s in asked])
        outcomes: dict[tuple[int, int], Scored | str] = {}
        texts: dict[tuple[int, int], list[str]] = {key: [] for key in asked}
        retry: list[tuple[tuple[int, int], str, str]] = []
        for key, reply in zip(asked, first, strict=True):
            outcome = self.read(items[key[0]], reply)
            if isinstance(reply, JudgeReply):
                texts[key].append(reply.text)
            if isinstance(outcome, ReplyError) and isinstance(reply, JudgeReply):
                retry.append((key, reply.text, str(outcome)))
            outcomes[key] = outcome if isinstance(outcome, Scored) else str(outcome)
        second = self.ask(
            [
                self.request(self.variables(items[i]), s, (text, problem))
                for (i, s), text, problem in retry
            ]
        )
        for (key, _, _), reply in zip(retry, second, strict=True):
            outcome = self.read(items[key[0]], reply)
            if isinstance(reply, JudgeReply):
                texts[key].append(reply.text)
            outcomes[key] = outcome if isinstance(outcome, Scored) else str(outcome)
        verdicts = []
        for index, item in enumerate(items):
            if item.empty:
                verdicts.append(Verdict(worst_scores(self.rubric), "empty output"))
                continue
            keys = [(index, s) for s in range(samples)]
            verdicts.append(self.combine([outcomes[k] for k in keys], [texts[k] for k in keys]))
        return verdicts

    def read(self, item: Item, reply: JudgeReply | Exception) -> Scored | Exception:
        """A reply's scores, a :class:`ReplyError` (retried once), or the request's failure."""
        if isinstance(reply, Exception):
            return RuntimeError(f"request failed: {reply}")
        try:
            value = parse_reply(self.rubric, reply.text)
        except ReplyError as exc:
            return exc
        scored = score_reply(self.rubric, value, item.output)
        if self.scoring is Scoring.LOGPROBS:
            expected = scale_expectations(self.rubric, reply.text, reply.logprobs)
            if expected is not None:
                scored.scores, scored.from_logprobs = expected, True
        return scored

    def combine(self, outcomes: list[Scored | str], texts: list[list[str]]) -> Verdict:
        scored = [o for o in outcomes if isinstance(o, Scored)]
        replies = [text for attempt in texts for text in attempt]
        if not scored:
            problem = next(o for o in outcomes if isinstance(o, str))
            tries = "once and again" if any(len(t) > 1 for t in texts) else "once"
            return Verdict(None, "unscored", f"{problem} (asked {tries})", replies)
        if self.scoring is Scoring.SAMPLES:
            names = scored[0].scores
            means = {n: sum(s.scores[n] for s in scored) / len(scored) for n in names}
            method = f"mean of {len(scored)}/{len(outcomes)} samples"
            return Verdict(means, method, replies=replies, details=scored[0].details)
        (one,) = scored
        if self.scoring is Scoring.LOGPROBS:
            method = "logprobs" if one.from_logprobs else "greedy (no score logprobs in reply)"
        else:
            method = "greedy"
        return Verdict(one.scores, method, replies=replies, details=one.details)

    # -- pairwise ----------------------------------------------------------------------------
    def prefer(self, pairs: Sequence[Pair]) -> list[PairVerdict]:
        """Each pair judged in both orders (candidate first, then baseline first); a win or a
        loss only when both orders agree, else a tie; unscored when either order's reply
        cannot be read after one repair."""
        self.register()
        asked = [(i, order) for i, pair in enumerate(pairs) if pair.needs_judge
                 for order in (0, 1)]  # fmt: skip
        variables = {key: self.pair_variables(pairs[key[0]], key[1]) for key in asked}
        first = self.ask([self.request(variables[key], 0, None) for key in asked])
        picks: dict[tuple[int, int], str | None] = {}
        texts: dict[tuple[int, int], list[str]] = {key: [] for key in asked}
        problems: dict[tuple[int, int], str] = {}
        retry = []
        for key, reply in zip(asked, first, strict=True):
            pick = self.read_pick(reply)
            if isinstance(reply, JudgeReply):
                texts[key].append(reply.text)
                if isinstance(pick, ReplyError):
                    retry.append((key, reply.text, str(pick)))
            picks[key] = pick if isinstance(pick, str) else None
            if not isinstance(pick, str):
                problems[key] = str(pick)
        second = self.ask(
            [self.request(variables[key], 0, (text, problem)) for key, text, problem in retry]
        )
        for (key, _, _), reply in zip(retry, second, strict=True):
            pick = self.read_pick(reply)
            if isinstance(reply, JudgeReply):
                texts[key].append(reply.text)
            picks[key] = pick if isinstance(pick, str) else None
            if not isinstance(pick, str):
                problems[key] = str(pick)
        verdicts = []
        for index, pair in enumerate(pairs):
            if not pair.needs_judge:
                verdicts.append(pair.without_judge())
                continue
            keys = [(index, 0), (index, 1)]
            replies = [text for key in keys for text in texts[key]]
            if any(picks[key] is None for key in keys):
                reason = next(problems[key] for key in keys if picks[key] is None)
                verdicts.append(PairVerdict(None, None, None, reason, replies))
                continue
            # in terms of the outputs: A is the candidate in order 0, the baseline in order 1
            first_pick = {"A": "candidate", "B": "baseline", "tie": "tie"}[picks[keys[0]] or ""]
            second_pick = {"A": "baseline", "B": "candidate", "tie": "tie"}[picks[keys[1]] or ""]
            outcome = "tie"
            if first_pick == second_pick == "candidate":
                outcome = "win"
            elif first_pick == second_pick == "baseline":
                outcome = "loss"
            verdicts.append(
                PairVerdict(
                    outcome, (first_pick, second_pick), first_pick == second_pick, None, replies
                )
            )
        return verdicts

    def pair_variables(self, pair: Pair, order: int) -> dict[str, Any]:
        item = Item(pair.task, pair.source, pair.candidate, pair.references)
        variables = self.variables(item)
        del variables["output"]
        a, b = (pair.candidate, pair.baseline) if order == 0 else (pair.baseline, pair.candidate)
        return {**variables, "output_a": a, "output_b": b}

    def read_pick(self, reply: JudgeReply | Exception) -> str | Exception:
        if isinstance(reply, Exception):
            return RuntimeError(f"request failed: {reply}")
        try:
            return str(parse_reply(self.rubric, reply.text)["better"])
        except ReplyError as exc:
            return exc


@dataclass(frozen=True)
class Pair:
    """One example's outputs of a candidate and a baseline, to be compared."""

    task: Task
    source: str
    references: tuple[str, ...]
    candidate: str
    baseline: str
    candidate_empty: bool = False
    baseline_empty: bool = False

    @property
    def needs_judge(self) -> bool:
        return not (self.candidate_empty or self.baseline_empty)

    def without_judge(self) -> PairVerdict:
        """An empty output loses to any output (two empty ones tie), without asking."""
        if self.candidate_empty and self.baseline_empty:
            outcome = "tie"
        else:
            outcome = "loss" if self.candidate_empty else "win"
        return PairVerdict(outcome, None, None, None, [], method="empty output")


@dataclass
class PairVerdict:
    """``outcome`` win, tie or loss for the candidate (None: unscored); ``picks`` what each
    order preferred, as candidate/baseline/tie; ``consistent`` whether both orders picked the
    same output (None when not judged)."""

    outcome: str | None
    picks: tuple[str, str] | None
    consistent: bool | None
    reason: str | None
    replies: list[str]
    method: str = "both orders"

    def to_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {"outcome": self.outcome, "method": self.method}
        if self.picks is not None:
            record["picks"] = list(self.picks)
            record["consistent"] = self.consistent
        if self.outcome is None:
            record["unscored"] = self.reason
            record["replies"] = self.replies
        return record
