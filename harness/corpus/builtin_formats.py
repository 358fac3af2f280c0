"""The built-in corpus formats (registered in :mod:`harness.corpus.formats`). The readers of
parallel files and collections are imported when such a corpus is read."""

from __future__ import annotations

from pathlib import Path

from harness.corpus.corpus import Corpus
from harness.corpus.formats import CorpusFormat
from harness.corpus.loader import load_seed_corpus
from harness.corpus.spec import CollectionCorpus, HubCollection, ParallelCorpus, SeedCorpus


class Seed(CorpusFormat):
    spec = SeedCorpus

    def load(self, spec: SeedCorpus, base: Path) -> Corpus:
        return load_seed_corpus(spec, base)


class Parallel(CorpusFormat):
    spec = ParallelCorpus

    def load(self, spec: ParallelCorpus, base: Path) -> Corpus:
        from harness.corpus.parallel import load_parallel

        return load_parallel(spec, base)


class Collection(CorpusFormat):
    spec = CollectionCorpus

    def load(self, spec: CollectionCorpus, base: Path) -> Corpus:
        from harness.corpus.collection import load_collection

        return load_collection(spec, base)


class Hub(CorpusFormat):
    spec = HubCollection

    def load(self, spec: HubCollection, base: Path) -> Corpus:
        from harness.corpus.collection import load_collection

        return load_collection(spec, base)
