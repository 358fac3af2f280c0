"""ROUGE: rouge-score's published vectors (metric_vectors.md §B) through the Arabic-aware
tokenizer, and Arabic behaviour that stock rouge-score gets wrong (§D)."""

from __future__ import annotations

import pytest
from rouge_score.rouge_scorer import RougeScorer

from harness.metrics.rouge import Rouge1, Rouge2, RougeL, RougeLsum

VARIANTS = {"rouge1": Rouge1, "rouge2": Rouge2, "rougeL": RougeL, "rougeLsum": RougeLsum}


def prf(metric, target: str, prediction: str) -> tuple[float, float, float]:
    (row,) = metric.segment_stats([prediction], [[target]])
    return tuple(row)


@pytest.mark.parametrize(
    ("variant", "target", "prediction", "expected"),
    [
        ("rouge1", "testing one two", "testing", (1, 1 / 3, 1 / 2)),
        ("rouge1", "testing one two", "", (0, 0, 0)),
        ("rouge2", "testing one two", "", (0, 0, 0)),
        ("rougeL", "testing one two", "", (0, 0, 0)),
        ("rougeLsum", "testing one two", "", (0, 0, 0)),
        ("rouge2", "testing one two", "testing one", (1, 1 / 2, 2 / 3)),
        ("rougeL", "testing one two", "testing one", (1, 2 / 3, 4 / 5)),
        ("rougeL", "testing one two", "testing two", (1, 2 / 3, 4 / 5)),
        ("rouge1", "testing one two", "testing one", (1, 2 / 3, 4 / 5)),
        ("rougeLsum", "w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5", (0.4, 0.8, 0.5333)),
        ("rougeLsum", "", "w1", (0, 0, 0)),
        ("rougeLsum", "w1 w2 w3 w4 w5", "/", (0, 0, 0)),
    ],
)
def test_toy_vectors(variant, target, prediction, expected):
    assert prf(VARIANTS[variant](), target, prediction) == pytest.approx(expected, abs=1e-4)


def test_multi_reference_keeps_best_target():
    metric = Rouge1()
    (row,) = metric.segment_stats(["text first"], [["first text", "first something"]])
    assert row[2] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("variant", "stem", "line", "expected"),
    [
        ("rouge1", False, 0, (0.68750, 0.40741, 0.51163)),
        ("rouge1", False, 1, (0.65385, 0.40476, 0.50000)),
        ("rouge1", True, 0, (0.68750, 0.40741, 0.51163)),
        ("rouge1", True, 1, (0.69231, 0.42857, 0.52941)),
        ("rouge2", False, 0, (0.53333, 0.30769, 0.39024)),
        ("rouge2", True, 1, (0.48000, 0.29268, 0.36364)),
        ("rougeL", False, 0, (0.68750, 0.40741, 0.51163)),
        ("rougeL", False, 1, (0.65385, 0.40476, 0.50000)),
    ],
)
def test_rouge155_test_files(shared, variant, stem, line, expected):
    data = shared / "external" / "metric_testdata" / "rouge"
    targets = (data / "target.txt").open(encoding="utf-8").readlines()
    predictions = (data / "prediction.txt").open(encoding="utf-8").readlines()
    got = prf(VARIANTS[variant](stem_latin=stem), targets[line], predictions[line])
    assert got == pytest.approx(expected, abs=5e-6)


def test_rougelsum_multi_sentence_file(shared):
    data = shared / "external" / "metric_testdata" / "rouge"
    target = (data / "target_multi.0.txt").read_text(encoding="utf-8")
    prediction = (data / "prediction_multi.0.txt").read_text(encoding="utf-8")
    assert prf(RougeLsum(stem_latin=True), target, prediction) == pytest.approx(
        (0.66667, 0.36538, 0.47205), abs=5e-6
    )


def test_english_equals_stock_rouge_score(shared):
    """On ASCII text the Arabic-aware tokenizer is token-for-token rouge-score's own."""
    data = shared / "external" / "metric_testdata" / "rouge"
    targets = (data / "target.txt").read_text(encoding="utf-8").splitlines()
    predictions = (data / "prediction.txt").read_text(encoding="utf-8").splitlines()
    for stem in (False, True):
        stock = RougeScorer(list(VARIANTS), use_stemmer=stem)
        for variant, cls in VARIANTS.items():
            metric = cls(stem_latin=stem)
            rows = metric.segment_stats(predictions, [[t] for t in targets])
            for row, target, prediction in zip(rows, targets, predictions, strict=True):
                expected = stock.score(target, prediction)[variant]
                assert row == pytest.approx([expected.precision, expected.recall, expected.fmeasure])


ARABIC = "أعلنت وزارة الصحة عن إطلاق حملة وطنية جديدة للتطعيم"


@pytest.mark.parametrize("cls", list(VARIANTS.values()))
def test_identical_arabic_scores_100(cls):
    metric = cls()
    assert metric.corpus_score(metric.segment_stats([ARABIC], [[ARABIC]])) == pytest.approx(100.0)


def test_stock_rouge_score_deletes_arabic():
    """The trap this module exists for: stock rouge-score gives identical Arabic 0."""
    assert RougeScorer(["rouge1"]).score(ARABIC, ARABIC)["rouge1"].fmeasure == 0.0


@pytest.mark.parametrize("cls", list(VARIANTS.values()))
def test_disjoint_arabic_scores_0(cls):
    metric = cls()
    stats = metric.segment_stats(["كتب الطالب الدرس"], [[ARABIC]])
    assert metric.corpus_score(stats) == 0.0


def test_partial_arabic_overlap_is_between():
    prediction = "أعلنت وزارة الصحة حملة تطعيم جديدة"
    assert prf(Rouge1(), ARABIC, prediction) == pytest.approx((0.8333, 0.5556, 0.6667), abs=1e-4)
    assert prf(Rouge2(), ARABIC, prediction) == pytest.approx((0.4, 0.25, 0.3077), abs=1e-4)


def test_normalization_makes_spelling_variants_match():
    """Diacritics, tatweel, hamza-alef and teh marbuta forms do not break a match."""
    plain = "اعلنت وزاره الصحه"
    decorated = "أَعْلَنَتْ وزارـــة الصّحة"
    assert prf(Rouge1(), plain, decorated)[2] == pytest.approx(1.0)


def test_corpus_score_is_mean_f_and_signature_names_tokenizer():
    metric = RougeL()
    stats = metric.segment_stats([ARABIC, "كتب"], [[ARABIC], [ARABIC]])
    assert metric.corpus_score(stats) == pytest.approx(100 * (1.0 + 0.0) / 2)
    assert "tok:ar-v1" in metric.signature() and "stem:none" in metric.signature()


# --- Arabic stemming (stem_arabic) -----------------------------------------------------------


@pytest.mark.parametrize("stemmer", ["isri", "snowball"])
def test_arabic_stemming_matches_inflected_forms(stemmer):
    """الحكومة / للحكومة / حكومات share a stem under both stemmers; unstemmed they differ."""
    target, prediction = "أعلنت الحكومة", "أعلنت للحكومة حكومات"
    assert prf(Rouge1(), target, prediction)[1] == pytest.approx(0.5)
    assert prf(Rouge1(stem_arabic=stemmer), target, prediction)[1] == pytest.approx(1.0)


def test_arabic_stemmer_leaves_latin_and_short_tokens_alone():
    tokenizer = Rouge1(stem_arabic="isri").tokenizer
    assert tokenizer.tokenize("the running ABC-12 كتب") == ["the", "running", "abc", "12", "كتب"]
    assert Rouge1(stem_arabic="isri", stem_latin=True).tokenizer.tokenize("running") == ["run"]


def test_signature_records_the_arabic_stemmer():
    from importlib.metadata import version

    nltk = version("nltk")
    assert f"stem:isri-arabic-nltk-{nltk}" in Rouge1(stem_arabic="isri").signature()
    assert f"stem:snowball-arabic-nltk-{nltk}" in RougeL(stem_arabic="snowball").signature()
    both = Rouge2(stem_arabic="snowball", stem_latin=True).signature()
    assert f"stem:porter-latin+snowball-arabic-nltk-{nltk}" in both
    assert "stem:none" in Rouge1().signature()


def test_unknown_arabic_stemmer_is_a_one_line_error():
    from harness.errors import HarnessError
    from harness.metrics import make_metric

    with pytest.raises(HarnessError, match="stem_arabic must be one of isri, snowball"):
        make_metric("rouge1", {"stem_arabic": "porter"})
