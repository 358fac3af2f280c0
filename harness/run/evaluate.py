"""One evaluation, end to end: load → plan → generate → score → report.

``prepare`` does everything that can fail on user input (config, articles, references, output
files) before any model runs, which is also what ``harness validate`` runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.config import RunConfig
from harness.corpus.loader import Corpus, load_corpus
from harness.metrics import Metric, make_metric
from harness.provenance import environment
from harness.records import Generation, MetricResult
from harness.reports.document import build_report, status_counts
from harness.run.cache import OutputCache, resolve_cache_dir
from harness.run.plan import WorkItem, build_plan
from harness.run.runner import run_plan
from harness.run.scoring import score_systems
from harness.stats import bootstrap_signature
from harness.systems import SYSTEMS, System
from harness.verdicts.compare import compare_in_run

log = logging.getLogger(__name__)


@dataclass
class Prepared:
    config: RunConfig
    corpora: list[Corpus]
    systems: dict[str, System]
    metrics: dict[str, Metric]
    plan: list[WorkItem]


def prepare(config: RunConfig) -> Prepared:
    corpora = [load_corpus(spec, config.base_dir) for spec in config.corpora]
    systems = {
        params.name: SYSTEMS.get(params.type)(params, config.base_dir) for params in config.systems
    }
    metrics = {name: make_metric(name, config.metric_options.get(name)) for name in config.metrics}
    return Prepared(config, corpora, systems, metrics, build_plan(corpora, config.systems))


def open_cache(prepared: Prepared, option: Path | None, enabled: bool) -> OutputCache | None:
    """The run's output cache (``--cache-dir``, else the config's ``cache_dir``, else
    ``.cache/harness``); None when disabled or when no system of the run is cacheable."""
    if not enabled or not any(system.cacheable for system in prepared.systems.values()):
        return None
    config = prepared.config
    return OutputCache(resolve_cache_dir(option, config.cache_dir, config.base_dir))


def evaluate(
    prepared: Prepared,
    advance: Callable[[int], None] = lambda n: None,
    warn: Callable[[str], None] = lambda message: None,
    *,
    cache: OutputCache | None = None,
    on_outputs: Callable[[Sequence[Generation]], None] = lambda generations: None,
) -> dict[str, Any]:
    """Run the plan and return the report document.

    With ``cache``, stored outputs are reused and new ones committed batch by batch;
    ``on_outputs`` sees each finished batch (the run folder's ``outputs.jsonl``).
    """
    started = time.perf_counter()
    warnings = [message for corpus in prepared.corpora for message in corpus.warnings]
    generations = run_plan(
        prepared.plan,
        prepared.systems,
        advance,
        cache=cache,
        on_outputs=on_outputs,
        max_failures=prepared.config.max_failures,
    )
    by_system: dict[str, list[Generation]] = {name: [] for name in prepared.systems}
    by_group: dict[tuple[str, str], list[Generation]] = {}
    for generation in generations:
        by_system[generation.system].append(generation)
        by_group.setdefault((generation.example.corpus, generation.system), []).append(generation)

    for name, system in prepared.systems.items():
        warnings.extend(system.finish())
        warnings.extend(_lost_output_warnings(name, by_system[name]))
    for message in warnings:
        log.info("warning: %s", message)
        warn(message)

    # every (system, metric) pair at once: a large run computes them in a process pool
    results: list[MetricResult] = score_systems(
        list(by_group.values()), list(prepared.metrics.values())
    )

    config = prepared.config
    described = {name: system.describe() for name, system in prepared.systems.items()}
    provenance: dict[str, Any] = {
        "run_name": config.name,
        "config_path": str(config.path),
        "config_sha256": config.sha256,
        "config": config.data,
        **environment(config.base_dir),
        # "corpus" is the first corpus (report schema 1); "corpora" has every one
        "corpus": prepared.corpora[0].describe(),
        "corpora": {corpus.name: corpus.describe() for corpus in prepared.corpora},
        "systems": {
            name: {
                "params": described[name],
                "fingerprint": system.fingerprint(),
                "counts": status_counts(by_system[name]),
                **system.run_info(),
            }
            for name, system in prepared.systems.items()
        },
        "files": _files_read(prepared),
        "seeds": {
            name: params["seed"]
            for name, params in described.items()
            if params.get("seed") is not None
        },
        "cache": str(cache.path) if cache is not None else None,
        "metrics": {
            name: metric.signature() + bootstrap_signature()
            for name, metric in prepared.metrics.items()
            if any(r.metric == name for r in results)
        },
        "metric_options": config.metric_options,
        "warnings": warnings,
        "duration_s": round(time.perf_counter() - started, 3),
    }
    comparisons = None
    if config.compare is not None:
        comparisons = [
            c.to_json() for c in compare_in_run(results, prepared.metrics, config.compare)
        ]
        test = config.compare.test
        provenance["comparisons"] = {
            "test": test.value,
            "settings": test.signature().lstrip("|"),
            "alpha": config.compare.alpha,
        }
    return build_report(by_group, results, prepared.metrics, provenance, comparisons)


def _files_read(prepared: Prepared) -> dict[str, str]:
    """path → sha256 of every data file the run read: articles, references, system inputs."""
    files = {path: sha for corpus in prepared.corpora for path, sha in corpus.files.items()}
    for system in prepared.systems.values():
        files.update(system.input_files())
    return files


def _lost_output_warnings(
    system: str, generations: Sequence[Generation], shown: int = 5
) -> list[str]:
    """One warning per kind of lost output (missing, failed), naming the first few segments."""
    warnings = []
    for status in ("missing", "failed"):
        lost = [g for g in generations if g.status.value == status]
        if not lost:
            continue
        examples = ", ".join(f"{g.where} ({g.error})" for g in lost[:shown])
        more = f" and {len(lost) - shown} more" if len(lost) > shown else ""
        warnings.append(
            f"{system}: {len(lost)} {status} output(s): {examples}{more}; scored as empty"
        )
    return warnings
