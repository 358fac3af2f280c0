"""Scores generations: per-segment sufficient statistics, corpus scores, segment scores.

Segment statistics and segment scores are most of the cost of scoring a large run (sacrebleu's
chrF and TER are pure Python). They are computed in chunks of :data:`CHUNK` segments; when a
run has at least :data:`PARALLEL_MIN` segment × metric evaluations, the chunks of every
(system, metric) pair run in a pool of worker processes, one per usable core, and are put back
in order. A row depends only on its own segment, so the rows and scores are the serial path's,
bit for bit. Small runs (the seed, a smoke test) stay in this process: starting a pool would
cost more than it saves. Metrics that run a model (``Metric.in_process``) always stay in this
process: their runtimes do not survive a fork, and they would load one copy per worker.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from harness.forking import frozen_heap, own_std_streams, usable_cores
from harness.metrics.base import Metric, Stats
from harness.records import Generation, MetricResult, Task
from harness.stats import Resample
from harness.stats.resampling import bootstrap_intervals
from harness.text.sentences import split_sentences

log = logging.getLogger(__name__)

#: segments per chunk of work (sacrebleu's reference cache holds one chunk at a time)
CHUNK = 2000
#: segment × metric evaluations below which statistics are computed in this process
PARALLEL_MIN = 20_000

#: one job of statistics: a metric, its hypotheses, their references and their sources
Job = tuple[Metric, Sequence[str], Sequence[Sequence[str]], Sequence[str]]

# The jobs of the pool that is running; workers are forked after this is set and read their
# chunks from it, so no text is pickled on the way in (only the rows come back).
_JOBS: list[Job] = []


def scored_hypothesis(generation: Generation) -> str:
    """The text a metric sees: summaries get one sentence per line (for ROUGE-Lsum)."""
    if generation.example.task.kind is Task.SUMMARIZATION:  # Arabic or English
        return "\n".join(split_sentences(generation.output))
    return generation.output


def _chunk_stats(task: tuple[int, int, int]) -> tuple[Stats, list[float]]:
    """Statistics rows ``start:stop`` of job ``index`` and their segment scores (in a worker)."""
    index, start, stop = task
    return _stats_and_scores(_JOBS[index], start, stop)


def _stats_and_scores(job: Job, start: int, stop: int) -> tuple[Stats, list[float]]:
    metric, hypotheses, references, sources = job
    rows = metric.segment_stats_with_sources(
        hypotheses[start:stop], references[start:stop], sources[start:stop]
    )
    return rows, metric.segment_scores(rows)


def segment_stats(
    jobs: Sequence[Job], workers: int | None = None, parallel_min: int = PARALLEL_MIN
) -> list[tuple[Stats, list[float]]]:
    """Each job's statistics rows and segment scores, in a pool of ``workers`` processes
    (default: the usable cores) when the jobs are large enough, else here; the result is the
    same either way."""
    global _JOBS
    workers = usable_cores() if workers is None else workers
    pooled = [index for index, job in enumerate(jobs) if not job[0].in_process]
    tasks = [
        (index, start, min(start + CHUNK, len(jobs[index][1])))
        for index in pooled
        for start in range(0, len(jobs[index][1]), CHUNK)
    ]
    size = sum(len(jobs[index][1]) for index in pooled)
    # fork: workers inherit the jobs and the loaded modules, so they start in milliseconds
    # (spawn would re-import sacrebleu in each); where fork does not exist, stay serial
    if (
        workers < 2
        or len(tasks) < 2
        or size < parallel_min
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return [_stats_and_scores(job, 0, len(job[1])) for job in jobs]
    results: list[tuple[Stats, list[float]]] = [([], []) for _ in jobs]
    _JOBS = list(jobs)
    try:
        with ProcessPoolExecutor(
            min(workers, len(tasks)),
            mp_context=multiprocessing.get_context("fork"),
            initializer=own_std_streams,
        ) as pool:
            # the workers are forked on the first task's submission, and keep the heap frozen
            with frozen_heap():
                computing = pool.map(_chunk_stats, tasks)
            chunks = list(computing)
    except BrokenProcessPool:  # a worker died (killed, out of memory): do it here instead
        log.warning("a scoring worker died; computing the statistics in this process")
        return segment_stats(jobs, workers=1)
    finally:
        _JOBS = []
    for (index, _, _), (rows, scores) in zip(tasks, chunks, strict=True):
        results[index][0].extend(rows)
        results[index][1].extend(scores)
    for index in pooled:  # what the signature needs, noted in this process
        jobs[index][0].note_references(jobs[index][2])
    for index, job in enumerate(jobs):  # models: here, after the pool (never forked with them)
        if job[0].in_process:
            results[index] = _stats_and_scores(job, 0, len(job[1]))
    return results


def score_systems(
    groups: Sequence[Sequence[Generation]],
    metrics: Sequence[Metric],
    resample: Resample = Resample.SEGMENT,
    workers: int | None = None,
    parallel_min: int = PARALLEL_MIN,
) -> list[MetricResult]:
    """Score several systems' generations (each group: one system, one task, one corpus) with
    every metric that fits the task; the results in group order, then metric order.

    ``resample: article`` draws whole articles for the bootstrap intervals."""
    jobs: list[Job] = []
    owners: list[tuple[Sequence[Generation], Metric]] = []
    for generations in groups:
        if not generations:
            continue
        task = generations[0].example.task
        hypotheses = [scored_hypothesis(g) for g in generations]
        references = [g.example.references for g in generations]
        sources = [g.example.source for g in generations]  # for metrics that need them
        for metric in metrics:
            if metric.applies_to(task):
                jobs.append((metric, hypotheses, references, sources))
                owners.append((generations, metric))
    computed = segment_stats(jobs, workers, parallel_min)
    # intervals of pairs with the same number of segments share their resampling draws
    intervals = bootstrap_intervals(
        [
            (metric, stats, article_groups(generations) if resample is Resample.ARTICLE else None)
            for (generations, metric), (stats, _) in zip(owners, computed, strict=True)
        ]
    )
    results = []
    for (generations, metric), (stats, scores), interval in zip(
        owners, computed, intervals, strict=True
    ):
        first = generations[0]
        results.append(
            MetricResult(
                system=first.system,
                task=first.example.task,
                metric=metric.name,
                score=metric.corpus_score(stats),
                n=len(stats),
                stats=stats,
                ci_low=interval.low if interval else None,
                ci_high=interval.high if interval else None,
                corpus=first.example.corpus,
                segment_scores=scores,
            )
        )
    return results


def score_system(
    generations: Sequence[Generation],
    metrics: Sequence[Metric],
    resample: Resample = Resample.SEGMENT,
) -> list[MetricResult]:
    """Score one system's generations (one task) with every metric that fits the task."""
    return score_systems([generations], metrics, resample)


def article_groups(generations: Sequence[Generation]) -> list[tuple[str, str]]:
    """The resampling unit of each row: its (corpus, article)."""
    return [(g.example.corpus, g.example.article_id) for g in generations]
