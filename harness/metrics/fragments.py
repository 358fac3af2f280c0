"""Summary fidelity and style: invented numbers, extractive fragments, repetition.

- ``novel_numbers`` (↓): the share of the summary's numbers (:mod:`harness.text.numbers`) that
  appear nowhere in the article; rows ``[novel, summary numbers]``.
- ``coverage``, ``density``, ``compression``: the extractive fragment statistics of Grusky,
  Naaman and Artzi (2018), "Newsroom", §4.1, computed with the greedy fragment matching of
  their ``newsroom`` package (``newsroom.analyze.Fragments``) on the normalised tokens of
  :class:`harness.text.arabic.ArabicAwareTokenizer` (no stemming). With the fragments F of
  summary S in article A: coverage = Σ|f| / |S| (as a percentage), density = Σ|f|² / |S|,
  compression = |A| / |S|. The corpus value is the mean over summaries, as in the paper; an
  empty summary has none of them and is left out (rows ``[value, 1]`` or ``[0, 0]``).
  They describe *style* (how extractive, how short), not quality; their directions are a
  choice: coverage ↑ (words the article supports), density ↓ (less verbatim copying: the
  task asks for abstractive summaries), compression ↑ (more condensed).
- ``repetition`` (↓): the share of the summary's word trigrams that repeat an earlier trigram
  of the same summary; rows ``[repeated, trigrams]``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from harness.metrics.base import Measures, SourceMetric, Stats
from harness.metrics.totals import RatioMetric, SummedMetric
from harness.records import Task
from harness.text.arabic import NORMALIZATION_VERSION, ArabicAwareTokenizer
from harness.text.numbers import extract_numbers

_TOKENIZER = ArabicAwareTokenizer()


@lru_cache(maxsize=4096)
def _article_tokens(article: str) -> tuple[str, ...]:
    """An article's tokens, once for every system and every fragment metric that reads it."""
    return tuple(_TOKENIZER.tokenize(article))


@lru_cache(maxsize=4096)
def _article_numbers(article: str) -> frozenset[str]:
    return frozenset(extract_numbers(article))


class Fragment(NamedTuple):
    summary_start: int
    article_start: int
    length: int


def fragments(summary: Sequence[str], article: Sequence[str]) -> list[Fragment]:
    """The extractive fragments of ``summary`` in ``article``: Newsroom's greedy matching.

    From each summary position, the longest run of tokens shared with the article is taken
    (the first one found on ties) and the scan resumes after it; a token found nowhere is
    skipped. As in ``newsroom.analyze.Fragments._match``, the article scan resumes after the
    end of each candidate run, so a shorter match nested inside a longer one is not retried.
    """
    found: list[Fragment] = []
    s = 0
    while s < len(summary):
        best: Fragment | None = None
        a = 0
        while a < len(article):
            if summary[s] == article[a]:
                s_end, a_end = s, a
                while (
                    s_end < len(summary)
                    and a_end < len(article)
                    and summary[s_end] == article[a_end]
                ):
                    s_end += 1
                    a_end += 1
                if best is None or s_end - s > best.length:
                    best = Fragment(s, a, s_end - s)
                a = a_end
            else:
                a += 1
        if best is not None:
            found.append(best)
            s += best.length
        else:
            s += 1
    return found


class _SummaryMetric(SourceMetric, SummedMetric):
    """A summary metric that reads the article (the source)."""

    tasks = frozenset({Task.SUMMARIZATION})
    needs_reference = False


class NovelNumbers(_SummaryMetric, RatioMetric):
    """The share (0–100) of the summary's numbers that the article never writes (over the
    corpus; summaries without numbers add nothing, a corpus without any scores 0)."""

    name = "novel_numbers"
    fidelity = True
    higher_is_better = False

    def segment_stats_with_sources(
        self,
        hypotheses: Sequence[str],
        references: Sequence[Sequence[str]],
        sources: Sequence[str],
    ) -> Stats:
        rows: Stats = []
        for summary, article in zip(hypotheses, sources, strict=True):
            in_article = _article_numbers(article)
            numbers = extract_numbers(summary)
            novel = sum(n not in in_article for n in numbers)
            rows.append([float(novel), float(len(numbers))])
        return rows

    def signature(self) -> str:
        return "novel_numbers|novel/summary-numbers|digits:ascii+arabic-indic+eastern|version:1"


def coverage(summary: Sequence[str], article: Sequence[str]) -> float:
    """Percentage of summary tokens inside an extractive fragment (0–100)."""
    return 100.0 * sum(f.length for f in fragments(summary, article)) / len(summary)


def density(summary: Sequence[str], article: Sequence[str]) -> float:
    """Average squared fragment length per summary token (0 to |S|)."""
    return sum(f.length**2 for f in fragments(summary, article)) / len(summary)


def compression(summary: Sequence[str], article: Sequence[str]) -> float:
    """Article tokens per summary token."""
    return len(article) / len(summary)


class _Fragments(_SummaryMetric):
    """Mean of a per-summary fragment statistic (:attr:`value`, one of the functions above)
    over the non-empty summaries: a description of the summary's style, not a verdict on it."""

    fidelity = True
    measures = Measures.DESCRIPTION
    value: Callable[[Sequence[str], Sequence[str]], float]

    @classmethod
    def applies_to(cls, task: Task) -> bool:
        """Arabic summaries only: fragments are runs of tokens shared with the article, and an
        English summary of an Arabic article shares none, so every value would be 0."""
        return task is Task.SUMMARIZATION

    def segment_stats_with_sources(
        self,
        hypotheses: Sequence[str],
        references: Sequence[Sequence[str]],
        sources: Sequence[str],
    ) -> Stats:
        rows: Stats = []
        for summary_text, article_text in zip(hypotheses, sources, strict=True):
            summary = _TOKENIZER.tokenize(summary_text)
            if not summary:
                rows.append([0.0, 0.0])
                continue
            rows.append([self.value(summary, _article_tokens(article_text)), 1.0])
        return rows

    def scores_from_totals(self, totals: np.ndarray, n: int) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            means = totals[:, 0] / totals[:, 1]
        return np.where(totals[:, 1] > 0, means, 0.0)

    def signature(self) -> str:
        return f"{self.name}|grusky2018-greedy|tok:{NORMALIZATION_VERSION}|agg:mean|version:1"


class Coverage(_Fragments):
    """:func:`coverage`: words the article supports (higher: better grounded)."""

    name = "coverage"
    value = staticmethod(coverage)
    higher_is_better = True


class Density(_Fragments):
    """:func:`density`: how verbatim the copying is (lower: more abstractive)."""

    name = "density"
    value = staticmethod(density)
    higher_is_better = False
    upper_bound = None


class Compression(_Fragments):
    """:func:`compression`: how condensed the summary is (higher: shorter)."""

    name = "compression"
    value = staticmethod(compression)
    higher_is_better = True
    upper_bound = None


class Repetition(RatioMetric):
    """The share (0–100) of word trigrams that repeat an earlier trigram of the same summary,
    over the corpus, on normalised tokens (summaries under three tokens add nothing)."""

    name = "repetition"
    fidelity = True
    measures = Measures.DESCRIPTION
    tasks = frozenset({Task.SUMMARIZATION})
    higher_is_better = False
    needs_reference = False

    def segment_stats(
        self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]
    ) -> Stats:
        rows: Stats = []
        for summary in hypotheses:
            tokens = _TOKENIZER.tokenize(summary)
            trigrams = Counter(zip(tokens, tokens[1:], tokens[2:], strict=False))
            total = sum(trigrams.values())
            rows.append([float(total - len(trigrams)), float(total)])
        return rows

    def signature(self) -> str:
        return f"repetition|repeated-trigrams/trigrams|tok:{NORMALIZATION_VERSION}|version:1"
