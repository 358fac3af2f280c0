"""``harness meta RUN_DIR RATINGS``: every metric of a run against human ratings of its
outputs, at the system level (Pearson, Kendall τ, pairwise accuracy) and the segment level
(Kendall τ_b over all rated outputs, acc_eq with tie calibration within each item), each with
a 95% bootstrap interval, and permutation tests between the metrics.

Scores are oriented so that higher is better before anything is correlated (TER, for one, is
negated: :meth:`Metric.improvement`), so a metric that tracks the humans always correlates
positively. System scores are computed on the items rated for every system (the metric's
corpus score from the statistics of those segments, the humans' mean), so both sides see the
same items and the bootstrap can redraw them.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harness.atomic import atomic_write_text
from harness.errors import HarnessError
from harness.meta.correlation import acc_eq, kendall_tau_b, pairwise_accuracy, pearson
from harness.meta.ratings import Rating, read_ratings
from harness.meta.resample import (
    PERMUTATION_TRIALS,
    acc_eq_bootstrap,
    flat_acc_eq_bootstrap,
    interval,
    item_counts,
    permutation_p,
    tau_b_bootstrap,
)
from harness.metrics import Metric, metric_from_report
from harness.report_model import SegmentEntry
from harness.stats import BOOTSTRAP_RESAMPLES
from harness.verdicts.compare import load_report

#: pairs above which the segment-level permutation test of a single system is skipped
FLAT_PERMUTATION_PAIRS = 100_000


@dataclass
class Joined:
    """Ratings and metric scores on one grid: ``(items, systems)``; NaN where unrated."""

    systems: list[str]
    items: list[str]
    human: np.ndarray
    #: metric → oriented segment scores (higher is better), ``(items, systems)``
    scores: dict[str, np.ndarray]
    #: metric → per system, ``(items, width)`` statistics rows
    stats: dict[str, list[np.ndarray]]
    metrics: dict[str, Metric]


@dataclass(frozen=True)
class Figure:
    value: float
    low: float | None = None
    high: float | None = None
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {k: _finite(v) for k, v in self.__dict__.items()}


@dataclass
class MetaResult:
    systems: list[str]
    items: int
    system_level: dict[str, dict[str, Figure]] = field(default_factory=dict)
    segment_level: dict[str, dict[str, Figure]] = field(default_factory=dict)
    #: (level, statistic, better metric, worse metric, delta, p)
    tests: list[tuple[str, str, str, str, float, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _segment_keys(segments: Sequence[SegmentEntry]) -> dict[tuple[str, str], SegmentEntry]:
    """(system, item id) → segment; an item id is ``article/segment`` (``article`` for a
    summary), or the bare segment id where that is unique within the system's outputs."""
    full: dict[tuple[str, str], list[SegmentEntry]] = {}
    bare: dict[tuple[str, str], list[SegmentEntry]] = {}
    for segment in segments:
        segment_id = segment.segment_id
        full.setdefault((segment.system, segment.where), []).append(segment)
        if segment_id:
            bare.setdefault((segment.system, segment_id), []).append(segment)
    keyed = {key: found[0] for key, found in bare.items() if len(found) == 1}
    # the same id in two corpora of one run names no single segment: left out, so unknown
    keyed.update({key: found[0] for key, found in full.items() if len(found) == 1})
    return keyed


def join(run: Path, ratings: Sequence[Rating]) -> Joined:
    """The run's segments that were rated, with their ratings; unknown systems or items are
    refused naming the rating's row."""
    report = load_report(run, slim=False)
    segments = report.segments
    known_systems = sorted({s.system for s in segments})
    keyed = _segment_keys(segments)
    systems = list(dict.fromkeys(r.system for r in ratings))
    for rating in ratings:
        if rating.system not in known_systems:
            raise HarnessError(
                f"{rating.where}: unknown system '{rating.system}' (the run has "
                f"{', '.join(known_systems)})"
            )
        if (rating.system, rating.item) not in keyed:
            raise HarnessError(
                f"{rating.where}: unknown item '{rating.item}' for system '{rating.system}' "
                "(give the segment id, or article/segment, as in the run's report)"
            )
    tasks = {keyed[(r.system, r.item)].task for r in ratings}
    if len(tasks) > 1:
        raise HarnessError(f"{ratings[0].where}: the ratings cover several tasks: {sorted(tasks)}")
    items = list(dict.fromkeys(r.item for r in ratings))
    row = {item: i for i, item in enumerate(items)}
    column = {system: j for j, system in enumerate(systems)}
    human = np.full((len(items), len(systems)), np.nan)
    for rating in ratings:
        human[row[rating.item], column[rating.system]] = rating.score
    options = report.provenance.metric_options
    names = list(dict.fromkeys(r.metric for r in report.results))
    metrics: dict[str, Metric] = {}
    scores: dict[str, np.ndarray] = {}
    stats: dict[str, list[np.ndarray]] = {}
    for name in names:
        metric = metric_from_report(name, options.get(name))
        grid = np.full((len(items), len(systems)), np.nan)
        rows: list[list[Sequence[float] | None]] = [[None] * len(items) for _ in systems]
        complete = True
        for (item, i), (system, j) in itertools.product(row.items(), column.items()):
            segment = keyed.get((system, item))
            if segment is None or name not in segment.scores:
                complete = complete and np.isnan(human[i, j])
                continue
            value = segment.scores[name]
            grid[i, j] = np.nan if value is None else metric.improvement(value)
            rows[j][i] = segment.stats.get(name)
        if np.isnan(grid[~np.isnan(human)]).any() or not complete:
            continue  # the metric did not score every rated output (another task's metric)
        metrics[name], scores[name] = metric, grid
        if all(r is not None for system_rows in rows for r in system_rows):
            widths = {len(r) for system_rows in rows for r in system_rows if r is not None}
            if len(widths) != 1:
                raise HarnessError(f"{run}: segments' stats.{name} rows differ in length")
            stats[name] = [np.asarray(system_rows, dtype=np.float64) for system_rows in rows]
    if not metrics:
        raise HarnessError(f"{run}: no metric of the run scored the rated outputs")
    return Joined(systems, items, human, scores, stats, metrics)


def _figure(value: float, resampled: np.ndarray | None, note: str = "") -> Figure:
    bounds = interval(resampled) if resampled is not None else None
    return Figure(value, bounds.low if bounds else None, bounds.high if bounds else None, note)


def system_level(joined: Joined, resamples: int) -> tuple[dict[str, dict[str, Figure]], list[str]]:
    """Pearson, Kendall τ_b and pairwise accuracy over systems, on the items every system
    has a rating for, with item-bootstrap intervals."""
    full = ~np.isnan(joined.human).any(axis=1)
    notes = []
    if len(joined.systems) < 2:
        return {}, ["system level: one rated system, nothing to rank"]
    if full.sum() < 2:
        return {}, ["system level: fewer than 2 items are rated for every system"]
    if (~full).any():
        notes.append(f"system level: {int(full.sum())} items rated for every system are used")
    human = joined.human[full]
    counts = item_counts(int(full.sum()), resamples)
    human_systems = human.mean(axis=0)
    human_resampled = counts @ human / full.sum()
    out: dict[str, dict[str, Figure]] = {}
    for name, metric in joined.metrics.items():
        if name not in joined.stats:
            notes.append(f"system level: {name} has no statistics in the report; left out")
            continue
        sign = metric.improvement(1.0)
        rows = [s[full] for s in joined.stats[name]]
        n = len(rows[0])
        metric_systems = sign * np.array([metric.corpus_score(r) for r in rows])
        resampled = sign * np.stack(
            [metric.scores_from_totals(counts @ r, n) for r in rows], axis=1
        )
        figures = {}
        for label, function in (
            ("pearson", pearson),
            ("kendall", kendall_tau_b),
            ("pairwise_accuracy", pairwise_accuracy),
        ):
            draws = np.array(
                [function(h, m) for h, m in zip(human_resampled, resampled, strict=True)]
            )
            figures[label] = _figure(function(human_systems, metric_systems), draws)
        out[name] = figures
    return out, notes


def segment_level(joined: Joined, resamples: int) -> dict[str, dict[str, Figure]]:
    """Kendall τ_b over every rated output (no grouping) and acc_eq with tie calibration
    within items (one system: over its items), with item-bootstrap intervals."""
    rated = ~np.isnan(joined.human)
    item_of_cell = np.nonzero(rated)[0]
    counts = item_counts(len(joined.items), resamples)
    grouped = len(joined.systems) > 1
    out: dict[str, dict[str, Figure]] = {}
    for name, grid in joined.scores.items():
        metric_cells, human_cells = grid[rated], joined.human[rated]
        tau = kendall_tau_b(metric_cells, human_cells)
        tau_draws = tau_b_bootstrap(metric_cells, human_cells, item_of_cell, counts)
        if grouped:
            accuracy, epsilon = acc_eq(joined.human, grid)
            draws = acc_eq_bootstrap(joined.human, grid, counts)
        else:
            accuracy, epsilon = acc_eq(joined.human.T, grid.T)
            draws = flat_acc_eq_bootstrap(joined.human[:, 0], grid[:, 0], counts)
        grouping = "within items" if grouped else "one system: all its items"
        out[name] = {
            "kendall_b": _figure(tau, tau_draws),
            "acc_eq": _figure(accuracy, draws, f"ε={epsilon:.4g}, {grouping}"),
        }
    return out


def significance(
    joined: Joined, trials: int
) -> tuple[list[tuple[str, str, str, str, float, float]], list[str]]:
    """Deutsch et al.'s permutation test for every pair of metrics: system-level Pearson and
    segment-level acc_eq. Each pair is listed once, the better metric first."""
    tests = []
    notes = []
    full = ~np.isnan(joined.human).any(axis=1)
    grouped = len(joined.systems) > 1
    pairs_count = (
        int(full.sum()) * len(joined.systems) * (len(joined.systems) - 1) // 2
        if grouped
        else int((~np.isnan(joined.human)).sum()) ** 2 // 2
    )
    segment_ok = grouped or pairs_count <= FLAT_PERMUTATION_PAIRS
    if not segment_ok:
        notes.append(
            f"segment-level permutation tests skipped: one system, {pairs_count} pairs a trial"
        )
    system_ok = len(joined.systems) >= 3 and full.sum() >= 2
    human_systems = joined.human[full].mean(axis=0) if system_ok else None
    for a, b in itertools.combinations(joined.metrics, 2):
        if system_ok and a in joined.stats and b in joined.stats:
            assert human_systems is not None
            scores_a = _system_scores(joined, a, full)
            scores_b = _system_scores(joined, b, full)

            def system_r(m: np.ndarray, h: np.ndarray = human_systems) -> float:
                return pearson(h, m)

            tests.append(_tested("system", "pearson", a, b, scores_a, scores_b, system_r, trials))
        if segment_ok:
            human = joined.human if grouped else joined.human.T
            grid_a = joined.scores[a] if grouped else joined.scores[a].T
            grid_b = joined.scores[b] if grouped else joined.scores[b].T

            def segment_acc(m: np.ndarray, h: np.ndarray = human) -> float:
                return acc_eq(h, m)[0]

            tests.append(_tested("segment", "acc_eq", a, b, grid_a, grid_b, segment_acc, trials))
    return tests, notes


def _tested(
    level: str,
    statistic: str,
    a: str,
    b: str,
    scores_a: np.ndarray,
    scores_b: np.ndarray,
    function: Callable[[np.ndarray], float],
    trials: int,
) -> tuple[str, str, str, str, float, float]:
    """(level, statistic, better, worse, delta, p of "better agrees better than worse"):
    the test runs in the direction the observed difference points."""
    p, delta = permutation_p(scores_a, scores_b, function, trials)
    if delta >= 0:
        return (level, statistic, b, a, delta, p)
    p, delta = permutation_p(scores_b, scores_a, function, trials)
    return (level, statistic, a, b, delta, p)


def _system_scores(joined: Joined, name: str, full: np.ndarray) -> np.ndarray:
    metric = joined.metrics[name]
    return metric.improvement(1.0) * np.array(
        [metric.corpus_score(s[full]) for s in joined.stats[name]]
    )


def meta_evaluate(
    run: Path,
    ratings_path: Path,
    resamples: int = BOOTSTRAP_RESAMPLES,
    trials: int = PERMUTATION_TRIALS,
) -> MetaResult:
    joined = join(run, read_ratings(ratings_path))
    result = MetaResult(joined.systems, len(joined.items))
    result.system_level, notes = system_level(joined, resamples)
    result.segment_level = segment_level(joined, resamples)
    result.tests, test_notes = significance(joined, trials)
    result.notes = [
        f"{len(joined.systems)} system(s), {len(joined.items)} item(s), "
        f"{int((~np.isnan(joined.human)).sum())} ratings from {ratings_path}",
        *notes,
        *test_notes,
    ]
    return result


SYSTEM_COLUMNS = ("pearson", "kendall", "pairwise_accuracy")
SEGMENT_COLUMNS = ("kendall_b", "acc_eq")


def _cell(figure: Figure | None) -> str:
    if figure is None or not math.isfinite(figure.value):
        return "–"
    if figure.low is None or figure.high is None:
        return f"{figure.value:.3f}"
    return f"{figure.value:.3f} [{figure.low:.3f}, {figure.high:.3f}]"


def tables(result: MetaResult) -> dict[str, tuple[list[str], list[list[str]]]]:
    out: dict[str, tuple[list[str], list[list[str]]]] = {}
    if result.system_level:
        out["system level"] = (
            ["metric", *SYSTEM_COLUMNS],
            [
                [m, *(_cell(f.get(c)) for c in SYSTEM_COLUMNS)]
                for m, f in result.system_level.items()
            ],
        )
    out["segment level"] = (
        ["metric", *SEGMENT_COLUMNS, "ε"],
        [
            [m, *(_cell(f.get(c)) for c in SEGMENT_COLUMNS), f["acc_eq"].note.split(",")[0]]
            for m, f in result.segment_level.items()
        ],
    )
    if result.tests:
        out["permutation tests"] = (
            ["level", "statistic", "better", "than", "Δ", "p"],
            [[lv, st, a, b, f"{d:.3f}", f"{p:.3f}"] for lv, st, a, b, d, p in result.tests],
        )
    return out


def write_meta(out: Path, result: MetaResult) -> None:
    """meta.json and meta.md in ``out``."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HarnessError(f"--out {out}: cannot create the folder: {exc.strerror}") from None
    document = {
        "systems": result.systems,
        "items": result.items,
        "notes": result.notes,
        "system_level": {
            m: {k: f.to_json() for k, f in figures.items()}
            for m, figures in result.system_level.items()
        },
        "segment_level": {
            m: {k: f.to_json() for k, f in figures.items()}
            for m, figures in result.segment_level.items()
        },
        "permutation_tests": [
            {"level": lv, "statistic": st, "better": a, "than": b, "delta": d, "p": p}
            for lv, st, a, b, d, p in result.tests
        ],
    }
    text = json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False)
    atomic_write_text(out / "meta.json", text + "\n")
    lines = ["# Agreement with human ratings", ""]
    lines += [f"- {note}" for note in result.notes]
    for title, (header, rows) in tables(result).items():
        lines += ["", f"## {title.capitalize()}", ""]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
    atomic_write_text(out / "meta.md", "\n".join(lines) + "\n")
