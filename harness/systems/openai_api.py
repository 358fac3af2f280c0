"""``openai``: any OpenAI-compatible server (vLLM, TGI, llama.cpp's server, Ollama, ``transformers
serve``, hosted APIs), for either task.

**Prompts** follow :mod:`harness.systems.prompting`: ``api: chat`` sends the chat messages to
``/chat/completions`` (the server applies the model's template); ``api: completions`` sends the
plain few-shot prompt to ``/completions``. Stop strings are sent and also applied here, since
servers differ in how they honour them.

**Requests** run concurrently, at most ``max_concurrency`` in flight. 429, 5xx, timeouts and
connection errors are retried up to ``max_retries`` times with exponential backoff and jitter
(``retry_base_delay`` · 2^attempt, scaled by a random factor in [0.5, 1], at most
``retry_max_delay``), waiting what a ``Retry-After`` header asks instead when there is one. Any
other 4xx (e.g. a prompt over the model's context) is not retried: that output is recorded as
failed with the server's message, and the others in its batch are kept.

**Secrets.** ``api_key_env`` names an environment variable; the key itself is read when the
first request is sent and goes only into the ``Authorization`` header: never into the config
dump, logs, the report or the cache key.

**Cache key**: the normalised base URL, the model, the whole request body (with the input's
place marked) and :data:`~harness.systems.prompting.PROMPT_TEMPLATE_VERSION`. Settings that do
not change what is asked (concurrency, retries, timeouts, the key's variable) are not in it.
Failed requests are never cached (the runner stores only real outputs).

**Long inputs.** The model's tokenizer is on the server, so ``on_too_long: truncate`` needs
its copy here: ``tokenizer`` (a transformers tokenizer, a hub id in the local cache or a folder)
and ``context_tokens`` (the served model's window). With both, a prompt that does not fit
``context_tokens`` together with ``max_new_tokens`` has its source cut to its first tokens
(counted on the chat template's rendering for ``api: chat``) or, with ``fail``, fails alone
before any request, as for the in-process engines. Without them the policy is ``fail``, the
server's own check: a too-long prompt fails alone with the server's message (its default then);
``on_too_long: truncate`` without them is a config error.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, JsonValue, field_validator, model_validator

from harness.errors import HarnessError
from harness.records import Example, Task
from harness.systems.base import _NOT_IN_FINGERPRINT, System, SystemParams
from harness.systems.hf_loading import ModelSource, load_tokenizer
from harness.systems.input_length import InputLengthKeys, InputTooLong, LongInputs, OnTooLong
from harness.systems.prompting import PROMPT_TEMPLATE_VERSION, PromptKeys, cut_at_stop
from harness.weights.packaged import PREFIX as PACKAGED_PREFIX

if TYPE_CHECKING:
    import httpx
    from transformers import PreTrainedTokenizerBase

log = logging.getLogger(__name__)

SOURCE_MARK = "{source}"  # where each input goes in the request body template
# Keys that change how requests are made, not what is asked: not in the cache key.
_TRANSPORT_KEYS = frozenset(
    {
        "api_key_env",
        "max_concurrency",
        "max_retries",
        "request_timeout",
        "retry_base_delay",
        "retry_max_delay",
        "batch_size",
    }
)


#: request fields that come from the system's own keys, never from ``extra_body``
_SET_BY_HARNESS = frozenset(
    {"model", "messages", "prompt", "max_tokens", "temperature", "seed", "stop", "stream", "n"}
)


class OpenAIParams(SystemParams, PromptKeys, InputLengthKeys):
    base_url: str = Field(min_length=1)
    model: str = Field(min_length=1)
    api: Literal["chat", "completions"] = "chat"
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    max_new_tokens: int = Field(default=256, ge=1)
    temperature: float = Field(default=0.0, ge=0)
    seed: int | None = None
    max_concurrency: int = Field(default=4, ge=1)
    max_retries: int = Field(default=5, ge=0)
    request_timeout: float = Field(default=120.0, gt=0)  # seconds, per request attempt
    retry_base_delay: float = Field(default=1.0, ge=0)
    retry_max_delay: float = Field(default=60.0, ge=0)
    # One batch's requests run concurrently, and each batch is committed to the cache.
    batch_size: int = Field(default=64, ge=1)
    # Server-specific request fields, sent as given and part of the cache key: e.g. llama.cpp's
    # server samples with repeat_penalty 1.1 unless told {repeat_penalty: 1.0}; vLLM takes
    # repetition_penalty, top_k. The fields the harness sets itself are refused here.
    extra_body: dict[str, JsonValue] = Field(default_factory=dict)
    # The served model's tokenizer (a hub id in the local cache, or a folder) and window, for
    # on_too_long: with both, prompts are counted and cut here; without, the server decides.
    tokenizer: str | None = Field(default=None, min_length=1)
    context_tokens: int | None = Field(default=None, ge=16)

    def default_on_too_long(self) -> OnTooLong:
        return "truncate" if self.counts_tokens else "fail"

    @property
    def counts_tokens(self) -> bool:
        """Whether prompts are counted here (``tokenizer`` and ``context_tokens`` given)."""
        return self.tokenizer is not None and self.context_tokens is not None

    @field_validator("tokenizer")
    @classmethod
    def _transformers_tokenizer(cls, tokenizer: str | None) -> str | None:
        if tokenizer is not None and (
            tokenizer.endswith(".gguf") or tokenizer.startswith(PACKAGED_PREFIX)
        ):
            raise ValueError(
                "tokenizer is a transformers tokenizer: a hub id in the local cache or a folder "
                "with its files (not a .gguf file or pypi:NAME)"
            )
        return tokenizer

    @model_validator(mode="after")
    def _truncation_needs_a_tokenizer(self) -> OpenAIParams:
        if (self.tokenizer is None) != (self.context_tokens is None):
            raise ValueError(
                "tokenizer and context_tokens go together: the served model's tokenizer and "
                "its window, to count prompts here"
            )
        if self.on_too_long == "truncate" and not self.counts_tokens:
            raise ValueError(
                "on_too_long: truncate needs the served model's tokenizer here: set tokenizer "
                "and context_tokens (its window), or on_too_long: fail (the server's own check)"
            )
        return self

    @field_validator("extra_body")
    @classmethod
    def _no_harness_fields(cls, extra: dict[str, JsonValue]) -> dict[str, JsonValue]:
        taken = sorted(set(extra) & _SET_BY_HARNESS)
        if taken:
            raise ValueError(
                f"{', '.join(taken)} {'is' if len(taken) == 1 else 'are'} set by the harness "
                "(model, prompt/messages, max_new_tokens, temperature, seed, stop keys)"
            )
        return extra

    @field_validator("base_url")
    @classmethod
    def _normalised(cls, url: str) -> str:
        if not url.strip().lower().startswith(("http://", "https://")):
            raise ValueError(
                "base_url must start with http:// or https:// (e.g. http://127.0.0.1:8080/v1)"
            )
        return normalise_base_url(url)


def normalise_base_url(url: str) -> str:
    """The URL as written, less one trailing slash: an IPv6 host (``[::1]``), a query
    (``?api-version=…``) and ``user:pass@`` credentials all reach the server as given."""
    return url.removesuffix("/")


def endpoint_url(base_url: str, path: str) -> str:
    """``path`` (``/chat/completions``) appended to the base URL's path, its query kept."""
    base, sep, query = base_url.partition("?")
    return f"{base.removesuffix('/')}{path}{sep}{query}"


class RequestFailed(Exception):
    """A request that failed for good (not retryable, or out of retries)."""


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) in seconds; None when absent/invalid."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def server_message(response: httpx.Response) -> str:
    """The error message a server sent (OpenAI's ``{"error": {"message"}}`` or the body)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message: Any = None
    if isinstance(body, dict):
        error = body.get("error", body.get("detail", body.get("message")))
        message = error.get("message") if isinstance(error, dict) else error
    if not message:
        message = response.text
    return " ".join(str(message).split())[:300]


class OpenAICompatible(System):
    """The fingerprint covers what is asked (base URL, model, the request body template, the
    prompt version), not how requests are made (:data:`_TRANSPORT_KEYS`)."""

    params_model = OpenAIParams
    params: OpenAIParams
    tasks = frozenset(Task)
    not_in_fingerprint = _NOT_IN_FINGERPRINT | _TRANSPORT_KEYS

    def __init__(self, params: SystemParams, base_dir: Path) -> None:
        super().__init__(params, base_dir)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: httpx.AsyncClient | None = None
        self.requests = 0  # attempts sent
        self.retries = 0
        self.failed = 0
        self.waits: list[float] = []  # seconds waited before each retry
        self.request_seconds = 0.0
        self.completed = 0
        self.server_models: set[str] = set()
        self.system_fingerprints: set[str] = set()
        self.long_inputs = LongInputs()
        self._tokenizer: PreTrainedTokenizerBase | None = None
        self.tokenizer_source: ModelSource | None = None
        if self.params.tokenizer is not None:  # a missing folder is a config error, early
            self.tokenizer_source = ModelSource.of(self.params.tokenizer, None, base_dir)

    @property
    def chat(self) -> bool:
        return self.params.api == "chat"

    @property
    def path(self) -> str:
        return "/chat/completions" if self.chat else "/completions"

    # -- long inputs -----------------------------------------------------------------------
    def load(self) -> PreTrainedTokenizerBase | None:
        """The served model's tokenizer, when the config names one (to count prompts)."""
        if self._tokenizer is None and self.tokenizer_source is not None:
            tokenizer = load_tokenizer(self.tokenizer_source)
            if self.chat and not getattr(tokenizer, "chat_template", None):
                raise HarnessError(
                    f"{self.name}: api: chat counts prompts through the chat template of "
                    f"tokenizer {self.params.tokenizer}, which has none"
                )
            self._tokenizer = tokenizer
        return self._tokenizer

    def prompt_token_count(self, source: str) -> int:
        """Tokens of the prompt for ``source``, by the configured tokenizer: the chat template's
        rendering (``api: chat``), or the plain prompt with the tokenizer's BOS."""
        tokenizer = self.load()
        assert tokenizer is not None
        if self.chat:
            messages = self.params.messages(self.task, source)
            rendered = tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
            return len(tokenizer(str(rendered), add_special_tokens=False)["input_ids"])
        prompt = self.params.plain_prompt(self.task, source)
        return len(tokenizer(prompt)["input_ids"])

    def fit(self, example: Example) -> str:
        """The source of ``example`` as it is sent: itself when its prompt and
        ``max_new_tokens`` fit ``context_tokens`` (or when nothing is counted here), else cut
        or :class:`~harness.systems.input_length.InputTooLong`, as ``on_too_long`` says."""
        tokenizer = self.load()
        if tokenizer is None or self.params.context_tokens is None:
            return example.source
        params = self.params
        return self.long_inputs.fit(
            params.on_too_long,
            example.where,
            example.source,
            params.context_tokens - params.max_new_tokens,
            count=self.prompt_token_count,
            encode=lambda text: tokenizer(text, add_special_tokens=False)["input_ids"],
            decode=lambda ids: tokenizer.decode(ids, skip_special_tokens=True),
            limit_is=(
                f"context_tokens {params.context_tokens} less max_new_tokens "
                f"{params.max_new_tokens}"
            ),
        )

    # -- requests --------------------------------------------------------------------------
    def body(self, source: str) -> dict[str, Any]:
        """The request body for one input."""
        params = self.params
        body: dict[str, Any] = {"model": params.model}
        if self.chat:
            body["messages"] = params.messages(self.task, source)
        else:
            body["prompt"] = params.plain_prompt(self.task, source)
        body["max_tokens"] = params.max_new_tokens
        body["temperature"] = params.temperature
        if params.seed is not None:
            body["seed"] = params.seed
        stops = params.stops(self.task, self.chat)
        if stops:
            body["stop"] = stops
        body.update(params.extra_body)
        return body

    def headers(self) -> dict[str, str]:
        name = self.params.api_key_env
        if name is None:
            return {}
        key = os.environ.get(name)
        if not key:
            raise HarnessError(
                f"{self.name}: environment variable {name} (api_key_env) is not set or empty"
            )
        return {"Authorization": f"Bearer {key}"}

    def client(self) -> httpx.AsyncClient:
        """The HTTP client (made on first use, outside the event loop, so a missing key is one
        :class:`HarnessError` before any request)."""
        if self._client is None:
            import httpx

            limits = httpx.Limits(max_connections=self.params.max_concurrency)
            self._client = httpx.AsyncClient(
                headers=self.headers(),
                timeout=self.params.request_timeout,
                limits=limits,
            )
        return self._client

    async def request(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body``, retrying what may succeed later; the parsed response."""
        import httpx

        attempt = 0
        while True:
            retry_after = None
            self.requests += 1
            try:
                url = endpoint_url(self.params.base_url, self.path)
                response = await self.client().post(url, json=body)
            except httpx.TransportError as exc:  # refused, reset, timed out
                problem = f"{type(exc).__name__}: {exc}".rstrip(": ")
            else:
                if response.status_code == 200:
                    return self.parse(response)
                problem = f"HTTP {response.status_code}: {server_message(response)}"
                if response.status_code != 429 and response.status_code < 500:
                    raise RequestFailed(problem)
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
            if attempt >= self.params.max_retries:
                tries = "attempt" if attempt == 0 else "attempts"
                raise RequestFailed(f"{problem} (after {attempt + 1} {tries})")
            if retry_after is not None:
                delay = min(retry_after, self.params.retry_max_delay)
            else:
                backoff = self.params.retry_base_delay * 2**attempt
                delay = min(backoff, self.params.retry_max_delay) * random.uniform(0.5, 1.0)
            log.info("%s: %s; retrying in %.2f s", self.name, problem, delay)
            self.retries += 1
            self.waits.append(delay)
            attempt += 1
            await asyncio.sleep(delay)

    def parse(self, response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
            choice = data["choices"][0]
            text = choice["message"]["content"] if self.chat else choice["text"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise RequestFailed(f"unexpected response: {response.text[:200]}") from None
        if isinstance(data.get("model"), str):
            self.server_models.add(data["model"])
        if isinstance(data.get("system_fingerprint"), str):
            self.system_fingerprints.add(data["system_fingerprint"])
        return {"text": text or "", "choice": choice}

    async def run_all(self, sources: list[str]) -> list[str | Exception]:
        gate = asyncio.Semaphore(self.params.max_concurrency)
        stops = self.params.stops(self.task, self.chat)

        async def one(source: str) -> str | Exception:
            async with gate:
                try:
                    result = await self.request(self.body(source))
                except RequestFailed as exc:
                    self.failed += 1
                    return exc
                self.completed += 1
                return cut_at_stop(result["text"], stops).strip()

        return list(await asyncio.gather(*(one(source) for source in sources)))

    def run_requests(self, bodies: Sequence[dict[str, Any]]) -> list[dict[str, Any] | Exception]:
        """POST each body (retried, at most ``max_concurrency`` in flight): the parsed
        response, or the :class:`RequestFailed` that ended it (a judge's calls)."""
        self.client()
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        gate = asyncio.Semaphore(self.params.max_concurrency)

        async def one(body: dict[str, Any]) -> dict[str, Any] | Exception:
            async with gate:
                try:
                    result = await self.request(body)
                except RequestFailed as exc:
                    self.failed += 1
                    return exc
                self.completed += 1
                return result

        async def every() -> list[dict[str, Any] | Exception]:
            return list(await asyncio.gather(*(one(body) for body in bodies)))

        return self._loop.run_until_complete(every())

    def generate(self, examples: Sequence[Example]) -> list[str | Exception | None]:
        self.client()
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        sources: list[str | Exception] = []
        for example in examples:
            try:
                sources.append(self.fit(example))
            except InputTooLong as exc:  # fails alone, never sent
                sources.append(exc)
        sent = [source for source in sources if isinstance(source, str)]
        started = time.perf_counter()
        answers = iter(self._loop.run_until_complete(self.run_all(sent)))
        outputs = [next(answers) if isinstance(source, str) else source for source in sources]
        seconds = time.perf_counter() - started
        self.request_seconds += seconds
        log.info(
            "%s: %d requests in %.2f s (%.2f/s), %d retries so far",
            self.name,
            len(sent),
            seconds,
            len(sent) / seconds if seconds else 0.0,
            self.retries,
        )
        return list(outputs)

    def finish(self) -> list[str]:
        if self._loop is not None:
            if self._client is not None:
                self._loop.run_until_complete(self._client.aclose())
                self._client = None
            self._loop.close()
            self._loop = None
        return self.long_inputs.warnings(self.name)

    # -- identity and reporting ------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        # tokenizer and context_tokens only when set: configs without them keep their key
        keys = ("tokenizer", "context_tokens")
        unset = {key for key in keys if getattr(self.params, key) is None}
        return {
            **self.params.model_dump(mode="json", exclude=unset),
            "request": {"path": self.path, "body": self.body(SOURCE_MARK)},
            "prompt_template_version": PROMPT_TEMPLATE_VERSION,
        }

    def run_info(self) -> dict[str, Any]:
        seconds = self.request_seconds
        return {
            "server_model": sorted(self.server_models),
            "system_fingerprint": sorted(self.system_fingerprints),
            "requests": self.requests,
            "retries": self.retries,
            "failed": self.failed,
            "requests_per_s": round(self.completed / seconds, 3) if seconds else None,
            **self.long_inputs.run_info(),
        }
