"""Bootstrap resampling of segment statistics, vectorised as matrix products.

A resample is a multiset of segment indices; its aggregated statistics are ``counts @ stats``
where ``counts[r, i]`` says how often segment ``i`` was drawn in resample ``r``. The indices are
drawn exactly as sacrebleu draws them (``rng.choice(n, size=(R, n))`` with ``default_rng(seed)``),
so the same seed gives the same resamples and the same intervals as sacrebleu. They are drawn
in blocks of rows (``int32`` draws from one generator continue the same stream, so the blocks
concatenate to sacrebleu's matrix), which keeps memory flat for corpora of any size: a block
holds at most :data:`BLOCK_ELEMENTS` draws.

Resampling by article (``resample: article``) draws whole articles instead of segments: each
article's rows are summed into one row first, then the same draws run over articles, so an
article's segments always stay together. A resample then holds a varying number of segments,
which mean-based metrics (ROUGE) are given row by row.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from harness.metrics.base import Metric
from harness.stats.settings import (
    AR_TRIALS,
    BOOTSTRAP_RESAMPLES,
    SEED,
    Resample,
    bootstrap_signature,
)

__all__ = ["AR_TRIALS", "BOOTSTRAP_RESAMPLES", "SEED", "Resample", "bootstrap_signature"]


@dataclass(frozen=True)
class Interval:
    """A two-sided 95% interval read from sorted resampled values."""

    low: float
    high: float

    @staticmethod
    def bounds(interval: Interval | None) -> list[float] | None:
        """``[low, high]`` as a report stores it, or None."""
        return None if interval is None else [interval.low, interval.high]


#: draws per block: 1M (4 MB of int32 draws, 4 to 8 MB of counts). Memory stays flat for any
#: corpus size, and blocks this small are reused from the heap: 16 MB blocks were fresh pages
#: each time, and after the scoring workers' fork their page faults made the 10k Tatoeba
#: bootstrap take 0.48 s instead of 0.12 s (benchmarks/RESULTS.md). FLORES-sized sets still take
#: one block.
BLOCK_ELEMENTS = 1 << 20


def block_rows(n: int, rows: int) -> int:
    """How many rows of ``n`` columns make one block (at least 1, at most ``rows``)."""
    return max(1, min(rows, BLOCK_ELEMENTS // max(n, 1)))


def _index_blocks(n: int, resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Blocks of ``(rows, n)`` int32 index draws that, stacked, are sacrebleu's one matrix."""
    rng = np.random.default_rng(seed)
    step = block_rows(n, resamples)
    for start in range(0, resamples, step):
        rows = min(step, resamples - start)
        # the same values as rng.choice(n, size=(resamples, n)) row by row
        yield rng.integers(0, n, size=(rows, n), dtype=np.int32)


def _draw_counts(indices: np.ndarray, n: int, dtype: type) -> np.ndarray:
    """How often each segment was drawn, per row of ``indices``, written straight into
    ``dtype`` (one ``bincount`` per row: faster than one over the flattened block plus a cast,
    and the same integers)."""
    counts = np.empty(indices.shape, dtype=dtype)
    for row, drawn in zip(counts, indices, strict=True):
        row[:] = np.bincount(drawn, minlength=n)
    return counts


def resample_count_blocks(
    n: int, resamples: int, seed: int, dtype: type = np.int64
) -> Iterator[np.ndarray]:
    """Blocks of ``(rows, n)`` draw counts that, stacked, are :func:`resample_counts`."""
    for indices in _index_blocks(n, resamples, seed):
        yield _draw_counts(indices, n, dtype)


def resample_counts(n: int, resamples: int, seed: int) -> np.ndarray:
    """``(resamples, n)`` draw counts, from the same index draws as sacrebleu's bootstrap."""
    return np.concatenate(list(resample_count_blocks(n, resamples, seed)))


def as_matrix(stats: Sequence[Sequence[float]], dtype: type = np.float64) -> np.ndarray:
    """Segment statistics as an ``(n, k)`` array (``(0, 0)`` when there are none)."""
    matrix = np.asarray(stats, dtype=dtype)
    return matrix.reshape(len(stats), -1) if matrix.size else matrix.reshape(len(stats), 0)


@dataclass(frozen=True)
class Units:
    """Rows summed per resampling unit (article), and how many segments each unit holds."""

    stats: np.ndarray
    sizes: np.ndarray | None  # None: every unit is one segment (sacrebleu's resampling)

    @property
    def count(self) -> int:
        return int(self.stats.shape[0])

    @property
    def segments(self) -> int:
        return self.count if self.sizes is None else int(self.sizes.sum())


def unit_index(groups: Sequence[Hashable], n: int) -> tuple[np.ndarray, int]:
    """Each row's unit number (0, 1, … in order of first appearance) and the unit count."""
    if len(groups) != n:
        raise ValueError(f"{len(groups)} article ids for {n} segments")
    numbers: dict[Hashable, int] = {}
    index = np.fromiter((numbers.setdefault(g, len(numbers)) for g in groups), np.int64, n)
    return index, len(numbers)


def as_units(matrix: np.ndarray, groups: Sequence[Hashable] | None) -> Units:
    """The rows as resampling units: segments (``groups`` None) or summed per group."""
    if groups is None:
        return Units(matrix, None)
    index, count = unit_index(groups, matrix.shape[0])
    summed = np.zeros((count, matrix.shape[1]), dtype=np.float64)
    np.add.at(summed, index, matrix)
    return Units(summed, np.bincount(index, minlength=count))


def scores_with_sizes(metric: Metric, totals: np.ndarray, sizes: np.ndarray | int) -> np.ndarray:
    """Scores of aggregated rows, each made of ``sizes[r]`` segments (one call per size)."""
    if isinstance(sizes, int):
        return metric.scores_from_totals(totals, sizes)
    scores = np.empty(len(totals), dtype=np.float64)
    for size in np.unique(sizes):
        rows = sizes == size
        scores[rows] = metric.scores_from_totals(totals[rows], int(size))
    return scores


def resampled_unit_scores(
    metric: Metric, units: Sequence[Units], resamples: int, seed: int
) -> list[np.ndarray]:
    """Each of ``units`` (same units, e.g. two systems) scored on the same bootstrap draws."""
    return shared_draw_scores([(metric, unit) for unit in units], resamples, seed)


def shared_draw_scores(
    members: Sequence[tuple[Metric, Units]], resamples: int, seed: int
) -> list[np.ndarray]:
    """The bootstrap scores of every (metric, units) member, all with the same unit count, on
    the same draws: one code path for segments and for whole articles (units with sizes).

    The draws are counted once per block in the first member's dtype and cast for the others
    (integers, exact in every dtype used here); a member made of articles also sums how many
    segments each resample holds, in integers, for its metric's per-size scores."""
    count = members[0][1].count
    first_dtype = members[0][0].resample_dtype
    matrices = [unit.stats.astype(metric.resample_dtype, copy=False) for metric, unit in members]
    totals: list[list[np.ndarray]] = [[] for _ in members]
    sizes: list[list[np.ndarray]] = [[] for _ in members]
    for indices in _index_blocks(count, resamples, seed):
        counts = {first_dtype: _draw_counts(indices, count, first_dtype)}
        for (metric, unit), matrix, total, size in zip(
            members, matrices, totals, sizes, strict=True
        ):
            for dtype in (metric.resample_dtype, *([np.int64] if unit.sizes is not None else [])):
                if dtype not in counts:
                    counts[dtype] = counts[first_dtype].astype(dtype)
            total.append(counts[metric.resample_dtype] @ matrix)
            if unit.sizes is not None:
                size.append(counts[np.int64] @ unit.sizes)
    return [
        scores_with_sizes(metric, np.concatenate(total), np.concatenate(size) if size else count)
        for (metric, _), total, size in zip(members, totals, sizes, strict=True)
    ]


def _defined(values: np.ndarray) -> np.ndarray:
    """The resampled values that are numbers: a judge metric's score is undefined (NaN) on a
    resample that drew only unscored segments, and such a resample says nothing either way."""
    values = np.asarray(values)
    defined = values[~np.isnan(values)]
    return defined if len(defined) else values


def lower_bound(values: np.ndarray, alpha: float) -> float:
    """One-sided ``(1 − alpha)`` lower bound: the sorted resampled values at ``⌊alpha·R⌋``
    (for alpha = 0.025 the low end of :func:`percentile_interval`)."""
    ordered = np.sort(_defined(values))
    return float(ordered[min(len(ordered) - 1, int(alpha * len(ordered)))])


def percentile_interval(values: np.ndarray) -> Interval:
    """sacrebleu's 95% interval: sorted values at ``R // 40`` and ``R - R // 40 - 1``."""
    ordered = np.sort(_defined(values))
    low_index = len(ordered) // 40
    return Interval(float(ordered[low_index]), float(ordered[len(ordered) - low_index - 1]))


def bootstrap_interval(
    metric: Metric,
    stats: Sequence[Sequence[float]],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = SEED,
    groups: Sequence[Hashable] | None = None,
) -> Interval | None:
    """95% bootstrap interval of the corpus score; ``None`` with fewer than 2 units.

    ``groups`` (an article id per segment) resamples whole articles instead of segments.
    """
    return bootstrap_intervals([(metric, stats, groups)], resamples, seed)[0]


def bootstrap_intervals(
    items: Sequence[tuple[Metric, Sequence[Sequence[float]], Sequence[Hashable] | None]],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = SEED,
) -> list[Interval | None]:
    """:func:`bootstrap_interval` of each (metric, stats, groups) item, with the same numbers.

    Items resampled by segment with the same number of segments (the metrics of one system,
    the systems of one corpus) get the same draws, so the draws are made once per block and
    shared.
    """
    intervals: list[Interval | None] = [None] * len(items)
    by_count: dict[int, list[tuple[int, Units]]] = {}
    for index, (_, stats, groups) in enumerate(items):
        units = as_units(as_matrix(stats), groups) if len(stats) >= 2 else None
        if units is not None and units.count >= 2:
            by_count.setdefault(units.count, []).append((index, units))
    for members in by_count.values():
        scores = shared_draw_scores([(items[i][0], u) for i, u in members], resamples, seed)
        for (i, _), values in zip(members, scores, strict=True):
            intervals[i] = percentile_interval(values)
    return intervals
