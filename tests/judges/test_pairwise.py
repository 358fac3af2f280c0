"""Pairwise judging in both orders against a scripted server: a judge that always prefers
position A makes every segment a tie with position consistency 0; a judge that always prefers
one output gives it every win, consistency 1, and the exact sign test."""

from __future__ import annotations

import json
import re

from ..systems.conftest import seed_title_and_bullets
from .conftest import answer_with, judge_system, reply, run, segments, write_config

COPY = {"name": "copy", "type": "identity", "task": "translation"}
PAIRWISE = {"name": "judge", "judge": "judge", "rubric": "pairwise-translation", "mode": "pairwise"}
ARABIC = re.compile(r"[\u0600-\u06FF]")


def with_references_as_outputs(folder) -> dict:
    """An ``outputs`` system whose translations are the English references of the config in
    ``folder`` (the seed's title and bullets)."""
    lines = (folder / "references.jsonl").read_text("utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    path = folder / "english.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"article_id": r["article_id"], "segment_id": r["segment_id"],
                        "output": r["reference"]}) for r in rows
        ) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    return {"name": "english", "type": "outputs", "task": "translation", "path": path.name}


def configure(server, tmp_path):
    config = write_config(tmp_path, [COPY, judge_system(server)], ["chrf", PAIRWISE],
                          compare={"baseline": "copy"})  # fmt: skip
    import yaml

    document = yaml.safe_load(config.read_text("utf-8"))
    document["systems"].insert(1, with_references_as_outputs(tmp_path))
    config.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return config


def test_a_judge_that_always_prefers_position_a_gives_only_ties(server, tmp_path):
    seen = answer_with(server, lambda body: reply('{"better": "A"}'))
    code, output, report = run(configure(server, tmp_path), tmp_path / "out", "--no-cache")
    assert code == 0, output
    (entry,) = report["pairwise"]
    assert (entry["system"], entry["baseline"]) == ("english", "copy")
    assert (entry["wins"], entry["ties"], entry["losses"]) == (0, 3, 0)
    assert entry["tie_rate"] == 1.0 and entry["position_consistency"] == 0.0
    assert entry["sign_test_p"] is None  # no wins and no losses: nothing to test
    assert len(seen) == 6  # both orders of each of the three segments
    for segment in segments(report, "english"):
        verdict = segment["judge"]["pairwise-translation vs copy"]
        assert verdict == {"outcome": "tie", "method": "both orders",
                           "picks": ["candidate", "baseline"], "consistent": False}  # fmt: skip
    # the judge did not score the systems themselves
    assert not any(r["metric"].startswith("judge") for r in report["results"])


def test_a_judge_that_always_prefers_one_output_gives_it_every_win(server, tmp_path):
    def respond(body):
        prompt = body["messages"][-1]["content"]
        a = prompt.split("Translation A:")[1].split("Translation B:")[0]
        return reply('{"better": "B"}' if ARABIC.search(a) else '{"better": "A"}')

    answer_with(server, respond)
    code, output, report = run(configure(server, tmp_path), tmp_path / "out", "--no-cache")
    assert code == 0, output
    (entry,) = report["pairwise"]
    assert (entry["wins"], entry["ties"], entry["losses"]) == (3, 0, 0)
    assert entry["position_consistency"] == 1.0
    assert entry["sign_test_p"] == 0.25  # two-sided: 2 · (1/2)^3
    assert entry["win_ci"] == [1.0, 1.0]
    markdown = (tmp_path / "out" / "report.md").read_text("utf-8")
    assert "| english | copy | 3 | 0 (0.0%) | 3 / 0 / 0 |" in markdown


def test_compare_judges_two_saved_reports_pairwise(server, tmp_path):
    def respond(body):
        prompt = body["messages"][-1]["content"]
        a = prompt.split("Translation A:")[1].split("Translation B:")[0]
        return reply('{"better": "B"}' if ARABIC.search(a) else '{"better": "A"}')

    seen = answer_with(server, respond)
    import yaml
    from typer.testing import CliRunner

    from harness.cli import app

    runs = {}
    for name in ("base", "cand"):
        folder = tmp_path / name
        system = {**COPY, "name": "mt"}
        if name == "cand":  # the same ids as the corpus: the title and bullets' references
            folder.mkdir()
            seed_title_and_bullets(folder)
            system = {**with_references_as_outputs(folder), "name": "mt"}
        config = write_config(folder, [system], ["chrf"])
        code, output, _ = run(config, folder / "out", "--no-cache")
        assert code == 0, output
        runs[name] = tmp_path / name / "out"
    judge_config = write_config(tmp_path / "judge", [judge_system(server)], [PAIRWISE])
    document = yaml.safe_load(judge_config.read_text("utf-8"))
    document["cache_dir"] = "cache"
    judge_config.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    args = ["compare", str(runs["base"]), str(runs["cand"]), "--judge", str(judge_config)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "| mt | mt | 3 | 0 (0.0%) | 3 / 0 / 0 |" in result.output
    assert len(seen) == 6
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and len(seen) == 6  # the judge's replies came from its cache
