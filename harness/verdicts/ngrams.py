"""N-gram difference lists between two systems, as compare-mt defines them (Neubig et al. 2019).

For each output and its reference, every n-gram (n = 1–3) of the output is *matched* while the
reference still has an unused copy of it, else *over*-produced; the reference's copies left
unused are *under*-produced (compare-mt's ``compare_ngrams``). Summed over the corpus this gives
one count per n-gram and system. Two systems' counts ``b`` (baseline) and ``c`` (candidate) of
an n-gram become the smoothed share ``(c + α) / (c + b + 2α)`` (compare-mt's
``extract_salient_features``, α = 1: Laplace smoothing, so an n-gram seen once does not
outrank one seen fifty times); the highest shares are what the candidate does more, the lowest
what it does less. With ``kind="match"`` (compare-mt's default) the lists read "n-grams of the
reference the candidate gets right more (less) often than the baseline"; ``over`` and
``under`` list the over- and under-produced ones.

Differences from compare-mt, and why: outputs here are raw text, so they are tokenized first
(English: words and punctuation, case kept; Arabic: the harness's Arabic-aware tokenizer,
which strips diacritics and folds letter variants, as the Arabic ROUGE does); with several
references an n-gram may be matched as often as the reference that has it most (BLEU's
clipping), where compare-mt takes one reference; ties are broken by frequency, then text, so
the lists are the same on every run (compare-mt's order among ties follows a set's).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from harness.records import Task
from harness.report_model import JsonObject
from harness.text.arabic import ArabicAwareTokenizer

Ngram = tuple[str, ...]
Tokenize = Callable[[str], list[str]]

MAX_N = 3
TOP = 20
ALPHA = 1.0

_WORDS = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]", re.UNICODE)


class NgramKind(StrEnum):
    MATCH = "match"
    OVER = "over"
    UNDER = "under"


def english_tokens(text: str) -> list[str]:
    """Words (with inner apostrophes) and single punctuation marks, case kept."""
    return _WORDS.findall(text)


@cache
def _arabic() -> ArabicAwareTokenizer:
    return ArabicAwareTokenizer()


def arabic_tokens(text: str) -> list[str]:
    return _arabic().tokenize(text)


def tokenizer_for(task: str) -> Tokenize:
    """Arabic-aware tokens for Arabic outputs (Arabic summaries), English ones otherwise."""
    return arabic_tokens if task == Task.SUMMARIZATION.value else english_tokens


def ngrams(tokens: Sequence[str], max_n: int = MAX_N) -> Counter[Ngram]:
    """Every n-gram of ``tokens`` for n = 1 … ``max_n``, with its count."""
    counts: Counter[Ngram] = Counter()
    for n in range(1, max_n + 1):
        counts.update(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return counts


@dataclass
class NgramCounts:
    """One system's corpus counts: n-grams matched, over- and under-produced."""

    match: Counter[Ngram]
    over: Counter[Ngram]
    under: Counter[Ngram]

    def of(self, kind: NgramKind) -> Counter[Ngram]:
        return {"match": self.match, "over": self.over, "under": self.under}[kind.value]


def count_ngrams(
    outputs: Sequence[Sequence[str]],
    references: Sequence[Sequence[Sequence[str]]],
    max_n: int = MAX_N,
) -> NgramCounts:
    """compare-mt's matched / over / under counts of tokenized ``outputs`` against their
    tokenized ``references`` (several per segment: the most copies any one of them has)."""
    counts = NgramCounts(Counter(), Counter(), Counter())
    for output, refs in zip(outputs, references, strict=True):
        available: Counter[Ngram] = Counter()
        for ref in refs:
            available |= ngrams(ref, max_n)
        produced = ngrams(output, max_n)
        for gram, count in produced.items():
            matched = min(count, available[gram])
            if matched:
                counts.match[gram] += matched
            if count > matched:
                counts.over[gram] += count - matched
        for gram, count in available.items():
            left = count - min(count, produced[gram])
            if left:
                counts.under[gram] += left
    return counts


@dataclass(frozen=True)
class NgramEntry:
    ngram: str
    n: int
    baseline: int
    candidate: int
    #: (candidate + α) / (candidate + baseline + 2α): above ½ the candidate has more
    share: float

    def to_json(self) -> JsonObject:
        return dict(self.__dict__)


@dataclass(frozen=True)
class NgramLists:
    kind: NgramKind
    #: the n-grams the candidate has more of (highest shares first)
    candidate_more: list[NgramEntry]
    #: the n-grams the baseline has more of (lowest shares first)
    baseline_more: list[NgramEntry]

    def to_json(self) -> JsonObject:
        return {
            "kind": self.kind.value,
            "candidate_more": [e.to_json() for e in self.candidate_more],
            "baseline_more": [e.to_json() for e in self.baseline_more],
        }


def salient(
    baseline: Counter[Ngram], candidate: Counter[Ngram], alpha: float = ALPHA
) -> dict[Ngram, float]:
    """compare-mt's smoothed share of each n-gram that either system has."""
    return {
        gram: (candidate[gram] + alpha) / (candidate[gram] + baseline[gram] + 2 * alpha)
        for gram in baseline.keys() | candidate.keys()
    }


def ngram_lists(
    baseline: NgramCounts,
    candidate: NgramCounts,
    kind: NgramKind = NgramKind.MATCH,
    top: int = TOP,
    alpha: float = ALPHA,
) -> NgramLists:
    """The ``top`` n-grams of ``kind`` each system has more of than the other."""
    base, cand = baseline.of(kind), candidate.of(kind)
    shares = salient(base, cand, alpha)

    def entry(gram: Ngram) -> NgramEntry:
        return NgramEntry(" ".join(gram), len(gram), base[gram], cand[gram], shares[gram])

    def frequency(gram: Ngram) -> int:
        return base[gram] + cand[gram]

    more = sorted(
        (g for g in shares if shares[g] > 0.5), key=lambda g: (-shares[g], -frequency(g), g)
    )
    less = sorted(
        (g for g in shares if shares[g] < 0.5), key=lambda g: (shares[g], -frequency(g), g)
    )
    return NgramLists(kind, [entry(g) for g in more[:top]], [entry(g) for g in less[:top]])


def compare_ngrams(
    references: Sequence[Sequence[str]],
    baseline_outputs: Sequence[str],
    candidate_outputs: Sequence[str],
    tokenize: Tokenize = english_tokens,
    kinds: Sequence[NgramKind] = tuple(NgramKind),
    top: int = TOP,
    max_n: int = MAX_N,
) -> list[NgramLists]:
    """The lists of each kind for two systems' outputs of the same segments (raw text)."""
    refs = [[tokenize(r) for r in segment] for segment in references]
    base = count_ngrams([tokenize(o) for o in baseline_outputs], refs, max_n)
    cand = count_ngrams([tokenize(o) for o in candidate_outputs], refs, max_n)
    return [ngram_lists(base, cand, kind, top) for kind in kinds]
