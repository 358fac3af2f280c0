"""docs/extending.md's plug-in package, installed for real and run through `harness run`.

The package's files are the ``docs-test: file`` blocks of docs/extending.md. pip installs it
into a temporary folder (``--target``, no dependencies), which goes on the subprocess's
``PYTHONPATH``: its entry points are found through its installed metadata, exactly as for a
package in site-packages, and the shared environment is never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .docs_blocks import REPO, blocks

EXTENDING = REPO / "docs" / "extending.md"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The package written from the docs and installed; returns its folder and the env."""
    root = tmp_path_factory.mktemp("plugin")
    files = [b for b in blocks(EXTENDING) if b.mode == "file"]
    assert {Path(b.argument).name for b in files} >= {"pyproject.toml", "shout.yaml"}
    for block in files:
        path = root / block.argument
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(block.text, encoding="utf-8")
    site = root / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(site), str(root / "harness-shout")],
        check=True,
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)]), "COLUMNS": "500"}
    return root, env


def _harness(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], env=env, cwd=cwd, capture_output=True,
        text=True, timeout=300,
    )


def test_the_plugins_are_listed(installed: tuple[Path, dict[str, str]]) -> None:
    root, env = installed
    listed = _harness(["list"], env, root)
    assert listed.returncode == 0, listed.stderr
    lines = dict(line.split(": ", 1) for line in listed.stdout.splitlines())
    assert "shout" in lines["system types"].split(", ")
    assert "exact" in lines["metrics"].split(", ")
    assert "tsv" in lines["corpus formats"].split(", ")
    assert "counting" in lines["executors"].split(", ")


def test_the_plugins_run(installed: tuple[Path, dict[str, str]]) -> None:
    root, env = installed
    out = root / "run"
    ran = _harness(
        ["run", "harness-shout/example/shout.yaml", "--out", str(out), "--no-cache"], env, root
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    scores = {r["metric"]: r["score"] for r in report["results"]}
    assert scores["exact"] == 50.0  # "OK" shouted is its reference "OK!"; the greeting is not
    outputs = {s["segment_id"]: s["output"] for s in report["segments"]}
    assert outputs == {"1": "مرحبا!", "2": "OK!"}
    assert report["provenance"]["executor"] == {"type": "counting", "batches": 1}
    assert report["provenance"]["corpora"]["greetings"]["segments"] == 2


def test_without_the_package_the_names_are_unknown(tmp_path: Path) -> None:
    """The names come from the installed package, not from anywhere else."""
    config = tmp_path / "shout.yaml"
    block = next(b for b in blocks(EXTENDING) if b.argument.endswith("shout.yaml"))
    config.write_text(block.text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "500"}
    checked = _harness(["validate", str(config)], env, tmp_path)
    assert checked.returncode == 2
    assert "unknown executor 'counting'" in checked.stderr
    listed = _harness(["list"], env, tmp_path).stdout
    assert not {"shout", "exact", "tsv", "counting"} & set(listed.replace(",", " ").split())
