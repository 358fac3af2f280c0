"""BLEU, chrF++ and TER through sacrebleu, with sacrebleu's own sufficient statistics.

Corpus scores are sacrebleu's ``_compute_score_from_stats`` on the summed segment statistics,
which is exactly what ``corpus_score`` does; sacrebleu's paired tests use the same two methods.
Per-segment BLEU uses sacrebleu's sentence-BLEU settings (effective order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.metrics.base import Metric as SacrebleuBase
from sacrebleu.tokenizers import tokenizer_spm
from sacrebleu.tokenizers.tokenizer_spm import SPM_MODELS

from harness.errors import HarnessError
from harness.metrics.base import Metric, Stats
from harness.records import Task


def _streams(references: Sequence[Sequence[str]]) -> list[list[str]]:
    """sacrebleu wants reference *streams*: ``streams[k][i]`` is reference k of segment i."""
    counts = {len(refs) for refs in references}
    if len(counts) > 1:
        raise HarnessError(
            f"every segment needs the same number of references, got {sorted(counts)}"
        )
    return [list(stream) for stream in zip(*references, strict=False)]


def spm_model_path(tokenize: str) -> Path:
    """Where sacrebleu looks for (and would download) a sentencepiece tokenizer's model:
    ``$SACREBLEU/models/<basename of its URL>`` (``~/.sacrebleu`` by default), as in 2.6."""
    url = SPM_MODELS[tokenize]["url"]
    return Path(tokenizer_spm.SACREBLEU_DIR) / "models" / url.rsplit("/", 1)[-1]


def _refuse_network_tokenizer(name: str, options: Mapping[str, object]) -> None:
    """sacrebleu downloads the model of ``flores101``/``flores200``/``spm`` tokenizers on first
    use; offline that is a long network traceback, so refuse it at config time unless the
    model file is already where sacrebleu looks."""
    tokenize = options.get("tokenize")
    if not isinstance(tokenize, str) or tokenize not in SPM_MODELS:
        return
    path = spm_model_path(tokenize)
    if not path.is_file():
        raise HarnessError(
            f"metric '{name}': tokenize: {tokenize} needs sacrebleu's sentencepiece model, "
            f"which sacrebleu downloads on first use and the harness does not: put "
            f"{SPM_MODELS[tokenize]['url']} at {path} (or set SACREBLEU to a folder whose "
            "models/ holds it), or use a built-in tokenizer such as 13a or intl"
        )


class _SacrebleuMetric(Metric):
    tasks = frozenset({Task.TRANSLATION})
    display_name: str
    chunk_size = 2000  # segments whose references sacrebleu caches at once

    def __init__(self, **options: object) -> None:
        self.options = options
        _refuse_network_tokenizer(self.name, options)
        try:
            self._metric: SacrebleuBase = self._make(sentence=False)
            self._sentence_metric: SacrebleuBase = self._make(sentence=True)
        except (ImportError, RuntimeError) as exc:  # a tokenizer's optional package is missing
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise HarnessError(f"metric '{self.name}': {reason}") from None

    def _make(self, sentence: bool) -> SacrebleuBase:
        raise NotImplementedError

    def segment_stats(
        self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]
    ) -> Stats:
        rows: Stats = []
        # sacrebleu first caches every reference's n-grams; a chunk at a time keeps that cache
        # small on large test sets (the rows are per segment, so chunking changes nothing)
        for start in range(0, len(hypotheses), self.chunk_size):
            hyps = list(hypotheses[start : start + self.chunk_size])
            streams = _streams(references[start : start + self.chunk_size])
            self._metric._check_corpus_score_args(hyps, streams)
            chunk = self._metric._extract_corpus_statistics(hyps, streams)
            rows.extend(list(map(float, row)) for row in chunk)
        return rows

    def note_references(self, references: Sequence[Sequence[str]]) -> None:
        # what sacrebleu's _cache_references records for the signature's nrefs (-1: "var")
        counts = {len([r for r in refs if r is not None]) for refs in references}
        if counts:
            self._metric.num_refs = counts.pop() if len(counts) == 1 else -1  # type: ignore[attr-defined]

    def corpus_score(self, stats: Sequence[Sequence[float]]) -> float:
        summed = np.asarray(stats, dtype=float).sum(axis=0)
        return float(self._metric._compute_score_from_stats(summed).score)

    def segment_score(self, row: Sequence[float]) -> float:
        # a list (the type sacrebleu declares) is 2-3x faster than an array, same numbers
        compute = self._sentence_metric._compute_score_from_stats
        try:
            return float(compute(list(row)).score)
        except ArithmeticError:  # where a float division fails, numpy's gives inf/nan
            return float(compute(np.asarray(row)).score)

    # sacrebleu's paired bootstrap sums float32 statistics; doing the same reproduces its numbers.
    resample_dtype = np.float32

    def scores_from_totals(self, totals: np.ndarray, n: int) -> np.ndarray:
        compute = self._metric._compute_score_from_stats
        return np.array([compute(row).score for row in totals])  # dtype as sacrebleu infers it

    def signature(self) -> str:
        return f"{self.display_name}|{self._metric.get_signature().format()}"


class Bleu(_SacrebleuMetric):
    """Corpus BLEU with sacrebleu's defaults: 13a tokenizer, exponential smoothing.

    Options are ``sacrebleu.metrics.BLEU``'s keyword arguments; segment scores always use
    sentence-BLEU's effective order.
    """

    name = "bleu"
    display_name = "BLEU"
    higher_is_better = True

    def _make(self, sentence: bool) -> SacrebleuBase:
        return BLEU(**{**self.options, **({"effective_order": True} if sentence else {})})


class ChrF(_SacrebleuMetric):
    """chrF++: character 6-grams plus word bigrams (``word_order=2``), β = 2.

    Options are ``sacrebleu.metrics.CHRF``'s keyword arguments (``word_order=0`` is plain chrF).
    """

    name = "chrf"
    higher_is_better = True

    @property
    def display_name(self) -> str:  # type: ignore[override]
        chrf = self._metric
        return f"chrF{chrf.beta}{'+' * chrf.word_order}"  # type: ignore[attr-defined]

    def _make(self, sentence: bool) -> SacrebleuBase:
        return CHRF(**{"word_order": 2, **self.options})


class Ter(_SacrebleuMetric):
    """Translation edit rate (lower is better; can exceed 100)."""

    name = "ter"
    display_name = "TER"
    higher_is_better = False
    upper_bound = None

    def _make(self, sentence: bool) -> SacrebleuBase:
        return TER(**self.options)
