"""A report's stored scores checked against its own per-segment statistics.

Drops are recomputed from the statistics; floors read the scores. A report is an untrusted file
(baselines are committed and downloaded), so the gate reads every score the way the drops do,
from the statistics, and refuses a report whose stored score says something else: a score
edited by hand (or by a buggy writer) must not pass a floor its statistics would fail.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.errors import HarnessError
from harness.metrics import Metric, metric_from_report
from harness.report_model import Report, ResultEntry

#: a stored score may differ from the recomputed one by float noise of the summation order
TOLERANCE = 1e-6


def _metric(report: Report, name: str, made: dict[str, Metric]) -> Metric:
    if name not in made:
        options = report.provenance.metric_options.get(name)
        try:
            made[name] = metric_from_report(name, options)
        except HarnessError as exc:
            raise HarnessError(f"{report.name}: {exc}") from None
    return made[name]


def recomputed_results(report: Report) -> list[ResultEntry]:
    """``report.results``, each score recomputed from its segments' statistics.

    A result whose segments carry no statistics for its metric keeps its score only when it
    covers no segment (``n: 0``); a stored score that disagrees with the statistics is refused
    (exit 2), naming the result and both numbers."""
    where = report.name
    rows: dict[tuple[str, str, str | None, str], list[Sequence[float]]] = {}
    for segment in report.segments:
        group = (segment.system, segment.task, segment.corpus)
        for metric, row in segment.stats.items():
            rows.setdefault((*group, metric), []).append(row)
    made: dict[str, Metric] = {}
    checked = []
    for index, result in enumerate(report.results):
        stats = rows.get((result.system, result.task, result.corpus, result.metric))
        if not stats:
            if result.n:
                raise HarnessError(
                    f"{where}: key 'results[{index}]': {result.metric} of "
                    f"{result.system} has no per-segment statistics to check its score "
                    "against (report written by an older harness?)"
                )
            checked.append(result)
            continue
        metric = _metric(report, result.metric, made)
        try:
            score = metric.corpus_score(stats)
        except (ArithmeticError, ValueError, TypeError, IndexError) as exc:
            raise HarnessError(
                f"{where}: {result.metric} statistics of {result.system} cannot be "
                f"scored ({type(exc).__name__}: {exc})"
            ) from None
        if abs(score - result.score) > TOLERANCE * max(1.0, abs(score)):
            raise HarnessError(
                f"{where}: inconsistent report: key 'results[{index}].score' of "
                f"{result.metric} of {result.system} ({result.task}) is "
                f"{result.score!r}, but its per-segment statistics give {score!r}"
            )
        checked.append(result.model_copy(update={"score": score}))
    return checked
