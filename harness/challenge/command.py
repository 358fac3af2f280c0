"""``harness challenge``: the good texts of a run config (or a pairs file), their
perturbations, every metric's detection rates, and the reports in an output folder."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.atomic import atomic_write_text
from harness.challenge.detection import Rate, Scored, detection_rates, score_pairs
from harness.challenge.generate import Applied, Item, generate_pairs
from harness.challenge.pairs import Pair, read_pairs, write_pairs
from harness.challenge.render import html_page, markdown, table
from harness.config import load_config
from harness.errors import HarnessError
from harness.metrics import Metric, make_metric
from harness.records import Status
from harness.run.evaluate import prepare
from harness.run.generation import generate_outputs

PAIRS_NAME = "pairs.jsonl"
RESULTS_NAME = "challenge.json"
DEFAULT_PAIR_METRICS = ("bleu", "chrf", "ter")

__all__ = ["Challenge", "evaluate_challenge", "from_config", "from_pairs", "table", "write_outputs"]


@dataclass
class Challenge:
    name: str
    pairs: list[Pair]
    metrics: list[Metric]
    applied: list[Applied] | None  # None: pairs read from a file
    notes: list[str]


def from_config(
    config: Path,
    seed: int,
    phenomena: Sequence[str] | None = None,
    metric_names: Sequence[str] | None = None,
    advance: Callable[[int], None] = lambda n: None,
) -> Challenge:
    """Run the config's systems (an ``outputs`` system just reads its file) and perturb every
    output; the config's metrics score the pairs unless ``metric_names`` are given."""
    prepared = prepare(load_config(config))
    generations = generate_outputs(prepared.plan, prepared.systems, advance)
    several = len(prepared.systems) > 1
    items = [
        Item(
            id=f"{g.system}/{g.where}" if several else g.where,
            task=g.example.task,
            source=g.example.source,
            references=g.example.references,
            text=g.output,
        )
        for g in generations
        if g.status is Status.GENERATED and g.output.strip()
    ]
    if not items:
        raise HarnessError(f"{config}: the systems produced no output to perturb")
    pairs, applied = generate_pairs(items, seed, phenomena)
    if metric_names:
        metrics = [make_metric(name) for name in metric_names]
    else:
        metrics = list(prepared.metrics.values())
    notes = [
        f"config: {config}",
        f"good texts: the outputs of {', '.join(prepared.systems)} ({len(items)} items)",
        f"seed: {seed}",
    ]
    return Challenge(prepared.config.name, pairs, metrics, applied, notes)


def from_pairs(path: Path, metric_names: Sequence[str] | None) -> Challenge:
    """Ready-made pairs from a JSONL file, scored by ``metric_names`` (default bleu, chrf, ter)."""
    pairs = read_pairs(path)
    metrics = [make_metric(name) for name in (metric_names or DEFAULT_PAIR_METRICS)]
    return Challenge(path.stem, pairs, metrics, None, [f"pairs: {path} ({len(pairs)} pairs)"])


def evaluate_challenge(
    challenge: Challenge, progress: Callable[[str], None] = lambda message: None
) -> tuple[Scored, list[Rate]]:
    if not challenge.pairs:
        raise HarnessError("no perturbation applied to any item: nothing to score")
    scored = score_pairs(challenge.pairs, challenge.metrics, progress)
    rates = detection_rates(scored, challenge.metrics)
    if not rates:
        raise HarnessError("none of the metrics scores these pairs (wrong task, or no references)")
    return scored, rates


def write_outputs(out: Path, challenge: Challenge, scored: Scored, rates: Sequence[Rate]) -> None:
    """pairs.jsonl (re-readable with ``--pairs``), challenge.json, report.md, report.html."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HarnessError(f"--out {out}: cannot create the folder: {exc.strerror}") from None
    write_pairs(out / PAIRS_NAME, challenge.pairs)
    per_pair = [
        {
            "id": pair.id,
            "phenomenon": pair.phenomenon,
            "severity": pair.severity.value,
            "scores": {
                name: [_finite(scored.good[name][i]), _finite(scored.bad[name][i])]
                for name in scored.good
                if scored.good[name][i] is not None
            },
        }
        for i, pair in enumerate(challenge.pairs)
    ]
    document = {
        "name": challenge.name,
        "notes": challenge.notes,
        "metrics": {m.name: m.signature() for m in challenge.metrics if m.name in scored.good},
        "applied": [
            {"phenomenon": a.phenomenon, "task": a.task.value, "applied": a.applied}
            | {"items": a.items}
            for a in challenge.applied or ()
        ],
        "rates": [r.to_json() for r in rates],
        "pairs": per_pair,
    }
    text = json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False)
    atomic_write_text(out / RESULTS_NAME, text + "\n")
    title = f"Challenge set: {challenge.name}"
    atomic_write_text(out / "report.md", markdown(title, rates, challenge.applied, challenge.notes))
    atomic_write_text(
        out / "report.html", html_page(title, rates, challenge.applied, challenge.notes)
    )


def _finite(value: float | None) -> float | None:
    """A score for JSON: NaN (a metric undefined on that text) is null."""
    return None if value is None or math.isnan(value) else value
