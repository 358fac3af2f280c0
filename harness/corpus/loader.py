"""Loads the corpus a config names: its articles, their references, and what was read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from harness.corpus.article import Article
from harness.corpus.references import References, check_alignment, load_references
from harness.corpus.seed_reader import expand_article_paths, read_article
from harness.errors import HarnessError


@dataclass
class Corpus:
    name: str
    articles: list[Article]
    references: References | None
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256
    warnings: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_seed_corpus(articles_spec: str, references_spec: str | None, base: Path) -> Corpus:
    """Read articles (file, folder or glob) and, if given, check their references align."""
    paths = expand_article_paths(articles_spec, base)
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
    name = Path(articles_spec.rstrip("/")).name or "articles"
    corpus = Corpus(name=name, articles=articles, references=None)
    corpus.files.update({str(p): _sha256(p) for p in paths})
    for article in articles:
        corpus.warnings.extend(article.warnings)
    if references_spec is not None:
        references = load_references(references_spec, base)
        check_alignment(references, articles, where=references_spec)
        corpus.references = references
        target = (
            Path(references_spec) if Path(references_spec).is_absolute() else base / references_spec
        )
        ref_files = sorted(target.glob("*.jsonl")) if target.is_dir() else [target]
        corpus.files.update({str(p): _sha256(p) for p in ref_files})
    return corpus
