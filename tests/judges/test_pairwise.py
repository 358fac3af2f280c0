"""Pairwise judging in both orders against a scripted server: a judge that always prefers
position A makes every segment a tie with position consistency 0; a judge that always prefers
one output gives it every win, consistency 1, and the exact sign test."""

from __future__ import annotations

import json
import re

from .conftest import answer_with, judge_system, reply, run, segments, write_config

COPY = {"name": "copy", "type": "identity", "task": "translation"}
PAIRWISE = {"name": "judge", "judge": "judge", "rubric": "pairwise-translation", "mode": "pairwise"}
ARABIC = re.compile(r"[\u0600-\u06FF]")


def with_references_as_outputs(folder) -> dict:
    """An ``outputs`` system whose translations are the seed's English references."""
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
