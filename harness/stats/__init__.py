"""Statistics on per-segment sufficient statistics: bootstrap intervals and paired tests.

Everything follows sacrebleu's conventions (``--confidence``, ``--paired-bs``, ``--paired-ar``) so
that numbers can be checked against it: 1,000 bootstrap resamples drawn with
``numpy.random.default_rng(12345)``, the 95% interval read at sorted index ``R // 40``, 10,000
approximate-randomization trials and ``p = (c + 1) / (R + 1)``. Two deliberate differences:
randomization counts ties (|Δ*| ≥ |Δ|), and ``resample: article`` draws whole articles.

The settings (test names, defaults) import without numpy; the statistics themselves are
imported on first use, so the command line starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from harness.stats.settings import (
    AR_TRIALS,
    BOOTSTRAP_RESAMPLES,
    DEFAULT_ALPHA,
    DEFAULT_TEST,
    SEED,
    PairedTest,
    Resample,
    bootstrap_signature,
)

if TYPE_CHECKING:
    from harness.stats.paired import PairedResult, paired_test
    from harness.stats.resampling import Interval, bootstrap_interval

_LAZY = {
    "PairedResult": "harness.stats.paired",
    "paired_test": "harness.stats.paired",
    "Interval": "harness.stats.resampling",
    "bootstrap_interval": "harness.stats.resampling",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'harness.stats' has no attribute '{name}'")


__all__ = [
    "AR_TRIALS",
    "BOOTSTRAP_RESAMPLES",
    "DEFAULT_ALPHA",
    "DEFAULT_TEST",
    "SEED",
    "Interval",
    "PairedResult",
    "PairedTest",
    "Resample",
    "bootstrap_interval",
    "bootstrap_signature",
    "paired_test",
]
