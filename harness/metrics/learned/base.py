"""What every learned metric shares: options, device, length-sorted batches, the score cache.

A learned metric's statistics row is its one raw model score per segment (COMET's 0–1-ish
value, MetricX's 0–25 error), so resampling and paired tests work on the model's own numbers.
The model loads on first use, in the scoring process (``in_process``: never forked into the
scoring pool); making the metric (config checks, reading a report) loads nothing.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import sys
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from harness.errors import HarnessError
from harness.metrics.base import SourceMetric, Stats
from harness.metrics.learned.score_cache import DEFAULT_FOLDER, ScoreCache, segment_key
from harness.metrics.totals import SummedMetric
from harness.records import Task

log = logging.getLogger(__name__)


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"

DEVICES = ("auto", "cpu", "cuda")


@dataclass
class SegmentResult:
    """One segment's score, and whatever else the model says about it (xCOMET's spans)."""

    score: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Inputs:
    hypothesis: str
    source: str
    reference: str | None

    def key(self) -> str:
        return segment_key(self.source, self.hypothesis, self.reference)


class LearnedMetric(SourceMetric, SummedMetric):
    """Options: ``model`` (a checkpoint folder or a cached hub id), ``batch_size``,
    ``device`` (auto | cpu | cuda; half precision on a GPU unless ``half: false``),
    ``cache`` (reuse stored segment scores) and ``cache_dir`` (default ``.cache/harness``)."""

    width = 1
    tasks = frozenset({Task.TRANSLATION})
    in_process = True
    upper_bound = None
    #: the score is 100 × the mean raw score (COMET) or the mean itself (MetricX)
    scale: ClassVar[float] = 100.0
    #: bumped when a change of this code changes a number (part of the cache fingerprint)
    implementation: ClassVar[int] = 1

    def __init__(
        self,
        model: str | None = None,
        batch_size: int = 16,
        device: str = "auto",
        half: bool = True,
        cache: bool = True,
        cache_dir: str | None = None,
        progress: bool = True,
    ) -> None:
        if model is None:
            raise ValueError("'model' is required: a checkpoint folder or a cached hub id")
        if not isinstance(model, str) or not model.strip():
            raise ValueError("'model' must name a checkpoint folder or a hub id")
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"'batch_size' must be a positive integer, not {batch_size!r}")
        if device not in DEVICES:
            raise ValueError(f"'device' must be one of {', '.join(DEVICES)}, not {device!r}")
        for name, value in (("half", half), ("cache", cache), ("progress", progress)):
            if not isinstance(value, bool):
                raise ValueError(f"'{name}' must be true or false, not {value!r}")
        if cache_dir is not None and not isinstance(cache_dir, str):
            raise ValueError(f"'cache_dir' must be a folder path, not {cache_dir!r}")
        self.model = model
        self.batch_size = batch_size
        self.device_option = device
        self.half = half
        self.cache = cache
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else DEFAULT_FOLDER
        self.progress = progress
        #: what the model said beyond the score, per segment key (xCOMET's error spans)
        self.details: dict[str, dict[str, Any]] = {}
        #: how many segments the last call scored and how many it found in the cache
        self.last_counts = {"scored": 0, "cached": 0}

    # --- what a metric supplies ---------------------------------------------------------

    @abstractmethod
    def _load(self, device: str) -> None:
        """Load the model on ``device`` (called once, on first use)."""

    @abstractmethod
    def _score_batch(self, batch: Sequence[Inputs]) -> list[SegmentResult]:
        """Score one batch (all inputs of similar length)."""

    @abstractmethod
    def _identity(self) -> dict[str, str]:
        """What names the loaded model in the fingerprint and the signature (checkpoint
        sha256, architecture)."""

    @property
    def uses_reference(self) -> bool:
        """Whether the loaded model reads the reference (when one is given)."""
        return True

    # --- device -------------------------------------------------------------------------

    @cached_property
    def device(self) -> str:
        import torch

        if self.device_option == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        if self.device_option == "cuda" and not torch.cuda.is_available():
            raise HarnessError(f"metric '{self.name}': device 'cuda' requested, but torch sees "
                               "no CUDA GPU")
        return self.device_option

    @property
    def dtype_name(self) -> str:
        return "float16" if self.device == "cuda" and self.half else "float32"

    @cached_property
    def _loaded(self) -> bool:
        self._load(self.device)
        return True

    # --- fingerprint and signature ------------------------------------------------------

    def fingerprint(self) -> str:
        """sha256 of everything that decides a segment's score."""
        self._loaded  # noqa: B018 (the identity is the loaded checkpoint's)
        described = {
            "metric": self.name,
            **self._identity(),
            "device": self.device,
            "dtype": self.dtype_name,
            "batch_size": self.batch_size,
            "torch": package_version("torch"),
            "transformers": package_version("transformers"),
            "implementation": self.implementation,
        }
        return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()

    def signature(self) -> str:
        identity = "|".join(f"{k}:{v}" for k, v in self._identity().items())
        return (
            f"{self.name}|{identity}|refs:first|device:{self.device}|dtype:{self.dtype_name}"
            f"|batch:{self.batch_size}|version:torch-{package_version('torch')}"
            f"+transformers-{package_version('transformers')}"
        )

    # --- scoring ------------------------------------------------------------------------

    def segment_stats_with_sources(
        self,
        hypotheses: Sequence[str],
        references: Sequence[Sequence[str]],
        sources: Sequence[str],
    ) -> Stats:
        self._loaded  # noqa: B018 (load before reading uses_reference)
        inputs = [
            Inputs(h, s, (refs[0] if refs else None) if self.uses_reference else None)
            for h, refs, s in zip(hypotheses, references, sources, strict=True)
        ]
        results = self.results(inputs)
        return [[results[item.key()].score] for item in inputs]

    def results(self, inputs: Sequence[Inputs]) -> dict[str, SegmentResult]:
        """Each distinct input's result: from the cache, else scored in length-sorted
        batches (each batch stored as it finishes)."""
        unique = {item.key(): item for item in inputs}
        fingerprint = self.fingerprint()
        store = ScoreCache(self.cache_dir) if self.cache else None
        try:
            found: dict[str, SegmentResult] = {}
            if store is not None:
                for key, value in store.get_many(fingerprint, unique).items():
                    if isinstance(value, dict) and isinstance(value.get("score"), float):
                        found[key] = SegmentResult(value["score"], value.get("details") or {})
            todo = sorted(
                (key for key in unique if key not in found),
                key=lambda k: len(unique[k].source) + len(unique[k].hypothesis),
            )
            self.last_counts = {"scored": len(todo), "cached": len(found)}
            for start in self._progress(range(0, len(todo), self.batch_size), len(todo)):
                keys = todo[start : start + self.batch_size]
                scored = self._score_safely([unique[k] for k in keys])
                batch = dict(zip(keys, scored, strict=True))
                found.update(batch)
                if store is not None:
                    store.put_many(
                        fingerprint,
                        [(k, {"score": r.score, "details": r.details}) for k, r in batch.items()],
                    )
        finally:
            if store is not None:
                store.close()
        for key, result in found.items():
            if result.details:
                self.details[key] = result.details
        return found

    def _score_safely(self, batch: Sequence[Inputs]) -> list[SegmentResult]:
        """A batch that fails is retried one segment at a time, so that the failing one is
        named in one line (the batches before it are already in the cache)."""
        try:
            return self._score_batch(batch)
        except HarnessError:
            raise
        except Exception as exc:  # the model's failure: find the segment, say what failed
            if len(batch) == 1:
                raise HarnessError(
                    f"metric '{self.name}' failed on the hypothesis "
                    f"{batch[0].hypothesis[:60]!r}: {type(exc).__name__}: {exc}"
                ) from None
            log.warning("metric %s: a batch failed; scoring it one segment at a time", self.name)
            return [result for item in batch for result in self._score_safely([item])]

    def _progress(self, steps: range, total: int) -> Any:
        if not self.progress or total == 0 or not sys.stderr.isatty():
            return steps
        from tqdm.auto import tqdm

        return tqdm(steps, desc=f"{self.name} ({total} segments)", unit="batch", leave=False)

    def segment_details(
        self, source: str, hypothesis: str, references: Sequence[str]
    ) -> dict[str, Any]:
        if not self.details:
            return {}
        reference = (references[0] if references else None) if self.uses_reference else None
        return self.details.get(segment_key(source, hypothesis, reference), {})

    # --- corpus score -------------------------------------------------------------------

    def scores_from_totals(self, totals: Any, n: int) -> Any:
        import numpy as np

        return self.scale * totals[:, 0] / n if n else np.zeros(len(totals))
