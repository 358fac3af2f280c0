"""Which bucket each segment of a report falls in: by kind, position, length, article or label.

A bucketing reads only what a report's segments hold (ids, source text, optional labels), so
two saved reports can be broken down without the corpus at hand:

- ``kind``: the segment id's kind (``title``, ``bullet-N``, ``paragraph-N``, ``embed-N``; a
  line of a line-aligned test set is a ``sentence``; an article's summary a ``summary``);
- ``position``: where a body segment (paragraph or sentence) sits in its article: ``first``,
  ``middle``, ``last``, or ``only`` when the article has one; titles, bullets and summaries
  keep their kind. NTREX-128's first line per document is its headline, so ``first`` there
  holds the headlines;
- ``length``: the source's length in tokens (Arabic-aware words), in buckets with the given
  upper edges, else in quartiles of the segments' lengths;
- ``article-length``: the same for the whole article each segment belongs to (for summaries
  the source is the article);
- ``article``: the article id;
- any other name: that per-segment label, from the segment's ``labels`` in the report or from a
  labels file (``domain``, ``topic``, …).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

import numpy as np

from harness.errors import HarnessError
from harness.jsonl import read_jsonl, require_str
from harness.report_model import SegmentEntry
from harness.text.arabic import ArabicAwareTokenizer

KIND, POSITION, LENGTH, ARTICLE_LENGTH, ARTICLE = (
    "kind",
    "position",
    "length",
    "article-length",
    "article",
)
BUILT_IN = (KIND, POSITION, LENGTH, ARTICLE_LENGTH, ARTICLE)
#: quartiles: the default length buckets when none are given
DEFAULT_QUANTILES = (0.25, 0.5, 0.75)

_NUMBERED = re.compile(r"^(bullet|paragraph|embed)-(\d+)$")
_KIND_ORDER = ("title", "bullet", "paragraph", "sentence", "embed", "summary", "other")
_POSITION_ORDER = ("title", "bullet", "first", "middle", "last", "only", "summary", "other")
_BODY = ("paragraph", "sentence")

#: (corpus, article_id, segment_id) → {label name: value}
Labels = Mapping[tuple[str | None, str, str | None], Mapping[str, str]]


@dataclass(frozen=True)
class Buckets:
    """Each segment's bucket (``None``: in none) and the buckets in display order."""

    by: str
    of_segment: list[str | None]
    order: list[str]


def segment_kind(segment_id: str | None) -> str:
    """``title``, ``bullet``, ``paragraph``, ``embed``, ``sentence`` or ``summary``."""
    if segment_id is None:
        return "summary"
    if segment_id == "title":
        return "title"
    numbered = _NUMBERED.match(segment_id)
    if numbered:
        return numbered.group(1)
    return "sentence" if segment_id.isdigit() else "other"


def _body_number(segment_id: str) -> int:
    numbered = _NUMBERED.match(segment_id)
    return int(numbered.group(2)) if numbered else int(segment_id)


@cache
def _tokenizer() -> ArabicAwareTokenizer:
    return ArabicAwareTokenizer()


def token_count(text: str) -> int:
    """Words of ``text`` as the Arabic-aware tokenizer splits them (punctuation dropped)."""
    return len(_tokenizer().tokenize(text))


def _ordered(present: Sequence[str | None], order: Sequence[str]) -> list[str]:
    seen = set(present)
    return [name for name in order if name in seen]


def by_kind(segments: Sequence[SegmentEntry]) -> Buckets:
    kinds: list[str | None] = [segment_kind(s.segment_id) for s in segments]
    return Buckets(KIND, kinds, _ordered(kinds, _KIND_ORDER))


def by_position(segments: Sequence[SegmentEntry]) -> Buckets:
    """first / middle / last body segment of each article, by paragraph (or line) number."""
    body: dict[tuple[str | None, str], list[tuple[int, int]]] = {}
    positions: list[str | None] = []
    for index, segment in enumerate(segments):
        kind = segment_kind(segment.segment_id)
        positions.append(kind)
        if kind in _BODY:
            article = (segment.corpus, segment.article_id)
            body.setdefault(article, []).append((_body_number(segment.segment_id or ""), index))
    for members in body.values():
        members.sort()
        if len(members) == 1:
            positions[members[0][1]] = "only"
            continue
        for rank, (_, index) in enumerate(members):
            last = rank == len(members) - 1
            positions[index] = "first" if rank == 0 else ("last" if last else "middle")
    return Buckets(POSITION, positions, _ordered(positions, _POSITION_ORDER))


def length_edges(
    lengths: Sequence[int], quantiles: Sequence[float] = DEFAULT_QUANTILES
) -> list[int]:
    """Upper edges of quantile buckets of ``lengths`` (duplicates merged)."""
    if not lengths:
        return []
    values = np.quantile(np.asarray(lengths), quantiles, method="lower")
    return sorted({int(v) for v in values})


def _range_label(low: int | None, high: int | None, unit: str) -> str:
    if low is None:
        return f"≤{high} {unit}"
    if high is None:
        return f"≥{low} {unit}"
    return f"{low}–{high} {unit}" if low != high else f"{low} {unit}"


def _by_length(by: str, lengths: Sequence[int], edges: Sequence[int] | None, unit: str) -> Buckets:
    if edges is not None and list(edges) != sorted(set(edges)):
        raise HarnessError(f"length buckets must be increasing numbers, got {list(edges)}")
    cuts = list(edges) if edges else length_edges(lengths)
    labels = [_range_label(None, cuts[0], unit)] if cuts else [f"all {unit}"]
    labels += [_range_label(a + 1, b, unit) for a, b in pairwise(cuts)]
    if cuts:
        labels.append(_range_label(cuts[-1] + 1, None, unit))
    index = np.searchsorted(np.asarray(cuts), np.asarray(lengths), side="left")
    assigned: list[str | None] = [labels[int(i)] for i in index]
    return Buckets(by, assigned, _ordered(assigned, labels))


def by_length(segments: Sequence[SegmentEntry], edges: Sequence[int] | None = None) -> Buckets:
    """Source length in tokens; ``edges`` are bucket upper bounds (inclusive)."""
    lengths = [token_count(s.source) for s in segments]
    return _by_length(LENGTH, lengths, edges, "tokens")


def by_article_length(segments: Sequence[SegmentEntry]) -> Buckets:
    """The length (tokens) of the article each segment belongs to: the sum of its segments'
    sources (of its one summary source, for a summary), in quartiles over the articles."""
    totals: dict[tuple[str | None, str], int] = {}
    for segment in segments:
        key = (segment.corpus, segment.article_id)
        totals[key] = totals.get(key, 0) + token_count(segment.source)
    cuts = length_edges(list(totals.values()))
    lengths = [totals[(s.corpus, s.article_id)] for s in segments]
    return _by_length(ARTICLE_LENGTH, lengths, cuts, "tokens/article")


def by_article(segments: Sequence[SegmentEntry]) -> Buckets:
    ids: list[str | None] = [s.article_id for s in segments]
    return Buckets(ARTICLE, ids, list(dict.fromkeys(i for i in ids if i is not None)))


def by_label(
    segments: Sequence[SegmentEntry], name: str, labels: Labels | None = None
) -> Buckets:
    """The segment's label ``name`` (from its ``labels`` in the report, else ``labels``);
    segments without one are in no bucket."""
    values: list[str | None] = []
    for segment in segments:
        value = segment.labels.get(name)
        if value is None and labels is not None:
            key = (segment.corpus, segment.article_id, segment.segment_id)
            value = (labels.get(key) or labels.get((None, *key[1:])) or {}).get(name)
        values.append(None if value is None else str(value))
    if all(v is None for v in values):
        raise HarnessError(
            f"--by {name}: no segment has a '{name}' label (choose one of "
            f"{', '.join(BUILT_IN)}, or give the labels with --labels FILE)"
        )
    return Buckets(name, values, sorted({v for v in values if v is not None}))


def read_labels(path: Path) -> Labels:
    """A labels file: JSON lines with ``article_id``, ``segment_id`` (null or absent for a
    summary), optionally ``corpus``, and string labels (``{"domain": "sport"}``)."""
    labels: dict[tuple[str | None, str, str | None], dict[str, str]] = {}
    for number, entry in read_jsonl(path):
        article = require_str(path, number, entry, "article_id")
        segment = entry.get("segment_id")
        corpus = entry.get("corpus")
        if segment is not None and not isinstance(segment, str):
            raise HarnessError(f"{path}:{number}: 'segment_id' must be a string or null")
        if corpus is not None and not isinstance(corpus, str):
            raise HarnessError(f"{path}:{number}: 'corpus' must be a string")
        values = {k: v for k, v in entry.items() if k not in ("article_id", "segment_id", "corpus")}
        for key, value in values.items():
            if not isinstance(value, str):
                raise HarnessError(f"{path}:{number}: label '{key}' must be a string")
        if (corpus, article, segment) in labels:
            raise HarnessError(f"{path}:{number}: {article}/{segment} is labelled twice")
        labels[corpus, article, segment] = values
    return labels


def bucket_segments(
    by: str,
    segments: Sequence[SegmentEntry],
    edges: Sequence[int] | None = None,
    labels: Labels | None = None,
) -> Buckets:
    """The buckets of ``segments`` under ``by`` (see the module's docstring)."""
    if by == KIND:
        return by_kind(segments)
    if by == POSITION:
        return by_position(segments)
    if by == LENGTH:
        return by_length(segments, edges)
    if by == ARTICLE_LENGTH:
        return by_article_length(segments)
    if by == ARTICLE:
        return by_article(segments)
    return by_label(segments, by, labels)
