"""Arabic ROUGE against the field's own scorer: XL-Sum's multilingual ROUGE
(``multilingual-rouge``, ``lang="arabic"``) on the 51 Arabic article/summary pairs in
``../shared/external/summarization/``, with each article's first line as the summary.

The two tokenizers differ (README, "Arabic ROUGE"): ours folds letter variants, drops
diacritics and tatweel and maps Arabic-Indic digits; XL-Sum's splits letters from digits. On
news text the means still agree within 0.5 points.
"""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path

import pytest
from multilingual_rouge import rouge_scorer as xlsum
from nltk.stem.snowball import ArabicStemmer

from harness.metrics.rouge import Rouge1, Rouge2, RougeL, RougeLsum

VARIANTS = {"rouge1": Rouge1, "rouge2": Rouge2, "rougeL": RougeL, "rougeLsum": RougeLsum}
FILES = ("xlsum_arabic_v2.0_samples.jsonl", "ant_multisource_bbc_arabic_abstract_pairs.jsonl")


@pytest.fixture(scope="module")
def pairs() -> list[tuple[str, str]]:
    """(first line of the article, reference summary) for every pair."""
    folder = Path(__file__).resolve().parents[3] / "shared" / "external" / "summarization"
    rows = [
        json.loads(line)
        for name in FILES
        for line in (folder / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [(row["text"].split("\n")[0].strip(), row["summary"]) for row in rows]


def _ours(pairs, metrics: dict) -> dict[str, float]:
    predictions = [p for p, _ in pairs]
    references = [[t] for _, t in pairs]
    return {v: m.corpus_score(m.segment_stats(predictions, references)) for v, m in metrics.items()}


def _theirs(pairs, scorer) -> dict[str, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "switching to default tokenizer", once per text
        scored = [scorer.score(t, p) for p, t in pairs]
    return {v: 100 * sum(s[v].fmeasure for s in scored) / len(scored) for v in VARIANTS}


def test_pairs_are_the_51_arabic_pairs(pairs) -> None:
    assert len(pairs) == 51
    assert all(prediction and summary for prediction, summary in pairs)


def test_unstemmed_rouge_agrees_with_xlsum_within_half_a_point(pairs) -> None:
    theirs = xlsum.RougeScorer(list(VARIANTS), lang="arabic", use_stemmer=False)
    ours = _ours(pairs, {v: cls() for v, cls in VARIANTS.items()})
    field = _theirs(pairs, theirs)
    for variant in VARIANTS:
        assert 20 < field[variant] < 60, (variant, field[variant])  # a real, non-trivial score
        assert ours[variant] == pytest.approx(field[variant], abs=0.5), variant


def test_snowball_stemming_agrees_with_xlsum_snowball_within_half_a_point(pairs) -> None:
    """XL-Sum's Arabic mode stems with NLTK's Snowball stemmer (its stop-word list needs NLTK
    data, so the same stemmer is passed without it); ``stem_arabic: snowball`` is that."""
    theirs = xlsum.RougeScorer(
        list(VARIANTS),
        lang="arabic",
        use_stemmer=True,
        callable_stemmer=lru_cache(maxsize=None)(ArabicStemmer(ignore_stopwords=False).stem),
    )
    unstemmed = _ours(pairs, {"rouge1": Rouge1()})["rouge1"]
    ours = _ours(pairs, {v: cls(stem_arabic="snowball") for v, cls in VARIANTS.items()})
    field = _theirs(pairs, theirs)
    assert ours["rouge1"] > unstemmed + 1  # stemming changed the score
    for variant in VARIANTS:
        assert ours[variant] == pytest.approx(field[variant], abs=0.5), variant
