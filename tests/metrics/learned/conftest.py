"""The committed COMET fixtures (tests/fixtures/comet, made by make_comet_fixtures.py) as a
parallel corpus and an outputs file, ready for ``harness run``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "comet"


def learned_options(name: str) -> dict | None:
    """Options that make a learned metric score offline (a tiny test checkpoint, no cache);
    None for every other metric."""
    if name == "comet":
        return {"model": str(FIXTURES / "regression"), "cache": False}
    return None


def triples() -> list[dict[str, str]]:
    lines = (FIXTURES / "triples.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def expected() -> dict:
    return json.loads((FIXTURES / "expected.json").read_text("utf-8"))


def write_run(folder: Path, metrics: str, rows: list[dict[str, str]] | None = None) -> Path:
    """A run config over ``rows`` (default: the fixture triples) with ``metrics`` (YAML)."""
    rows = triples() if rows is None else rows
    (folder / "src.ara").write_text("\n".join(r["src"] for r in rows) + "\n", "utf-8")
    (folder / "ref.eng").write_text("\n".join(r["ref"] for r in rows) + "\n", "utf-8")
    (folder / "hyp.txt").write_text("\n".join(r["mt"] for r in rows) + "\n", "utf-8")
    config = folder / "run.yaml"
    config.write_text(
        "name: learned\n"
        "corpus:\n"
        "  - {name: flores, format: parallel, source: src.ara, references: [ref.eng]}\n"
        "systems:\n"
        "  - {name: opus, type: outputs, task: translation, path: hyp.txt}\n"
        f"metrics: {metrics}\n",
        "utf-8",
    )
    return config


@pytest.fixture
def comet_fixtures() -> Path:
    return FIXTURES
