"""One evaluation, end to end: load → plan → generate → score → report.

``prepare`` does everything that can fail on user input (config, articles, references, output
files) before any model runs, which is also what ``harness validate`` runs.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.config import RunConfig
from harness.corpus.loader import Corpus, load_corpus
from harness.errors import HarnessError
from harness.forking import frozen_heap
from harness.metrics import Metric, make_metric
from harness.provenance import environment
from harness.records import Example, Generation, MetricResult, Status
from harness.report_model import JsonObject, Report
from harness.run.cache import OutputCache, resolve_cache_dir
from harness.run.executors import Executor, make_executor
from harness.run.generation import generate_outputs
from harness.run.judging import attach_pairwise, attach_verdicts, run_judges, run_pairwise
from harness.run.plan import WorkItem, build_plan, chosen_corpora
from harness.run.report_builder import (
    build_report,
    embed_entries,
    scores_report,
    status_counts,
)
from harness.run.scoring import article_groups, score_systems
from harness.run.steps import step_runner
from harness.stats import Resample, bootstrap_signature
from harness.systems import SYSTEMS, System
from harness.systems.base import lost_outputs_warning
from harness.systems.environment import numeric_environment
from harness.verdicts.compare import compare_in_run

log = logging.getLogger(__name__)


@dataclass
class Prepared:
    config: RunConfig
    corpora: list[Corpus]
    systems: dict[str, System]
    metrics: dict[str, Metric]
    plan: list[WorkItem]
    #: what the corpora and the systems' input checks found (shown by ``run`` and ``validate``)
    warnings: list[str] = field(default_factory=list)


def prepare(config: RunConfig) -> Prepared:
    """Load and check everything a run reads; raises on what ``run`` refuses to score."""
    corpora = [load_corpus(spec, config.base_dir) for spec in config.corpora]
    systems = {
        params.name: SYSTEMS.get(params.type)(params, config.base_dir) for params in config.systems
    }
    for system in systems.values():
        system.connect(systems)  # pipelines find their steps (and fail early on bad ones)
    metrics = {name: make_metric(name, config.metric_options.get(name)) for name in config.metrics}
    # a system that only judges is not run on the corpora (judges.md)
    evaluated = [params for params in config.systems if params.name not in config.judge_only]
    plan = build_plan(corpora, evaluated)
    warnings = [message for corpus in corpora for message in corpus.warnings]
    examples_of: dict[str, list[Example]] = {params.name: [] for params in evaluated}
    for item in plan:  # one pass over the plan
        examples_of[item.system].append(item.example)
    for params in evaluated:
        examples = examples_of[params.name]
        chosen = chosen_corpora(corpora, params)
        warnings.extend(systems[params.name].check_inputs(chosen, examples))
    return Prepared(config, corpora, systems, metrics, plan, warnings)


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
    executor: Executor | None = None,
    on_scores: Callable[[Report], None] = lambda scores: None,
) -> Report:
    """Run the plan and return its report.

    With ``cache``, stored outputs are reused and new ones committed batch by batch;
    ``on_outputs`` sees each finished batch (the run folder's ``outputs.jsonl``). Batches run
    on ``executor`` (default: the config's ``executor``, closed at the end). ``on_scores`` gets
    the scores as soon as they are final (a report without its segments): the run's charts
    are drawn from them while the report is built and written.
    """
    if executor is None:
        with make_executor(prepared.config.executor) as own:
            return evaluate(
                prepared,
                advance,
                warn,
                cache=cache,
                on_outputs=on_outputs,
                executor=own,
                on_scores=on_scores,
            )
    started = time.perf_counter()
    warnings = list(prepared.warnings)
    run_step = step_runner(cache)
    for system in prepared.systems.values():
        system.connect(prepared.systems, run_step)  # each pipeline step cached on its own
    generations = generate_outputs(
        prepared.plan,
        prepared.systems,
        advance,
        cache=cache,
        on_outputs=on_outputs,
        max_failures=prepared.config.max_failures,
        executor=executor,
    )
    generations = [_with_intermediate(g, prepared.systems[g.system]) for g in generations]
    by_system: dict[str, list[Generation]] = {name: [] for name in prepared.systems}
    by_group: dict[tuple[str, str], list[Generation]] = {}
    for generation in generations:
        by_system[generation.system].append(generation)
        by_group.setdefault((generation.example.corpus, generation.system), []).append(generation)

    for name, system in prepared.systems.items():
        warnings.extend(executor.finish(system))
        warnings.extend(_lost_output_warnings(name, by_system[name]))
    warnings = list(dict.fromkeys(warnings))  # an input check may have said it already
    for message in warnings:
        log.info("warning: %s", message)
        warn(message)
    for name, system in prepared.systems.items():
        _refuse_nothing_to_score(name, system, by_system[name])

    config = prepared.config
    # judges first: scoring then reads their verdicts
    judges, verdicts = run_judges(
        prepared.metrics, by_group, prepared.systems, cache, config.base_dir
    )
    resample = config.compare.resample if config.compare is not None else Resample.SEGMENT
    # every (system, metric) pair at once: a large run computes them in a process pool
    results: list[MetricResult] = score_systems(
        list(by_group.values()), list(prepared.metrics.values()), resample
    )

    described = {name: system.describe() for name, system in prepared.systems.items()}
    provenance: JsonObject = {
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
                "environment": numeric_environment(system.params.type, described[name]),
                **executor.run_info(system),
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
        "executor": executor.describe(),
        # the metric's definition (and sacrebleu's bootstrap suffix); how the intervals
        # resample is a setting of the run, recorded apart (verdicts/signatures.py)
        "metrics": {
            name: metric.signature() + bootstrap_signature()
            for name, metric in prepared.metrics.items()
            if any(r.metric == name for r in results)
        },
        "resample": resample.value,
        "metric_options": config.metric_options,
        "warnings": warnings,
        "duration_s": round(time.perf_counter() - started, 3),
    }
    on_scores(scores_report(results, provenance))
    comparisons = None
    if config.compare is not None:
        comparisons = [
            c.to_entry()
            for c in compare_in_run(
                results,
                prepared.metrics,
                config.compare,
                {key: article_groups(group) for key, group in by_group.items()},
            )
        ]
        test = config.compare.test
        provenance["comparisons"] = {
            "test": test.value,
            "settings": test.signature(resample).lstrip("|"),
            "resample": resample.value,
            "alpha": config.compare.alpha,
        }
    embeds = [
        entry
        for corpus in prepared.corpora
        for entry in embed_entries(corpus.name, corpus.articles)
    ]
    with frozen_heap():  # the outputs and scores live to the end: no collection re-walks them
        report = build_report(by_group, results, prepared.metrics, provenance, comparisons, embeds)
    attach_verdicts(report, judges, verdicts)
    baseline = config.compare.baseline if config.compare is not None else None
    attach_pairwise(
        report,
        *run_pairwise(
            prepared.metrics, by_group, prepared.systems, cache, config.base_dir, baseline, resample
        ),
    )
    return report


def _files_read(prepared: Prepared) -> dict[str, str]:
    """path → sha256 of every data file the run read: articles, references, system inputs."""
    files = {path: sha for corpus in prepared.corpora for path, sha in corpus.files.items()}
    for system in prepared.systems.values():
        files.update(system.input_files())
    return files


def _lost_output_warnings(system: str, generations: Sequence[Generation]) -> list[str]:
    """One warning per kind of lost output (missing, failed), naming the first few segments."""
    warnings = []
    for status in ("missing", "failed"):
        lost = [(g.where, g.error) for g in generations if g.status.value == status]
        if lost:
            warnings.append(lost_outputs_warning(system, status, lost))
    return warnings


def _with_intermediate(generation: Generation, system: System) -> Generation:
    """A pipeline's output with what its steps produced, for the report."""
    steps = system.intermediate(generation.example)
    return dataclasses.replace(generation, intermediate=steps) if steps else generation


def _refuse_nothing_to_score(name: str, system: System, generations: Sequence[Generation]) -> None:
    """A system with no output at all (every one missing or failed) would be scored as a row of
    zeros that looks like a result; it is an error unless the config says ``allow_empty``."""
    lost = [g for g in generations if g.status in (Status.MISSING, Status.FAILED)]
    if not generations or len(lost) < len(generations) or system.params.allow_empty:
        return
    first = lost[0]
    raise HarnessError(
        f"system '{name}': all {len(lost)} output(s) are missing or failed (first: "
        f"{first.where}: {first.error}); outputs that were produced are kept in the cache. "
        "Fix the system and rerun, or set allow_empty: true on it to score it as empty"
    )
