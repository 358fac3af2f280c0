"""The article/segment model every corpus source produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class SegmentKind(StrEnum):
    TITLE = "title"
    BULLET = "bullet"
    PARAGRAPH = "paragraph"
    EMBED = "embed"
    SENTENCE = "sentence"  # a line of a line-aligned test set


@dataclass(frozen=True)
class Segment:
    """One unit of an article: the title, a summary bullet, a body paragraph or an embed line."""

    article_id: str
    segment_id: str
    kind: SegmentKind
    lang: str
    text: str

    @property
    def is_translatable(self) -> bool:
        """Arabic content segments are translated and scored Arabic→English; embeds are not."""
        return self.lang == "ar" and self.kind is not SegmentKind.EMBED

    def to_json(self) -> dict[str, str]:
        return {
            "article_id": self.article_id,
            "segment_id": self.segment_id,
            "kind": self.kind.value,
            "lang": self.lang,
            "text": self.text,
        }


@dataclass(frozen=True)
class Article:
    """A news article: its segments in reading order, and where it was read from."""

    article_id: str
    segments: tuple[Segment, ...]
    source_path: str = ""
    warnings: tuple[str, ...] = field(default=())

    def of_kind(self, kind: SegmentKind) -> list[Segment]:
        return [s for s in self.segments if s.kind is kind]

    @property
    def title(self) -> Segment | None:
        titles = self.of_kind(SegmentKind.TITLE)
        return titles[0] if titles else None

    @property
    def bullets(self) -> list[Segment]:
        return self.of_kind(SegmentKind.BULLET)

    @property
    def paragraphs(self) -> list[Segment]:
        return self.of_kind(SegmentKind.PARAGRAPH)

    @property
    def embeds(self) -> list[Segment]:
        return self.of_kind(SegmentKind.EMBED)

    @property
    def translatable(self) -> list[Segment]:
        return [s for s in self.segments if s.is_translatable]

    @property
    def body_text(self) -> str:
        """The body paragraphs, one per line: the input a summarizer sees."""
        return "\n".join(p.text for p in self.paragraphs)

    @property
    def summary_text(self) -> str:
        """The article's own summary bullets, one per line: the summarization reference."""
        return "\n".join(b.text for b in self.bullets)
