"""The system plug-in interface: a summarizer or translator that turns examples into outputs."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harness.corpus.corpus import Corpus
from harness.records import Example, Task
from harness.systems.input_length import InputLengthKeys


class SystemParams(BaseModel):
    """Keys every system entry in a config has; each system type adds its own."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    type: str
    task: Task
    batch_size: int = Field(default=16, ge=1)
    #: corpora (by name) this system runs on; default: every corpus that fits its task
    corpora: list[str] | None = None
    timeout: float | None = Field(default=None, gt=0)  # seconds one generate call may take
    #: seconds loading the model (:meth:`System.load`, before the first timed call) may take
    load_timeout: float | None = Field(default=None, gt=0)

    @field_validator("name")
    @classmethod
    def _one_line_name(cls, name: str) -> str:
        # A system name is a row of report.md's tables and a line of run.log: one line only.
        if name.splitlines() != [name] or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
            raise ValueError("system name must not contain line breaks or control characters")
        return name

    #: the language of the output: ``en`` makes a summarizer's output an English summary,
    #: scored against the English translations of the bullets; default: the task's own
    #: (Arabic summaries, English translations)
    target_lang: Literal["ar", "en"] | None = None
    #: score a system whose outputs are all missing or failed (otherwise that is an error)
    allow_empty: bool = False

    @model_validator(mode="after")
    def _target_fits_task(self) -> SystemParams:
        if self.task is Task.TRANSLATION and self.target_lang not in (None, "en"):
            raise ValueError("translation is into English: target_lang must be 'en'")
        return self

    @property
    def example_task(self) -> Task:
        """The task of the examples this system is given and scored on."""
        if self.task is Task.SUMMARIZATION and self.target_lang == "en":
            return Task.SUMMARIZATION_EN
        return self.task


# Params that change how a run executes, not what a system outputs: not in the fingerprint.
_NOT_IN_FINGERPRINT = frozenset({"name", "timeout", "load_timeout", "corpora", "allow_empty"})
# Params added after outputs were first cached: in the fingerprint only when set, so the
# outputs cached before they existed keep their keys.
_IN_FINGERPRINT_WHEN_SET = frozenset({"target_lang"})


def _fingerprint_defaults(params: SystemParams) -> dict[str, Any]:
    """Params left out of the fingerprint while they hold these values: they were added after
    outputs were first cached, and these values compute what was computed before they existed
    (``on_too_long``: the engine's default policy)."""
    defaults: dict[str, Any] = dict.fromkeys(_IN_FINGERPRINT_WHEN_SET)
    if isinstance(params, InputLengthKeys):
        defaults["on_too_long"] = params.default_on_too_long()
    return defaults


#: runs a step system on examples (through the run's output cache, when there is one):
#: what a composite system (a pipeline) calls instead of ``step.generate``
#: ``run_step(system, examples)``: one output per example, as :meth:`System.generate` gives
StepRunner = Callable[["System", Sequence[Example]], list["str | Exception | None"]]


def generate_in_batches(
    system: System, examples: Sequence[Example]
) -> list[str | Exception | None]:
    """``system.generate`` over ``examples`` as the runner feeds it: in its ``batch_order``,
    ``batch_size`` at a time; the outputs in the order of ``examples``."""
    order = system.batch_order(examples)
    outputs: list[str | Exception | None] = [None] * len(examples)
    size = system.params.batch_size
    for start in range(0, len(order), size):
        positions = order[start : start + size]
        fresh = system.generate([examples[i] for i in positions])
        if len(fresh) != len(positions):
            raise RuntimeError(
                f"'{system.name}' returned {len(fresh)} outputs for {len(positions)} inputs"
            )
        for i, output in zip(positions, fresh, strict=True):
            outputs[i] = output
    return outputs


def run_uncached(system: System, examples: Sequence[Example]) -> list[str | Exception | None]:
    return generate_in_batches(system, examples)


def lost_outputs_warning(
    system: str, status: str, lost: Sequence[tuple[str, str | None]], shown: int = 5
) -> str:
    """The warning for ``lost`` outputs (``(where, reason)`` pairs) of one ``status``
    (missing or failed), naming the first few; the run and ``harness validate`` share it."""
    examples = ", ".join(f"{where} ({reason})" for where, reason in lost[:shown])
    more = f" and {len(lost) - shown} more" if len(lost) > shown else ""
    return f"{system}: {len(lost)} {status} output(s): {examples}{more}; scored as empty"


class System(ABC):
    """Produces one output per example, in order.

    ``generate`` returns ``None`` for an example it has no output for (e.g. a missing line in
    an outputs file), and an exception in place of an output that failed on its own (e.g. a
    server's 400 for one request): the runner records it as failed and keeps the others. It may
    also raise, and the runner then isolates the failing example by retrying one at a time.
    Construction must be cheap (``harness validate`` constructs systems); load models in
    :meth:`load`, which the runner calls once before the first (timed) :meth:`generate`.
    """

    params_model: ClassVar[type[SystemParams]] = SystemParams
    tasks: ClassVar[frozenset[Task]] = frozenset(Task)
    # Bump when a code change alters this type's outputs: it invalidates their cached outputs.
    backend_version: ClassVar[str] = "1"
    # Params that change how this type runs, not what it outputs (a served model's
    # concurrency and retries, say): left out of the fingerprint.
    not_in_fingerprint: ClassVar[frozenset[str]] = _NOT_IN_FINGERPRINT
    # False for systems cheaper to recompute than to look up (they never touch the cache).
    cacheable: ClassVar[bool] = True

    def __init__(self, params: SystemParams, base_dir: Path) -> None:
        self.params = params
        self.base_dir = base_dir

    @property
    def name(self) -> str:
        return self.params.name

    @property
    def task(self) -> Task:
        return self.params.task

    def load(self) -> object:
        """Load what :meth:`generate` needs (weights, tokenizer, a connection); idempotent.

        The runner calls it once before the system's first :meth:`generate`, outside the
        per-call ``timeout`` (which times generation only) and under ``load_timeout``. The
        return value is not used by the runner.
        """
        return None

    def library_versions(self) -> dict[str, str]:
        """Versions of the libraries that compute this system's outputs (e.g. transformers,
        torch, tokenizers; llama.cpp, CTranslate2), name → version. They are part of the
        :meth:`fingerprint`, so an upgrade never reuses outputs computed before it."""
        return {}

    @abstractmethod
    def generate(self, examples: Sequence[Example]) -> Sequence[str | Exception | None]:
        """Return one output (``None`` when there is none, an exception when it failed) per
        example."""

    def batch_order(self, examples: Sequence[Example]) -> list[int]:
        """The order (a permutation of indices) in which the runner feeds ``examples`` to
        :meth:`generate`; outputs are put back in plan order afterwards. Systems that pad batches
        return a length-sorted order, so each batch holds inputs of similar length."""
        return list(range(len(examples)))

    def connect(self, systems: Mapping[str, System], run_step: StepRunner = run_uncached) -> None:
        """Called once every system of the config is built. A composite system (a pipeline)
        finds its steps here, and runs them with ``run_step`` so each step is cached on its
        own; other systems ignore it."""
        del systems, run_step  # a plain system has no steps

    def intermediate(self, example: Example) -> dict[str, str] | None:
        """What a composite system's steps produced for ``example`` (step name → text), shown
        next to the final output in the report; None for plain systems."""
        return None

    def check_inputs(self, corpora: Sequence[Corpus], examples: Sequence[Example]) -> list[str]:
        """Check this system's own inputs against the plan before anything runs (``harness
        validate`` runs it too): ``corpora`` it runs on, ``examples`` it will get. Raise a
        :class:`~harness.errors.HarnessError` for what must not be scored; return warnings."""
        return []

    def finish(self) -> list[str]:
        """Called once after the run; returns warnings to show and record."""
        return []

    def run_info(self) -> dict[str, Any]:
        """Counters and facts learned while running (e.g. truncated inputs), for the report."""
        return {}

    def describe(self) -> dict[str, Any]:
        """What identifies this system's outputs, for provenance."""
        return self.params.model_dump(mode="json")

    def fingerprint(self) -> str:
        """sha256 of everything that determines this system's outputs: :meth:`describe`
        (type, model and its revision or file hash, generation settings, prompt template,
        batch size) less its name, timeouts and corpora, plus :attr:`backend_version` and
        :meth:`library_versions`."""
        if "_fingerprint" not in self.__dict__:
            defaults = _fingerprint_defaults(self.params)
            identity = {
                key: value
                for key, value in self.describe().items()
                if key not in self.not_in_fingerprint
                and not (key in defaults and value == defaults[key])
            }
            document: dict[str, Any] = {"backend_version": self.backend_version, "system": identity}
            libraries = self.library_versions()
            if libraries:  # absent when empty: fingerprints of library-free systems unchanged
                document["libraries"] = libraries
            canonical = json.dumps(document, sort_keys=True, ensure_ascii=False)
            self.__dict__["_fingerprint"] = hashlib.sha256(canonical.encode()).hexdigest()
        return self.__dict__["_fingerprint"]

    def cache_input(self, example: Example) -> str:
        """The input text an output depends on (besides the fingerprint): the cache key."""
        return example.source

    def input_files(self) -> dict[str, str]:
        """Data files this system reads (e.g. an outputs file): path → sha256, for provenance."""
        return {}
