"""The system plug-in interface: a summarizer or translator that turns examples into outputs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from harness.tasks import Example, Task


class SystemParams(BaseModel):
    """Keys every system entry in a config has; each system type adds its own."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    type: str
    task: Task
    batch_size: int = Field(default=16, ge=1)


class System(ABC):
    """Produces one output per example, in order.

    ``generate`` returns ``None`` for an example it has no output for (e.g. a missing line in
    an outputs file); it may raise, and the runner then isolates the failing example.
    Construction must be cheap (``harness validate`` constructs systems); load models lazily.
    """

    params_model: ClassVar[type[SystemParams]] = SystemParams
    tasks: ClassVar[frozenset[Task]] = frozenset(Task)

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
    def generate(self, examples: Sequence[Example]) -> list[str | None]:
        """Return one output (or ``None`` when there is none) per example."""

    def finish(self) -> list[str]:
        """Called once after the run; returns warnings to show and record."""
        return []

    def run_info(self) -> dict[str, Any]:
        """Counters and facts learned while running (e.g. truncated inputs), for the report."""
        return {}

    def describe(self) -> dict[str, Any]:
        """What identifies this system's outputs, for provenance."""
        return self.params.model_dump(mode="json")
