"""Executes a plan: batches work items per system and isolates failures.

A system that raises on a batch is retried one example at a time, so one bad segment costs only
itself; a failed or missing output is recorded with its reason and scored as an empty string,
so a failing model can never look better than it is. A :class:`HarnessError` (a user mistake,
such as a model that cannot be found) still stops the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from harness.errors import HarnessError
from harness.plan import WorkItem
from harness.systems.base import System
from harness.tasks import Example


class Status(StrEnum):
    GENERATED = "generated"
    EMPTY = "empty"
    MISSING = "missing"
    FAILED = "failed"


@dataclass(frozen=True)
class Generation:
    system: str
    example: Example
    output: str
    status: Status
    error: str | None = None


def _batches(items: Sequence[WorkItem], size: int) -> Iterator[Sequence[WorkItem]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _generate(system: System, batch: Sequence[WorkItem]) -> list[Generation]:
    examples = [item.example for item in batch]
    try:
        outputs = system.generate(examples)
        if len(outputs) != len(examples):
            raise RuntimeError(f"returned {len(outputs)} outputs for {len(examples)} inputs")
    except HarnessError:
        raise
    except Exception as exc:
        if len(batch) > 1:
            return [g for item in batch for g in _generate(system, [item])]
        reason = f"{type(exc).__name__}: {exc}"
        return [Generation(system.name, examples[0], "", Status.FAILED, reason)]
    generations = []
    for example, output in zip(examples, outputs, strict=True):
        if output is None:
            generations.append(Generation(system.name, example, "", Status.MISSING, "no output"))
        elif not output.strip():
            generations.append(Generation(system.name, example, output, Status.EMPTY))
        else:
            generations.append(Generation(system.name, example, output, Status.GENERATED))
    return generations


def run_plan(
    plan: Sequence[WorkItem],
    systems: dict[str, System],
    advance: Callable[[int], None] = lambda n: None,
) -> list[Generation]:
    """Run every work item; ``advance(n)`` is called as items complete (for progress bars)."""
    generations: list[Generation] = []
    for name, system in systems.items():
        items = [item for item in plan if item.system == name]
        for batch in _batches(items, system.params.batch_size):
            generations.extend(_generate(system, batch))
            advance(len(batch))
    return generations
