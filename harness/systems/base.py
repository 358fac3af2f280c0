"""The system plug-in interface: a summarizer or translator that turns examples into outputs."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from harness.records import Example, Task


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


# Params that change how a run executes, not what a system outputs: not in the fingerprint.
_NOT_IN_FINGERPRINT = frozenset({"name", "timeout", "corpora"})


class System(ABC):
    """Produces one output per example, in order.

    ``generate`` returns ``None`` for an example it has no output for (e.g. a missing line in
    an outputs file), and an exception in place of an output that failed on its own (e.g. a
    server's 400 for one request): the runner records it as failed and keeps the others. It may
    also raise, and the runner then isolates the failing example by retrying one at a time.
    Construction must be cheap (``harness validate`` constructs systems); load models lazily.
    """

    params_model: ClassVar[type[SystemParams]] = SystemParams
    tasks: ClassVar[frozenset[Task]] = frozenset(Task)
    # Bump when a code change alters this type's outputs: it invalidates their cached outputs.
    backend_version: ClassVar[str] = "1"
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

    @abstractmethod
    def generate(self, examples: Sequence[Example]) -> Sequence[str | Exception | None]:
        """Return one output (``None`` when there is none, an exception when it failed) per
        example."""

    def batch_order(self, examples: Sequence[Example]) -> list[int]:
        """The order (a permutation of indices) in which the runner feeds ``examples`` to
        :meth:`generate`; outputs are put back in plan order afterwards. Systems that pad batches
        return a length-sorted order, so each batch holds inputs of similar length."""
        return list(range(len(examples)))

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
        batch size) less its name, timeout and corpora, plus :attr:`backend_version`."""
        if "_fingerprint" not in self.__dict__:
            identity = {
                key: value
                for key, value in self.describe().items()
                if key not in _NOT_IN_FINGERPRINT
            }
            document = {"backend_version": self.backend_version, "system": identity}
            canonical = json.dumps(document, sort_keys=True, ensure_ascii=False)
            self.__dict__["_fingerprint"] = hashlib.sha256(canonical.encode()).hexdigest()
        return self.__dict__["_fingerprint"]

    def cache_input(self, example: Example) -> str:
        """The input text an output depends on (besides the fingerprint): the cache key."""
        return example.source

    def input_files(self) -> dict[str, str]:
        """Data files this system reads (e.g. an outputs file): path → sha256, for provenance."""
        return {}
