"""Corpus formats, selected by a ``corpus:`` entry's ``format``: the built-in table plus the
formats installed packages declare in the ``harness.corpus_formats`` entry-point group.

A format is a :class:`CorpusFormat`: the pydantic model of its config entry (a
:class:`~harness.corpus.spec.CorpusEntry` with a ``format`` literal) and how to read it into a
:class:`~harness.corpus.corpus.Corpus`. The table names implementations as import strings, so
validating a config imports only the formats it uses.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

from harness.corpus.corpus import Corpus
from harness.corpus.spec import CorpusEntry
from harness.registry import Registry


class CorpusFormat(ABC):
    """One corpus format: its entry's model (``spec``) and its reader (``load``)."""

    spec: ClassVar[type[CorpusEntry]]

    @abstractmethod
    def load(self, spec: Any, base: Path) -> Corpus:
        """Read the corpus that ``spec`` (an instance of :attr:`spec`) describes; relative
        paths resolve against ``base``, the config's folder. Bad data: a HarnessError."""


CORPUS_FORMATS: Registry[type[CorpusFormat]] = Registry(
    "corpus format", entry_point_group="harness.corpus_formats"
)
CORPUS_FORMATS.register("seed", "harness.corpus.builtin_formats:Seed")
CORPUS_FORMATS.register("parallel", "harness.corpus.builtin_formats:Parallel")
CORPUS_FORMATS.register("jsonl", "harness.corpus.builtin_formats:Collection")
CORPUS_FORMATS.register("csv", "harness.corpus.builtin_formats:Collection")
CORPUS_FORMATS.register("parquet", "harness.corpus.builtin_formats:Collection")
CORPUS_FORMATS.register("hub", "harness.corpus.builtin_formats:Hub")
