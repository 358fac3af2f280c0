"""The settings of intervals and paired tests: names and defaults, without numpy, so that the
command line and configs can name them without importing the statistics themselves."""

from __future__ import annotations

from enum import StrEnum

BOOTSTRAP_RESAMPLES = 1000
AR_TRIALS = 10000
SEED = 12345


class Resample(StrEnum):
    """What one bootstrap draw (or randomization swap) takes: a segment or a whole article."""

    SEGMENT = "segment"
    ARTICLE = "article"


def bootstrap_signature(
    resamples: int = BOOTSTRAP_RESAMPLES, seed: int = SEED, resample: str = Resample.SEGMENT
) -> str:
    """The signature suffix that makes an interval reproducible (sacrebleu's spelling, plus
    ``|resample:article`` when whole articles are drawn; sacrebleu only draws segments)."""
    suffix = f"|bs:{resamples}|rs:{seed}"
    return suffix if resample == Resample.SEGMENT else f"{suffix}|resample:{resample}"


class PairedTest(StrEnum):
    BOOTSTRAP = "paired-bs"
    RANDOMIZATION = "paired-ar"

    def signature(self, resample: str = Resample.SEGMENT) -> str:
        """sacrebleu's spelling of the test's settings (``|resample:article`` added when whole
        articles are drawn)."""
        if self is PairedTest.BOOTSTRAP:
            return bootstrap_signature(resample=resample)
        return f"|ar:{AR_TRIALS}" + bootstrap_signature(resample=resample)


#: approximate randomization: its false-positive rate is nominal; sacrebleu's paired bootstrap
#: rejects about twice as often as alpha under the null (see tests/stats/test_calibration.py)
DEFAULT_TEST = PairedTest.RANDOMIZATION
#: the significance level of comparisons and gates unless a config or gate file sets one
DEFAULT_ALPHA = 0.05
