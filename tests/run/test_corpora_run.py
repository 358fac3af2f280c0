"""`harness run` over real corpora: exact sacrebleu numbers on FLORES, several corpora in one
run, and XL-Sum summaries (metric_vectors.md §E; ../shared/external)."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from harness.cli import app

from ..conftest import REPO

EXT = REPO.parent / "shared" / "external"
HYP = "mt_system_outputs/opus-mt-ar-en_opus-2019-12-18.flores101-devtest.ara-eng.hyp.txt"


def flores_corpus(name: str = "flores") -> str:
    """The FLORES-101 devtest corpus entry (one YAML list item) of a test config."""
    return (
        f"  - {{name: {name}, format: parallel, source: {EXT}/flores/flores101.devtest.ara, "
        f"references: [{EXT}/flores/flores101.devtest.eng]}}"
    )


def run(tmp_path, config_text: str) -> dict:
    config = tmp_path / "c.yaml"
    config.write_text(config_text, encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "out"), "--no-cache"])
    assert result.exit_code == 0, result.output
    return json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))


def scores(report: dict) -> dict[tuple[str, str, str], float]:
    return {(r["corpus"], r["system"], r["metric"]): r["score"] for r in report["results"]}


@pytest.fixture(scope="module")
def flores_report(tmp_path_factory):
    return run(
        tmp_path_factory.mktemp("flores"),
        f"""
corpus:
{flores_corpus("flores101-devtest")}
systems:
  - {{name: opus-mt, type: outputs, task: translation, path: {EXT}/{HYP}}}
metrics: [bleu, chrf, ter]
""",
    )


def test_opus_mt_on_flores_equals_sacrebleu_exactly(flores_report):
    got = scores(flores_report)
    assert got[("flores101-devtest", "opus-mt", "bleu")] == pytest.approx(33.9681984369259, abs=1e-9)
    assert got[("flores101-devtest", "opus-mt", "chrf")] == pytest.approx(59.07498948313261, abs=1e-9)
    assert got[("flores101-devtest", "opus-mt", "ter")] == pytest.approx(51.49536550842427, abs=1e-9)
    (bleu,) = [r for r in flores_report["results"] if r["metric"] == "bleu"]
    assert bleu["n"] == 1012 and f"{bleu['score']:.2f}" == "33.97"
    counts = flores_report["provenance"]["systems"]["opus-mt"]["counts"]
    assert counts["generated"] == 1012 and counts["missing"] == 0


def test_flores_segments_are_line_numbers(flores_report):
    segments = flores_report["segments"]
    assert [s["segment_id"] for s in segments[:3]] == ["1", "2", "3"]
    assert all(s["corpus"] == "flores101-devtest" for s in segments)
    # FLORES-101 line 971 is misaligned in the source data: its segment chrF is far below the rest.
    line_971 = next(s for s in segments if s["segment_id"] == "971")
    assert line_971["scores"]["chrf"] < 25


def test_chrf_word_order_0_option_gives_plain_chrf(tmp_path):
    report = run(
        tmp_path,
        f"""
corpus:
{flores_corpus()}
systems:
  - {{name: opus-mt, type: outputs, task: translation, path: {EXT}/{HYP}}}
metrics: [{{name: chrf, word_order: 0}}]
""",
    )
    (chrf,) = report["results"]
    assert chrf["score"] == pytest.approx(61.02773101090089, abs=1e-9)
    assert report["provenance"]["metrics"]["chrf"].startswith("chrF2|") and "|nw:0|" in report["provenance"]["metrics"]["chrf"]
    assert report["provenance"]["metric_options"] == {"chrf": {"word_order": 0}}


def test_several_corpora_in_one_run_report_per_corpus(tmp_path):
    (tmp_path / "xlsum_outputs.jsonl").write_text(
        "".join(
            json.dumps({"article_id": json.loads(line)["id"], "output": json.loads(line)["summary"]}, ensure_ascii=False) + "\n"
            for line in (EXT / "summarization" / "xlsum_arabic_v2.0_samples.jsonl").open(encoding="utf-8")
        ),
        encoding="utf-8",
    )
    report = run(
        tmp_path,
        f"""
corpus:
  - {{name: seed, format: seed, path: {REPO}/seeds/, references: {REPO}/references/}}
  - {{name: tico19, format: parallel, source: {EXT}/tico19/tico19-test.ara, references: [{EXT}/tico19/tico19-test.eng], limit: 20}}
  - {{name: xlsum-ar, format: jsonl, path: {EXT}/summarization/xlsum_arabic_v2.0_samples.jsonl}}
systems:
  - {{name: copy, type: identity, task: translation}}
  - {{name: lead-1, type: lead, task: summarization, n: 1}}
  - {{name: oracle, type: outputs, task: summarization, path: xlsum_outputs.jsonl, corpora: [xlsum-ar]}}
metrics: [bleu, rouge1, rougeLsum]
""",
    )
    got = scores(report)
    assert {(c, s) for c, s, _ in got} == {
        ("seed", "copy"), ("tico19", "copy"), ("seed", "lead-1"), ("xlsum-ar", "lead-1"), ("xlsum-ar", "oracle")
    }
    n = {(r["corpus"], r["system"], r["metric"]): r["n"] for r in report["results"]}
    assert n[("tico19", "copy", "bleu")] == 20
    assert n[("xlsum-ar", "lead-1", "rouge1")] == 15 and n[("seed", "lead-1", "rouge1")] == 1
    # The oracle outputs the reference summary itself: ROUGE 100; the lead baseline is below it.
    assert got[("xlsum-ar", "oracle", "rouge1")] == pytest.approx(100.0)
    assert 0 < got[("xlsum-ar", "lead-1", "rouge1")] < 100
    corpora = report["provenance"]["corpora"]
    assert set(corpora) == {"seed", "tico19", "xlsum-ar"}
    assert corpora["tico19"]["selection"] == {"used": 20, "total": 2100, "limit": 20, "ids": "1..20"}
    assert report["provenance"]["corpus"]["name"] == "seed"
    assert {s["corpus"] for s in report["segments"]} == {"seed", "tico19", "xlsum-ar"}


def test_system_naming_a_corpus_without_references_is_an_error(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(
        f"""
corpus:
  - {{name: xlsum-ar, format: jsonl, path: {EXT}/summarization/xlsum_arabic_v2.0_samples.jsonl}}
systems:
  - {{name: copy, type: identity, task: translation}}
""",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", str(config)])
    assert result.exit_code == 2
    assert "system 'copy' (translation): no corpus has references" in result.stderr


@pytest.mark.parametrize(
    ("corpus_entry", "message"),
    [
        ("{name: x, format: parallell, source: a, references: [b]}", r"corpus\[0\]\.format: unknown corpus format 'parallell' \(did you mean 'parallel'\?\)"),
        ("{name: x, format: parallel, source: a}", r"corpus\[0\]: missing required key 'references'"),
        ("{name: x, format: jsonl, path: a.jsonl, fields: {txt: body}}", r"corpus\[0\]\.fields\.txt: unknown key 'txt' \(did you mean 'text'\?\)"),
        ("{name: x, format: parallel, source: a, references: [b], limit: 5, sample: {n: 2}}", r"corpus\[0\]: Value error, use either 'limit' or 'sample'"),
    ],
)
def test_corpus_config_errors(tmp_path, corpus_entry, message):
    config = tmp_path / "c.yaml"
    config.write_text(f"corpus:\n  - {corpus_entry}\nsystems:\n  - {{name: c, type: identity, task: translation}}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(config)])
    assert result.exit_code == 2
    import re

    assert re.search(r"c\.yaml:2: " + message, result.stderr), result.stderr


def invoke(tmp_path, command: str, config_text: str):
    """``harness COMMAND`` on a config written to ``tmp_path/c.yaml`` (run: into ``out``)."""
    config = tmp_path / "c.yaml"
    config.write_text(config_text, encoding="utf-8")
    extra = ["--out", str(tmp_path / "out"), "--no-cache"] if command == "run" else []
    return CliRunner().invoke(app, [command, str(config), *extra])


def flores_hypotheses(tmp_path, lines: slice = slice(None)) -> str:
    """The opus-mt FLORES hypotheses (or a slice of them) as a plain-text file's name."""
    hypotheses = (EXT / HYP).read_text(encoding="utf-8").split("\n")[:-1][lines]
    (tmp_path / "hyp.txt").write_text("".join(line + "\n" for line in hypotheses), "utf-8")
    return "hyp.txt"


@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_hypothesis_file_one_line_short_is_refused_naming_both_counts(tmp_path, command):
    """Scored, it would shift every later line: BLEU 18.11 instead of 33.97."""
    short = flores_hypotheses(tmp_path, slice(0, 1011))
    result = invoke(tmp_path, command, f"""
corpus:
{flores_corpus()}
systems:
  - {{name: short, type: outputs, task: translation, path: {short}}}
metrics: [bleu]
""")
    assert result.exit_code == 2, result.output
    assert "hyp.txt: 1011 line(s), but corpus 'flores' has 1012 (counted before limit/sample)" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "out" / "report.json").exists()


def test_an_extra_line_or_an_empty_file_is_refused_too(tmp_path):
    for lines, count in ((["x"] * 1013, 1013), ([], 0)):
        (tmp_path / "hyp.txt").write_text("".join(line + "\n" for line in lines), "utf-8")
        result = invoke(tmp_path, "validate", f"""
corpus:
{flores_corpus()}
systems:
  - {{name: mt, type: outputs, task: translation, path: hyp.txt}}
metrics: [bleu]
""")
        assert result.exit_code == 2, result.output
        assert f"hyp.txt: {count} line(s), but corpus 'flores' has 1012" in result.stderr


def test_lines_are_counted_before_limit_and_sample(tmp_path):
    """A limited run reads the full file's first lines: same scores as the full file's."""
    full = flores_hypotheses(tmp_path)
    report = run(tmp_path, f"""
corpus:
  - {{name: flores, format: parallel, source: {EXT}/flores/flores101.devtest.ara, references: [{EXT}/flores/flores101.devtest.eng], sample: {{n: 50, seed: 3}}}}
systems:
  - {{name: mt, type: outputs, task: translation, path: {full}}}
metrics: [chrf]
""")
    segments = report["segments"]
    assert len(segments) == 50 and all(s["status"] == "generated" for s in segments)
    hypotheses = (EXT / HYP).read_text(encoding="utf-8").split("\n")
    assert all(s["output"] == hypotheses[int(s["segment_id"]) - 1] for s in segments)
    # the first 50 lines alone, with `sample: {n: 50}`, are 50 of 1012 lines: refused
    flores_hypotheses(tmp_path, slice(0, 50))
    shutil.rmtree(tmp_path / "out")  # a finished run folder is not overwritten without --force
    result = invoke(tmp_path, "run", (tmp_path / "c.yaml").read_text(encoding="utf-8"))
    assert result.exit_code == 2 and "hyp.txt: 50 line(s), but corpus 'flores' has 1012" in result.stderr


def test_a_plain_text_file_must_name_its_corpus_among_several(tmp_path):
    hyp = flores_hypotheses(tmp_path)
    corpora = f"""
corpus:
{flores_corpus("a")}
{flores_corpus("b")}
systems:
"""
    result = invoke(tmp_path, "validate", corpora + f"  - {{name: mt, type: outputs, task: translation, path: {hyp}}}\n")
    assert result.exit_code == 2, result.output
    assert "system 'mt': " in result.stderr and "runs on 2 corpora (a, b); name its corpus with corpora: [NAME]" in result.stderr
    result = invoke(tmp_path, "validate", corpora + f"  - {{name: mt, type: outputs, task: translation, path: {hyp}, corpora: [b]}}\n")
    assert result.exit_code == 0, result.output


def test_a_plain_text_file_needs_a_line_aligned_corpus(tmp_path):
    (tmp_path / "hyp.txt").write_text("x\n" * 9, "utf-8")
    result = invoke(tmp_path, "validate", f"""
articles: {REPO}/seeds/
references: {REPO}/references/
systems:
  - {{name: mt, type: outputs, task: translation, path: hyp.txt}}
""")
    assert result.exit_code == 2, result.output
    assert "corpus 'seeds' is not line-aligned (format: parallel)" in result.stderr


def seed_outputs(tmp_path, ids: list[str]) -> str:
    lines = [{"article_id": "000_e6a39a29327ab8d5", "segment_id": i, "output": "x"} for i in ids]
    (tmp_path / "mine.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), "utf-8")
    return f"""
articles: {REPO}/seeds/
references: {REPO}/references/
systems:
  - {{name: mine, type: outputs, task: translation, path: mine.jsonl}}
metrics: [bleu]
"""


@pytest.mark.parametrize("command", ["run", "validate"])
def test_an_outputs_jsonl_matching_no_example_is_refused(tmp_path, command):
    result = invoke(tmp_path, command, seed_outputs(tmp_path, ["p1", "p2"]))
    assert result.exit_code == 2, result.output
    assert "mine.jsonl: none of its 2 output line(s) matches any of the 9 example(s) of system 'mine'" in result.stderr
    assert "000_e6a39a29327ab8d5/p1" in result.stderr  # what the file has, next to what is wanted


def test_allow_empty_scores_a_system_with_no_outputs(tmp_path):
    config = seed_outputs(tmp_path, ["p1"]).replace("path: mine.jsonl}", "path: mine.jsonl, allow_empty: true}")
    result = invoke(tmp_path, "run", config)
    assert result.exit_code == 0, result.output
    assert "none of its 1 output line(s) matches" in result.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["provenance"]["systems"]["mine"]["counts"]["missing"] == 9


def test_validate_prints_what_run_would_warn_about(tmp_path):
    refs = [json.loads(line) for line in (REPO / "references" / "000_e6a39a29327ab8d5.en.jsonl").open(encoding="utf-8")]
    ids = [r["segment_id"] for r in refs][:7]
    config = seed_outputs(tmp_path, ids).replace("path: mine.jsonl}", "path: mine.jsonl, allow_missing: true}")
    result = invoke(tmp_path, "validate", config)
    assert result.exit_code == 0, result.output
    assert "mine: 2 missing output(s): " in result.stderr
    assert result.stdout.startswith("ok: ")


def test_empty_reference_strings_are_reported(tmp_path):
    (tmp_path / "src.txt").write_text("واحد\nاثنان\nثلاثة\n", "utf-8")
    (tmp_path / "ref.txt").write_text("one\n\nthree\n", "utf-8")
    result = invoke(tmp_path, "validate", """
corpus:
  - {name: tiny, format: parallel, source: src.txt, references: [ref.txt]}
systems:
  - {name: copy, type: identity, task: translation}
metrics: [bleu]
""")
    assert result.exit_code == 0, result.output
    assert "corpus 'tiny': 1 segment(s) with an empty reference string: tiny/2" in result.stderr


def test_sample_larger_than_the_corpus_is_an_error(tmp_path):
    (tmp_path / "src.txt").write_text("واحد\nاثنان\n", "utf-8")
    (tmp_path / "ref.txt").write_text("one\ntwo\n", "utf-8")
    result = invoke(tmp_path, "validate", """
corpus:
  - {name: tiny, format: parallel, source: src.txt, references: [ref.txt], sample: {n: 3}}
systems:
  - {name: copy, type: identity, task: translation}
metrics: [bleu]
""")
    assert result.exit_code == 2, result.output
    assert "corpus 'tiny': sample: n = 3 is more than the 2 item(s) it has" in result.stderr
