"""compare-mt's n-gram counts and lists on a three-segment case worked out by hand."""

from __future__ import annotations

import pytest

from harness.verdicts.ngrams import (
    NgramKind,
    arabic_tokens,
    compare_ngrams,
    count_ngrams,
    english_tokens,
    tokenizer_for,
)

REFERENCES = [["the cat sat"], ["a dog ran"], ["the cat ran"]]
BASELINE = ["the cat sat", "a dog ran", "a cat ran"]
CANDIDATE = ["the the cat", "a cat ran", "the cat ran"]


def test_counts_follow_compare_mt_matching() -> None:
    tokens = [t.split() for t in CANDIDATE]
    refs = [[r.split() for r in segment] for segment in REFERENCES]
    counts = count_ngrams(tokens, refs, max_n=2)
    # "the the cat" vs "the cat sat": one "the" matches, the second is over-produced
    assert counts.match[("the",)] == 2  # segment 1 once, segment 3 once
    assert counts.over[("the",)] == 1
    assert counts.over[("the", "the")] == 1
    assert counts.under[("sat",)] == 1 and counts.under[("cat", "sat")] == 1
    # "a cat ran" vs "a dog ran": "dog" and its bigrams are missed, "cat" over-produced
    assert counts.under[("dog",)] == 1 and counts.under[("a", "dog")] == 1
    assert counts.over[("a", "cat")] == 1


def test_lists_rank_by_smoothed_share() -> None:
    match, over, under = compare_ngrams(REFERENCES, BASELINE, CANDIDATE, english_tokens)
    assert match.kind is NgramKind.MATCH
    cand_more = {e.ngram: e for e in match.candidate_more}
    base_more = {e.ngram: e for e in match.baseline_more}
    # "the cat ran" (segment 3): the candidate matches it, the baseline ("a cat ran") does not
    entry = cand_more["the cat ran"]
    assert (entry.baseline, entry.candidate) == (0, 1)
    assert entry.share == pytest.approx((1 + 1) / (1 + 0 + 2))
    # the baseline matches "sat", "dog", "cat sat" … and the candidate never does
    assert base_more["sat"].baseline == 1 and base_more["sat"].candidate == 0
    assert base_more["dog"].share == pytest.approx(1 / 3)
    # "the": candidate 2 matches, baseline 1 → share 3/5; "cat" is matched 3 times by each
    assert cand_more["the"].share == pytest.approx(3 / 5)
    assert "cat" not in cand_more and "cat" not in base_more
    # highest share first, ties broken by frequency then text: the lists are deterministic
    shares = [e.share for e in match.candidate_more]
    assert shares == sorted(shares, reverse=True)
    # over-produced: the candidate's "the the cat" and "a cat ran" (vs "a dog ran"); the
    # baseline's "a cat ran" (vs "the cat ran") – shared n-grams ("a cat", "a cat ran") tie at ½
    assert [e.ngram for e in over.candidate_more] == [
        "cat",
        "cat ran",
        "the",
        "the the",
        "the the cat",
    ]
    assert [e.ngram for e in over.baseline_more] == ["a"]
    assert "dog" in {e.ngram for e in under.candidate_more}  # the candidate misses "dog"


def test_several_references_clip_to_the_richest_one() -> None:
    counts = count_ngrams([["yes", "yes"]], [[["yes"], ["yes", "yes"]]], max_n=1)
    assert counts.match[("yes",)] == 2 and not counts.over


def test_top_limits_each_list() -> None:
    lists = compare_ngrams(REFERENCES, BASELINE, CANDIDATE, kinds=[NgramKind.MATCH], top=2)
    assert len(lists[0].candidate_more) == 2 and len(lists[0].baseline_more) == 2


def test_arabic_outputs_get_arabic_aware_tokens() -> None:
    assert tokenizer_for("summarization") is arabic_tokens
    assert tokenizer_for("translation") is english_tokens
    # diacritics dropped and alef forms folded: the same word counts as one n-gram
    assert arabic_tokens("أَعلن الرئيس،") == arabic_tokens("اعلن الرئيس")
    assert english_tokens("Korea's army, too.") == ["Korea's", "army", ",", "too", "."]
