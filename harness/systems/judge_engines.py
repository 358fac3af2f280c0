"""What a judge asks of a system's engine: chat messages in, a reply (text, and the top
logprobs of each generated token where the engine gives them) out, optionally constrained to a
JSON schema by the engine itself.

Engines that can judge (:func:`judge_engine`):

- ``openai``: ``response_format: {type: json_schema}`` and ``logprobs``/``top_logprobs`` in the
  request (OpenAI, vLLM, llama.cpp's server); retries, concurrency and the key are the system's.
- ``llama-cpp``: in process, through the GGUF's chat template (or, without one, the messages
  joined into a plain prompt) with a grammar built from the JSON schema, and top logprobs.

``hf-causal`` cannot judge yet: naming one as a judge fails when the config is read.
"""

from __future__ import annotations

import json
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.errors import HarnessError
from harness.systems.base import System

#: how many alternatives per generated token a server is asked for (OpenAI allows at most 20)
TOP_LOGPROBS = 10


@dataclass(frozen=True)
class JudgeRequest:
    messages: tuple[tuple[str, str], ...]  # (role, content) pairs
    schema: dict[str, Any] | None  # constrain the reply to it (None: free text, then parsed)
    max_tokens: int
    temperature: float
    seed: int | None
    logprobs: bool

    def chat(self) -> list[dict[str, str]]:
        return [{"role": role, "content": content} for role, content in self.messages]

    def key(self) -> str:
        """What the reply depends on besides the engine: the cache input."""
        return json.dumps(
            {
                "messages": self.messages,
                "schema": self.schema,
                "max_tokens": self.max_tokens,
                "temperature": self.temperature,
                "seed": self.seed,
                "logprobs": self.logprobs,
            },
            sort_keys=True,
            ensure_ascii=False,
        )


#: one generated token and its top alternatives: (token, [(alternative, logprob), ...])
TokenChoice = tuple[str, list[tuple[str, float]]]


@dataclass(frozen=True)
class JudgeReply:
    text: str
    logprobs: list[TokenChoice] | None = None

    def to_json(self) -> str:
        return json.dumps({"text": self.text, "logprobs": self.logprobs}, ensure_ascii=False)

    @classmethod
    def from_json(cls, stored: str) -> JudgeReply:
        data = json.loads(stored)
        logprobs = data.get("logprobs")
        if logprobs is not None:
            logprobs = [(token, [(alt, float(lp)) for alt, lp in top]) for token, top in logprobs]
        return cls(str(data["text"]), logprobs)


def openai_logprobs(choice: dict[str, Any]) -> list[TokenChoice] | None:
    """The token logprobs of an OpenAI chat choice (``logprobs.content``), or None."""
    content = (choice.get("logprobs") or {}).get("content") if isinstance(choice, dict) else None
    if not isinstance(content, list):
        return None
    tokens: list[TokenChoice] = []
    for entry in content:
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
            return None
        top = [
            (alt["token"], float(alt["logprob"]))
            for alt in entry.get("top_logprobs") or []
            if isinstance(alt, dict)
            and isinstance(alt.get("token"), str)
            and isinstance(alt.get("logprob"), int | float)
        ]
        if isinstance(entry.get("logprob"), int | float):
            top.append((entry["token"], float(entry["logprob"])))
        tokens.append((entry["token"], top))
    return tokens


class JudgeEngine(ABC):
    """A system's engine, used to judge."""

    #: whether replies can carry top logprobs (a config asking for them needs it)
    has_logprobs = False

    def __init__(self, system: System) -> None:
        self.system = system
        self.calls = 0
        self.seconds = 0.0

    @abstractmethod
    def complete(self, requests: Sequence[JudgeRequest]) -> list[JudgeReply | Exception]:
        """One reply (or the exception that stopped it) per request, in order."""


class OpenAIJudge(JudgeEngine):
    has_logprobs = True

    def body(self, request: JudgeRequest) -> dict[str, Any]:
        params: Any = self.system.params
        body: dict[str, Any] = {
            "model": params.model,
            "messages": request.chat(),
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if request.seed is not None:
            body["seed"] = request.seed
        if request.schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "judgement", "schema": request.schema, "strict": True},
            }
        if request.logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = TOP_LOGPROBS
        return {**params.extra_body, **body}

    def complete(self, requests: Sequence[JudgeRequest]) -> list[JudgeReply | Exception]:
        from harness.systems.openai_api import OpenAICompatible

        system = self.system
        assert isinstance(system, OpenAICompatible)
        started = time.perf_counter()
        results = system.run_requests([self.body(request) for request in requests])
        self.seconds += time.perf_counter() - started
        self.calls += len(requests)
        replies: list[JudgeReply | Exception] = []
        for result in results:
            if isinstance(result, Exception):
                replies.append(result)
            else:
                replies.append(JudgeReply(result["text"], openai_logprobs(result["choice"])))
        return replies


class LlamaCppJudge(JudgeEngine):
    has_logprobs = True

    def complete(self, requests: Sequence[JudgeRequest]) -> list[JudgeReply | Exception]:
        replies: list[JudgeReply | Exception] = []
        for request in requests:
            started = time.perf_counter()
            try:
                replies.append(self.one(request))
            except HarnessError:  # the user's mistake (a missing chat template): one line
                raise
            except Exception as exc:  # e.g. the prompt does not fit n_ctx: this one only
                replies.append(exc)
            self.seconds += time.perf_counter() - started
            self.calls += 1
        return replies

    def one(self, request: JudgeRequest) -> JudgeReply:
        from harness.systems.llama_cpp import LlamaCpp

        system = self.system
        assert isinstance(system, LlamaCpp)
        llama = system.load()
        settings: dict[str, Any] = {
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "repeat_penalty": 1.0,
            "seed": system.params.seed if request.seed is None else request.seed,
        }
        probe = ScoreProbe(llama) if request.logprobs else None
        if probe is not None:
            settings["logits_processor"] = [probe]
        if system.chat:
            if request.schema is not None:
                settings["response_format"] = {"type": "json_object", "schema": request.schema}
            response: Any = llama.create_chat_completion(request.chat(), **settings)
            text = response["choices"][0]["message"]["content"] or ""
            return JudgeReply(text, None if probe is None else probe.tokens(text))
        # a base model without a chat template: the messages as one plain prompt
        prompt = "\n\n".join(content for _, content in request.messages) + "\n\nJSON:"
        if request.schema is not None:
            from llama_cpp import LlamaGrammar

            settings["grammar"] = LlamaGrammar.from_json_schema(
                json.dumps(request.schema), verbose=False
            )
        response = llama.create_completion(prompt, **settings)
        text = response["choices"][0]["text"]
        return JudgeReply(text, None if probe is None else probe.tokens(text))


class ScoreProbe:
    """A llama.cpp logits processor that records, at each generated position, the log
    probability (over the whole vocabulary, before any grammar) of the score tokens 1–5.

    llama-cpp-python returns logprobs only from a model built with ``logits_all``, which keeps
    n_ctx × vocabulary floats (4 GiB for gemma-3's 262k vocabulary at n_ctx 4096); the
    processor sees each step's logits as they are computed instead, at no memory cost."""

    def __init__(self, llama: Any) -> None:
        self.llama = llama
        self.prompt_length: int | None = None
        self.digits: dict[int, str] = {}
        for digit in "12345":
            ids = llama.tokenize(digit.encode(), add_bos=False, special=False)
            if len(ids) == 1:
                self.digits[ids[0]] = digit
        self.steps: list[list[tuple[str, float]]] = []
        self.last_ids: Any = None

    def __call__(self, input_ids: Any, logits: Any) -> Any:
        import numpy as np

        if self.prompt_length is None:
            self.prompt_length = len(input_ids)
        self.last_ids = input_ids
        values = np.asarray(logits, dtype=np.float64)
        peak = values.max()
        log_total = peak + math.log(float(np.exp(values - peak).sum()))
        self.steps.append(
            [(digit, float(values[i] - log_total)) for i, digit in self.digits.items()]
        )
        return logits

    def tokens(self, text: str) -> list[TokenChoice] | None:
        """The reply as (token, score-token alternatives) pairs spelling ``text``; None when
        the generated tokens cannot be recovered."""
        if self.prompt_length is None or self.last_ids is None:
            return None
        generated = [int(t) for t in self.last_ids[self.prompt_length :]]
        pieces: list[TokenChoice] = []
        spelled = ""
        for step, token_id in enumerate(generated):
            piece = self.llama.detokenize([token_id]).decode("utf-8", errors="replace")
            pieces.append((piece, self.steps[step]))
            spelled += piece
        if not text.startswith(spelled):
            return None
        if len(text) > len(spelled):  # the last token (never evaluated, so not in input_ids)
            last = len(generated)
            alternatives = self.steps[last] if last < len(self.steps) else []
            pieces.append((text[len(spelled) :], alternatives))
        return pieces


_ENGINES: dict[str, type[JudgeEngine]] = {"openai": OpenAIJudge, "llama-cpp": LlamaCppJudge}


def judge_engine_class(system_type: str) -> type[JudgeEngine] | None:
    """The judge engine of a system type; None for types that cannot judge."""
    return _ENGINES.get(system_type)


def judge_types() -> list[str]:
    return sorted(_ENGINES)


def judge_engine(system: System) -> JudgeEngine:
    engine = judge_engine_class(system.params.type)
    if engine is None:
        raise ValueError(f"system type '{system.params.type}' cannot judge")
    return engine(system)
