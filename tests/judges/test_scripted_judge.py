"""The judge against a scripted OpenAI-compatible server: malformed replies retried once and
then unscored (never 0, never the minimum), a 429 retried, logprobs turned into exactly the
expected expectation, the cache asked before the server."""

from __future__ import annotations

import json
import math

from werkzeug import Response

from .conftest import (
    answer_with,
    is_repair,
    judge_system,
    reply,
    results,
    run,
    segments,
    token,
    user_text,
    write_config,
)

IDENTITY = {"name": "copy", "type": "identity", "task": "translation"}
LEAD = {"name": "lead", "type": "lead", "task": "summarization"}
ONE_MAJOR = json.dumps({"errors": [{"span": "x", "category": "accuracy", "severity": "major"}]})
MQM = {"name": "judge", "judge": "judge", "rubric": "mqm"}


def title_of(report: dict) -> str:
    (title,) = [s["output"] for s in segments(report, "copy") if s["segment_id"] == "title"]
    return title


def test_malformed_json_then_success_is_scored(server, tmp_path):
    def respond(body):
        return reply(ONE_MAJOR if is_repair(body) else '{"errors": [{"span": ')

    seen = answer_with(server, respond)
    config = write_config(tmp_path, [IDENTITY, judge_system(server)], ["chrf", MQM])
    code, output, report = run(config, tmp_path / "out", "--no-cache")
    assert code == 0, output
    result = results(report, "judge.mqm")["copy"]
    assert result["score"] == -5.0 and result["n"] == 3 and result["unscored"] == 0
    assert len(seen) == 6  # each segment: one malformed reply, one repaired
    first, repaired = seen[0], next(b for b in seen if is_repair(b))
    assert first["response_format"]["type"] == "json_schema"
    assert first["response_format"]["json_schema"]["schema"]["required"] == ["errors"]
    assert repaired["messages"][-2] == {"role": "assistant", "content": '{"errors": [{"span": '}
    for segment in segments(report, "copy"):
        verdict = segment["judge"]["mqm"]
        assert verdict["method"] == "greedy" and verdict["scores"] == {"mqm": -5.0}
        assert verdict["errors"][0]["severity"] == "major"
    # the judge system judged only: it has no outputs and no results of its own
    assert not segments(report, "judge") and "judge" not in results(report, "chrf")
    judges = report["provenance"]["judges"]["judge.mqm"]
    assert judges["parse_rate"] == 1.0 and judges["unscored"] == 0
    assert judges["rubric"] == "mqm@v1" and len(judges["rubric_sha256"]) == 64
    # the spans are shown (marked when the judge's span is not in the output)
    html = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert html.count("major accuracy: “x” (not in the output)") == 3
    signature = report["provenance"]["metrics"]["judge.mqm"]
    assert "judge:judge" in signature and "model:judge-model" in signature
    assert "rubric:mqm@v1" in signature and "scoring:greedy" in signature


def test_malformed_twice_is_unscored_not_zero_nor_minimum(server, tmp_path):
    title = {}

    def respond(body):
        if title["text"] in user_text(body):
            return reply("I cannot answer that in JSON.")
        return reply(ONE_MAJOR)

    # the title is unscored; both bullets have one major error (-5)
    config = write_config(tmp_path, [IDENTITY, judge_system(server)], ["chrf", MQM])
    seed = (tmp_path / "000_e6a39a29327ab8d5.txt").read_text("utf-8").splitlines()
    title["text"] = seed[0]
    answer_with(server, respond)
    code, output, report = run(config, tmp_path / "out", "--no-cache")
    assert code == 0, output
    result = results(report, "judge.mqm")["copy"]
    # counted as 0 the mean would be -3.33, as the minimum -11.67: it is the other two's mean
    assert result["score"] == -5.0
    assert result["unscored"] == 1 and math.isclose(result["unscored_share"], 1 / 3)
    (unscored,) = [s for s in segments(report, "copy") if s["segment_id"] == "title"]
    assert unscored["scores"]["judge.mqm"] is None
    assert unscored["stats"]["judge.mqm"] == [0.0, 0.0]
    verdict = unscored["judge"]["mqm"]
    assert verdict["scores"] is None and verdict["method"] == "unscored"
    assert verdict["replies"] == ["I cannot answer that in JSON."] * 2
    assert "no JSON object" in verdict["unscored"] and "asked once and again" in verdict["unscored"]
    judges = report["provenance"]["judges"]["judge.mqm"]
    assert judges["unscored"] == 1 and math.isclose(judges["parse_rate"], 2 / 3)
    # both reports show the unscored share in the results table and the raw replies
    html = (tmp_path / "out" / "report.html").read_text("utf-8")
    markdown = (tmp_path / "out" / "report.md").read_text("utf-8")
    assert "-5.00 (33% unscored)" in html
    assert "| -5.00 [-5.00, -5.00] (33% unscored) |" in markdown
    assert html.count("I cannot answer that in JSON.") == 2
    assert "replies: I cannot answer that in JSON. / I cannot answer that in JSON." in markdown
    assert "| 3 | 1 (33.3%) |" in markdown


def test_a_429_while_judging_is_retried(server, tmp_path):
    calls = []

    def respond(body):
        calls.append(body)
        if len(calls) == 1:
            return Response(
                json.dumps({"error": {"message": "slow down"}}),
                status=429,
                headers={"Retry-After": "0"},
                content_type="application/json",
            )
        return reply(ONE_MAJOR)

    answer_with(server, respond)
    config = write_config(tmp_path, [IDENTITY, judge_system(server, max_concurrency=1)],
                          ["chrf", MQM])  # fmt: skip
    code, output, report = run(config, tmp_path / "out", "--no-cache")
    assert code == 0, output
    result = results(report, "judge.mqm")["copy"]
    assert result["score"] == -5.0 and result["unscored"] == 0
    assert len(calls) == 4  # three segments, one of them asked twice
    assert report["provenance"]["systems"]["judge"]["retries"] == 1


def summary_reply() -> dict:
    """A summary verdict whose score tokens carry known probabilities."""
    faithfulness = {"5": 0.6, "4": 0.3, "2": 0.1}  # expectation 4.4
    coverage = {"3": 0.5, "1": 0.25, "5": 0.2, " the": 0.05}  # (1.5 + 0.25 + 1) / 0.95
    tokens = [
        token('{"'), token("faith"), token("fulness"), token('":'), token(" "),
        token("5", faithfulness), token(',"'), token("coverage"), token('":'), token(" "),
        token("3", coverage), token(',"'), token("coherence"), token('":'), token(" "),
        token("4"), token(',"'), token("fluency"), token('":'), token(" "), token("2"),
        token("}"),
    ]  # fmt: skip
    text = "".join(t["token"] for t in tokens)
    assert json.loads(text) == {"faithfulness": 5, "coverage": 3, "coherence": 4, "fluency": 2}
    return reply(text, tokens)


def test_logprobs_give_the_exact_expected_score(server, tmp_path):
    seen = answer_with(server, lambda body: summary_reply())
    judge = {"name": "judge", "judge": "judge", "rubric": "summary"}
    config = write_config(tmp_path, [LEAD, judge_system(server)], ["rouge1", judge], whole=True)
    code, output, report = run(config, tmp_path / "out", "--no-cache")
    assert code == 0, output
    assert seen[0]["logprobs"] is True and seen[0]["top_logprobs"] == 10
    assert math.isclose(results(report, "judge.faithfulness")["lead"]["score"], 4.4)
    assert math.isclose(results(report, "judge.coverage")["lead"]["score"], 2.75 / 0.95)
    assert results(report, "judge.coherence")["lead"]["score"] == 4.0
    assert results(report, "judge.fluency")["lead"]["score"] == 2.0
    (segment,) = segments(report, "lead")
    assert segment["judge"]["summary"]["method"] == "logprobs"
    assert report["provenance"]["judges"]["judge.fluency"]["methods"] == {"logprobs": 1}
    prompt = seen[0]["messages"]
    assert "The article is in Arabic" in prompt[0]["content"]
    assert "Arabic summary to grade" in prompt[1]["content"]


def test_judge_replies_come_from_the_cache_on_a_rerun(server, tmp_path):
    seen = answer_with(server, lambda body: reply(ONE_MAJOR))
    config = write_config(tmp_path, [IDENTITY, judge_system(server)], ["chrf", MQM],
                          cache_dir="cache")  # fmt: skip
    first = run(config, tmp_path / "out-1")
    second = run(config, tmp_path / "out-2")
    assert first[0] == 0 and second[0] == 0, first[1] + second[1]
    assert len(seen) == 3  # the rerun asked nothing
    judges = [r["provenance"]["judges"]["judge.mqm"] for r in (first[2], second[2])]
    assert [j["cached_replies"] for j in judges] == [0, 3]
    assert [j["fresh_replies"] for j in judges] == [3, 0]
    assert results(second[2], "judge.mqm") == results(first[2], "judge.mqm")
    third = run(config, tmp_path / "out-3", "--no-cache")
    assert third[0] == 0 and len(seen) == 6  # --no-cache asks again


def test_a_server_without_logprobs_is_recorded_per_segment_not_silently(server, tmp_path):
    text = '{"faithfulness": 4, "coverage": 3, "coherence": 5, "fluency": 2}'
    answer_with(server, lambda body: reply(text))
    judge = {"name": "judge", "judge": "judge", "rubric": "summary"}
    config = write_config(tmp_path, [LEAD, judge_system(server)], ["rouge1", judge], whole=True)
    code, output, report = run(config, tmp_path / "out", "--no-cache")
    assert code == 0, output
    assert results(report, "judge.faithfulness")["lead"]["score"] == 4.0
    (segment,) = segments(report, "lead")
    assert segment["judge"]["summary"]["method"] == "greedy (no score logprobs in reply)"
    info = report["provenance"]["judges"]["judge.faithfulness"]
    assert info["scoring"] == "logprobs"
    assert info["methods"] == {"greedy (no score logprobs in reply)": 1}


def test_a_request_that_fails_for_good_is_unscored_and_not_cached(server, tmp_path):
    title = {}

    def respond(body):
        if title["text"] in user_text(body):
            return Response(
                json.dumps({"error": {"message": "prompt too long"}}),
                status=400,
                content_type="application/json",
            )
        return reply(ONE_MAJOR)

    config = write_config(tmp_path, [IDENTITY, judge_system(server)], ["chrf", MQM],
                          cache_dir="cache")  # fmt: skip
    title["text"] = (tmp_path / "000_e6a39a29327ab8d5.txt").read_text("utf-8").splitlines()[0]
    seen = answer_with(server, respond)
    code, output, report = run(config, tmp_path / "out")
    assert code == 0, output
    (failed,) = [s for s in segments(report, "copy") if s["segment_id"] == "title"]
    verdict = failed["judge"]["mqm"]
    assert verdict["scores"] is None and verdict["replies"] == []
    assert verdict["unscored"].startswith("request failed: HTTP 400: prompt too long")
    assert len(seen) == 3  # a 400 is neither retried by the system nor repaired
    info = report["provenance"]["judges"]["judge.mqm"]
    assert info["failed_requests"] == 1 and info["fresh_replies"] == 2
    rerun = run(config, tmp_path / "again")
    assert rerun[0] == 0 and len(seen) == 4  # only the failed request is asked again
