"""Article/summary collections (XL-Sum layout: ``id``, ``title``, ``text``, ``summary``) from
JSONL, CSV or Parquet files or a hub dataset, read through ``datasets``.

Each record becomes an article: the title segment, one paragraph per non-empty line of the
text, and the reference summary split into sentences standing in for the bullets, so it is
scored exactly like a seed article's own summary.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.corpus.article import Article, Segment, SegmentKind
from harness.corpus.corpus import Corpus
from harness.corpus.hub import read_files, stream_hub
from harness.corpus.selection import describe_selection, select_indices
from harness.corpus.spec import CollectionCorpus, Fields, HubCollection
from harness.errors import HarnessError
from harness.jsonl import read_jsonl
from harness.paths import resolve
from harness.provenance import file_sha256
from harness.text.langid import detect_lang
from harness.text.sentences import split_sentences


def _field(row: dict[str, Any], name: str, where: str) -> str:
    value = row.get(name)
    if value is None:
        raise HarnessError(f"{where}: missing field '{name}'")
    return str(value)


def record_to_article(row: dict[str, Any], fields: Fields, where: str) -> Article:
    article_id = _field(row, fields.id, where)
    text = _field(row, fields.text, where)
    summary = _field(row, fields.summary, where)
    segments: list[Segment] = []

    def add(kind: SegmentKind, n: int | None, line: str) -> None:
        segment_id = kind.value if n is None else f"{kind.value}-{n}"
        segments.append(Segment(article_id, segment_id, kind, detect_lang(line), line))

    if fields.title is not None and row.get(fields.title):
        add(SegmentKind.TITLE, None, str(row[fields.title]).strip())
    for n, sentence in enumerate(split_sentences(summary), start=1):
        add(SegmentKind.BULLET, n, sentence)
    paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
    for n, paragraph in enumerate(paragraphs, start=1):
        add(SegmentKind.PARAGRAPH, n, paragraph)
    warnings = () if paragraphs else (f"{where}: empty '{fields.text}'",)
    return Article(article_id, tuple(segments), where, warnings)


def _rows_from_file(spec: CollectionCorpus, path: Path) -> Iterator[dict[str, Any]]:
    try:
        yield from read_files("json" if spec.format == "jsonl" else spec.format, path)
    except (HarnessError, ImportError):
        raise
    except Exception as exc:  # datasets/pyarrow parse errors carry no line numbers
        if spec.format == "jsonl":
            for _ in read_jsonl(path):  # raises with the file and line of the first bad line
                pass
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise HarnessError(f"{path}: cannot read as {spec.format}: {reason}") from None


def load_collection(spec: CollectionCorpus | HubCollection, base: Path) -> Corpus:
    corpus = Corpus(name=spec.name, articles=[], references=None)
    if isinstance(spec, CollectionCorpus):
        path = resolve(spec.path, base)
        rows: Iterator[dict[str, Any]] = _rows_from_file(spec, path)
        label = str(path)
    else:
        rows = stream_hub(spec.dataset, spec.config, spec.split, spec.revision)
        label = f"{spec.dataset}:{spec.split}"

    kind = "line" if getattr(spec, "format", "") == "jsonl" else "record"
    if spec.sample is None:  # stream: stop reading at the limit
        chosen = itertools.islice(enumerate(rows, start=1), spec.limit)
        articles = [record_to_article(r, spec.fields, f"{label}: {kind} {k}") for k, r in chosen]
        total = len(articles) if spec.limit is None else None
    else:
        all_rows = list(rows)
        total = len(all_rows)
        keep = select_indices(total, None, spec.sample, f"corpus '{spec.name}'")
        articles = [
            record_to_article(all_rows[i], spec.fields, f"{label}: {kind} {i + 1}")
            for i in keep
        ]
    if not articles:
        raise HarnessError(f"{label}: no records")
    seen: set[str] = set()
    for article in articles:
        if article.article_id in seen:
            raise HarnessError(f"{article.source_path}: duplicate id '{article.article_id}'")
        seen.add(article.article_id)
        corpus.warnings.extend(article.warnings)
    corpus.articles = articles
    if isinstance(spec, CollectionCorpus):
        corpus.files[label] = file_sha256(resolve(spec.path, base))
    corpus.selection = describe_selection(
        total,
        [a.article_id for a in articles],
        spec.limit,
        spec.sample,
    )
    return corpus
