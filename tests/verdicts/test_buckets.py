"""Which bucket a report's segment falls in."""

from __future__ import annotations

import json

import pytest

from harness.errors import HarnessError
from harness.report_model import SegmentEntry
from harness.verdicts.buckets import bucket_segments, read_labels, segment_kind


def _segment(article: str, segment: str | None, source: str = "x", **extra) -> SegmentEntry:
    fields = {"article_id": article, "segment_id": segment, "source": source, **extra}
    return SegmentEntry.model_validate({"system": "mt", "task": "translation", **fields})


def test_kinds_from_segment_ids() -> None:
    assert [segment_kind(s) for s in ("title", "bullet-2", "paragraph-10", "embed-1")] == [
        "title",
        "bullet",
        "paragraph",
        "embed",
    ]
    assert segment_kind("17") == "sentence"  # a line of a line-aligned test set
    assert segment_kind(None) == "summary"


def test_positions_follow_paragraph_numbers_not_report_order() -> None:
    segments = [
        _segment("a", "title"),
        _segment("a", "paragraph-10"),
        _segment("a", "paragraph-2"),
        _segment("a", "paragraph-1"),
        _segment("b", "paragraph-1"),
        _segment("c", "3"),
        _segment("c", "4"),
    ]
    buckets = bucket_segments("position", segments)
    assert buckets.of_segment == ["title", "last", "middle", "first", "only", "first", "last"]
    assert buckets.order == ["title", "first", "middle", "last", "only"]


def test_length_buckets_from_edges_and_quartiles() -> None:
    lengths = [1, 3, 5, 8, 13, 21]
    segments = [
        _segment("a", f"paragraph-{i}", " ".join(["كلمة"] * n)) for i, n in enumerate(lengths)
    ]
    given = bucket_segments("length", segments, edges=[5, 10])
    assert given.of_segment == ["≤5 tokens"] * 3 + ["6–10 tokens", "≥11 tokens", "≥11 tokens"]
    quartiles = bucket_segments("length", segments)  # positions 1.25, 2.5, 3.75 → 3, 5, 8
    assert quartiles.order == ["≤3 tokens", "4–5 tokens", "6–8 tokens", "≥9 tokens"]
    with pytest.raises(HarnessError, match="increasing"):
        bucket_segments("length", segments, edges=[10, 5])


def test_article_length_sums_the_article() -> None:
    segments = [_segment("short", "title", "a b")] + [
        _segment("long", f"paragraph-{i}", "a b c d e") for i in range(4)
    ]
    buckets = bucket_segments("article-length", segments)
    assert buckets.of_segment[0] != buckets.of_segment[1]
    assert len(set(buckets.of_segment[1:])) == 1


def test_labels_from_the_report_or_a_file(tmp_path) -> None:
    segments = [
        _segment("a", "title", labels={"domain": "sport"}),
        _segment("b", "title"),
        _segment("c", "title"),
    ]
    path = tmp_path / "labels.jsonl"
    path.write_text(
        json.dumps({"article_id": "b", "segment_id": "title", "domain": "politics"}) + "\n",
        encoding="utf-8",
    )
    buckets = bucket_segments("domain", segments, labels=read_labels(path))
    assert buckets.of_segment == ["sport", "politics", None]
    with pytest.raises(HarnessError, match="no segment has a 'topic' label"):
        bucket_segments("topic", segments)
    path.write_text('{"article_id": "b", "domain": 3}\n', encoding="utf-8")
    with pytest.raises(HarnessError, match=r"labels.jsonl:1: label 'domain' must be a string"):
        read_labels(path)
