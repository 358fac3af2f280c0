"""``resample: article``: intervals and paired tests that draw whole articles (documents)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.config import load_config
from harness.errors import HarnessError
from harness.run.evaluate import evaluate, prepare
from harness.verdicts.gate import load_gate

WORDS = "the council met on monday to discuss the new budget for schools and roads".split()


def _corpus(folder: Path) -> None:
    """8 articles of 6 lines; the 'bad' system gets every other article all wrong."""
    lines = [" ".join(WORDS[i % 5 : i % 5 + 8]) + f" item {i}" for i in range(48)]
    articles = [f"doc{i // 6}" for i in range(48)]
    (folder / "src.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "ref.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "docs.tsv").write_text("\n".join(articles) + "\n", encoding="utf-8")
    good = [line if i % 7 else line.replace("the", "a") for i, line in enumerate(lines)]
    bad = [
        ("nothing matches here at all" if (i // 6) % 2 else line) for i, line in enumerate(lines)
    ]
    (folder / "good.txt").write_text("\n".join(good) + "\n", encoding="utf-8")
    (folder / "bad.txt").write_text("\n".join(bad) + "\n", encoding="utf-8")


def _run(folder: Path, compare: str, system: str = "bad") -> dict:
    config = folder / f"{system}-{len(compare)}.yaml"
    config.write_text(
        "corpus:\n  - {name: news, format: parallel, source: src.txt, references: [ref.txt], "
        "doc_ids: docs.tsv}\n"
        f"systems:\n  - {{name: good, type: outputs, task: translation, path: good.txt}}\n"
        f"  - {{name: {system}, type: outputs, task: translation, path: {system}.txt}}\n"
        f"metrics: [bleu, chrf]\n{compare}",
        encoding="utf-8",
    )
    return evaluate(prepare(load_config(config))).to_document()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("resample")
    _corpus(folder)
    return {
        "segment": _run(folder, "compare: {baseline: good}\n"),
        "article": _run(folder, "compare: {baseline: good, resample: article}\n"),
    }


def _widths(report: dict) -> dict[tuple[str, str], float]:
    return {(r["system"], r["metric"]): r["ci_high"] - r["ci_low"] for r in report["results"]}


def test_article_resampling_widens_intervals_when_articles_move_together(reports) -> None:
    """Half the articles of 'bad' are all wrong: drawing whole articles sees that variance."""
    by_segment, by_article = _widths(reports["segment"]), _widths(reports["article"])
    for metric in ("bleu", "chrf"):
        assert by_article["bad", metric] > 1.2 * by_segment["bad", metric], metric
    scores = {(r["system"], r["metric"]): r["score"] for r in reports["segment"]["results"]}
    assert scores == {(r["system"], r["metric"]): r["score"] for r in reports["article"]["results"]}


def test_the_choice_is_a_setting_not_part_of_the_metric_signature(reports) -> None:
    segment, article = reports["segment"]["provenance"], reports["article"]["provenance"]
    assert segment["metrics"]["bleu"].endswith("|bs:1000|rs:12345")
    assert article["metrics"]["bleu"] == segment["metrics"]["bleu"]
    assert (segment["resample"], article["resample"]) == ("segment", "article")
    assert segment["comparisons"]["settings"] == "ar:10000|bs:1000|rs:12345"
    assert article["comparisons"]["settings"] == "ar:10000|bs:1000|rs:12345|resample:article"
    assert article["comparisons"]["resample"] == "article"


def test_paired_tests_draw_articles_too(reports) -> None:
    """8 articles, 4 of them changed: the exact randomization p over articles is 2/2^4."""
    [segment] = [c for c in reports["segment"]["comparisons"] if c["metric"] == "bleu"]
    [article] = [c for c in reports["article"]["comparisons"] if c["metric"] == "bleu"]
    assert segment["p_value"] < 0.001
    assert article["p_value"] == pytest.approx(2 / 2**4, abs=0.015)
    assert article["ci_high"] - article["ci_low"] > segment["ci_high"] - segment["ci_low"]


def test_compare_by_article_between_reports(reports, tmp_path: Path) -> None:
    """`harness compare` draws whole articles with a gate's `resample: article` (or the flag);
    the segments' article ids come from report.json."""
    _corpus(tmp_path)
    (tmp_path / "bad.txt").write_text((tmp_path / "good.txt").read_text("utf-8"), "utf-8")
    base = _run(tmp_path, "")  # the baseline's 'bad' is as good as 'good'
    paths = {}
    for name, report in (("base", base), ("cand", reports["segment"])):
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(report), encoding="utf-8")
    gate = tmp_path / "gate.yaml"
    gate.write_text("resample: article\nmetrics:\n  bleu: {max_drop: 0}\n", encoding="utf-8")
    runner = CliRunner()
    args = ["compare", str(paths["base"]), str(paths["cand"])]
    by_article = runner.invoke(app, [*args, "--gate", str(gate)])
    assert "(paired-ar, α = 0.05, by article)" in by_article.output, by_article.output
    # 4 of 8 articles changed: by article the smallest possible p is 2/2^4, never below 0.05;
    # by segment the same 24 changed segments look like overwhelming evidence
    assert by_article.exit_code == 0

    flag = runner.invoke(
        app, ["compare", str(paths["base"]), str(paths["cand"]), "--resample", "article"]
    )
    assert "by article" in flag.output
    by_segment = runner.invoke(app, args)
    assert "by article" not in by_segment.output
    assert by_segment.exit_code == 1


def test_a_bad_resample_value_names_the_line(tmp_path: Path) -> None:
    gate = tmp_path / "gate.yaml"
    gate.write_text("resample: document\nmetrics:\n  bleu: {floor: 1}\n", encoding="utf-8")
    with pytest.raises(HarnessError, match=r"gate\.yaml:1: resample: .*'segment' or 'article'"):
        load_gate(gate)
