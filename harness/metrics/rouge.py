"""ROUGE through rouge-score, with a tokenizer that keeps Arabic script.

Per segment the statistics are precision, recall and F-measure of the variant; the corpus score
is 100 × the mean F-measure (rouge-score's ``BootstrapAggregator`` is unseeded, so we take the
plain mean and leave intervals to our own seeded bootstrap). ROUGE-Lsum treats each line as a
sentence: the summarization task puts one bullet, and one summary sentence, per line.

``stem_arabic`` (``isri`` or ``snowball``) stems Arabic-script tokens longer than 3 characters,
after normalisation, with nltk's ``ISRIStemmer`` or Snowball ``ArabicStemmer`` (neither needs
downloaded data); the signature's ``stem:`` field records which stemmer ran. XL-Sum's own
scorer applies the Snowball stemmer to tokens longer than 3 characters, before any folding.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version

import numpy as np
from rouge_score.rouge_scorer import RougeScorer

from harness.metrics.base import Metric, Stats
from harness.metrics.totals import mean_scores
from harness.records import Task
from harness.text.arabic import ArabicAwareTokenizer


class _Rouge(Metric):
    """ROUGE F-measure; ``stem_latin`` applies rouge-score's Porter stemmer to Latin tokens,
    ``stem_arabic`` (``isri`` | ``snowball``) an nltk stemmer to Arabic tokens."""

    tasks = frozenset({Task.SUMMARIZATION})
    higher_is_better = True
    variant: str

    def __init__(self, stem_latin: bool = False, stem_arabic: str | None = None) -> None:
        self.tokenizer = ArabicAwareTokenizer(stem_latin=stem_latin, stem_arabic=stem_arabic)
        self._scorer = RougeScorer([self.variant], tokenizer=self.tokenizer)
        self._nrefs: set[int] = set()

    def segment_stats(
        self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]
    ) -> Stats:
        rows: Stats = []
        self.note_references(references)
        for hypothesis, refs in zip(hypotheses, references, strict=True):
            if len(refs) == 1:
                score = self._scorer.score(refs[0], hypothesis)[self.variant]
            else:  # rouge-score keeps the best-matching reference per variant
                score = self._scorer.score_multi(list(refs), hypothesis)[self.variant]
            rows.append([score.precision, score.recall, score.fmeasure])
        return rows

    def note_references(self, references: Sequence[Sequence[str]]) -> None:
        self._nrefs.update(len(refs) for refs in references)

    def corpus_score(self, stats: Sequence[Sequence[float]]) -> float:
        if len(stats) == 0:
            return 0.0
        return float(100.0 * np.asarray(stats, dtype=float)[:, 2].mean())

    def segment_score(self, row: Sequence[float]) -> float:
        return float(100.0 * row[2])

    def scores_from_totals(self, totals: np.ndarray, n: int) -> np.ndarray:
        return mean_scores(totals, n, column=2)  # the F column

    def signature(self) -> str:
        nrefs = ",".join(str(n) for n in sorted(self._nrefs)) or "1"
        return (
            f"{self.name}|nrefs:{nrefs}|{self.tokenizer.signature}|agg:mean-f"
            f"|version:rouge-score-{version('rouge-score')}"
        )


class Rouge1(_Rouge):
    name = variant = "rouge1"


class Rouge2(_Rouge):
    name = variant = "rouge2"


class RougeL(_Rouge):
    name = variant = "rougeL"


class RougeLsum(_Rouge):
    name = variant = "rougeLsum"
