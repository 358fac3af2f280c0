from __future__ import annotations

import json

import pytest

from harness.corpus.references import check_alignment, load_references
from harness.corpus.seed_reader import read_article
from harness.errors import HarnessError
from harness.text.langid import detect_lang

from ..conftest import REPO, SEED


def write_refs(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def seed_rows():
    return [json.loads(line) for line in (REPO / "references" / "000_e6a39a29327ab8d5.en.jsonl").open()]


def test_shipped_references_align_with_the_seed():
    references = load_references("references", REPO)
    article = read_article(SEED)
    check_alignment(references, [article], "references")
    assert len(references) == 9
    for segment in article.translatable:
        (text,) = references[(article.article_id, segment.segment_id)]
        assert detect_lang(text) == "en", segment.segment_id


def test_reference_keeps_numbers_and_names():
    references = load_references("references", REPO)
    p1 = references[("000_e6a39a29327ab8d5", "paragraph-1")][0]
    assert "Andrei Belousov" in p1 and "77th" in p1 and "September 9" in p1
    p6 = references[("000_e6a39a29327ab8d5", "paragraph-6")][0]
    assert "April 26" in p6 and "Valery Gerasimov" in p6


def test_missing_reference_names_the_segment(tmp_path):
    write_refs(tmp_path / "r.jsonl", [r for r in seed_rows() if r["segment_id"] != "paragraph-3"])
    with pytest.raises(HarnessError, match=r"no reference for Arabic segment\(s\) 000_e6a39a29327ab8d5/paragraph-3"):
        check_alignment(load_references("r.jsonl", tmp_path), [read_article(SEED)], "r.jsonl")


def test_reference_for_unknown_or_embed_segment_is_an_error(tmp_path):
    rows = [*seed_rows(), {"article_id": "000_e6a39a29327ab8d5", "segment_id": "embed-1", "reference": "x"}, {"article_id": "000_e6a39a29327ab8d5", "segment_id": "paragraph-99", "reference": "y"}]
    write_refs(tmp_path / "r.jsonl", rows)
    with pytest.raises(HarnessError, match="embed-1, 000_e6a39a29327ab8d5/paragraph-99"):
        check_alignment(load_references("r.jsonl", tmp_path), [read_article(SEED)], "r.jsonl")


def test_references_for_articles_not_in_the_run_are_ignored(tmp_path):
    rows = [*seed_rows(), {"article_id": "other", "segment_id": "title", "reference": "x"}]
    write_refs(tmp_path / "r.jsonl", rows)
    check_alignment(load_references("r.jsonl", tmp_path), [read_article(SEED)], "r.jsonl")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"r\.jsonl:2: bad JSON"),
        ('{"article_id": "a", "reference": "x"}', r"r\.jsonl:2: missing key 'segment_id'"),
        ('{"article_id": "a", "segment_id": "t", "reference": 3}', r"r\.jsonl:2: 'reference' must be"),
        ('["a"]', r"r\.jsonl:2: expected a JSON object"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path, line, message):
    (tmp_path / "r.jsonl").write_text('{"article_id": "a", "segment_id": "x", "reference": "ok"}\n' + line + "\n")
    with pytest.raises(HarnessError, match=message):
        load_references("r.jsonl", tmp_path)


def test_duplicate_reference_is_an_error(tmp_path):
    row = {"article_id": "a", "segment_id": "t", "reference": "x"}
    write_refs(tmp_path / "r.jsonl", [row, row])
    with pytest.raises(HarnessError, match=r"r\.jsonl:2: duplicate reference for a/t"):
        load_references("r.jsonl", tmp_path)


def test_multiple_references_per_segment(tmp_path):
    write_refs(tmp_path / "r.jsonl", [{"article_id": "a", "segment_id": "t", "reference": ["x", "y"]}])
    assert load_references("r.jsonl", tmp_path) == {("a", "t"): ("x", "y")}
