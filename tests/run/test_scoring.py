"""Scoring in a process pool must give the serial path's numbers, bit for bit."""

from __future__ import annotations

import os

import pytest

from harness.metrics import make_metric
from harness.metrics.sacrebleu_metrics import Bleu
from harness.records import Example, Generation, MetricResult, Status, Task
from harness.run import scoring
from harness.run.scoring import score_systems, scored_hypothesis, segment_stats

TATOEBA = "external/tatoeba/tatoeba-test-v2021-08-07"
TRANSLATION_METRICS = ("bleu", "chrf", "ter")
ROUGE_METRICS = ("rouge1", "rougeLsum")


def _degrade(line: str, every: int) -> str:
    return " ".join(w for i, w in enumerate(line.split()) if i % every != every - 1)


def translation_groups(shared, lines: int) -> list[list[Generation]]:
    """Two systems (two degradations of the reference) on the first Tatoeba lines."""
    sources = (shared / f"{TATOEBA}.ara").read_text("utf-8").splitlines()[:lines]
    references = (shared / f"{TATOEBA}.eng").read_text("utf-8").splitlines()[:lines]
    groups = []
    for system, every in (("drop-7th", 7), ("drop-3rd", 3)):
        groups.append(
            [
                Generation(
                    system,
                    Example("tatoeba", Task.TRANSLATION, "tatoeba", str(i + 1), src, (ref,)),
                    _degrade(ref, every),
                    Status.GENERATED,
                )
                for i, (src, ref) in enumerate(zip(sources, references, strict=True))
            ]
        )
    return groups


def summary_group(shared, articles: int) -> list[Generation]:
    """Summaries with two references each (ROUGE keeps the best), from Tatoeba lines."""
    references = (shared / f"{TATOEBA}.eng").read_text("utf-8").splitlines()
    return [
        Generation(
            "lead",
            Example(
                "news",
                Task.SUMMARIZATION,
                f"a{i}",
                None,
                "",
                (references[2 * i], references[2 * i + 1]),
            ),
            _degrade(references[2 * i], 4),
            Status.GENERATED,
        )
        for i in range(articles)
    ]


def as_tuples(results: list[MetricResult]) -> list[tuple]:
    return [
        (
            r.corpus,
            r.system,
            r.task,
            r.metric,
            r.score,
            r.n,
            r.ci_low,
            r.ci_high,
            r.stats,
            r.segment_scores,
        )
        for r in results
    ]


def test_pool_equals_serial_bit_for_bit(shared, monkeypatch) -> None:
    """Chunks of every (system, metric) pair in 2 worker processes: same rows, scores,
    intervals and signatures as one process."""
    monkeypatch.setattr(scoring, "CHUNK", 150)  # several chunks per pair, out of order
    groups = [*translation_groups(shared, 700), summary_group(shared, 120)]
    names = (*TRANSLATION_METRICS, *ROUGE_METRICS)

    serial_metrics = [make_metric(name) for name in names]
    serial = score_systems(groups, serial_metrics, workers=1)
    pooled_metrics = [make_metric(name) for name in names]
    pooled = score_systems(groups, pooled_metrics, workers=2, parallel_min=0)

    assert len(serial) == 2 * len(TRANSLATION_METRICS) + len(ROUGE_METRICS)
    assert as_tuples(pooled) == as_tuples(serial)
    assert [m.signature() for m in pooled_metrics] == [m.signature() for m in serial_metrics]
    assert "nrefs:2" in pooled_metrics[-1].signature()  # noted in this process, not lost
    assert all(r.ci_low is not None and r.ci_low < r.score < r.ci_high for r in serial)
    for result, metric in zip(serial, [*serial_metrics[:3]] * 2 + serial_metrics[3:], strict=True):
        assert result.segment_scores == [metric.segment_score(row) for row in result.stats]


def test_small_jobs_stay_in_this_process(shared, monkeypatch) -> None:
    """Below the threshold no pool starts: the seed run does not pay for one."""

    class NoPool:
        def __getattr__(self, name):
            raise AssertionError("a process pool was started for a small job")

    monkeypatch.setattr(scoring, "multiprocessing", NoPool())
    monkeypatch.setattr(scoring, "ProcessPoolExecutor", NoPool())
    groups = translation_groups(shared, 50)
    metric = make_metric("bleu")
    rows = segment_stats(
        [
            (
                metric,
                [g.output for g in groups[0]],
                [g.example.references for g in groups[0]],
                [g.example.source for g in groups[0]],
            )
        ]
    )
    assert len(rows[0][0]) == len(rows[0][1]) == 50


class DiesInWorkers(Bleu):
    """BLEU whose statistics kill any process but the test's own (a worker out of memory)."""

    parent = os.getpid()

    def segment_stats(self, hypotheses, references):
        if os.getpid() != self.parent:
            os._exit(1)
        return super().segment_stats(hypotheses, references)


def test_a_dead_worker_loses_nothing(shared, monkeypatch, caplog) -> None:
    """A worker that dies does not hang or fail the run: the statistics are computed here."""
    monkeypatch.setattr(scoring, "CHUNK", 100)
    groups = translation_groups(shared, 300)
    pooled = score_systems(groups, [DiesInWorkers()], workers=2, parallel_min=0)
    serial = score_systems(groups, [make_metric("bleu")], workers=1)
    assert as_tuples(pooled) == as_tuples(serial)
    assert "scoring worker died" in caplog.text


class DiesInWorkersInProcess(DiesInWorkers):
    """A metric that runs a model: marked to stay in the scoring process."""

    in_process = True


def test_model_metrics_are_never_forked_into_the_pool(shared, monkeypatch, caplog) -> None:
    monkeypatch.setattr(scoring, "CHUNK", 100)
    groups = translation_groups(shared, 300)
    metrics = [DiesInWorkersInProcess(), make_metric("chrf")]
    pooled = score_systems(groups, metrics, workers=2, parallel_min=0)
    serial = score_systems(groups, [make_metric("bleu"), make_metric("chrf")], workers=1)
    assert as_tuples(pooled) == as_tuples(serial)
    assert "scoring worker died" not in caplog.text  # chrF went to the pool, BLEU did not


@pytest.mark.parametrize("workers", [1, 2])
def test_no_generations_no_results(workers) -> None:
    assert score_systems([[]], [make_metric("bleu")], workers=workers, parallel_min=0) == []


@pytest.mark.parametrize("task", [Task.SUMMARIZATION, Task.SUMMARIZATION_EN])
def test_summaries_in_either_language_are_split_into_sentences_for_rouge_lsum(task) -> None:
    example = Example("a", task, "c", None, "article", ("First bullet.\nSecond bullet.",))
    generation = Generation("s", example, "First bullet. Second bullet.", Status.GENERATED)
    assert scored_hypothesis(generation) == "First bullet.\nSecond bullet."
    (result,) = score_systems([[generation]], [make_metric("rougeLsum")], workers=1)
    assert result.score == pytest.approx(100.0)
