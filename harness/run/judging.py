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

from harness.errors import HarnessError
from harness.judges.judge import Item, Judge, Pair, ReplyCache, Verdict
from harness.judges.metric import JudgeScore, segment_key
from harness.judges.rubric import load_rubric
from harness.metrics.base import Metric
from harness.records import Example, Generation, Status, Task
from harness.report_model import JsonObject, JudgeInfo, JudgeVerdict, PairwiseEntry, Report
from harness.run.scoring import scored_hypothesis
from harness.stats import Resample
from harness.stats.preference import LOSS, TIE, WIN, Preference, preference
from harness.stats.resampling import Interval
from harness.systems.base import System
from harness.systems.judge_engines import judge_engine

log = logging.getLogger(__name__)

#: (corpus, system, article_id, segment_id) → judge metric name → the segment's verdict
SegmentVerdicts = dict[tuple[str | None, str, str, str | None], dict[str, JudgeVerdict]]


def judge_metrics(metrics: Mapping[str, Metric]) -> list[JudgeScore]:
    return [metric for metric in metrics.values() if isinstance(metric, JudgeScore)]


def run_judges(
    metrics: Mapping[str, Metric],
    groups: Mapping[tuple[str, str], Sequence[Generation]],
    systems: Mapping[str, System],
    cache: ReplyCache | None,
    base_dir: Path,
) -> tuple[dict[str, JudgeInfo], SegmentVerdicts]:
    """Judge every group a judge metric scores; returns the provenance of each judge metric
    (``provenance.judges``) and each segment's verdicts (shown on the segment)."""
    calls: dict[tuple[tuple[str, object], ...], list[JudgeScore]] = {}
    for metric in judge_metrics(metrics):
        if metric.options.mode == "pointwise":
            calls.setdefault(metric.options.call_key(), []).append(metric)
    provenance: dict[str, JudgeInfo] = {}
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
            provenance[name] = JudgeInfo.model_validate(
                {**described, "scores": names, **summary}, strict=False
            )
        for generation, verdict in judged:
            example = generation.example
            where = (example.corpus, generation.system, example.article_id, example.segment_id)
            segments.setdefault(where, {})[f"{rubric.name}"] = _verdict(verdict.to_json())
    return provenance, segments


def _verdict(record: JsonObject) -> JudgeVerdict:
    return JudgeVerdict.model_validate(record, strict=False)


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


def _summary(judge: Judge, verdicts: Sequence[Verdict]) -> JsonObject:
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


def attach_verdicts(
    report: Report, provenance: dict[str, JudgeInfo], segments: SegmentVerdicts
) -> None:
    """Put the judges into the report: ``provenance.judges``, each segment's ``judge``
    verdicts (raw replies of unscored ones), and each judge result's unscored count."""
    if not provenance:
        return
    report.provenance.judges = provenance
    for segment in report.segments:
        where = (segment.corpus, segment.system, segment.article_id, segment.segment_id)
        if where in segments:
            segment.judge = segments[where]
    unscored: dict[tuple[str | None, str, str], int] = {}
    for segment in report.segments:
        for name, score in segment.scores.items():
            if name in provenance and score is None:
                key = (segment.corpus, segment.system, name)
                unscored[key] = unscored.get(key, 0) + 1
    for result in report.results:
        if result.metric in provenance:
            count = unscored.get((result.corpus, result.system, result.metric), 0)
            result.unscored = count
            result.unscored_share = count / result.n if result.n else 0.0


#: one comparison: corpus, baseline name and outputs, candidate name and outputs
GroupPair = tuple[str, str, Sequence[Generation], str, Sequence[Generation]]


def run_pairwise(
    metrics: Mapping[str, Metric],
    groups: Mapping[tuple[str, str], Sequence[Generation]],
    systems: Mapping[str, System],
    cache: ReplyCache | None,
    base_dir: Path,
    baseline: str | None,
    resample: Resample,
) -> tuple[list[PairwiseEntry], SegmentVerdicts]:
    """Each ``mode: pairwise`` judge on every candidate against the baseline (the config's
    ``compare.baseline``; without one, each system against every system before it), on the
    examples both have: win/tie/loss with intervals, the sign test, position consistency."""
    entries: list[PairwiseEntry] = []
    segments: SegmentVerdicts = {}
    for metric in judge_metrics(metrics):
        if metric.options.mode != "pairwise":
            continue
        judge = _judge(metric, systems, cache, base_dir)
        pairs = [
            (corpus, base, groups[(corpus, base)], cand, groups[(corpus, cand)])
            for (corpus, base), (_, cand) in _pairs(groups, baseline, judge.rubric.task)
        ]
        found, verdicts = judge_pairs(metric, judge, pairs, resample)
        entries += found
        segments.update(verdicts)
    return entries, segments


def _judge(
    metric: JudgeScore, systems: Mapping[str, System], cache: ReplyCache | None, base_dir: Path
) -> Judge:
    rubric = load_rubric(metric.options.rubric, base_dir)
    system = systems[metric.options.judge]
    system.load()
    return Judge(rubric, metric.options, system, judge_engine(system), cache)


def judge_pairs(
    metric: JudgeScore, judge: Judge, pairs: Sequence[GroupPair], resample: Resample
) -> tuple[list[PairwiseEntry], SegmentVerdicts]:
    """The pairwise entries (and each candidate segment's verdict) of ``pairs``."""
    entries: list[PairwiseEntry] = []
    segments: SegmentVerdicts = {}
    system, rubric = judge.system, judge.rubric
    for corpus, base_name, base_generations, cand_name, cand_generations in pairs:
        base = {g.example.where: g for g in base_generations}
        shared = [g for g in cand_generations if g.example.where in base]
        items = [_pair(g, base[g.example.where]) for g in shared]
        log.info("pairwise judge %s: %s vs %s on %s, %d segment(s)", system.name,
                 cand_name, base_name, corpus, len(items))  # fmt: skip
        verdicts = judge.prefer(items)
        scored = [(g, v) for g, v in zip(shared, verdicts, strict=True) if v.outcome]
        outcomes = [{"win": WIN, "tie": TIE, "loss": LOSS}[v.outcome or ""] for _, v in scored]
        groups_of = [(corpus, g.example.article_id) for g, _ in scored]
        summary = preference(outcomes, groups_of if resample is Resample.ARTICLE else None)
        judged = [v for v in verdicts if v.consistent is not None]
        consistency = sum(bool(v.consistent) for v in judged) / len(judged) if judged else None
        entry: JsonObject = {
            "corpus": corpus,
            "task": shared[0].example.task.value if shared else rubric.task.value,
            "baseline": base_name,
            "system": cand_name,
            "metric": metric.name,
            **judge.describe(),
            "model": _model(system),
            "segments": len(items),
            "unscored": len(items) - len(scored),
            "unscored_share": (len(items) - len(scored)) / len(items) if items else 0.0,
            **_preference_json(summary),
            "position_consistency": consistency,
            "resample": resample.value,
        }
        entries.append(PairwiseEntry.model_validate(entry, strict=False))
        for generation, verdict in zip(shared, verdicts, strict=True):
            example = generation.example
            where = (example.corpus, cand_name, example.article_id, example.segment_id)
            segments.setdefault(where, {})[f"{rubric.name} vs {base_name}"] = _verdict(
                verdict.to_json()
            )
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


def _preference_json(summary: Preference) -> JsonObject:
    interval = Interval.bounds
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
    report: Report, entries: list[PairwiseEntry], segments: SegmentVerdicts
) -> None:
    """Put pairwise judgements into the report: ``pairwise`` entries, and on each candidate
    segment its verdict against the baseline."""
    if not entries:
        return
    report.pairwise = entries
    for segment in report.segments:
        where = (segment.corpus, segment.system, segment.article_id, segment.segment_id)
        if where in segments:
            segment.judge = {**segment.judge, **segments[where]}


def _report_groups(report: Report) -> dict[tuple[str, str], list[Generation]]:
    """A report's segments as generations, by (corpus, system): what a pairwise judge needs
    (source, references, output, status). A task or status this version does not know is
    one line naming the segment."""
    groups: dict[tuple[str, str], list[Generation]] = {}
    for index, segment in enumerate(report.segments):
        try:
            example = Example(
                corpus=str(segment.corpus),
                task=Task(segment.task),
                article_id=segment.article_id,
                segment_id=segment.segment_id,
                source=segment.source,
                references=tuple(segment.references),
            )
            generation = Generation(
                segment.system, example, segment.output, Status(segment.status or "generated")
            )
        except ValueError as exc:
            raise HarnessError(
                f"{report.name}: segments[{index}]: cannot be judged ({exc})"
            ) from None
        groups.setdefault((example.corpus, generation.system), []).append(generation)
    return groups


def judge_reports(
    baseline: Report, candidate: Report, config_path: Path, use_cache: bool = True
) -> list[PairwiseEntry]:
    """``harness compare --judge CONFIG``: the pairwise judges of CONFIG (its ``mode:
    pairwise`` entries and their systems) on the outputs both reports hold: each candidate
    system against the baseline system of the same name, else the only one of its task."""
    from harness.config import load_config
    from harness.metrics import make_metric
    from harness.run.cache import OutputCache, resolve_cache_dir
    from harness.systems import SYSTEMS

    config = load_config(config_path)
    metrics = {n: make_metric(n, config.metric_options.get(n)) for n in config.metrics}
    pairwise = [m for m in judge_metrics(metrics) if m.options.mode == "pairwise"]
    if not pairwise:
        raise HarnessError(f"{config_path}: no judge entry with mode: pairwise")
    needed = {metric.options.judge for metric in pairwise}
    systems = {
        params.name: SYSTEMS.get(params.type)(params, config.base_dir)
        for params in config.systems
        if params.name in needed
    }
    base_groups, cand_groups = _report_groups(baseline), _report_groups(candidate)
    cache = (
        OutputCache(resolve_cache_dir(None, config.cache_dir, config.base_dir))
        if use_cache
        else None
    )
    resample = config.compare.resample if config.compare is not None else Resample.SEGMENT
    entries: list[PairwiseEntry] = []
    try:
        for metric in pairwise:
            judge = _judge(metric, systems, cache, config.base_dir)
            pairs: list[GroupPair] = []
            for (corpus, name), generations in cand_groups.items():
                task = generations[0].example.task
                if task.kind is not judge.rubric.task:
                    continue
                same_task = [
                    key for key, gens in base_groups.items()
                    if key[0] == corpus and gens[0].example.task is task
                ]  # fmt: skip
                key = (corpus, name) if (corpus, name) in same_task else None
                if key is None and len(same_task) == 1:
                    key = same_task[0]
                if key is not None:
                    pairs.append((corpus, key[1], base_groups[key], name, generations))
            entries += judge_pairs(metric, judge, pairs, resample)[0]
    finally:
        if cache is not None:
            cache.close()
    return entries
