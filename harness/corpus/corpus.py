"""A loaded corpus: its articles, the references aligned with them, and what was read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.corpus.article import Article
from harness.errors import first_of

# (article_id, segment_id) -> reference strings
References = dict[tuple[str, str], tuple[str, ...]]


@dataclass
class Corpus:
    name: str
    articles: list[Article]
    references: References | None
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256
    warnings: list[str] = field(default_factory=list)
    selection: dict[str, Any] | None = None  # which items a limit/sample kept
    #: lines of a line-aligned corpus before any limit/sample (None: not line-aligned)
    line_count: int | None = None

    @property
    def has_references(self) -> bool:
        return bool(self.references)

    @property
    def has_summaries(self) -> bool:
        return any(a.bullets and a.paragraphs for a in self.articles)

    def empty_reference_warnings(self, shown: int = 5) -> list[str]:
        """A warning naming the segments with an empty reference string: every output scores
        as wrong against it, which is almost always a broken file rather than a real test."""
        empty = [
            f"{article_id}/{segment_id}"
            for (article_id, segment_id), texts in (self.references or {}).items()
            if any(not text.strip() for text in texts)
        ]
        if not empty:
            return []
        return [
            f"corpus '{self.name}': {len(empty)} segment(s) with an empty reference string: "
            f"{first_of(empty, shown)}"
        ]

    def describe(self) -> dict[str, Any]:
        """The corpus entry of a report's provenance."""
        info: dict[str, Any] = {
            "name": self.name,
            "articles": len(self.articles),
            "segments": sum(len(a.segments) for a in self.articles),
            "files": self.files,
        }
        if self.selection is not None:
            info["selection"] = self.selection
        return info
