"""What a candidate must keep of its baseline: every system, task, corpus and metric, and no
more lost outputs than it had.

Comparisons pair only what both reports hold, so a candidate that lost a system (or a task, a
corpus, a metric) would otherwise pass with fewer checks; and a system that now fails on more
segments scores those as empty outputs, which a tolerant margin can hide. Both are gate rules
of their own, applied the same way by ``harness compare --gate``, ``harness run --baseline``
and the pytest plugin (they all go through :func:`harness.verdicts.gate.check.gate_reports`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from harness.report_model import Report
from harness.verdicts.compare import GroupKey

#: segment statuses that are a lost output: the model failed, or the outputs file lacked it
LOST = ("failed", "missing")


def _groups(report: Report) -> dict[GroupKey, list[str]]:
    """(system, task, corpus) → its metrics, in the report's order."""
    groups: dict[GroupKey, list[str]] = {}
    for result in report.results:
        key = (result.system, result.task, result.corpus)
        groups.setdefault(key, []).append(result.metric)
    return groups


def _where(task: str, corpus: str | None) -> str:
    return f"{task} on {corpus}" if corpus is not None else task


def vanished(
    baseline: Report,
    candidate: Report,
    pairs: Sequence[tuple[GroupKey, GroupKey]],
    allowed: Iterable[str] = (),
) -> dict[str, list[str]]:
    """Per baseline system, what of it the candidate lacks (empty lists are left out).

    A name in ``allowed`` (a system, task, corpus or metric) is waived."""
    waived = set(allowed)
    base, cand = _groups(baseline), _groups(candidate)
    matched = dict(pairs)  # baseline group → candidate group
    lost: dict[str, list[str]] = {}
    for system in dict.fromkeys(key[0] for key in base):
        if system in waived:
            continue
        keys = [key for key in base if key[0] == system]
        if not any(key in matched for key in keys):
            lost[system] = [f"system '{system}'"]
            continue
        for key in keys:
            _, task, corpus = key
            if task in waived or (corpus is not None and corpus in waived):
                continue
            if key not in matched:
                lost.setdefault(system, []).append(f"'{system}' on {_where(task, corpus)}")
                continue
            missing = [m for m in base[key] if m not in cand[matched[key]] and m not in waived]
            lost.setdefault(system, []).extend(
                f"metric '{m}' of '{system}' ({_where(task, corpus)})" for m in missing
            )
    return {system: items for system, items in lost.items() if items}


def lost_outputs(report: Report) -> dict[GroupKey, int]:
    """(system, task, corpus) → how many of its outputs were lost (failed or missing)."""
    counts: dict[GroupKey, int] = {}
    for segment in report.segments:
        key = (segment.system, segment.task, segment.corpus)
        counts[key] = counts.get(key, 0) + (segment.status in LOST)
    return counts


def lost_by_system(report: Report, keys: Iterable[GroupKey] | None = None) -> dict[str, int]:
    """System → lost outputs over its groups (only ``keys`` when given)."""
    counts = lost_outputs(report)
    chosen = counts if keys is None else {key: counts.get(key, 0) for key in keys}
    totals: dict[str, int] = {}
    for (system, _, _), count in chosen.items():
        totals[system] = totals.get(system, 0) + count
    return totals
