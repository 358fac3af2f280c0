"""Loads the corpora a config names, whatever their format, into :class:`Corpus` objects."""

from __future__ import annotations

from pathlib import Path

from harness.corpus.article import Article
from harness.corpus.corpus import Corpus
from harness.corpus.formats import CORPUS_FORMATS
from harness.corpus.references import check_alignment, load_references, reference_files
from harness.corpus.seed_reader import expand_article_paths, read_article
from harness.corpus.selection import describe_selection, select_indices
from harness.corpus.spec import CorpusEntry, SeedCorpus
from harness.errors import HarnessError
from harness.provenance import file_sha256

__all__ = ["Corpus", "load_corpus", "load_seed_corpus"]


def load_seed_corpus(spec: SeedCorpus, base: Path) -> Corpus:
    """Read seed-format articles (file, folder or glob); check references align, if given."""
    all_paths = expand_article_paths(spec.path, base)
    paths = [
        all_paths[i]
        for i in select_indices(len(all_paths), spec.limit, spec.sample, f"corpus '{spec.name}'")
    ]
    articles: list[Article] = []
    seen: dict[str, Path] = {}
    for path in paths:
        article = read_article(path)
        if article.article_id in seen:
            raise HarnessError(
                f"{path}: article id '{article.article_id}' also used by {seen[article.article_id]}"
            )
        seen[article.article_id] = path
        articles.append(article)
    corpus = Corpus(name=spec.name, articles=articles, references=None)
    corpus.files.update({str(p): file_sha256(p) for p in paths})
    for article in articles:
        corpus.warnings.extend(article.warnings)
    if spec.references is not None:
        references = load_references(spec.references, base)
        check_alignment(references, articles, where=spec.references)
        corpus.references = references
        files = reference_files(spec.references, base)
        corpus.files.update({str(p): file_sha256(p) for p in files})
    corpus.selection = describe_selection(
        len(all_paths), [a.article_id for a in articles], spec.limit, spec.sample
    )
    return corpus


def load_corpus(spec: CorpusEntry, base: Path) -> Corpus:
    """Load one ``corpus:`` entry of a config, by its format (built in or a plug-in)."""
    corpus = CORPUS_FORMATS.get(spec.format)().load(spec, base)  # type: ignore[attr-defined]
    corpus.warnings.extend(corpus.empty_reference_warnings())
    return corpus
