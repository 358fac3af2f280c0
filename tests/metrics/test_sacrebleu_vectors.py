"""BLEU, chrF and TER through the harness's statistics path equal sacrebleu's published vectors
(../shared/external/metric_vectors.md §A)."""

from __future__ import annotations

import pytest
import sacrebleu

from harness.metrics.sacrebleu_metrics import Bleu, ChrF, Ter

HYPS = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."]
REF_STREAMS = [
    ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
    ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
]
REFS = [list(r) for r in zip(*REF_STREAMS, strict=True)]  # per segment


def corpus(metric, hyps, refs) -> float:
    return metric.corpus_score(metric.segment_stats(hyps, refs))


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, 48.530827),
        ({"tokenize": "none"}, 49.1919566),
        ({"tokenize": "13a"}, 48.530827),
        ({"tokenize": "intl"}, 43.91623493),
        ({"smooth_method": "none"}, 48.530827),
    ],
)
def test_corpus_bleu_vectors(options, expected):
    assert corpus(Bleu(**options), HYPS, REFS) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(("order", "expected"), list(enumerate([77.65, 60.50, 53.93, 48.53, 46.14, 43.28], 1)))
def test_bleu_max_ngram_order(order, expected):
    assert f"{corpus(Bleu(max_ngram_order=order), HYPS, REFS):.2f}" == f"{expected:.2f}"


def test_empty_hypotheses_are_kept_and_score_zero():
    assert corpus(Bleu(), ["", "", ""], REFS) == 0.0


def test_bleu_signature_is_sacrebleus():
    metric = Bleu()
    metric.segment_stats(HYPS, REFS)
    expected = f"BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:{sacrebleu.__version__}"
    assert metric.signature() == expected


@pytest.mark.parametrize(
    ("smooth", "value", "tokenize", "expected"),
    [
        ("exp", None, "13a", 8.493),
        ("none", None, "13a", 0.0),
        ("floor", 0.1, "13a", 4.51688),
        ("floor", 0.5, "13a", 10.10),
        ("add-k", 1, "13a", 14.882),
        ("add-k", 2, "13a", 21.389),
        ("exp", None, "none", 7.347),
        ("exp", None, "intl", 8.493),
        ("exp", None, "char", 40.8759),
    ],
)
def test_segment_score_is_sentence_bleu(smooth, value, tokenize, expected):
    ref = "producţia de zahăr brut se exprimă în zahăr alb;"
    hyp = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;"
    metric = Bleu(smooth_method=smooth, smooth_value=value, tokenize=tokenize)
    (row,) = metric.segment_stats([hyp], [[ref]])
    assert metric.segment_score(row) == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize(
    ("hyps", "refs", "expected"),
    [
        (["abcdefg"], ["hijklmnop"], 0.0),
        (["a"], ["b"], 0.0),
        ([""], ["reference"], 0.0),
        (["aa"], ["ab"], 8.3333),
        (["a", "b"], ["a", "c"], 8.3333),
        (["a"], ["a"], 16.6667),
        (["a b c"], ["a b c"], 50.0),
        (["a b c"], ["abc"], 50.0),
        (
            [" risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists ."],
            ["risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists ."],
            63.361730,
        ),
        (
            [" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "],
            ["Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."],
            64.1302698,
        ),
        (["Niemand hat die Absicht, eine Mauer zu errichten"], ["Niemand hat die Absicht, eine Mauer zu errichten"], 100.0),
    ],
)
def test_chrf_vectors(hyps, refs, expected):
    metric = ChrF(char_order=6, word_order=0, beta=3, eps_smoothing=True)
    assert corpus(metric, hyps, [[r] for r in refs]) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("hyp", "ref", "expected"),
    [
        ("Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.",
         "Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.", 39.14078509),
        ("Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.",
         "A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.", 31.22557079),
        ("Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.",
         "Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.", 57.15704367),
    ],
)
def test_sentence_chrf_vectors(hyp, ref, expected):
    metric = ChrF(word_order=0, eps_smoothing=True)
    (row,) = metric.segment_stats([hyp], [[ref]])
    assert metric.segment_score(row) == pytest.approx(expected, abs=1e-6)


def test_default_chrf_is_chrf_plus_plus():
    metric = ChrF()
    metric.segment_stats(HYPS, REFS)
    assert metric.signature().startswith("chrF2++|") and "|nw:2|" in metric.signature()


@pytest.mark.parametrize(
    ("hyps", "refs", "expected"),
    [
        (["aaaa bbbb cccc dddd"], ["aaaa bbbb cccc dddd"], 0.0),
        (["dddd eeee ffff"], ["aaaa bbbb cccc"], 100.0),
        ([""], ["a"], 100.0),
        (["a"], [""], 100.0),
        ([""], [""], 0.0),
        (["d e f g h a b c"], ["a b c d e f g h"], 12.5),
    ],
)
def test_ter_vectors(hyps, refs, expected):
    assert corpus(Ter(), hyps, [[r] for r in refs]) == pytest.approx(expected, abs=1e-3)


def test_arabic_identical_strings_score_bleu_100():
    text = "أعلنت وزارة الصحة عن إطلاق حملة وطنية جديدة للتطعيم"
    assert corpus(Bleu(), [text], [[text]]) == pytest.approx(100.0)


def test_flores_opus_mt_output_matches_recomputed_sacrebleu(shared):
    """§E: the real opus-mt FLORES-101 devtest output, scored through the statistics path."""
    flores = shared / "external"
    hyps = (flores / "mt_system_outputs" / "opus-mt-ar-en_opus-2019-12-18.flores101-devtest.ara-eng.hyp.txt").read_text(encoding="utf-8").splitlines()
    refs = [[r] for r in (flores / "flores" / "flores101.devtest.eng").read_text(encoding="utf-8").splitlines()]
    assert corpus(Bleu(), hyps, refs) == pytest.approx(33.9681984369259, abs=1e-9)
    assert corpus(ChrF(word_order=0), hyps, refs) == pytest.approx(61.02773101090089, abs=1e-9)
    assert corpus(ChrF(), hyps, refs) == pytest.approx(59.07498948313261, abs=1e-9)
    assert corpus(Ter(), hyps, refs) == pytest.approx(51.49536550842427, abs=1e-9)


@pytest.mark.parametrize("cls", [Bleu, ChrF, Ter])
def test_statistics_do_not_depend_on_chunking(cls):
    """Large sets are scored a chunk at a time (bounded memory); the rows are the same."""
    whole = cls()
    rows = whole.segment_stats(HYPS * 3, REFS * 3)
    chunked = cls()
    chunked.chunk_size = 2
    assert chunked.segment_stats(HYPS * 3, REFS * 3) == rows
    assert chunked.signature() == whole.signature()
