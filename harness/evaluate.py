"""One evaluation, end to end: load → plan → generate → score → report.

``prepare`` does everything that can fail on user input (config, articles, references, output
files) before any model runs, which is also what ``harness validate`` runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.config import RunConfig
from harness.corpus.loader import Corpus, load_seed_corpus
from harness.metrics import Metric, make_metric
from harness.plan import WorkItem, build_plan
from harness.provenance import environment
from harness.report import build_report, status_counts
from harness.runner import Generation, run_plan
from harness.scoring import MetricResult, score_system
from harness.systems import SYSTEMS, System


@dataclass
class Prepared:
    config: RunConfig
    corpus: Corpus
    systems: dict[str, System]
    metrics: dict[str, Metric]
    plan: list[WorkItem]


def prepare(config: RunConfig) -> Prepared:
    corpus = load_seed_corpus(config.articles, config.references, config.base_dir)
    systems = {
        params.name: SYSTEMS.get(params.type)(params, config.base_dir) for params in config.systems
    }
    metrics = {name: make_metric(name) for name in config.metrics}
    return Prepared(config, corpus, systems, metrics, build_plan(corpus, config.systems))


def evaluate(
    prepared: Prepared,
    advance: Callable[[int], None] = lambda n: None,
    warn: Callable[[str], None] = lambda message: None,
) -> dict[str, Any]:
    """Run the plan and return the report document."""
    started = time.perf_counter()
    warnings = list(prepared.corpus.warnings)
    generations = run_plan(prepared.plan, prepared.systems, advance)
    by_system: dict[str, list[Generation]] = {name: [] for name in prepared.systems}
    for generation in generations:
        by_system[generation.system].append(generation)

    for name, system in prepared.systems.items():
        warnings.extend(system.finish())
        for g in by_system[name]:
            if g.status.value in ("missing", "failed"):
                where = g.example.article_id + (
                    f"/{g.example.segment_id}" if g.example.segment_id else ""
                )
                warnings.append(
                    f"{name}: {g.status.value} output for {where} ({g.error}); scored as empty"
                )
    for message in warnings:
        warn(message)

    results: list[MetricResult] = []
    for name in prepared.systems:
        results.extend(score_system(by_system[name], list(prepared.metrics.values())))

    config = prepared.config
    provenance: dict[str, Any] = {
        "run_name": config.name,
        "config_path": str(config.path),
        "config_sha256": config.sha256,
        "config": config.data,
        **environment(config.base_dir),
        "corpus": {
            "name": prepared.corpus.name,
            "articles": len(prepared.corpus.articles),
            "files": prepared.corpus.files,
        },
        "systems": {
            name: {
                "params": system.describe(),
                "counts": status_counts(by_system[name]),
                **system.run_info(),
            }
            for name, system in prepared.systems.items()
        },
        "metrics": {
            name: metric.signature()
            for name, metric in prepared.metrics.items()
            if any(r.metric == name for r in results)
        },
        "warnings": warnings,
        "duration_s": round(time.perf_counter() - started, 3),
    }
    return build_report(by_system, results, prepared.metrics, provenance)
