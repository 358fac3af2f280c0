"""Reference translations, aligned with articles by segment id (format: references/README.md)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness.corpus.article import Article
from harness.corpus.corpus import References
from harness.errors import HarnessError, first_of
from harness.jsonl import read_jsonl, require_str
from harness.paths import resolve


def reference_files(spec: str, base: Path) -> list[Path]:
    """The JSONL files a ``references:`` entry names (a file, or a folder's ``*.jsonl``)."""
    target = resolve(spec, base)
    if target.is_dir():
        files = sorted(target.glob("*.jsonl"))
    elif target.is_file():
        files = [target]
    else:
        raise HarnessError(f"{target}: references not found")
    if not files:
        raise HarnessError(f"{target}: no *.jsonl reference files")
    return files


def load_references(spec: str, base: Path) -> References:
    """Read every reference line; a duplicate (article, segment) pair is an error."""
    references: References = {}
    for path in reference_files(spec, base):
        for number, obj in read_jsonl(path):
            article_id = require_str(path, number, obj, "article_id")
            segment_id = require_str(path, number, obj, "segment_id")
            value = obj.get("reference")
            if isinstance(value, str):
                texts: tuple[str, ...] = (value,)
            elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                texts = tuple(value)
            else:
                raise HarnessError(
                    f"{path}:{number}: 'reference' must be a string or a list of strings"
                )
            key = (article_id, segment_id)
            if key in references:
                raise HarnessError(
                    f"{path}:{number}: duplicate reference for {article_id}/{segment_id}"
                )
            references[key] = texts
    return references


def _ids(keys: Sequence[tuple[str, str]], limit: int = 10) -> str:
    return first_of([f"{a}/{s}" for a, s in keys], limit)


def check_alignment(references: References, articles: Sequence[Article], where: str) -> None:
    """Every translatable segment has a reference and every reference has a segment.

    References for articles that are not in the corpus are ignored (a run may use a subset).
    """
    wanted = {(s.article_id, s.segment_id) for a in articles for s in a.translatable}
    loaded_articles = {a.article_id for a in articles}
    missing = sorted(wanted - references.keys())
    unknown = sorted(k for k in references if k[0] in loaded_articles and k not in wanted)
    if missing:
        raise HarnessError(f"{where}: no reference for Arabic segment(s) {_ids(missing)}")
    if unknown:
        raise HarnessError(
            f"{where}: reference(s) for unknown or non-Arabic segment(s) {_ids(unknown)}"
        )
    counts = {len(references[k]) for k in wanted}
    if len(counts) > 1:
        raise HarnessError(
            f"{where}: segments have different numbers of references {sorted(counts)}"
        )
