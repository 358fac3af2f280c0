"""Run folders: what a run leaves behind, `harness report RUN_DIR`, and the provenance."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import harness.cli
import harness.run.evaluate
import harness.run.folder
from harness.cli import app
from harness.run.folder import default_run_dir

from ..conftest import REPO

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"


@pytest.fixture
def plugins(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGINS))
    yield
    sys.modules.pop("counting_system", None)


def _write_config(folder: Path, systems: list[dict], **top) -> Path:
    path = folder / "folder-test.yaml"
    data = {
        "articles": str(REPO / "seeds"),
        "references": str(REPO / "references"),
        "systems": systems,
        "metrics": ["chrf", "rouge1"],
        **top,
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _counting(calls: Path, **settings) -> dict:
    return {"name": "count", "type": "counting_system:Counting", "task": "translation",
            "calls": str(calls), **settings}  # fmt: skip


@pytest.fixture
def finished_run(tmp_path, plugins):
    outputs = tmp_path / "mine.jsonl"
    outputs.write_text(
        json.dumps({"article_id": "000_e6a39a29327ab8d5", "output": "ملخص"}) + "\n",
        encoding="utf-8",
    )
    systems = [
        _counting(
            tmp_path / "calls.txt",
            empty_on=["title"],
            fail_on=["bullet-1"],
            hang_on=["paragraph-2"],
            timeout=0.5,
            batch_size=4,
        ),
        {"name": "mine", "type": "outputs", "task": "summarization", "path": str(outputs)},
    ]
    config = _write_config(tmp_path, systems, cache_dir=str(tmp_path / "cache"))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return config, out, outputs


def test_a_run_folder_holds_config_reports_outputs_and_log(finished_run):
    config, out, _ = finished_run
    assert {"config.yaml", "report.json", "report.md", "outputs.jsonl", "run.log"} <= {
        p.name for p in out.iterdir()
    }
    resolved = yaml.safe_load((out / "config.yaml").read_text(encoding="utf-8"))
    count = resolved["systems"][0]
    assert count["batch_size"] == 4 and count["timeout"] == 0.5 and count["prefix"] == ""
    assert resolved["cache_dir"] == str((config.parent / "cache").resolve())
    assert resolved["metrics"] == ["chrf", "rouge1"]

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    lines = [json.loads(line) for line in (out / "outputs.jsonl").read_text().splitlines()]
    assert len(lines) == len(report["segments"]) == 10  # 9 segments + 1 summary
    by_id = {(d["system"], d["segment_id"]): d for d in lines}
    assert by_id[("count", "title")]["status"] == "empty"
    assert by_id[("count", "bullet-1")]["status"] == "failed"
    assert by_id[("count", "bullet-1")]["error"] == "RuntimeError: model crashed"
    assert by_id[("count", "paragraph-2")]["status"] == "failed"
    assert by_id[("count", "paragraph-2")]["error"] == (
        "CallTimeout: call exceeded its timeout of 0.5 s"
    )

    log = (out / "run.log").read_text(encoding="utf-8")
    assert "run 'folder-test' started" in log
    assert "count: failed on 000_e6a39a29327ab8d5/bullet-1: RuntimeError: model crashed" in log
    assert log.rstrip().endswith("run finished")


def test_counts_and_failures_reach_the_report(finished_run):
    _, out, _ = finished_run
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    counts = report["provenance"]["systems"]["count"]["counts"]
    assert counts == {"generated": 6, "cached": 0, "empty": 1, "missing": 0, "failed": 2}
    failed = [s for s in report["segments"] if s["status"] == "failed"]
    assert [s["output"] for s in failed] == ["", ""]
    assert all(s["scores"]["chrf"] == 0.0 for s in failed)  # scored as empty
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "| count | translation | 6 | 0 | 1 | 0 | 2 |" in markdown
    assert "failed outputs are scored as empty" in markdown.lower()


def test_provenance_names_every_input_and_the_hardware(finished_run):
    config, out, outputs = finished_run
    provenance = json.loads((out / "report.json").read_text(encoding="utf-8"))["provenance"]
    assert provenance["config_sha256"] == hashlib.sha256(config.read_bytes()).hexdigest()
    files = provenance["files"]
    seed = REPO / "seeds" / "000_e6a39a29327ab8d5.txt"
    reference = REPO / "references" / "000_e6a39a29327ab8d5.en.jsonl"
    for path in (seed, reference, outputs):
        assert files[str(path)] == hashlib.sha256(path.read_bytes()).hexdigest()
    mine = provenance["systems"]["mine"]
    assert mine["params"]["sha256"] == hashlib.sha256(outputs.read_bytes()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", provenance["systems"]["count"]["fingerprint"])
    hardware = provenance["hardware"]
    assert hardware["cpu"] and hardware["usable_cpus"] >= 1 and hardware["cpu_count"] >= 1
    assert provenance["python"] == sys.version.split()[0]
    assert set(provenance["metrics"]) == {"chrf", "rouge1"}


def test_report_command_rerenders_from_the_json_alone(finished_run, monkeypatch):
    _, out, _ = finished_run
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    chrf = next(r for r in report["results"] if r["metric"] == "chrf")
    chrf.update(score=12.3456, ci_low=10.0, ci_high=15.0)
    (out / "report.json").write_text(json.dumps(report), encoding="utf-8")
    (out / "report.md").unlink()

    def no_model(*args, **kwargs):
        raise AssertionError("harness report must not run anything")

    # patched where they are looked up: the CLI's prepare, evaluate's generate_outputs
    monkeypatch.setattr(harness.cli, "prepare", no_model)
    monkeypatch.setattr(harness.run.evaluate, "generate_outputs", no_model)
    result = CliRunner().invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "| count | 9 | 2 | 12.35 [10.00, 15.00] |" in markdown  # 2 failed outputs


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no report.json here"),
        ("{not json", ":1: not valid JSON"),
        ('{"schema_version": 1}', "not a harness report"),
        ('{"schema_version": 99, "results": [], "provenance": {}}', "schema_version 99"),
    ],
)
def test_report_command_rejects_what_is_not_a_run_folder(tmp_path, content, message):
    if content is not None:
        (tmp_path / "report.json").write_text(content, encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_default_run_folder_is_named_after_config_and_utc_time(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = _write_config(tmp_path, [{"name": "copy", "type": "identity", "task": "translation"}])
    result = CliRunner().invoke(app, ["run", str(config)])
    assert result.exit_code == 0, result.output
    (folder,) = (tmp_path / "runs").iterdir()
    assert re.fullmatch(r"folder-test-\d{8}T\d{6}Z", folder.name)
    assert (folder / "report.json").is_file()
    assert default_run_dir("folder-test", tmp_path / "runs") != folder  # never reused


def test_too_many_failures_stop_the_run_and_keep_its_outputs(tmp_path, plugins):
    calls = tmp_path / "calls.txt"
    config = _write_config(
        tmp_path,
        [_counting(calls, fail_on=["bullet-1", "bullet-2"], batch_size=1)],
        max_failures=1,
        cache_dir=str(tmp_path / "cache"),
    )
    out = tmp_path / "stopped"
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out)])
    assert result.exit_code == 3
    assert "run stopped: 2 failed outputs, more than max_failures (1)" in result.output
    assert "Traceback" not in result.output
    assert not (out / "report.json").exists()
    lines = [json.loads(line) for line in (out / "outputs.jsonl").read_text().splitlines()]
    assert [line["status"] for line in lines] == ["generated", "failed", "failed"]
    assert len(calls.read_text().splitlines()) == 3  # stopped: the other 6 were never asked for
    assert "ERROR harness: run stopped: TooManyFailures" in (out / "run.log").read_text()


# --- durable writes: exclusive run folders, --out refusal -----------------------------------


class _FrozenClock:
    """Every run starts in the same second."""

    @staticmethod
    def now(tz=None):
        from datetime import datetime

        return datetime(2026, 1, 2, 3, 4, 5, tzinfo=tz)


def test_runs_started_in_the_same_second_get_different_folders(tmp_path, monkeypatch):
    monkeypatch.setattr(harness.run.folder, "datetime", _FrozenClock)
    root = tmp_path / "runs"
    with ThreadPoolExecutor(max_workers=8) as pool:  # claimed concurrently: mkdir, not exists()
        folders = list(pool.map(lambda _: default_run_dir("same", root), range(8)))
    assert len(set(folders)) == 8
    assert all(folder.is_dir() for folder in folders)
    names = sorted(p.name for p in root.iterdir())
    assert names[0] == "same-20260102T030405Z"
    assert set(names) == {"same-20260102T030405Z", *(f"same-20260102T030405Z-{i}" for i in range(2, 9))}


def test_out_folder_holding_a_report_is_refused_unless_forced(tmp_path):
    config = _write_config(tmp_path, [{"name": "copy", "type": "identity", "task": "translation"}])
    out = tmp_path / "out"
    assert CliRunner().invoke(app, ["run", str(config), "--out", str(out)]).exit_code == 0
    before = (out / "report.json").read_bytes()

    again = CliRunner().invoke(app, ["run", str(config), "--out", str(out)])
    assert again.exit_code == 2
    lines = [line for line in again.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "already holds a report.json" in lines[0] and "--force" in lines[0]
    assert (out / "report.json").read_bytes() == before  # untouched

    forced = CliRunner().invoke(app, ["run", str(config), "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["results"]


def test_out_that_is_a_file_is_refused(tmp_path):
    config = _write_config(tmp_path, [{"name": "copy", "type": "identity", "task": "translation"}])
    out = tmp_path / "a-file"
    out.write_text("x")
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out)])
    assert result.exit_code == 2
    assert "exists and is not a folder" in result.stderr


def test_a_forced_run_that_stops_leaves_no_old_report_behind(tmp_path, plugins):
    """--force replaces the earlier run: if the new one fails, no stale report looks like its."""
    calls = tmp_path / "calls.txt"
    out = tmp_path / "out"
    ok = _write_config(tmp_path, [{"name": "copy", "type": "identity", "task": "translation"}])
    assert CliRunner().invoke(app, ["run", str(ok), "--out", str(out)]).exit_code == 0
    failing = _write_config(
        tmp_path, [_counting(calls, fail_on=["title", "bullet-1"], batch_size=1)], max_failures=0
    )
    result = CliRunner().invoke(app, ["run", str(failing), "--out", str(out), "--force", "--no-cache"])
    assert result.exit_code == 3
    left = {p.name for p in out.iterdir()}
    assert left == {"config.yaml", "outputs.jsonl", "run.log"}


def test_a_bad_config_with_force_keeps_the_old_report(tmp_path):
    out = tmp_path / "out"
    ok = _write_config(tmp_path, [{"name": "copy", "type": "identity", "task": "translation"}])
    assert CliRunner().invoke(app, ["run", str(ok), "--out", str(out)]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("systems: []\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(bad), "--out", str(out), "--force"])
    assert result.exit_code == 2
    assert (out / "report.json").is_file()  # nothing was run: the earlier report stays
