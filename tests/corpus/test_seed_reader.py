from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.corpus.article import SegmentKind
from harness.corpus.seed_reader import (
    SUMMARY_MARKER,
    expand_article_paths,
    parse_article,
    read_article,
)
from harness.errors import HarnessError

from ..conftest import SEED

EXPECTED = [
    ("title", "title", "ar"),
    ("bullet-1", "bullet", "ar"),
    ("bullet-2", "bullet", "ar"),
    ("paragraph-1", "paragraph", "ar"),
    ("paragraph-2", "paragraph", "ar"),
    ("embed-1", "embed", "ru"),
    ("embed-2", "embed", "en"),
    ("embed-3", "embed", "ru"),
    ("paragraph-3", "paragraph", "ar"),
    ("paragraph-4", "paragraph", "ar"),
    ("paragraph-5", "paragraph", "ar"),
    ("paragraph-6", "paragraph", "ar"),
]


def test_seed_segments_kinds_and_languages():
    article = read_article(SEED)
    assert article.article_id == "000_e6a39a29327ab8d5"
    assert [(s.segment_id, s.kind.value, s.lang) for s in article.segments] == EXPECTED
    assert article.warnings == ()


def test_seed_texts():
    article = read_article(SEED)
    assert article.title.text == "وزير الدفاع الروسي يشارك في الاحتفال بذكرى تأسيس كوريا الشمالية"
    assert article.bullets[0].text.startswith("أعرب السفير الكوري الشمالي")  # "- " removed
    assert all(SUMMARY_MARKER not in s.text for s in article.segments)
    assert article.embeds[1].text == "— ТАСС (@tass_agency) September 5, 2025"
    assert article.paragraphs[-1].text.endswith("على الدفاع المشترك.")
    assert [s.segment_id for s in article.translatable] == [
        "title", "bullet-1", "bullet-2", *(f"paragraph-{i}" for i in range(1, 7))
    ]


def test_arabic_quoted_tweet_before_attribution_is_an_embed():
    text = "عنوان\n" + SUMMARY_MARKER + "\n- نقطة\nفقرة أولى.\nنص تغريدة بالعربية\n— فلان (@handle) May 1, 2025\nفقرة ثانية."
    article = parse_article(text, "a")
    assert [(s.segment_id, s.kind) for s in article.segments[2:]] == [
        ("paragraph-1", SegmentKind.PARAGRAPH),
        ("embed-1", SegmentKind.EMBED),
        ("embed-2", SegmentKind.EMBED),
        ("paragraph-2", SegmentKind.PARAGRAPH),
    ]


def test_missing_summary_block_is_a_warning_not_a_crash():
    article = parse_article("عنوان\nفقرة أولى.", "a", "x.txt")
    assert article.bullets == []
    assert article.warnings == (
        "x.txt: no summary block ('استمع إلى الملخص' and '- ' bullets); article skipped for summarization",
    )


def test_bom_and_crlf_are_handled(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(("\ufeffعنوان\r\n" + SUMMARY_MARKER + "\r\n- نقطة\r\nفقرة.\r\n").encode())
    article = read_article(path)
    assert [s.text for s in article.segments] == ["عنوان", "نقطة", "فقرة."]


def test_empty_article_is_an_error(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("  \n\n", encoding="utf-8")
    with pytest.raises(HarnessError, match=r"empty\.txt: article is empty"):
        read_article(path)


def test_non_utf8_article_names_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes("عنوان\n".encode() + b"\xff\xfe broken\n")
    with pytest.raises(HarnessError, match=r"bad\.txt:2: article is not valid UTF-8"):
        read_article(path)


def test_unreadable_path_is_an_error(tmp_path):
    with pytest.raises(HarnessError, match="cannot read article"):
        read_article(tmp_path)  # a folder cannot be read as a file


def test_expand_folder_file_and_glob(tmp_path):
    for name in ("b.txt", "a.txt", "notes.md"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in expand_article_paths(str(tmp_path), Path("/"))] == ["a.txt", "b.txt"]
    assert [p.name for p in expand_article_paths("a.txt", tmp_path)] == ["a.txt"]
    assert [p.name for p in expand_article_paths("*.md", tmp_path)] == ["notes.md"]
    with pytest.raises(HarnessError, match="no article files found"):
        expand_article_paths("*.json", tmp_path)


def test_segments_command_prints_json_lines(repo):
    from typer.testing import CliRunner

    from harness.cli import app

    result = CliRunner().invoke(app, ["segments", str(SEED)])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["segment_id"], r["kind"], r["lang"]) for r in rows] == EXPECTED
    assert set(rows[0]) == {"article_id", "segment_id", "kind", "lang", "text"}
