"""Multiple comparisons: Holm's step-down adjustment of a family of p-values.

A breakdown tests every bucket (titles, bullets, paragraphs, …); with ten buckets one of them
is "significant" at α = 0.05 about 40% of the time by chance alone. Holm (1979) controls the
family-wise error rate like Bonferroni but rejects more: the i-th smallest of m p-values is
multiplied by (m − i + 1), and the adjusted values are made monotone. Written here because it
is a few lines and the well-kept implementation (statsmodels' ``multipletests``) would bring
statsmodels and scipy into the environment for it; the tests check it against values worked
out by hand and against Bonferroni's bound.
"""

from __future__ import annotations

from collections.abc import Sequence


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm-adjusted p-values, in the order given; ``None`` (no test) stays ``None`` and does
    not count towards the family size."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(tested)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, index) in enumerate(tested):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[index] = running
    return adjusted
