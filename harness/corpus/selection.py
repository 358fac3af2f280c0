"""Subsets for quick runs: ``limit: N`` (the first N) or ``sample: {n, seed}`` (N at random).

The chosen items keep their original order, and the report records which ones were used.
"""

from __future__ import annotations

import random
from typing import Any

from harness.corpus.spec import Sample
from harness.errors import HarnessError


def select_indices(
    total: int, limit: int | None, sample: Sample | None, where: str = "corpus"
) -> list[int]:
    """0-based indices of the items to use, in order.

    A ``sample`` larger than the corpus is an error naming ``where``: silently using every item
    would report a random sample that is not one. (A ``limit`` is "at most N", as documented.)
    """
    if limit is not None:
        return list(range(min(limit, total)))
    if sample is not None:
        if sample.n > total:
            raise HarnessError(
                f"{where}: sample: n = {sample.n} is more than the {total} item(s) it has"
            )
        if sample.n == total:
            return list(range(total))
        return sorted(random.Random(sample.seed).sample(range(total), sample.n))
    return list(range(total))


def describe_selection(
    total: int | None, used: list[str], limit: int | None, sample: Sample | None
) -> dict[str, Any] | None:
    """What the report says about the subset (None when everything was used).

    ``total`` is None when a limit stopped reading early, so the full size is unknown.
    """
    if limit is None and sample is None:
        return None
    info: dict[str, Any] = {"used": len(used)}
    if total is not None:
        info["total"] = total
    if limit is not None:
        info["limit"] = limit
        info["ids"] = f"{used[0]}..{used[-1]}" if used else ""
    else:
        assert sample is not None
        info["sample"] = {"n": sample.n, "seed": sample.seed}
        info["ids"] = used
    return info
