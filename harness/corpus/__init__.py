"""Corpora: articles split into segments, and the references aligned with them."""

from harness.corpus.article import Article, Segment, SegmentKind

__all__ = ["Article", "Segment", "SegmentKind"]
