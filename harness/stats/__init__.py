"""Statistics on per-segment sufficient statistics: bootstrap intervals and paired tests.

Everything follows sacrebleu's conventions (``--confidence``, ``--paired-bs``, ``--paired-ar``) so
that numbers can be checked against it: 1,000 bootstrap resamples drawn with
``numpy.random.default_rng(12345)``, the 95% interval read at sorted index ``R // 40``, 10,000
approximate-randomization trials and ``p = (c + 1) / (R + 1)``. Two deliberate differences:
randomization counts ties (|Δ*| ≥ |Δ|), and ``resample: article`` draws whole articles.
"""

from harness.stats.paired import (
    DEFAULT_ALPHA,
    DEFAULT_TEST,
    PairedResult,
    PairedTest,
    paired_test,
)
from harness.stats.resampling import (
    AR_TRIALS,
    BOOTSTRAP_RESAMPLES,
    SEED,
    Interval,
    Resample,
    bootstrap_interval,
    bootstrap_signature,
)

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
