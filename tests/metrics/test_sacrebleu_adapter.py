"""The adapter (harness/metrics/sacrebleu_metrics.py, the one module that calls sacrebleu's
private methods) against sacrebleu's *public* API, on the published vectors
(../shared/external/metric_vectors.md §A).

If a sacrebleu release inside the supported range renames or changes a private method, these
tests fail; the version range in pyproject.toml is what they have been run on.
"""

from __future__ import annotations

import pytest
from sacrebleu.metrics import BLEU, CHRF, TER

from harness.metrics.sacrebleu_metrics import Bleu, ChrF, Ter

HYPS = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."]
REF_STREAMS = [
    ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
    ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
]
ARABIC = ["شارك وزير الدفاع الروسي في الحفل", "", "كوريا الشمالية 45%"]
ARABIC_REFS = [["شارك وزير الدفاع في الحفل", "لا شيء", "كوريا الشمالية 54%"]]

CASES = [
    (Bleu, BLEU, {}),
    (Bleu, BLEU, {"tokenize": "intl"}),
    (Bleu, BLEU, {"tokenize": "none", "smooth_method": "floor", "smooth_value": 0.1}),
    (Bleu, BLEU, {"lowercase": True, "max_ngram_order": 2}),
    (ChrF, CHRF, {}),  # chrF++ is the harness default: word_order=2 on both sides below
    (ChrF, CHRF, {"word_order": 0}),
    (ChrF, CHRF, {"char_order": 4, "beta": 1}),
    (Ter, TER, {}),
    (Ter, TER, {"normalized": True, "case_sensitive": True}),
]


def _public(public_class, options):
    if public_class is CHRF:
        options = {"word_order": 2, **options}
    return public_class(**options)


@pytest.mark.parametrize(("ours", "public", "options"), CASES)
@pytest.mark.parametrize(("hyps", "streams"), [(HYPS, REF_STREAMS), (ARABIC, ARABIC_REFS)])
def test_corpus_score_equals_sacrebleus_public_corpus_score(ours, public, options, hyps, streams):
    metric = ours(**options)
    per_segment = [list(refs) for refs in zip(*streams, strict=True)]
    reference = _public(public, options)
    expected = reference.corpus_score(hyps, streams)
    assert metric.corpus_score(metric.segment_stats(hyps, per_segment)) == expected.score
    assert metric.signature().endswith(reference.get_signature().format())


@pytest.mark.parametrize(("ours", "public", "options"), CASES)
def test_segment_score_equals_sacrebleus_public_sentence_score(ours, public, options):
    metric = ours(**options)
    per_segment = [list(refs) for refs in zip(*REF_STREAMS, strict=True)]
    rows = metric.segment_stats(HYPS, per_segment)
    sentence_options = {**options, "effective_order": True} if public is BLEU else options
    sentence = _public(public, sentence_options)
    for hyp, refs, row in zip(HYPS, per_segment, rows, strict=True):
        assert metric.segment_score(row) == sentence.sentence_score(hyp, refs).score
