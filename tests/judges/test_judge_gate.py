"""A judge's unscored share in the gate (``max_unscored``, default 5 %) and judge metrics read
back from reports by ``harness compare``."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from harness.cli import app
from harness.report_model import ResultEntry
from harness.verdicts.gate.check import check_gate
from harness.verdicts.gate.rules import Gate, MetricRule

from ..conftest import SEED
from .conftest import answer_with, judge_system, reply, run, user_text, write_config

IDENTITY = {"name": "copy", "type": "identity", "task": "translation"}
MQM = {"name": "judge", "judge": "judge", "rubric": "mqm"}
ONE_MINOR = json.dumps({"errors": [{"span": "x", "category": "style", "severity": "minor"}]})


def result(share: float) -> ResultEntry:
    return ResultEntry(system="s", task="translation", metric="judge.mqm", score=-1.0,
                       n=20, unscored=round(share * 20), unscored_share=share)  # fmt: skip


def test_unscored_share_is_checked_with_a_default_of_five_percent():
    gate = Gate(metrics={"chrf": MetricRule(floor=0)})
    chrf = ResultEntry(system="s", task="translation", metric="chrf", score=1.0, n=20)
    floor, ok = check_gate(gate, [chrf, result(0.05)], [])
    assert floor.kind == "floor" and ok.kind == "unscored" and ok.passed
    assert "5.0% of 20 segment(s) unscored, allowed 5.0%: ok" in ok.message
    _, bad = check_gate(gate, [chrf, result(0.1)], [])
    assert not bad.passed and "TOO MANY UNSCORED" in bad.message
    assert bad.name == "s/translation/judge.mqm/unscored"
    loose = Gate(metrics={"judge.mqm": MetricRule(max_unscored=0.2)})
    (allowed,) = check_gate(loose, [result(0.1)], [])
    assert allowed.passed and "allowed 20.0%" in allowed.message


def test_compare_reads_judge_metrics_back_and_gates_the_unscored_share(server, tmp_path):
    title = SEED.read_text("utf-8").splitlines()[0]
    state = {"candidate": False}

    def respond(body):
        # the candidate run cannot be read on the title (one segment of three)
        if state["candidate"] and title in user_text(body):
            return reply("no")
        return reply(ONE_MINOR)

    answer_with(server, respond)
    config = write_config(tmp_path, [IDENTITY, judge_system(server)], ["chrf", MQM])
    base = run(config, tmp_path / "base", "--no-cache")
    state["candidate"] = True
    cand = run(config, tmp_path / "cand", "--no-cache")
    assert base[0] == 0 and cand[0] == 0
    unscored = next(r for r in cand[2]["results"] if r["metric"] == "judge.mqm")["unscored"]
    assert unscored == 1
    result_ = CliRunner().invoke(app, ["compare", str(tmp_path / "base"), str(tmp_path / "cand")])
    assert result_.exit_code == 1, result_.output
    assert "TOO MANY UNSCORED" in result_.output and "judge.mqm" in result_.output
    same = CliRunner().invoke(app, ["compare", str(tmp_path / "base"), str(tmp_path / "base")])
    assert same.exit_code == 0, same.output
