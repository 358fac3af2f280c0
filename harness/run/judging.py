"""The judging step of a run: every judge metric's system asked about the outputs it scores,
before scoring (which then only reads the verdicts), and what the judges did, for the report.

Judge metrics that share a call (the scores of one rubric: ``judge.faithfulness`` …) ask once.
Judge systems are loaded here, in this process, and their replies go through the run's output
cache (``--no-cache``: none).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.judges.judge import Item, Judge, ReplyCache, Verdict
from harness.judges.metric import JudgeScore, segment_key
from harness.judges.rubric import load_rubric
from harness.metrics.base import Metric
from harness.records import Generation, Status
from harness.run.scoring import scored_hypothesis
from harness.systems.base import System
from harness.systems.judge_engines import judge_engine

log = logging.getLogger(__name__)

#: (corpus, system, article_id, segment_id) → judge metric name → the segment's verdict
SegmentVerdicts = dict[tuple[str, str, str, str | None], dict[str, dict[str, Any]]]


def judge_metrics(metrics: Mapping[str, Metric]) -> list[JudgeScore]:
    return [metric for metric in metrics.values() if isinstance(metric, JudgeScore)]


def run_judges(
    metrics: Mapping[str, Metric],
    groups: Mapping[tuple[str, str], Sequence[Generation]],
    systems: Mapping[str, System],
    cache: ReplyCache | None,
    base_dir: Path,
) -> tuple[dict[str, Any], SegmentVerdicts]:
    """Judge every group a judge metric scores; returns the provenance of each judge metric
    (``provenance.judges``) and each segment's verdicts (shown on the segment)."""
    calls: dict[tuple[Any, ...], list[JudgeScore]] = {}
    for metric in judge_metrics(metrics):
        calls.setdefault(metric.options.call_key(), []).append(metric)
    provenance: dict[str, Any] = {}
    segments: SegmentVerdicts = {}
    for scores in calls.values():
        options = scores[0].options
        rubric = load_rubric(options.rubric, base_dir)
        system = systems[options.judge]
        system.load()
        judge = Judge(rubric, options, system, judge_engine(system), cache)
        judged: list[tuple[Generation, Verdict]] = []
        for generations in groups.values():
            if not generations or not scores[0].applies_to(generations[0].example.task):
                continue
            items = [_item(generation) for generation in generations]
            log.info("judge %s (%s): %d segment(s) of %s", system.name, rubric.label,
                     len(items), generations[0].system)  # fmt: skip
            judged.extend(zip(generations, judge.judge(items), strict=True))
        system.finish()
        described = {**judge.describe(), "model": _model(system)}
        for metric in scores:
            metric.set_kind(rubric.kind)
            metric.described = described
            for generation, verdict in judged:
                example = generation.example
                key = segment_key(example.source, scored_hypothesis(generation), example.references)
                metric.record(key, verdict)
        names = [metric.name for metric in scores]
        summary = _summary(judge, [verdict for _, verdict in judged])
        for name in names:
            provenance[name] = {**described, "scores": names, **summary}
        for generation, verdict in judged:
            example = generation.example
            where = (example.corpus, generation.system, example.article_id, example.segment_id)
            segments.setdefault(where, {})[f"{rubric.name}"] = verdict.to_json()
    return provenance, segments


def _item(generation: Generation) -> Item:
    example = generation.example
    return Item(
        task=example.task,
        source=example.source,
        output=generation.output,
        references=example.references,
        empty=generation.status is not Status.GENERATED or not generation.output.strip(),
    )


def _model(system: System) -> str:
    params = system.params
    return str(getattr(params, "model", None) or params.type)


def _summary(judge: Judge, verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """Counts for the report: how many judged, unscored (and their share), by which method,
    what came from the cache."""
    unscored = sum(1 for verdict in verdicts if verdict.scores is None)
    methods: dict[str, int] = {}
    for verdict in verdicts:
        methods[verdict.method] = methods.get(verdict.method, 0) + 1
    engine = judge.engine
    return {
        "segments": len(verdicts),
        "unscored": unscored,
        "unscored_share": unscored / len(verdicts) if verdicts else 0.0,
        "parse_rate": 1 - unscored / len(verdicts) if verdicts else None,
        "methods": methods,
        "cached_replies": judge.cached_replies,
        "fresh_replies": judge.fresh_replies,
        "failed_requests": judge.failed_requests,
        "seconds_per_call": round(engine.seconds / engine.calls, 3) if engine.calls else None,
    }


def attach_verdicts(report: dict[str, Any], provenance: dict[str, Any],
                    segments: SegmentVerdicts) -> None:  # fmt: skip
    """Put the judges into the report document: ``provenance.judges``, each segment's
    ``judge`` verdicts (raw replies of unscored ones), and each judge result's unscored
    count."""
    if not provenance:
        return
    report["provenance"]["judges"] = provenance
    for segment in report["segments"]:
        where = (segment["corpus"], segment["system"], segment["article_id"],
                 segment["segment_id"])  # fmt: skip
        if where in segments:
            segment["judge"] = segments[where]
    unscored: dict[tuple[str | None, str, str], int] = {}
    for segment in report["segments"]:
        for name, score in segment.get("scores", {}).items():
            if name in provenance and score is None:
                key = (segment["corpus"], segment["system"], name)
                unscored[key] = unscored.get(key, 0) + 1
    for result in report["results"]:
        if result["metric"] in provenance:
            count = unscored.get((result["corpus"], result["system"], result["metric"]), 0)
            result["unscored"] = count
            result["unscored_share"] = count / result["n"] if result["n"] else 0.0
