"""Failure isolation in the runner: timeouts, max_failures, counts, and the cache underneath."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from harness.records import Generation, Status
from harness.run.cache import OutputCache
from harness.run.generation import TooManyFailures, generate_outputs
from harness.run.plan import WorkItem
from harness.run.report_builder import status_counts
from harness.systems.base import System, SystemParams
from harness.tasks import Example, Task


class Scripted(System):
    """Behaves according to the source text: 'boom' raises, 'hang' sleeps, 'blank' is empty,
    'swallow' sleeps inside a broad ``except Exception`` (which must not hide a timeout)."""

    def __init__(self, params: SystemParams) -> None:
        super().__init__(params, Path("."))
        self.calls: list[list[str]] = []

    def generate(self, examples: Sequence[Example]) -> list[str | None]:
        sources = [e.source for e in examples]
        self.calls.append(sources)
        if "boom" in sources:
            raise ValueError("model crashed")
        if "hang" in sources:
            time.sleep(30)
        if "swallow" in sources:
            try:
                time.sleep(30)
            except Exception:
                return ["swallowed"] * len(examples)
        return ["" if s == "blank" else s.upper() for s in sources]


def _system(**params) -> Scripted:
    values = {"name": "s", "type": "scripted", "task": Task.TRANSLATION, **params}
    return Scripted(SystemParams(**values))


def _plan(sources: Sequence[str]) -> list[WorkItem]:
    return [
        WorkItem("s", Example("c", Task.TRANSLATION, "art", str(i), source, ("ref",)))
        for i, source in enumerate(sources)
    ]


def test_a_call_past_its_timeout_fails_that_segment_only():
    system = _system(batch_size=3, timeout=0.3)
    started = time.monotonic()
    generations = generate_outputs(_plan(["a", "hang", "c", "d"]), {"s": system})
    assert time.monotonic() - started < 15  # two 0.3 s timeouts, not a 30 s sleep
    assert [g.status for g in generations] == [
        Status.GENERATED, Status.FAILED, Status.GENERATED, Status.GENERATED
    ]  # fmt: skip
    assert generations[1].error == "CallTimeout: call exceeded its timeout of 0.3 s"
    # the batch of 3 timed out, was retried one by one, then the last batch of 1
    assert system.calls == [["a", "hang", "c"], ["a"], ["hang"], ["c"], ["d"]]


def test_a_system_cannot_swallow_its_timeout():
    generations = generate_outputs(_plan(["swallow"]), {"s": _system(timeout=0.2)})
    assert generations[0].status is Status.FAILED
    assert generations[0].output == ""


def test_no_timeout_means_no_limit():
    system = _system()
    assert [g.output for g in generate_outputs(_plan(["a"]), {"s": system})] == ["A"]


def test_a_failing_batch_is_retried_one_by_one_and_only_the_bad_segment_fails():
    system = _system(batch_size=4)
    done: list[int] = []
    generations = generate_outputs(_plan(["a", "boom", "blank", "d", "e"]), {"s": system}, done.append)
    assert [g.status for g in generations] == [
        Status.GENERATED, Status.FAILED, Status.EMPTY, Status.GENERATED, Status.GENERATED
    ]  # fmt: skip
    assert [g.output for g in generations] == ["A", "", "", "D", "E"]
    assert generations[1].error == "ValueError: model crashed"
    assert [len(call) for call in system.calls] == [4, 1, 1, 1, 1, 1]
    assert sum(done) == 5


def test_counts_cover_every_outcome(tmp_path):
    sources = ["a", "boom", "blank", "d"]
    with OutputCache(tmp_path) as cache:
        first = generate_outputs(_plan(sources), {"s": _system(batch_size=1)}, cache=cache)
        assert status_counts(first) == {
            "generated": 2, "cached": 0, "empty": 1, "missing": 0, "failed": 1
        }  # fmt: skip
        again = _system(batch_size=1)
        second = generate_outputs(_plan(sources), {"s": again}, cache=cache)
    # generated outputs come from the cache; the failure and the empty one are retried
    assert again.calls == [["boom"], ["blank"]]
    assert status_counts(second) == {
        "generated": 0, "cached": 2, "empty": 1, "missing": 0, "failed": 1
    }  # fmt: skip
    assert [g.cached for g in second] == [True, False, False, True]
    assert [g.output for g in second] == ["A", "", "", "D"]


def test_more_failures_than_allowed_stop_the_run_and_keep_what_was_done(tmp_path):
    seen: list[Generation] = []
    sources = ["a", "boom", "c", "boom", "e", "f"]
    with OutputCache(tmp_path) as cache:
        system = _system(batch_size=1)
        with pytest.raises(TooManyFailures) as stopped:
            generate_outputs(_plan(sources), {"s": system}, cache=cache, on_outputs=seen.extend,
                     max_failures=1)  # fmt: skip
        assert stopped.value.exit_code == 3
        message = str(stopped.value)
        assert "2 failed outputs, more than max_failures (1)" in message
        assert "s on art/3: ValueError: model crashed" in message
        assert len(system.calls) == 4  # stopped right after the second failure
        assert [g.output for g in seen] == ["A", "", "C", ""]
        # the finished outputs are in the cache: a rerun starts from them
        rerun = _system(batch_size=1)
        generations = generate_outputs(_plan(sources), {"s": rerun}, cache=cache)
    assert rerun.calls == [["boom"], ["boom"], ["e"], ["f"]]
    assert status_counts(generations)["cached"] == 2


def test_failures_within_max_failures_let_the_run_finish():
    generations = generate_outputs(_plan(["boom", "b", "boom"]), {"s": _system(batch_size=1)},
                           max_failures=2)  # fmt: skip
    assert [g.status for g in generations] == [Status.FAILED, Status.GENERATED, Status.FAILED]


def test_on_outputs_sees_each_batch_once_and_results_keep_plan_order(tmp_path):
    class Reversed(Scripted):
        def batch_order(self, examples):
            return list(reversed(range(len(examples))))

    sources = ["a", "b", "c", "d", "e"]
    batches: list[list[str]] = []
    with OutputCache(tmp_path) as cache:
        generate_outputs(_plan(["b", "d"]), {"s": _system(batch_size=2)}, cache=cache)
        params = SystemParams(name="s", type="scripted", task=Task.TRANSLATION, batch_size=2)
        system = Reversed(params)
        generations = generate_outputs(
            _plan(sources),
            {"s": system},
            cache=cache,
            on_outputs=lambda gs: batches.append([g.output for g in gs]),
        )
    assert [g.output for g in generations] == ["A", "B", "C", "D", "E"]
    # cached outputs first, in plan order, then the rest in the system's order
    assert batches == [["B", "D"], ["E", "C"], ["A"]]
    assert system.calls == [["e", "c"], ["a"]]


# --- the timeout times generation only: the model loads first ------------------------------

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"


@pytest.fixture
def slow_loading(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGINS))
    import slow_loading_system

    slow_loading_system.SlowLoading.loads = 0
    yield slow_loading_system.SlowLoading
    sys.modules.pop("slow_loading_system", None)


def _slow(cls, name="slow", **params):
    values = {"name": name, "type": "slow_loading_system:SlowLoading", "task": "translation"}
    return cls(cls.params_model(**values, **params), Path("."))


def _plan_for(name: str, sources: Sequence[str]) -> list[WorkItem]:
    return [
        WorkItem(name, Example("c", Task.TRANSLATION, "art", str(i), source, ("ref",)))
        for i, source in enumerate(sources)
    ]


def test_a_cold_model_slower_than_the_timeout_fails_no_output(slow_loading):
    """timeout: 0.3 on a model that takes 0.8 s to load: the load is not a generate call."""
    system = _slow(slow_loading, load_seconds=0.8, timeout=0.3, batch_size=2)
    generations = generate_outputs(_plan_for("slow", ["ab", "cd", "ef"]), {"slow": system})
    assert [(g.status, g.output) for g in generations] == [
        (Status.GENERATED, "ba"), (Status.GENERATED, "dc"), (Status.GENERATED, "fe")
    ]  # fmt: skip
    assert slow_loading.loads == 1


def test_a_load_past_load_timeout_fails_that_system_and_the_others_run(slow_loading):
    slow = _slow(slow_loading, load_seconds=5, load_timeout=0.3)
    other = _system()
    plan = _plan_for("slow", ["ab", "cd"]) + _plan(["x"])
    started = time.monotonic()
    generations = generate_outputs(plan, {"slow": slow, "s": other})
    assert time.monotonic() - started < 4  # stopped at 0.3 s, not after 5 s
    by_system = {g.system: [] for g in generations}
    for g in generations:
        by_system[g.system].append(g)
    assert [g.status for g in by_system["slow"]] == [Status.FAILED, Status.FAILED]
    assert by_system["slow"][0].error == (
        "loading the system took longer than its load_timeout of 0.3 s"
    )
    assert [g.output for g in by_system["s"]] == ["X"]


def test_a_system_that_cannot_load_is_loaded_once_and_counts_as_failures(slow_loading):
    slow = _slow(slow_loading, load_seconds=0, fail_load=True, batch_size=1)
    with pytest.raises(TooManyFailures, match="weights file is corrupt"):
        generate_outputs(_plan_for("slow", ["a", "b", "c"]), {"slow": slow}, max_failures=1)
    assert slow_loading.loads == 1  # not once per output


def test_a_system_whose_outputs_are_all_cached_is_not_loaded(slow_loading, tmp_path):
    plan = _plan_for("slow", ["ab", "cd"])
    with OutputCache(tmp_path) as cache:
        generate_outputs(plan, {"slow": _slow(slow_loading, load_seconds=0)}, cache=cache)
        assert slow_loading.loads == 1
        again = generate_outputs(plan, {"slow": _slow(slow_loading, load_seconds=0)}, cache=cache)
    assert slow_loading.loads == 1
    assert all(g.cached for g in again)


def test_a_cold_model_with_a_short_timeout_runs_from_the_cli(slow_loading, tmp_path):
    import yaml
    from typer.testing import CliRunner

    from harness.cli import app

    from ..conftest import REPO

    config = tmp_path / "cold.yaml"
    system = {"name": "cold", "type": "slow_loading_system:SlowLoading", "task": "translation",
              "load_seconds": 1.2, "timeout": 0.5}  # fmt: skip
    data = {"articles": str(REPO / "seeds"), "references": str(REPO / "references"),
            "systems": [system], "metrics": ["chrf"]}  # fmt: skip
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    counts = report["provenance"]["systems"]["cold"]["counts"]
    assert counts["failed"] == 0 and counts["generated"] == 9


class Untyped(System):
    """A plug-in's mistake: outputs that are not strings (here, per source text)."""

    def generate(self, examples: Sequence[Example]) -> list[str | None]:
        values = {"int": 7, "bytes": b"text", "list": ["a"], "none": None}
        return [values.get(e.source, e.source) for e in examples]  # type: ignore[misc]


class NotAList(System):
    def generate(self, examples: Sequence[Example]) -> list[str | None]:
        return None  # type: ignore[return-value]


def test_an_output_that_is_not_a_string_fails_with_its_type():
    system = Untyped(SystemParams(name="s", type="untyped", task=Task.TRANSLATION), Path("."))
    generations = generate_outputs(_plan(["int", "ok", "bytes", "list", "none"]), {"s": system})
    assert [(g.status, g.output, g.error) for g in generations] == [
        (Status.FAILED, "", "TypeError: output is int, not str"),
        (Status.GENERATED, "ok", None),
        (Status.FAILED, "", "TypeError: output is bytes, not str"),
        (Status.FAILED, "", "TypeError: output is list, not str"),
        (Status.MISSING, "", "no output"),
    ]


def test_generate_returning_no_list_fails_each_output_with_the_type():
    system = NotAList(SystemParams(name="s", type="x", task=Task.TRANSLATION), Path("."))
    generations = generate_outputs(_plan(["a", "b"]), {"s": system})
    assert {g.error for g in generations} == {"TypeError: generate returned NoneType, not a list of str"}
    assert all(g.status is Status.FAILED for g in generations)


def test_progress_is_logged_once_a_second_and_at_the_end(caplog, monkeypatch):
    """A fast system's many small batches make a few run.log lines, not one a batch."""
    clock = iter(float(second) / 4 for second in range(1000))  # each reading: 0.25 s later
    monkeypatch.setattr("harness.run.generation.time.perf_counter", lambda: next(clock))
    caplog.set_level("INFO", logger="harness.run.generation")
    generate_outputs(_plan([f"s{i}" for i in range(40)]), {"s": _system(batch_size=2)})
    progress = [r.getMessage() for r in caplog.records if " done (" in r.getMessage()]
    # 20 batches, each at least 0.25 s on this clock: a line a second, then the last batch's
    assert 3 <= len(progress) <= 6 and progress[-1].startswith("s: 40/40 done")
    assert all(line.endswith("in 1.00 s)") for line in progress[:-1])
    assert sum(int(line.split("(")[1].split()[0]) for line in progress) == 40
