"""A model that fails on one segment does not lose the rest of the run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness.plan import WorkItem
from harness.runner import Status, run_plan
from harness.systems.base import System, SystemParams
from harness.tasks import Example, Task


class Flaky(System):
    """Fails on any batch containing the source 'boom'; returns '' for 'blank'."""

    calls: list[int]

    def generate(self, examples: Sequence[Example]) -> list[str | None]:
        self.calls.append(len(examples))
        if any(e.source == "boom" for e in examples):
            raise ValueError("model crashed")
        return ["" if e.source == "blank" else e.source.upper() for e in examples]


def test_failure_is_isolated_to_its_segment():
    system = Flaky(SystemParams(name="f", type="flaky", task=Task.TRANSLATION, batch_size=4), Path("."))
    system.calls = []
    sources = ["a", "boom", "blank", "d", "e"]
    plan = [WorkItem("f", Example("c", Task.TRANSLATION, "x", str(i), s, ("r",))) for i, s in enumerate(sources)]
    done: list[int] = []
    generations = run_plan(plan, {"f": system}, advance=done.append)
    assert [g.status for g in generations] == [
        Status.GENERATED, Status.FAILED, Status.EMPTY, Status.GENERATED, Status.GENERATED
    ]
    assert [g.output for g in generations] == ["A", "", "", "D", "E"]
    assert generations[1].error == "ValueError: model crashed"
    assert [g.example.segment_id for g in generations] == ["0", "1", "2", "3", "4"]
    # one failing batch of 4, retried one by one, then the last batch of 1
    assert system.calls == [4, 1, 1, 1, 1, 1]
    assert sum(done) == 5
