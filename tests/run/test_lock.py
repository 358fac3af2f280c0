"""--out is exclusive: a second run into a folder another run is writing is refused."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from harness.cli import app
from harness.run.lock import FolderLock

from ..stats.report_factory import write_config, write_outputs


def test_a_second_run_into_a_busy_folder_is_refused(tmp_path: Path) -> None:
    """Before: both runs passed the check and wrote the same outputs.jsonl."""
    write_outputs(tmp_path, "mt")
    config = write_config(tmp_path, "candidate", ["mt"])
    out = tmp_path / "run"
    out.mkdir()
    (out / "outputs.jsonl").write_text("the first run's line\n", encoding="utf-8")
    first = FolderLock(out)
    first.acquire()  # a run in progress (flock: refused even within one process)
    try:
        result = CliRunner().invoke(app, ["run", str(config), "--out", str(out), "--no-cache"])
        assert result.exit_code == 2, result.output
        assert "another run is writing into this folder (pid " in result.output
        assert (out / "outputs.jsonl").read_text(encoding="utf-8") == "the first run's line\n"
    finally:
        first.release()
    again = CliRunner().invoke(app, ["run", str(config), "--out", str(out), "--no-cache"])
    assert again.exit_code == 0, again.output  # released: the folder is usable again


def test_a_finished_run_leaves_no_lock_file(tmp_path: Path) -> None:
    lock = FolderLock(tmp_path)
    lock.acquire()
    assert (tmp_path / ".lock").read_text(encoding="utf-8").startswith("pid ")
    lock.release()
    assert not (tmp_path / ".lock").exists()
    crashed = tmp_path / ".lock"  # left behind by a killed run: not locked, taken over
    crashed.write_text("pid 1\n", encoding="utf-8")
    FolderLock(tmp_path).acquire()
