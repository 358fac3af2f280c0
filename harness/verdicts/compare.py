"""Paired comparisons: between systems of one run, and between two saved reports.

A comparison pairs two systems segment by segment (key: corpus, task, article, segment) and runs
a paired test on the metric's per-segment statistics. ``delta`` is always candidate − baseline;
whether that is for the better is the metric's own direction (TER: lower is better).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.config import CompareSettings
from harness.errors import HarnessError
from harness.metrics import METRICS, Metric, metric_from_report
from harness.records import MetricResult
from harness.report_model import ComparisonEntry, JsonObject, Report, SegmentEntry, read_report
from harness.stats import (
    DEFAULT_ALPHA,
    DEFAULT_TEST,
    PairedResult,
    PairedTest,
    Resample,
    paired_test,
)
from harness.verdicts.environment import environment_notes
from harness.verdicts.signatures import check_signatures
from harness.verdicts.verdict import Verdict, verdict_of

SegmentKey = tuple[str | None, str, str | None]  # corpus, article, segment
GroupKey = tuple[str, str, str | None]  # system, task, corpus


@dataclass(frozen=True)
class Comparison:
    """One system against a baseline on one task and metric."""

    baseline: str
    system: str
    task: str
    metric: str
    corpus: str | None
    result: PairedResult

    @property
    def delta(self) -> float:
        return self.result.delta

    def verdict(self, alpha: float = DEFAULT_ALPHA) -> Verdict:
        return verdict_of(self.metric, self.delta, self.result.p_value, alpha)

    def to_entry(self) -> ComparisonEntry:
        """The report's ``comparisons`` entry (``corpus`` only when the run named one)."""
        interval = self.result.interval
        entry: JsonObject = {
            "baseline": self.baseline,
            "system": self.system,
            "task": self.task,
            "metric": self.metric,
            "delta": self.delta,
            "ci_low": interval.low if interval else None,
            "ci_high": interval.high if interval else None,
            "p_value": self.result.p_value,
            "test": self.result.test.value,
            "baseline_score": self.result.baseline_score,
            "system_score": self.result.system_score,
        }
        if self.corpus is not None:
            entry["corpus"] = self.corpus
        return ComparisonEntry.model_validate(entry, strict=False)


def _pairs(names: Sequence[str], baseline: str | None) -> Iterable[tuple[str, str]]:
    if baseline is not None:
        return ((baseline, name) for name in names if name != baseline and baseline in names)
    return ((a, b) for i, a in enumerate(names) for b in names[i + 1 :])


def compare_in_run(
    results: Sequence[MetricResult],
    metrics: dict[str, Metric],
    settings: CompareSettings,
    articles: Mapping[tuple[str | None, str], Sequence[Hashable]] | None = None,
) -> list[Comparison]:
    """Comparisons between the systems of one run, within each task (and corpus).

    ``articles`` maps (corpus, system) to each statistics row's article, which
    ``resample: article`` draws whole."""
    groups: dict[tuple[str, str | None, str], dict[str, MetricResult]] = {}
    for result in results:
        key = (result.task.value, result.corpus, result.metric)
        groups.setdefault(key, {})[result.system] = result
    comparisons = []
    for (task, corpus, metric_name), by_system in groups.items():
        metric = metrics[metric_name]
        for baseline, system in _pairs(list(by_system), settings.baseline):
            article_ids = None
            if settings.resample is Resample.ARTICLE:
                if articles is None:
                    raise HarnessError("resample: article needs the article of each segment")
                article_ids = articles[corpus, baseline]
            outcome = paired_test(
                metric,
                by_system[baseline].stats,
                by_system[system].stats,
                settings.test,
                groups=article_ids,
            )
            comparisons.append(Comparison(baseline, system, task, metric_name, corpus, outcome))
    return comparisons


# --- two reports -------------------------------------------------------------------------


def load_report(path: Path, slim: bool = True) -> Report:
    """A ``report.json`` with per-segment statistics, given as the file or its run folder;
    ``slim``: each segment keeps only what gates read (:meth:`SegmentEntry.slim`), else all of it
    (breakdowns read the texts, meta-evaluation the segment scores)."""
    return read_report(
        path, ("results", "segments", "provenance"), known_metric=METRICS.registered, slim=slim
    )


def _segment_key(segment: SegmentEntry) -> SegmentKey:
    return (segment.corpus, segment.article_id, segment.segment_id)


@dataclass
class _Group:
    """One (system, task, corpus) of a report: its metrics and its segments."""

    metrics: list[str] = field(default_factory=list)
    segments: list[SegmentEntry] = field(default_factory=list)


def _group(report: Report) -> dict[GroupKey, _Group]:
    groups: dict[GroupKey, _Group] = {}
    for result in report.results:
        key = (result.system, result.task, result.corpus)
        groups.setdefault(key, _Group()).metrics.append(result.metric)
    for segment in report.segments:
        key = (segment.system, segment.task, segment.corpus)
        if key in groups:
            groups[key].segments.append(segment)
    return groups


def _rows(
    segments: list[SegmentEntry], metric: str, where: str, width: int
) -> dict[SegmentKey, Sequence[float]]:
    """Each segment's statistics row for ``metric``: present, once, and ``width`` numbers."""
    rows = {}
    for segment in segments:
        stats = segment.stats
        name = segment.where  # no segment id for a summary: the article is the segment
        if metric not in stats:
            raise HarnessError(
                f"{where}: segment {name} has no "
                f"per-segment statistics for {metric} (report written by an older harness?)"
            )
        if len(stats[metric]) != width:
            raise HarnessError(
                f"{where}: segment {name}: key 'stats.{metric}' has {len(stats[metric])} "
                f"value(s); {metric} has {width} statistics per segment"
            )
        key = _segment_key(segment)
        if key in rows:
            raise HarnessError(f"{where}: segment {name} of {segment.system} appears twice")
        rows[key] = stats[metric]
    return rows


def _report_metric(name: str, report: Report) -> tuple[Metric, int]:
    """The metric a report names, with the options it records, and its statistics width."""
    options = report.provenance.metric_options.get(name)
    try:
        metric = metric_from_report(name, options)
        return metric, metric.stats_width()
    except HarnessError as exc:
        raise HarnessError(f"{report.name}: {exc}") from None


@dataclass(frozen=True)
class SegmentChange:
    """How one segment's score moved, for the 'got worst' list."""

    system: str
    task: str
    metric: str
    article_id: str
    segment_id: str | None
    baseline_score: float
    system_score: float
    worsening: float


@dataclass(frozen=True)
class ReportComparison:
    comparisons: list[Comparison]
    worst: list[SegmentChange]
    #: what the reader must know (e.g. corpora read from different files, when allowed)
    notes: list[str] = field(default_factory=list)
    #: (baseline, candidate) (system, task, corpus) groups paired, for the gate's presence rule
    pairs: list[tuple[GroupKey, GroupKey]] = field(default_factory=list)


def data_differences(baseline: Report, candidate: Report) -> list[str]:
    """One line per corpus (by name, in both reports) whose files' sha256 differ."""
    base, cand = baseline.corpus_files(), candidate.corpus_files()
    lines = []
    for name in sorted(base.keys() & cand.keys()):
        if base[name] != cand[name]:
            only = sorted(set(cand[name]) - set(base[name])) or sorted(set(base[name]))
            lines.append(
                f"corpus '{name}' was not read from the same files in both reports "
                f"(sha256 {only[0][:12]}… is in only one; {len(base[name])} vs "
                f"{len(cand[name])} file(s))"
            )
    return lines


def _match_groups(
    baseline: dict[GroupKey, _Group], candidate: dict[GroupKey, _Group]
) -> list[tuple[GroupKey, GroupKey]]:
    """Same system name where possible; else, per task, the only system on each side."""
    pairs = [(key, key) for key in candidate if key in baseline]
    paired_tasks = {key[1:] for key, _ in pairs}
    for task_key in dict.fromkeys(key[1:] for key in candidate):
        if task_key in paired_tasks:
            continue
        base = [k for k in baseline if k[1:] == task_key]
        cand = [k for k in candidate if k[1:] == task_key]
        if len(base) == 1 and len(cand) == 1:
            pairs.append((base[0], cand[0]))
    return pairs


def compare_reports(
    baseline: Report,
    candidate: Report,
    test: PairedTest = DEFAULT_TEST,
    worst: int = 5,
    resample: Resample = Resample.SEGMENT,
    allow_different_data: bool = False,
) -> ReportComparison:
    """Paired comparisons of the candidate report's systems against the baseline report's.

    Reports whose corpora were read from different files (sha256) are refused unless
    ``allow_different_data``: the same segment ids on other text compare nothing."""
    base_where, cand_where = baseline.name, candidate.name
    differences = data_differences(baseline, candidate)
    if differences and not allow_different_data:
        raise HarnessError(
            f"{cand_where}: {differences[0]}, baseline {base_where}: the scores are not "
            "comparable (give --allow-different-data to compare anyway)"
        )
    base_groups, cand_groups = _group(baseline), _group(candidate)
    pairs = _match_groups(base_groups, cand_groups)
    if not pairs:
        raise HarnessError(
            f"{cand_where}: no system and task in common with {base_where} to compare"
        )
    base_sigs = baseline.provenance.metrics
    cand_sigs = candidate.provenance.metrics
    comparisons: list[Comparison] = []
    changes: list[SegmentChange] = []
    built: dict[str, tuple[Metric, int]] = {}  # each metric made once, for every pair
    version_notes: dict[str, str] = {}
    for base_key, cand_key in pairs:
        system, task, corpus = cand_key
        base_group, cand_group = base_groups[base_key], cand_groups[cand_key]
        shared = [m for m in cand_group.metrics if m in base_group.metrics]
        for metric_name in shared:
            signatures = check_signatures(
                metric_name, base_sigs.get(metric_name), cand_sigs.get(metric_name)
            )
            if signatures.refusals:
                raise HarnessError(
                    f"{cand_where}: {metric_name} signature differs from {base_where} in its "
                    f"definition, so the scores are not comparable: {signatures.refusal()}"
                )
            if signatures.versions:
                version_notes[metric_name] = signatures.warning()
            if metric_name not in built:
                built[metric_name] = _report_metric(metric_name, candidate)
            metric, width = built[metric_name]
            base_rows = _rows(base_group.segments, metric_name, base_where, width)
            cand_rows = _rows(cand_group.segments, metric_name, cand_where, width)
            if base_rows.keys() != cand_rows.keys():
                only = sorted(map(str, base_rows.keys() ^ cand_rows.keys()))[:3]
                raise HarnessError(
                    f"{cand_where}: {system}/{task} segments differ from {base_where} "
                    f"(e.g. {', '.join(only)}); reports must cover the same segments"
                )
            keys = list(base_rows)
            base_stats = [base_rows[k] for k in keys]
            cand_stats = [cand_rows[k] for k in keys]
            groups = [key[:2] for key in keys] if resample is Resample.ARTICLE else None
            outcome = paired_test(metric, base_stats, cand_stats, test, groups=groups)
            comparisons.append(Comparison(base_key[0], system, task, metric_name, corpus, outcome))
            if metric_name == shared[0]:
                changes.extend(
                    _worst_segments(metric, system, task, keys, base_stats, cand_stats, worst)
                )
    notes = [f"{d} (compared anyway: --allow-different-data)" for d in differences]
    notes += list(version_notes.values()) + environment_notes(baseline, candidate, pairs)
    return ReportComparison(comparisons, changes, notes, pairs)


def _worst_segments(
    metric: Metric,
    system: str,
    task: str,
    keys: list[SegmentKey],
    base_stats: list[Sequence[float]],
    cand_stats: list[Sequence[float]],
    count: int,
) -> list[SegmentChange]:
    changes = []
    for key, base_row, cand_row in zip(keys, base_stats, cand_stats, strict=True):
        before, after = metric.segment_score(base_row), metric.segment_score(cand_row)
        worsening = -metric.improvement(after - before)
        if worsening > 0:
            changes.append(
                SegmentChange(system, task, metric.name, key[1], key[2], before, after, worsening)
            )
    changes.sort(key=lambda c: c.worsening, reverse=True)
    return changes[:count]
