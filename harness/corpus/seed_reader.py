"""Reader for the seed article format (``seeds/*.txt``).

Layout, one item per line::

    TITLE
    استمع إلى الملخص            ← page chrome ("listen to the summary"), not content
    - bullet                    ← summary bullets, each starting with "- "
    - bullet
    body paragraph …
    <embed lines>               ← a quoted tweet, "— NAME (@handle) Date", pic.twitter/t.co links
    body paragraph …

Segment ids are ``title``, ``bullet-N``, ``paragraph-N`` and ``embed-N`` (N counts from 1 within
each kind), so editing one kind of segment never renumbers another.

A body line is an embed when it is not Arabic, carries a twitter/t.co link, is an attribution
line ("— NAME (@handle) Date"), or is the line just before an attribution line (the quoted text).
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

from harness.corpus.article import Article, Segment, SegmentKind
from harness.errors import HarnessError
from harness.paths import resolve
from harness.text.langid import detect_lang

SUMMARY_MARKER = "استمع إلى الملخص"
_BULLET = re.compile(r"^[-–•]\s+")
_ATTRIBUTION = re.compile(r"^[—–-]\s*.+\(@\w+\)")
_LINK = re.compile(r"(https?://|\bpic\.twitter\.com/|\bt\.co/|\btwitter\.com/|\bx\.com/)")


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise HarnessError(f"{path}: cannot read article: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise HarnessError(
            f"{path}:{line}: article is not valid UTF-8 (byte {exc.start})"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_embed(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _ATTRIBUTION.match(line) or _LINK.search(line) or detect_lang(line) != "ar":
        return True
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return bool(_ATTRIBUTION.match(following))


def parse_article(text: str, article_id: str, source: str = "<string>") -> Article:
    """Parse one article in the seed format. Raises :class:`HarnessError` on empty input."""
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        raise HarnessError(f"{source}: article is empty")

    warnings: list[str] = []
    segments: list[Segment] = []

    def add(kind: SegmentKind, number: int | None, line: str) -> None:
        segment_id = kind.value if number is None else f"{kind.value}-{number}"
        segments.append(Segment(article_id, segment_id, kind, detect_lang(line), line))

    add(SegmentKind.TITLE, None, lines[0])
    rest = lines[1:]
    if rest and rest[0] == SUMMARY_MARKER:
        rest = rest[1:]
        bullets = 0
        while rest and _BULLET.match(rest[0]):
            bullets += 1
            add(SegmentKind.BULLET, bullets, _BULLET.sub("", rest[0], count=1))
            rest = rest[1:]
        if bullets == 0:
            warnings.append(
                f"{source}: no '- ' bullets after '{SUMMARY_MARKER}'; "
                "article skipped for summarization"
            )
    else:
        warnings.append(
            f"{source}: no summary block ('{SUMMARY_MARKER}' and '- ' bullets); "
            "article skipped for summarization"
        )

    counts = {SegmentKind.PARAGRAPH: 0, SegmentKind.EMBED: 0}
    for index, line in enumerate(rest):
        kind = SegmentKind.EMBED if _is_embed(rest, index) else SegmentKind.PARAGRAPH
        counts[kind] += 1
        add(kind, counts[kind], line)

    if not counts[SegmentKind.PARAGRAPH]:
        warnings.append(f"{source}: no body paragraphs")
    return Article(article_id, tuple(segments), source, tuple(warnings))


def read_article(path: Path) -> Article:
    """Read one seed-format file; the article id is the file stem."""
    return parse_article(_read_text(path), path.stem, str(path))


def expand_article_paths(spec: str, base: Path) -> list[Path]:
    """Resolve a file, a folder (its ``*.txt`` files) or a glob, relative to ``base``."""
    target = resolve(spec, base)
    if target.is_dir():
        paths = sorted(p for p in target.glob("*.txt") if p.is_file())
        where = f"folder {target}"
    elif target.is_file():
        paths = [target]
        where = str(target)
    else:
        paths = sorted(Path(p) for p in glob.glob(str(target)) if Path(p).is_file())
        where = f"pattern {target}"
    if not paths:
        raise HarnessError(f"{where}: no article files found")
    return paths
