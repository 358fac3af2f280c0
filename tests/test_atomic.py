"""Durable writes: a file is replaced whole or not at all, and a folder built by two processes
at once is built once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.atomic import atomic_open, atomic_write_text, build_once

from .conftest import REPO


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temp(tmp_path):
    path = tmp_path / "report.json"
    atomic_write_text(path, "old complete content\n")
    with pytest.raises(RuntimeError), atomic_open(path) as handle:
        handle.write("new, half")
        raise RuntimeError("killed mid-write")
    assert path.read_text() == "old complete content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_an_atomic_file_gets_the_usual_permissions(tmp_path):
    """Not mkstemp's 0600: a report is as readable as a file written with open()."""
    atomic_write_text(tmp_path / "a.md", "x")
    (tmp_path / "b.md").write_text("x")
    assert (tmp_path / "a.md").stat().st_mode == (tmp_path / "b.md").stat().st_mode


def test_an_interrupted_build_is_replaced_and_a_failed_one_leaves_nothing(tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "weights.bin").write_text("half")  # no completion marker: an interrupted build
    killed = tmp_path / ".model.12345.abcd.tmp"  # the temporary folder of a killed build
    killed.mkdir()
    (killed / "weights.bin").write_text("partial")

    def failing(partial: Path) -> None:
        (partial / "weights.bin").write_text("x")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        build_once(target, failing, complete="done.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".model.lock", "model"]

    def good(partial: Path) -> None:
        (partial / "weights.bin").write_text("full")
        (partial / "done.json").write_text("{}")

    assert build_once(target, good, complete="done.json") == target
    assert (target / "weights.bin").read_text() == "full"


RACER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from harness.atomic import build_once

    target, log = Path(sys.argv[1]), Path(sys.argv[2])

    def build(partial):
        with log.open("a") as handle:
            handle.write("built\\n")
        for i in range(20):  # a slow, many-file payload: a reader must never see part of it
            (partial / f"shard-{i}").write_text("x" * 1000)
            time.sleep(0.01)
        (partial / "done.json").write_text("{}")

    folder = build_once(target, build, complete="done.json")
    print(len(list(folder.glob("shard-*"))))
    """
)


def test_two_processes_racing_build_the_folder_once(tmp_path):
    target, log = tmp_path / "converted" / "model-abc", tmp_path / "builds.log"
    target.parent.mkdir()
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(target), str(log)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        outputs = [racer.communicate(timeout=60)[0].strip() for racer in racers]
    finally:
        for racer in racers:
            racer.kill()
    assert [racer.returncode for racer in racers] == [0, 0]
    assert outputs == ["20", "20"]  # both got the complete folder
    assert log.read_text().splitlines() == ["built"]  # and it was built once
    assert sorted(p.name for p in target.parent.iterdir()) == [".model-abc.lock", "model-abc"]
