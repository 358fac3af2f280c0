"""Real reports for the compare/gate/plugin tests: the seed article, translated three ways.

``perfect`` outputs the reference translations, ``same`` the same again, ``degraded`` keeps only
the first half of every reference. Reports come from the real pipeline (config → run → report).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.config import load_config
from harness.run.evaluate import evaluate, prepare

REPO = Path(__file__).resolve().parents[2]


def _references() -> list[dict[str, Any]]:
    lines = []
    for path in sorted((REPO / "references").glob("*.jsonl")):
        lines += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return lines


def _degrade(text: str) -> str:
    words = text.split()
    return " ".join(words[: len(words) // 2])


def write_outputs(folder: Path, name: str, degrade: bool = False) -> Path:
    path = folder / f"{name}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for ref in _references():
            text = _degrade(ref["reference"]) if degrade else ref["reference"]
            line = {"article_id": ref["article_id"], "segment_id": ref["segment_id"]}
            out.write(json.dumps({**line, "output": text}, ensure_ascii=False) + "\n")
    return path


def write_config(folder: Path, name: str, systems: list[str], extra: str = "") -> Path:
    """A translation config whose systems read ``folder/SYSTEM.jsonl``."""
    entries = "\n".join(
        f"  - {{name: {s}, type: outputs, task: translation, path: {s}.jsonl}}" for s in systems
    )
    config = folder / f"{name}.yaml"
    config.write_text(
        f"name: {name}\narticles: {REPO / 'seeds'}\nreferences: {REPO / 'references'}\n"
        f"systems:\n{entries}\nmetrics: [bleu, chrf, ter]\n{extra}",
        encoding="utf-8",
    )
    return config


def make_report(folder: Path, name: str, degrade: bool, system: str = "mt") -> Path:
    """Run a one-system config on the seed article; returns the run folder."""
    work = folder / name
    work.mkdir(parents=True, exist_ok=True)
    write_outputs(work, system, degrade)
    report = evaluate(prepare(load_config(write_config(work, name, [system])))).to_document()
    run = work / "run"
    run.mkdir(exist_ok=True)
    (run / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return run
