"""Everything ``harness compare --by/--ngrams`` computes for two reports, per compared pair:
bucket breakdowns, n-gram difference lists and the largest segment differences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from harness.errors import HarnessError
from harness.report_model import JsonObject, Report
from harness.stats import PairedTest, Resample
from harness.verdicts.breakdown import BucketComparison, PairedSegments, breakdown, paired_segments
from harness.verdicts.buckets import Labels
from harness.verdicts.differences import Differences, largest_differences
from harness.verdicts.ngrams import TOP, NgramLists, compare_ngrams, tokenizer_for


@dataclass(frozen=True)
class AnalysisSettings:
    """What to compute: ``by`` names the breakdowns (kind, position, length, …)."""

    by: Sequence[str] = ()
    ngrams: bool = False
    largest: int = 0
    metrics: Sequence[str] | None = None
    diff_metric: str | None = None
    test: PairedTest = PairedTest.RANDOMIZATION
    resample: Resample = Resample.SEGMENT
    length_edges: Sequence[int] | None = None
    labels: Labels | None = None
    top: int = TOP


@dataclass
class PairAnalysis:
    baseline_system: str
    system: str
    task: str
    corpus: str | None
    segments: int
    breakdowns: dict[str, list[BucketComparison]] = field(default_factory=dict)
    ngrams: list[NgramLists] = field(default_factory=list)
    differences: Differences | None = None

    def to_json(self) -> JsonObject:
        return {
            "baseline": self.baseline_system,
            "system": self.system,
            "task": self.task,
            "corpus": self.corpus,
            "segments": self.segments,
            "breakdowns": {by: [c.to_json() for c in rows] for by, rows in self.breakdowns.items()},
            "ngrams": [n.to_json() for n in self.ngrams],
            "differences": self.differences.to_json() if self.differences else None,
        }


def run_resample(report: Report) -> Resample | None:
    """What the run that wrote ``report`` drew for its own comparisons (its config's
    ``compare.resample``), if it recorded it."""
    settings = report.provenance.comparisons
    if settings is None or "resample" not in settings.model_fields_set:
        return None
    value = settings.resample
    try:
        return Resample(value)
    except ValueError:
        raise HarnessError(
            f"{report.name}: key 'provenance.comparisons.resample': "
            f"{value!r} is not one of {', '.join(r.value for r in Resample)}"
        ) from None


def _ngrams(pair: PairedSegments, settings: AnalysisSettings) -> list[NgramLists]:
    return compare_ngrams(
        [list(s.references) for s in pair.candidate],
        [s.output for s in pair.baseline],
        [s.output for s in pair.candidate],
        tokenizer_for(pair.task),
        top=settings.top,
    )


def analyse(
    baseline: Report, candidate: Report, settings: AnalysisSettings
) -> list[PairAnalysis]:
    """The analysis of every pair of systems the two reports compare."""
    analyses = []
    for pair in paired_segments(baseline, candidate):
        analysis = PairAnalysis(
            pair.baseline_system, pair.system, pair.task, pair.corpus, len(pair.candidate)
        )
        for by in settings.by:
            analysis.breakdowns[by] = breakdown(
                pair,
                by,
                settings.metrics,
                settings.test,
                settings.resample,
                settings.length_edges,
                settings.labels,
            )
        if settings.ngrams:
            analysis.ngrams = _ngrams(pair, settings)
        if settings.largest > 0:
            analysis.differences = largest_differences(pair, settings.diff_metric, settings.largest)
        analyses.append(analysis)
    return analyses
