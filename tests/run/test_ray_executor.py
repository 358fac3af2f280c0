"""The Ray executor on a real local Ray instance (2 CPUs, loopback, no dashboard): a tiny Marian
model gives the local executor's outputs and report, a rerun is fully cached, and a Ray actor
that dies mid-run loses nothing.

One Ray instance serves the module (``ray.init`` costs seconds); a watchdog bounds every wait.
"""

from __future__ import annotations

import faulthandler
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from harness.cli import app
from harness.config import ExecutorSettings
from harness.errors import HarnessError
from harness.run.executors import merge_run_info, override_settings

from ..conftest import REPO
from ..systems.conftest import build_tiny_marian, write_config

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
WATCHDOG_S = 600  # the whole module normally takes well under a minute


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[object]:
    """A local Ray instance whose workers import harness and the test plug-ins."""
    saved = {key: os.environ.get(key) for key in ("PYTHONPATH", "RAY_AUTH_MODE")}
    os.environ["RAY_AUTH_MODE"] = "disabled"
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(PLUGINS), str(REPO), *filter(None, [saved["PYTHONPATH"]])]
    )
    sys.path.insert(0, str(PLUGINS))
    faulthandler.dump_traceback_later(WATCHDOG_S, exit=True)
    import ray

    try:
        ray.init(
            num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False
        )
        yield ray
    finally:
        ray.shutdown()
        faulthandler.cancel_dump_traceback_later()
        sys.path.remove(str(PLUGINS))
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def tiny_marian_model(tmp_path_factory) -> Path:
    """The random Marian of tests/systems, saved locally."""
    return build_tiny_marian(tmp_path_factory.mktemp("ray-marian"))


def _run(*args: str) -> dict:
    result = CliRunner().invoke(app, ["run", *args])
    assert result.exit_code == 0, result.output
    out = Path(args[args.index("--out") + 1])
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def _lines(out: Path) -> list[dict]:
    text = (out / "outputs.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def _segments(report: dict) -> list[tuple]:
    return [
        (s["system"], s["article_id"], s["segment_id"], s["status"], s["output"])
        for s in report["segments"]
    ]


def test_tiny_model_on_ray_matches_local_and_reruns_from_the_cache(
    ray_instance, tiny_marian_model, tmp_path
):
    marian = {"name": "marian", "type": "hf-seq2seq", "task": "translation",
              "model": str(tiny_marian_model), "max_new_tokens": 12, "batch_size": 2}  # fmt: skip
    config = str(write_config(tmp_path, [marian]))
    cache = str(tmp_path / "cache")

    local = _run(config, "--out", str(tmp_path / "local"), "--no-cache")
    first = _run(config, "--executor", "ray", "--out", str(tmp_path / "ray"), "--cache-dir", cache)
    rerun = _run(config, "--executor", "ray", "--out", str(tmp_path / "rerun"),
                 "--cache-dir", cache)  # fmt: skip

    # the same outputs, in the same (input) order, and the same scores
    assert _segments(first) == _segments(local)
    assert len({s[4] for s in _segments(local)}) > 1, "the model must tell segments apart"
    assert first["results"] == local["results"]
    # the same counters and warnings as in-process (merged over the actors)
    for key in ("counts", "truncated", "truncated_segments", "input_limit_tokens"):
        assert (
            first["provenance"]["systems"]["marian"][key]
            == (local["provenance"]["systems"]["marian"][key])
        ), key
    assert local["provenance"]["systems"]["marian"]["truncated"] > 0
    assert first["provenance"]["warnings"] == local["provenance"]["warnings"]

    executor = first["provenance"]["executor"]
    assert executor["type"] == "ray" and executor["num_actors"] == 2
    assert executor["cluster_resources"]["CPU"] == 2.0
    actors = executor["actors"]["marian"]
    assert 1 <= len(actors) <= 2
    assert all(int(actor.rsplit(":", 1)[1]) != os.getpid() for actor in actors)
    assert local["provenance"]["executor"] == {"type": "local"}
    # outputs.jsonl holds every output once, written by the driver as batches came back
    lines = _lines(tmp_path / "ray")
    assert sorted((d["article_id"], d["segment_id"]) for d in lines) == sorted(
        (s[1], s[2]) for s in _segments(local)
    )
    assert not any(d["cached"] for d in lines)

    # the rerun is served from the cache: no actor started, same report
    assert _segments(rerun) == _segments(local)
    assert all(d["cached"] for d in _lines(tmp_path / "rerun"))
    assert rerun["provenance"]["executor"]["cluster_resources"] is None
    assert rerun["provenance"]["executor"]["actors"] == {}


def test_an_actor_that_dies_loses_nothing(ray_instance, tmp_path):
    """paragraph-2 kills its actor once (retried: generated); paragraph-5 kills it on every try
    (recorded as failed, scored empty); paragraph-1 hangs past its timeout (failed, though Ray
    calls actors off their main thread); everything else is generated, nothing is missing."""
    calls, markers = tmp_path / "calls.txt", tmp_path / "markers"
    markers.mkdir()
    dying = {"name": "dying", "type": "dying_system:Dying", "task": "translation",
             "batch_size": 1, "calls": str(calls), "markers": str(markers),
             "die_once_on": ["paragraph-2"], "die_on": ["paragraph-5"],
             "hang_on": ["paragraph-1"], "timeout": 2}  # fmt: skip
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "articles": str(REPO / "seeds"),
                "references": str(REPO / "references"),
                "systems": [dying],
                "metrics": ["chrf"],
                "executor": {"type": "ray", "num_actors": 2, "max_retries": 1},
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    report = _run(str(config), "--out", str(out), "--cache-dir", str(tmp_path / "cache"))

    by_segment = {s["segment_id"]: s for s in report["segments"]}
    assert len(by_segment) == len(report["segments"]) == 9
    assert by_segment["paragraph-5"]["status"] == "failed"
    assert "Ray actor" in by_segment["paragraph-5"]["error"]
    assert by_segment["paragraph-1"]["status"] == "failed"
    assert by_segment["paragraph-1"]["error"] == "CallTimeout: call exceeded its timeout of 2 s"
    for segment, row in by_segment.items():
        if segment not in ("paragraph-5", "paragraph-1"):
            assert row["status"] == "generated", segment
            assert row["output"] == row["source"][::-1]
    # every segment is in outputs.jsonl exactly once
    assert sorted(d["segment_id"] for d in _lines(out)) == sorted(by_segment)
    # paragraph-2 ran twice (died, then retried); paragraph-5 ran 1 + max_retries times
    ran = [line.split()[1] for line in calls.read_text().splitlines()]
    assert ran.count("paragraph-2") == 2
    assert ran.count("paragraph-5") == 2
    assert report["provenance"]["executor"]["lost_batches"] == 1
    assert any("2 failed output" in w for w in report["provenance"]["warnings"])


def test_list_and_validate_do_not_import_ray(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "articles": str(REPO / "seeds"),
                "references": str(REPO / "references"),
                "systems": [{"name": "id", "type": "identity", "task": "translation"}],
                "executor": {"type": "ray", "address": "auto"},
            }
        ),
        encoding="utf-8",
    )
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from harness.cli import app\n"
        f"for args in (['list'], ['validate', {str(config)!r}]):\n"
        "    result = CliRunner().invoke(app, args)\n"
        "    assert result.exit_code == 0, result.output\n"
        "assert 'ray' not in sys.modules, 'ray was imported'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_ray_keys_need_executor_type_ray(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        "articles: seeds\nsystems:\n  - {name: id, type: identity, task: translation}\n"
        "executor:\n  num_actors: 4\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", str(config)])
    assert result.exit_code == 2
    assert "executor" in result.output and "num_actors" in result.output
    assert "Traceback" not in result.output


def test_command_line_overrides_the_configs_executor():
    configured = ExecutorSettings(type="ray", address="auto", num_actors=3)
    assert override_settings(configured, None, None) == configured
    assert override_settings(configured, "local", None).type == "local"
    moved = override_settings(ExecutorSettings(), None, "ray://head:10001")
    assert (moved.type, moved.address) == ("ray", "ray://head:10001")
    with pytest.raises(HarnessError, match="--ray-address needs --executor ray"):
        override_settings(configured, "local", "auto")


def test_run_info_of_the_actors_merges_into_the_local_shape():
    merged = merge_run_info(
        [
            {"truncated": 2, "truncated_segments": ["a/p2", "a/p1"], "input_limit_tokens": 64,
             "device": "cpu", "load_s": 0.5},
            {"truncated": 2, "truncated_segments": ["a/p1", "a/p3"], "input_limit_tokens": 64,
             "device": "cpu", "load_s": 0.25},
        ]
    )  # fmt: skip
    # a/p1 ran on both actors (a retried batch) and counts once
    assert merged == {"truncated": 3, "truncated_segments": ["a/p1", "a/p2", "a/p3"],
                      "input_limit_tokens": 64, "device": "cpu", "load_s": 0.75}  # fmt: skip
    assert merge_run_info([]) == {}
