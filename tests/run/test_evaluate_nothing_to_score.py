"""A system with nothing to score is an error unless the config allows it (``allow_empty``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from harness.cli import app

from ..conftest import REPO

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
SEGMENTS = [
    json.loads(line)["segment_id"]
    for line in (REPO / "references" / "000_e6a39a29327ab8d5.en.jsonl").open(encoding="utf-8")
]


@pytest.fixture
def plugins(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGINS))
    yield
    sys.modules.pop("counting_system", None)


def _run(tmp_path: Path, fail_on: list[str], **extra: object):
    system = {"name": "broken", "type": "counting_system:Counting", "task": "translation",
              "calls": str(tmp_path / "calls.txt"), "fail_on": fail_on, **extra}  # fmt: skip
    config = tmp_path / "c.yaml"
    config.write_text(
        yaml.safe_dump({"articles": str(REPO / "seeds"), "references": str(REPO / "references"),
                        "systems": [system], "metrics": ["chrf"]}),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out), "--no-cache"])
    return result, out


def test_a_system_whose_outputs_all_failed_is_an_error(tmp_path, plugins):
    result, out = _run(tmp_path, SEGMENTS)
    assert result.exit_code == 2, result.output
    assert (
        "error: system 'broken': all 9 output(s) are missing or failed (first: "
        "000_e6a39a29327ab8d5/title: RuntimeError: model crashed)"
    ) in result.stderr
    assert "set allow_empty: true" in result.stderr
    assert not (out / "report.json").exists()


def test_allow_empty_scores_it_as_empty(tmp_path, plugins):
    result, out = _run(tmp_path, SEGMENTS, allow_empty=True)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["provenance"]["systems"]["broken"]["counts"]["failed"] == 9
    assert [r["score"] for r in report["results"]] == [0.0]


def test_one_output_is_enough(tmp_path, plugins):
    result, _ = _run(tmp_path, SEGMENTS[1:])
    assert result.exit_code == 0, result.output
    assert "broken: 8 failed output(s)" in result.stderr
