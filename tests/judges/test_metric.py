"""The judge metric's rows (unscored: weight 0, never a 0), reply parsing and scoring by kind,
rubric files (untrusted: safe YAML, sandboxed Jinja), and config validation."""

from __future__ import annotations

import math

import pytest
import yaml

from harness.config import load_config
from harness.errors import HarnessError
from harness.judges.judge import Verdict
from harness.judges.metric import segment_key
from harness.judges.rubric import RubricKind, load_rubric, parse_rubric
from harness.judges.verdict import (
    ReplyError,
    expected_score,
    parse_reply,
    scale_expectations,
    score_reply,
)
from harness.metrics import make_metric

OPTIONS = {"judge": "j", "rubric": "mqm", "scoring": "greedy", "score": "mqm"}


def metric_with(verdicts: dict[str, dict | None]):
    metric = make_metric("judge.mqm", OPTIONS)
    for output, scores in verdicts.items():
        metric.record(segment_key("src", output, ("ref",)), Verdict(scores, "greedy"))
    return metric


def test_unscored_rows_weigh_nothing_and_score_none():
    metric = metric_with({"a": {"mqm": -5.0}, "b": None, "c": {"mqm": -1.0}})
    rows = metric.segment_stats_with_sources(["a", "b", "c"], [["ref"]] * 3, ["src"] * 3)
    assert rows == [[-5.0, 1.0], [0.0, 0.0], [-1.0, 1.0]]
    assert [len(row) for row in rows] == [metric.stats_width()] * 3
    assert metric.corpus_score(rows) == -3.0  # counted as 0 it would be -2
    assert metric.segment_scores(rows) == [-5.0, None, -1.0]
    assert metric.segment_scores(rows) == [metric.segment_score(row) for row in rows]
    assert math.isnan(metric.corpus_score([[0.0, 0.0]]))  # nothing scored: no number


def test_a_summary_is_found_again_with_one_sentence_per_line():
    metric = metric_with({"First one. Second one.": {"mqm": -1.0}})
    rows = metric.segment_stats_with_sources(["First one.\nSecond one."], [["ref"]], ["src"])
    assert rows == [[-1.0, 1.0]]


def test_judge_metrics_are_higher_is_better_and_never_forked():
    metric = make_metric(
        "judge.faithfulness", {**OPTIONS, "rubric": "summary", "score": "faithfulness"}
    )
    assert metric.higher_is_better and metric.in_process and metric.name == "judge.faithfulness"


MQM = load_rubric("mqm")
SUMMARY = load_rubric("summary")
CLAIMS = load_rubric("claims")


def test_json_is_found_in_prose_and_checked_against_the_schema():
    text = (
        'Sure! ```json\n{"errors": [{"span": "a", "category": "style", "severity": "minor"}]}\n```'
    )
    assert parse_reply(MQM, text)["errors"][0]["span"] == "a"
    with pytest.raises(ReplyError, match="no JSON object"):
        parse_reply(MQM, "no errors")
    with pytest.raises(ReplyError, match="not valid JSON"):
        parse_reply(MQM, '{"errors": [')
    with pytest.raises(ReplyError, match="errors/0/severity"):
        parse_reply(MQM, '{"errors": [{"span": "a", "category": "style", "severity": "big"}]}')
    with pytest.raises(ReplyError, match="6 is not one of"):
        parse_reply(SUMMARY, '{"faithfulness": 6, "coverage": 1, "coherence": 1, "fluency": 1}')
    with pytest.raises(ReplyError, match="no claims"):
        parse_reply(CLAIMS, '{"claims": []}')


def error(severity: str, span: str = "x") -> dict:
    return {"span": span, "category": "accuracy", "severity": severity}


def test_mqm_weights_and_cap():
    scored = score_reply(MQM, {"errors": [error("major"), error("minor"), error("minor")]}, "x y")
    assert scored.scores == {"mqm": -7.0}
    assert scored.details["counts"] == {"critical": 0, "major": 1, "minor": 2}
    assert scored.details["errors"][0]["in_output"] is True
    assert score_reply(MQM, {"errors": []}).scores == {"mqm": 0.0}
    assert score_reply(MQM, {"errors": [error("critical")]}).scores == {"mqm": -25.0}
    capped = score_reply(MQM, {"errors": [error("critical"), error("major")]})
    assert capped.scores == {"mqm": -25.0}  # capped: -30 would be worse than "meaning lost"


def test_claims_share_and_unsupported_list():
    reply = {"claims": [{"claim": "a", "supported": True}, {"claim": "b", "supported": False},
                        {"claim": "c", "supported": True}, {"claim": "d", "supported": True}]}  # fmt: skip
    scored = score_reply(CLAIMS, reply)
    assert scored.scores == {"claims": 75.0} and scored.details["unsupported"] == ["b"]


def test_expected_score_renormalises_over_score_tokens():
    top = [("4", math.log(0.5)), (" 2", math.log(0.3)), ("the", math.log(0.2))]
    assert math.isclose(expected_score(top), (0.5 * 4 + 0.3 * 2) / 0.8)
    assert expected_score([("the", -0.1)]) is None


def test_logprobs_that_do_not_spell_the_reply_are_not_used():
    text = '{"faithfulness": 4, "coverage": 4, "coherence": 4, "fluency": 4}'
    tokens = [(text[:-1], [(text[:-1], 0.0)]), ("}", [("}", 0.0)])]
    assert scale_expectations(SUMMARY, text, tokens) is None  # "4" shares its token
    assert scale_expectations(SUMMARY, text, [("x", [])]) is None


def test_built_in_rubrics_name_their_languages_and_reference_variant():
    values = {"source": "مصدر", "output": "out", "source_lang": "Arabic",
              "output_lang": "English", "reference_lang": "English"}  # fmt: skip
    with_reference = MQM.messages({**values, "reference": "the ref"})
    without = MQM.messages({**values, "reference": ""})
    assert "from Arabic into English" in " ".join(with_reference[0]["content"].split())
    assert "English reference translation:\nthe ref" in with_reference[1]["content"]
    assert "reference" not in without[1]["content"]
    assert MQM.kind is RubricKind.MQM and SUMMARY.scores == (
        "faithfulness",
        "coverage",
        "coherence",
        "fluency",
    )
    assert len(MQM.sha256) == 64 and MQM.label == "mqm@v1"


RUBRIC = {"name": "mine", "version": 2, "kind": "scales", "task": "translation",
          "dimensions": {"adequacy": "meaning kept"}, "prompt": "{{ source }} -> {{ output }}"}  # fmt: skip


def test_a_user_rubric_cannot_run_code(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("!!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(HarnessError, match="not a YAML rubric"):
        load_rubric(str(path))
    escape = {**RUBRIC, "prompt": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}
    rubric = parse_rubric(yaml.safe_dump(escape).encode(), "r.yaml")
    with pytest.raises(HarnessError, match=r"r\.yaml: cannot render its prompt"):
        rubric.messages({"source": "s", "output": "o"})
    with pytest.raises(HarnessError, match="key 'kind'"):
        parse_rubric(yaml.safe_dump({**RUBRIC, "kind": "vibes"}).encode(), "r.yaml")
    with pytest.raises(HarnessError, match="'output' is undefined"):
        parse_rubric(yaml.safe_dump({**RUBRIC, "prompt": "{{ output }}"}).encode(), "r")\
            .messages({})  # fmt: skip


JUDGE = {"name": "j", "type": "openai", "task": "translation",
         "base_url": "http://127.0.0.1:9/v1", "model": "m"}  # fmt: skip
COPY = {"name": "copy", "type": "identity", "task": "translation"}


def config_error(tmp_path, metrics: list, systems: list | None = None) -> str:
    document = {"articles": "a/", "references": "r/", "systems": systems or [COPY, JUDGE],
                "metrics": metrics}  # fmt: skip
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(HarnessError) as caught:
        load_config(path)
    return str(caught.value)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"judge": "j", "rubric": "mqm", "scoring": "logprobs"},
         r"metrics\[1\]\.scoring: logprobs reads 1–5 scales; rubric 'mqm'"),
        ({"judge": "nobody", "rubric": "mqm"}, r"metrics\[1\]\.judge: no system named 'nobody'"),
        ({"judge": "copy", "rubric": "mqm"},
         r"metrics\[1\]\.judge: system 'copy' \(type identity\) cannot judge; judge types: "
         "llama-cpp, openai"),
        ({"judge": "j", "rubric": "nope"}, r"rubric 'nope': not a built-in rubric"),
        ({"judge": "j", "rubric": "summary", "samples": 3, "scoring": "logprobs"},
         r"logprobs reads one reply; samples must be 1"),
        ({"judge": "j", "rubric": "mqm", "colour": 1}, r"metrics\[1\]\.colour: Extra inputs"),
    ],
)  # fmt: skip
def test_bad_judge_entries_are_one_line_naming_the_key(tmp_path, entry, message):
    import re

    text = config_error(tmp_path, ["chrf", {"name": "judge", **entry}])
    assert re.search(message, text), text
    assert "\n" not in text


def test_a_plain_judge_name_is_refused(tmp_path):
    assert "a judge is a mapping" in config_error(tmp_path, ["chrf", "judge"])


def test_each_kind_sets_its_range_and_worst_scores_sit_at_its_bottom():
    from harness.judges.judge import worst_scores

    for rubric, score in ((MQM, "mqm"), (SUMMARY, "faithfulness"), (CLAIMS, "claims")):
        metric = make_metric(f"judge.{score}", {**OPTIONS, "rubric": rubric.name, "score": score})
        metric.set_kind(rubric.kind)
        assert worst_scores(rubric)[score] == metric.lower_bound
        best = {"mqm": 0.0, "faithfulness": 5.0, "claims": 100.0}[score]
        assert metric.upper_bound == best
        assert metric.is_improvement(best - metric.lower_bound)
