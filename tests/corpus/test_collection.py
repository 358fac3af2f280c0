"""Article/summary collections (XL-Sum layout) from JSONL, CSV and Parquet, and hub errors."""

from __future__ import annotations

import json

import pytest

from harness.corpus.article import SegmentKind
from harness.corpus.loader import load_corpus
from harness.corpus.spec import CollectionCorpus, Fields, HubCollection
from harness.errors import HarnessError
from harness.text.sentences import split_sentences

XLSUM = "summarization/xlsum_arabic_v2.0_samples.jsonl"


def test_xlsum_samples_become_articles_with_summary_bullets(shared):
    corpus = load_corpus(CollectionCorpus(name="x", format="jsonl", path=XLSUM), shared / "external")
    assert len(corpus.articles) == 15
    records = [json.loads(line) for line in (shared / "external" / XLSUM).open(encoding="utf-8")]
    first, record = corpus.articles[0], records[0]
    assert first.article_id == record["id"]
    assert first.title.text == record["title"]
    assert [b.text for b in first.bullets] == split_sentences(record["summary"])
    assert first.body_text == "\n".join(line.strip() for line in record["text"].split("\n") if line.strip())
    assert first.paragraphs[0].kind is SegmentKind.PARAGRAPH and first.paragraphs[0].lang == "ar"
    assert corpus.has_summaries and not corpus.has_references


def test_limit_stops_reading_early(shared):
    corpus = load_corpus(CollectionCorpus(name="x", format="jsonl", path=XLSUM, limit=3), shared / "external")
    assert len(corpus.articles) == 3
    assert corpus.selection["used"] == 3 and "total" not in corpus.selection


def rows():
    return [
        {"doc": "a1", "headline": "عنوان", "body": "فقرة أولى.\nفقرة ثانية.", "abstract": "ملخص قصير."},
        {"doc": "a2", "headline": "عنوان آخر", "body": "نص.", "abstract": "ملخص."},
    ]


FIELDS = Fields(id="doc", title="headline", text="body", summary="abstract")


def test_csv_and_parquet_with_field_mapping(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows()), tmp_path / "c.parquet")
    import csv

    with (tmp_path / "c.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows()[0]))
        writer.writeheader()
        writer.writerows(rows())
    for fmt in ("parquet", "csv"):
        corpus = load_corpus(CollectionCorpus(name="c", format=fmt, path=f"c.{fmt}", fields=FIELDS), tmp_path)
        assert [a.article_id for a in corpus.articles] == ["a1", "a2"]
        assert [p.text for p in corpus.articles[0].paragraphs] == ["فقرة أولى.", "فقرة ثانية."]
        assert corpus.articles[0].summary_text == "ملخص قصير."


def test_missing_field_names_the_record(tmp_path):
    lines = [json.dumps(r, ensure_ascii=False) for r in rows()]
    lines[1] = json.dumps({"doc": "a2", "headline": "x", "body": "y"})
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(HarnessError, match=r"c\.jsonl: line 2: missing field 'abstract'"):
        load_corpus(CollectionCorpus(name="c", format="jsonl", path="c.jsonl", fields=FIELDS), tmp_path)


def test_bad_json_names_the_line(tmp_path):
    good = json.dumps(rows()[0], ensure_ascii=False)
    (tmp_path / "c.jsonl").write_text(f"{good}\n{good}\n{{broken\n", encoding="utf-8")
    with pytest.raises(HarnessError, match=r"c\.jsonl:3: bad JSON"):
        load_corpus(CollectionCorpus(name="c", format="jsonl", path="c.jsonl", fields=FIELDS), tmp_path)


def test_duplicate_ids_are_an_error(tmp_path):
    line = json.dumps(rows()[0], ensure_ascii=False)
    (tmp_path / "c.jsonl").write_text(f"{line}\n{line}\n", encoding="utf-8")
    with pytest.raises(HarnessError, match="duplicate id 'a1'"):
        load_corpus(CollectionCorpus(name="c", format="jsonl", path="c.jsonl", fields=FIELDS), tmp_path)


def test_unreachable_hub_dataset_is_one_clear_line(tmp_path):
    spec = HubCollection(name="h", format="hub", dataset="csebuetnlp/xlsum", config="arabic", split="test")
    with pytest.raises(HarnessError) as info:
        load_corpus(spec, tmp_path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("hub dataset 'csebuetnlp/xlsum' (arabic) split 'test' is not available")
    assert "point the corpus at local files" in message and "HF_HOME" in message
