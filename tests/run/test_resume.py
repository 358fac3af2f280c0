"""Kill a real `harness run` with SIGKILL mid-run; rerunning it loses and recomputes nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from harness.run.cache import OutputCache

from ..conftest import REPO
from ..plugins.counting_system import expected_output

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
TOTAL = 9  # Arabic segments of the seed article


def _command(config: Path, out: Path, cache: Path) -> list[str]:
    return [sys.executable, "-m", "harness", "run", str(config), "--out", str(out),
            "--cache-dir", str(cache)]  # fmt: skip


def _wait_for_lines(path: Path, count: int, process: subprocess.Popen, limit_s: float) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text(encoding="utf-8").splitlines()) >= count:
            return
        if process.poll() is not None:
            raise AssertionError(f"run ended (code {process.returncode}) before it was killed")
        time.sleep(0.02)
    raise AssertionError(f"{path} did not reach {count} lines in {limit_s} s")


def test_sigkilled_run_resumes_without_losing_or_recomputing(tmp_path):
    calls = tmp_path / "calls.txt"
    config = tmp_path / "slow.yaml"
    slow = {"name": "slow", "type": "counting_system:Counting", "task": "translation",
            "calls": str(calls), "batch_size": 1, "delay": 0.4}  # fmt: skip
    config.write_text(
        yaml.safe_dump(
            {
                "articles": str(REPO / "seeds"),
                "references": str(REPO / "references"),
                "systems": [slow],
                "metrics": ["chrf"],
            }
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PLUGINS), str(REPO)])}
    cache, first, second = tmp_path / "cache", tmp_path / "first", tmp_path / "second"

    process = subprocess.Popen(
        _command(config, first, cache),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_lines(first / "outputs.jsonl", 3, process, limit_s=120)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL

    # What the killed run had finished: every line of its outputs.jsonl.
    done = [json.loads(line) for line in (first / "outputs.jsonl").read_text().splitlines()]
    done_ids = {f"{d['article_id']}/{d['segment_id']}" for d in done}
    assert 3 <= len(done) < TOTAL, "the kill must land mid-run"
    assert not (first / "report.json").exists()
    assert "run finished" not in (first / "run.log").read_text()
    calls_before = calls.read_text().splitlines()

    rerun = subprocess.run(
        _command(config, second, cache), cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads((second / "report.json").read_text(encoding="utf-8"))
    counts = report["provenance"]["systems"]["slow"]["counts"]
    recomputed = calls.read_text().splitlines()[len(calls_before) :]

    # Nothing finished was recomputed: the rerun computed only what the killed run had not.
    assert done_ids.isdisjoint(recomputed)
    assert counts["cached"] >= len(done)  # a batch committed just before the kill counts too
    assert counts["generated"] == len(recomputed) == TOTAL - counts["cached"]
    assert counts["failed"] == counts["missing"] == counts["empty"] == 0
    # Nothing was lost: all outputs are there and correct, cached or not.
    segments = report["segments"]
    assert len(segments) == TOTAL
    assert all(s["output"] == expected_output(s["source"]) for s in segments)
    cached_ids = {f"{s['article_id']}/{s['segment_id']}" for s in segments if s["cached"]}
    assert done_ids <= cached_ids
    print(f"killed after {len(done)} of {TOTAL} outputs; rerun: {counts}")


def test_ctrl_c_prints_one_line_saying_what_is_kept_and_exits_130(tmp_path):
    """SIGINT (Ctrl-C) mid-run: no traceback, one line with the count the cache keeps."""
    config = tmp_path / "slow.yaml"
    slow = {"name": "slow", "type": "counting_system:Counting", "task": "translation",
            # 1 s an output: 7 s between the second output and the run's end for SIGINT to land
            "calls": str(tmp_path / "calls.txt"), "batch_size": 1, "delay": 1.0}  # fmt: skip
    config.write_text(
        yaml.safe_dump({"articles": str(REPO / "seeds"), "references": str(REPO / "references"),
                        "systems": [slow], "metrics": ["chrf"]}),
        encoding="utf-8",
    )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PLUGINS), str(REPO)])}
    out, cache = tmp_path / "out", tmp_path / "cache"
    # Ctrl-C as in a terminal: SIGINT handled by default in the child, whatever this test process
    # inherited (a child of a process that ignores SIGINT ignores it too, and Python then never
    # raises KeyboardInterrupt)
    process = subprocess.Popen(
        _command(config, out, cache), cwd=tmp_path, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        _wait_for_lines(out / "outputs.jsonl", 2, process, limit_s=120)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "Aborted" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    with OutputCache(cache) as stored:
        in_cache = stored.stats().outputs
    assert lines[0] == (
        f"interrupted: {in_cache} finished output(s) are kept in the cache {cache}; "
        "rerun the same command to resume"
    )
    written = len((out / "outputs.jsonl").read_text(encoding="utf-8").splitlines())
    assert 2 <= written <= in_cache <= written + 1 < TOTAL + 1  # +1: a batch committed as SIGINT came
    assert not (out / "report.json").exists()
