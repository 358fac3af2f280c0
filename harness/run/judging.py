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

from harness.judges.judge import Item, Judge, Pair, ReplyCache, Verdict
from harness.judges.metric import JudgeScore, segment_key
from harness.judges.rubric import load_rubric
from harness.metrics.base import Metric
from harness.records import Generation, Status, Task
from harness.run.scoring import scored_hypothesis
from harness.stats import Resample
from harness.stats.preference import LOSS, TIE, WIN, Preference, preference
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
        if metric.options.mode == "pointwise":
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


def run_pairwise(
    metrics: Mapping[str, Metric],
    groups: Mapping[tuple[str, str], Sequence[Generation]],
    systems: Mapping[str, System],
    cache: ReplyCache | None,
    base_dir: Path,
    baseline: str | None,
    resample: Resample,
) -> tuple[list[dict[str, Any]], SegmentVerdicts]:
    """Each ``mode: pairwise`` judge on every candidate against the baseline (the config's
    ``compare.baseline``; without one, each system against every system before it), on the
    examples both have: win/tie/loss with intervals, the sign test, position consistency."""
    entries: list[dict[str, Any]] = []
    segments: SegmentVerdicts = {}
    for metric in judge_metrics(metrics):
        if metric.options.mode != "pairwise":
            continue
        rubric = load_rubric(metric.options.rubric, base_dir)
        system = systems[metric.options.judge]
        system.load()
        judge = Judge(rubric, metric.options, system, judge_engine(system), cache)
        for (corpus, base_name), (_, cand_name) in _pairs(groups, baseline, rubric.task):
            base = {g.example.where: g for g in groups[(corpus, base_name)]}
            shared = [g for g in groups[(corpus, cand_name)] if g.example.where in base]
            pairs = [_pair(g, base[g.example.where]) for g in shared]
            log.info("pairwise judge %s: %s vs %s on %s, %d segment(s)", system.name,
                     cand_name, base_name, corpus, len(pairs))  # fmt: skip
            verdicts = judge.prefer(pairs)
            scored = [(g, v) for g, v in zip(shared, verdicts, strict=True) if v.outcome]
            outcomes = [{"win": WIN, "tie": TIE, "loss": LOSS}[v.outcome or ""] for _, v in scored]
            groups_of = [(corpus, g.example.article_id) for g, _ in scored]
            summary = preference(outcomes, groups_of if resample is Resample.ARTICLE else None)
            judged = [v for v in verdicts if v.consistent is not None]
            consistency = sum(bool(v.consistent) for v in judged) / len(judged) if judged else None
            entries.append(
                {
                    "corpus": corpus,
                    "task": shared[0].example.task.value if shared else rubric.task.value,
                    "baseline": base_name,
                    "system": cand_name,
                    "metric": metric.name,
                    **judge.describe(),
                    "model": _model(system),
                    "segments": len(pairs),
                    "unscored": len(pairs) - len(scored),
                    "unscored_share": (len(pairs) - len(scored)) / len(pairs) if pairs else 0.0,
                    **_preference_json(summary),
                    "position_consistency": consistency,
                    "resample": resample.value,
                }
            )
            for generation, verdict in zip(shared, verdicts, strict=True):
                example = generation.example
                where = (example.corpus, cand_name, example.article_id, example.segment_id)
                segments.setdefault(where, {})[f"{rubric.name} vs {base_name}"] = verdict.to_json()
        system.finish()
    return entries, segments


def _pairs(
    groups: Mapping[tuple[str, str], Sequence[Generation]], baseline: str | None, task: Task
) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """(baseline group, candidate group) pairs on the same corpus and task kind."""
    fitting = [key for key, gens in groups.items() if gens and gens[0].example.task.kind is task]
    pairs = []
    for index, (corpus, name) in enumerate(fitting):
        for other_corpus, other in fitting[:index] if baseline is None else fitting:
            if other_corpus != corpus or other == name:
                continue
            if baseline is not None and other != baseline:
                continue
            if groups[(corpus, name)][0].example.task != groups[(corpus, other)][0].example.task:
                continue
            pairs.append(((corpus, other), (corpus, name)))
    return pairs


def _pair(candidate: Generation, baseline: Generation) -> Pair:
    example = candidate.example
    return Pair(
        task=example.task,
        source=example.source,
        references=example.references,
        candidate=candidate.output,
        baseline=baseline.output,
        candidate_empty=_item(candidate).empty,
        baseline_empty=_item(baseline).empty,
    )


def _preference_json(summary: Preference) -> dict[str, Any]:
    def interval(value: Any) -> list[float] | None:
        return None if value is None else [value.low, value.high]

    return {
        "wins": summary.wins,
        "ties": summary.ties,
        "losses": summary.losses,
        "win_rate": summary.win_rate,
        "tie_rate": summary.tie_rate,
        "loss_rate": summary.loss_rate,
        "win_ci": interval(summary.win_interval),
        "tie_ci": interval(summary.tie_interval),
        "loss_ci": interval(summary.loss_interval),
        "sign_test_p": summary.p_value,
        "sign_test_units": summary.units,
    }


def attach_pairwise(
    report: dict[str, Any], entries: list[dict[str, Any]], segments: SegmentVerdicts
) -> None:
    """Put pairwise judgements into the report: ``pairwise`` entries, and on each candidate
    segment its verdict against the baseline."""
    if not entries:
        return
    report["pairwise"] = entries
    for segment in report["segments"]:
        where = (segment["corpus"], segment["system"], segment["article_id"],
                 segment["segment_id"])  # fmt: skip
        if where in segments:
            segment.setdefault("judge", {}).update(segments[where])
