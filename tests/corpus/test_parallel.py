"""Line-aligned parallel test sets from ../shared/external, read through `datasets`."""

from __future__ import annotations

import pytest

from harness.corpus.article import SegmentKind
from harness.corpus.loader import load_corpus
from harness.corpus.spec import ParallelCorpus, Sample
from harness.errors import HarnessError


def parallel(**kw) -> ParallelCorpus:
    return ParallelCorpus(format="parallel", **{"name": "t", **kw})


def test_flores_is_one_article_of_1012_line_numbered_segments(shared):
    ext = shared / "external"
    corpus = load_corpus(
        parallel(source="flores/flores101.devtest.ara", references=["flores/flores101.devtest.eng"]),
        ext,
    )
    (article,) = corpus.articles
    assert article.article_id == "t"
    assert [s.segment_id for s in article.segments] == [str(i) for i in range(1, 1013)]
    assert all(s.kind is SegmentKind.SENTENCE for s in article.segments)
    lines = (ext / "flores" / "flores101.devtest.eng").read_text(encoding="utf-8").split("\n")
    assert corpus.references[("t", "1")] == (lines[0],)
    assert corpus.references[("t", "1012")] == (lines[1011],)
    assert len(corpus.files) == 2 and all(len(sha) == 64 for sha in corpus.files.values())


def test_ntrex_document_ids_group_into_123_articles(shared):
    ext = shared / "external" / "ntrex128"
    corpus = load_corpus(
        parallel(
            source="newstest2019-ref.arb.txt",
            references=["newstest2019-src.eng.txt"],
            doc_ids="DOCUMENT_IDS.tsv",
        ),
        ext,
    )
    assert len(corpus.articles) == 123
    assert corpus.articles[0].article_id == "bbc.381790"
    assert sum(len(a.segments) for a in corpus.articles) == 1997
    assert corpus.articles[0].segments[0].segment_id == "1"


def test_ragged_references_are_an_error(shared, tmp_path):
    short = tmp_path / "short.eng"
    short.write_text("one\ntwo\n", encoding="utf-8")
    with pytest.raises(HarnessError, match=r"ragged line counts: source .*flores101\.devtest\.ara has 1012 lines, reference .*short\.eng has 2"):
        load_corpus(parallel(source=str(shared / "external/flores/flores101.devtest.ara"), references=[str(short)]), tmp_path)


def test_carriage_return_inside_a_line_is_refused(tmp_path):
    (tmp_path / "src.ara").write_bytes("سطر\rمكسور\nسطر ثان\n".encode())
    (tmp_path / "ref.eng").write_text("a\nb\n", encoding="utf-8")
    with pytest.raises(HarnessError, match=r"src\.ara: 2 lines by newline but 3 after reading"):
        load_corpus(parallel(source="src.ara", references=["ref.eng"]), tmp_path)


def test_missing_file_and_bad_utf8(tmp_path):
    with pytest.raises(HarnessError, match=r"nope\.ara: file not found"):
        load_corpus(parallel(source="nope.ara", references=["nope.eng"]), tmp_path)
    (tmp_path / "bad.ara").write_bytes(b"\xff\xfe\n")
    with pytest.raises(HarnessError, match=r"bad\.ara: not valid UTF-8"):
        load_corpus(parallel(source="bad.ara", references=["bad.ara"]), tmp_path)


def test_limit_and_sample_report_the_lines_used(shared):
    ext = shared / "external" / "tatoeba"
    spec = {"source": "tatoeba-test-v2021-08-07.ara", "references": ["tatoeba-test-v2021-08-07.eng"]}
    limited = load_corpus(parallel(limit=10, **spec), ext)
    assert [s.segment_id for s in limited.articles[0].segments] == [str(i) for i in range(1, 11)]
    assert limited.selection == {"used": 10, "total": 10305, "limit": 10, "ids": "1..10"}
    sampled = load_corpus(parallel(sample=Sample(n=5, seed=7), **spec), ext)
    ids = [s.segment_id for s in sampled.articles[0].segments]
    assert len(ids) == 5 and ids == sorted(ids, key=int)
    assert sampled.selection["ids"] == ids and sampled.selection["sample"] == {"n": 5, "seed": 7}
    again = load_corpus(parallel(sample=Sample(n=5, seed=7), **spec), ext)
    assert [s.segment_id for s in again.articles[0].segments] == ids
