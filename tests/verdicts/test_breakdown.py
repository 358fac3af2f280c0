"""Breakdowns on NTREX-128 as 123 articles (headline = title): a candidate whose titles alone
were damaged drops significantly in the title bucket and nowhere else, and every bucket's
score is the metric run on that bucket alone (sacrebleu called directly)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sacrebleu
from typer.testing import CliRunner

from harness.cli import app
from harness.stats import PairedTest, Resample
from harness.verdicts.breakdown import breakdown, paired_segments
from harness.verdicts.compare import load_report

from .ntrex_articles import drop_every, first_half, make_run, write_articles

LINES_PER_DOCUMENT = 6  # title + 5 paragraphs per document: 731 segments


@pytest.fixture(scope="module")
def ntrex_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from ..conftest import SHARED

    folder = tmp_path_factory.mktemp("ntrex")
    write_articles(SHARED, folder, LINES_PER_DOCUMENT)
    mild = drop_every(5, 0)
    return {
        "base": make_run(folder, "base", lambda segment, ref: mild(ref)),
        "titles": make_run(
            folder,
            "titles",
            lambda segment, ref: first_half(mild(ref)) if segment == "title" else mild(ref),
        ),
    }


@pytest.fixture(scope="module")
def pair(ntrex_runs):
    pairs = list(
        paired_segments(
            load_report(ntrex_runs["base"], slim=False),
            load_report(ntrex_runs["titles"], slim=False),
        )
    )
    assert len(pairs) == 1
    return pairs[0]


def _by_bucket(rows, metric: str) -> dict:
    return {r.bucket: r for r in rows if r.metric == metric}


@pytest.mark.parametrize("resample", [Resample.SEGMENT, Resample.ARTICLE])
def test_damaged_titles_drop_in_the_title_bucket_only(pair, resample) -> None:
    rows = breakdown(pair, "kind", test=PairedTest.RANDOMIZATION, resample=resample)
    for metric in ("bleu", "chrf", "ter"):
        buckets = _by_bucket(rows, metric)
        assert set(buckets) == {"title", "paragraph"}
        title, paragraph = buckets["title"], buckets["paragraph"]
        assert (title.segments, title.articles) == (123, 123)
        assert title.p_holm is not None and title.p_holm < 0.01
        assert title.result.delta * (1 if metric == "ter" else -1) > 5  # worse by > 5 points
        assert paragraph.result.delta == 0 and paragraph.p_holm == 1.0
    positions = _by_bucket(breakdown(pair, "position", resample=resample), "chrf")
    assert positions["title"].p_holm < 0.01
    assert all(positions[b].p_holm == 1.0 for b in ("first", "middle", "last"))


def _bucket_texts(pair, kind: str):
    members = [i for i, s in enumerate(pair.candidate) if s.segment_id.startswith(kind)]
    refs = [pair.candidate[i].references[0] for i in members]
    base = [pair.baseline[i].output for i in members]
    cand = [pair.candidate[i].output for i in members]
    return refs, base, cand


@pytest.mark.parametrize("kind", ["title", "paragraph"])
def test_bucket_scores_are_sacrebleu_on_the_bucket_alone(pair, kind) -> None:
    refs, base, cand = _bucket_texts(pair, kind)
    buckets = {m: _by_bucket(breakdown(pair, "kind"), m)[kind] for m in ("bleu", "chrf", "ter")}
    for outputs, score_of in ((base, "baseline_score"), (cand, "system_score")):
        expected = {
            "bleu": sacrebleu.corpus_bleu(outputs, [refs]).score,
            "chrf": sacrebleu.CHRF(word_order=2).corpus_score(outputs, [refs]).score,
            "ter": sacrebleu.TER().corpus_score(outputs, [refs]).score,
        }
        for metric, value in expected.items():
            assert getattr(buckets[metric].result, score_of) == pytest.approx(value, abs=1e-9)


def _compare(*args: str):
    return CliRunner().invoke(app, ["compare", *args])


def test_compare_by_prints_writes_and_links(ntrex_runs, tmp_path) -> None:
    out = tmp_path / "cmp"
    result = _compare(
        str(ntrex_runs["base"]),
        str(ntrex_runs["titles"]),
        "--by", "kind", "--by", "position", "--by", "length",
        "--ngrams", "--largest", "3", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output  # the gate's verdict on the whole corpus
    text = result.output
    assert "chrf ↑ by kind" in text and "bleu ↑ by position" in text
    assert re.search(r"title\s+123\s.*worse", text)
    assert "match n-grams" in text and "largest differences, got worse" in text
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "### By kind" in markdown and "### By length" in markdown
    assert "#### match: matched with the reference more often by the candidate" in markdown
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 9  # three breakdowns × three metrics
    links = re.findall(r'href="([^"#]+report\.html)#(seg-[0-9a-f]+)"', html)
    assert len(links) == 3  # the largest drops (titles); no segment got better
    target = (out / links[0][0]).resolve()
    assert target == (ntrex_runs["titles"] / "report.html").resolve()
    assert f'id="{links[0][1]}"' in target.read_text(encoding="utf-8")
    assert {"baseline", "candidate", "settings", "pairs"} <= set(
        json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    )


def test_compare_refuses_to_overwrite_a_run_folder(ntrex_runs) -> None:
    result = _compare(
        str(ntrex_runs["base"]), str(ntrex_runs["titles"]), "--by", "kind",
        "--out", str(ntrex_runs["titles"]),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "would be overwritten" in result.output


def test_an_unknown_breakdown_is_one_line(ntrex_runs) -> None:
    result = _compare(str(ntrex_runs["base"]), str(ntrex_runs["titles"]), "--by", "lenght")
    assert result.exit_code == 2
    assert "no segment has a 'lenght' label" in result.output
    assert "Traceback" not in result.output


def test_the_analysis_draws_what_the_run_drew_unless_told(ntrex_runs, tmp_path) -> None:
    report = json.loads((ntrex_runs["titles"] / "report.json").read_text(encoding="utf-8"))
    report["provenance"]["comparisons"] = {"resample": "article"}
    edited = tmp_path / "report.json"
    edited.write_text(json.dumps(report), encoding="utf-8")
    base = str(ntrex_runs["base"])
    args = ("--by", "kind", "--metric", "bleu", "--largest", "0")
    assert "drawing articles" in _compare(base, str(edited), *args).output
    told = _compare(base, str(edited), *args, "--resample", "segment").output
    assert "drawing segments" in told
    report["provenance"]["comparisons"] = {"resample": "documents"}
    edited.write_text(json.dumps(report), encoding="utf-8")
    bad = _compare(base, str(edited), *args)
    assert bad.exit_code == 2 and "'provenance.comparisons.resample'" in bad.output
