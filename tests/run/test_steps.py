"""A pipeline's step calls go through the output cache with the runner's rule: an output that
failed alone (an exception in its place) is not stored, and it fails the pipeline's example."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.records import Example, Task
from harness.run.cache import OutputCache
from harness.run.steps import step_runner
from harness.systems.base import System, SystemParams
from harness.systems.lead import Lead, LeadParams
from harness.systems.pipeline import Pipeline, PipelineParams

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"


@pytest.fixture
def refusing(tmp_path, monkeypatch):
    """The counting plug-in, refusing part-2 alone (as a server's 400 for one request)."""
    monkeypatch.syspath_prepend(str(PLUGINS))
    from counting_system import Counting, CountingParams

    params = CountingParams(name="mt", type="counting_system:Counting", task=Task.TRANSLATION,
                            calls=str(tmp_path / "calls.txt"), refuse_on=("part-2",))  # fmt: skip
    yield Counting(params, tmp_path), tmp_path / "calls.txt"
    sys.modules.pop("counting_system", None)


def part(index: int, text: str) -> Example:
    return Example("c", Task.TRANSLATION, "a", f"part-{index}", text, ())


def test_a_failed_step_output_is_not_stored(refusing, tmp_path):
    mt, calls = refusing
    with OutputCache(tmp_path / "cache") as cache:
        run_step = step_runner(cache)
        for _ in range(2):
            first, second = run_step(mt, [part(1, "واحد"), part(2, "اثنان")])
            assert first == "دحاو" and isinstance(second, ValueError)
    assert calls.read_text(encoding="utf-8").splitlines() == ["a/part-1", "a/part-2", "a/part-2"]


def test_a_failed_step_output_fails_the_pipelines_example_with_its_reason(refusing, tmp_path):
    mt, _ = refusing
    lead = Lead(LeadParams(name="lead-2", type="lead", task=Task.SUMMARIZATION, n=2), tmp_path)
    pipeline = Pipeline(
        PipelineParams(name="p", type="pipeline", steps=["lead-2", "mt"]), tmp_path
    )
    pipeline.connect({"lead-2": lead, "mt": mt, "p": pipeline}, step_runner(None))
    article = Example("c", Task.SUMMARIZATION, "a", None, "جملة أولى. جملة ثانية.", ())
    with pytest.raises(RuntimeError, match=r"step 'mt' failed on a/part-2: ValueError: refused"):
        pipeline.generate([article])


class Recording(System):
    """Reverses its inputs and records the size of every call; feeds the longest first."""

    tasks = frozenset({Task.TRANSLATION})

    def __init__(self, params, base_dir) -> None:
        super().__init__(params, base_dir)
        self.calls: list[list[str]] = []

    def batch_order(self, examples):
        return sorted(range(len(examples)), key=lambda i: -len(examples[i].source))

    def generate(self, examples):
        self.calls.append([e.source for e in examples])
        return [e.source[::-1] for e in examples]


def test_a_step_gets_its_inputs_in_its_own_batches_and_order(tmp_path):
    """A pipeline hands a step every part of a batch of articles at once; the step sees them
    as the runner would feed it: batch_size at a time, in its batch_order."""
    params = SystemParams(name="mt", type="recording", task=Task.TRANSLATION, batch_size=2)
    system = Recording(params, tmp_path)
    texts = ["a", "bbb", "cc", "dddd", "e"]
    with OutputCache(tmp_path / "cache") as cache:
        outputs = step_runner(cache)(system, [part(i, t) for i, t in enumerate(texts, 1)])
    assert outputs == [t[::-1] for t in texts]
    assert system.calls == [["dddd", "bbb"], ["cc", "a"], ["e"]]
