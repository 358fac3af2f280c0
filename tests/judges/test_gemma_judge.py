"""A real judge end to end: gemma-3-270m through ``llama-cpp`` (in process, the packaged GGUF)
judges gemma's own translations of the seed's title and bullets with ``mqm``, the seed's lead
summary with ``summary`` and ``claims``, and (a third run) the translations against the copied
source pairwise.

It asserts the machinery, not the judge's wisdom (a 270M base model is no judge): every
segment is judged or unscored with its raw replies, the parse rate and methods are reported,
MQM spans are shown in report.html, and a rerun takes every reply from the cache. Reply
budgets are small (a long reply is cut, fails to parse, and is then unscored: also machinery).
Not skipped when llama-cpp-python or the model package is missing: then the run fails.
"""

from __future__ import annotations

import pytest
import yaml
from markupsafe import escape

from ..conftest import REPO, SEED
from ..systems.conftest import seed_title_and_bullets
from .conftest import results, run

GEMMA = "pypi:gemma-3-270m"


@pytest.fixture(scope="module")
def gemma_judged(tmp_path_factory):
    """Two runs (the second from the cache) of one config with three judge entries."""
    folder = tmp_path_factory.mktemp("gemma-judge")
    (folder / "head").mkdir()
    head = seed_title_and_bullets(folder / "head")
    (folder / "article").mkdir()  # title, bullets and the first two paragraphs: a short prompt
    lines = SEED.read_text("utf-8").splitlines()[:6]
    (folder / "article" / SEED.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (translator,) = yaml.safe_load((REPO / "configs" / "gemma-3-270m.yaml").read_text())["systems"]
    config = {
        "corpus": [
            {"name": "head", "format": "seed", "path": "head/" + head["articles"],
             "references": "head/" + head["references"]},
            {"name": "article", "format": "seed", "path": "article/"},
        ],
        "systems": [
            {**translator, "max_new_tokens": 24, "corpora": ["head"]},
            {"name": "lead", "type": "lead", "task": "summarization", "corpora": ["article"]},
            {"name": "gemma-judge", "type": "llama-cpp", "task": "translation", "model": GEMMA,
             "chat": False, "n_ctx": 4096},
        ],
        "metrics": [
            "chrf",
            "rouge1",
            {"name": "judge", "judge": "gemma-judge", "rubric": "mqm", "max_new_tokens": 16},
            {"name": "judge", "judge": "gemma-judge", "rubric": "summary", "max_new_tokens": 32},
            {"name": "judge", "judge": "gemma-judge", "rubric": "claims", "max_new_tokens": 16},
        ],
        "cache_dir": "cache",
    }  # fmt: skip
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    runs = []
    for index in (1, 2):
        code, output, report = run(path, folder / f"out-{index}")
        assert code == 0, output
        runs.append((report, (folder / f"out-{index}" / "report.html").read_text("utf-8")))
    # pairwise: gemma's translations (from the cache) against the source copied as is
    config["systems"] = [
        config["systems"][0],
        {"name": "copy", "type": "identity", "task": "translation", "corpora": ["head"]},
        config["systems"][2],
    ]
    config["metrics"] = [
        "chrf",
        {"name": "judge", "judge": "gemma-judge", "rubric": "pairwise-translation",
         "mode": "pairwise", "max_new_tokens": 8},
    ]  # fmt: skip
    config["compare"] = {"baseline": "copy"}
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    code, output, report = run(path, folder / "out-pairwise")
    assert code == 0, output
    runs.append((report, (folder / "out-pairwise" / "report.html").read_text("utf-8")))
    return runs


def test_every_judge_reports_its_parse_rate_and_methods(gemma_judged):
    (report, _), *_ = gemma_judged
    judges = report["provenance"]["judges"]
    assert set(judges) == {
        "judge.mqm", "judge.faithfulness", "judge.coverage", "judge.coherence",
        "judge.fluency", "judge.claims",
    }  # fmt: skip
    assert judges["judge.mqm"]["segments"] == 3 and judges["judge.claims"]["segments"] == 1
    for info in judges.values():
        assert info["model"] == GEMMA and info["judge"] == "gemma-judge"
        assert 0 <= info["parse_rate"] <= 1
        assert info["unscored"] == round(info["segments"] * (1 - info["parse_rate"]))
        assert sum(info["methods"].values()) == info["segments"]
    assert judges["judge.fluency"]["scoring"] == "logprobs"
    assert judges["judge.mqm"]["scoring"] == "greedy"
    # the judge only judged: it produced no outputs of its own
    assert not [s for s in report["segments"] if s["system"] == "gemma-judge"]
    for name, result in ((r["metric"], r) for r in report["results"]):
        if name.startswith("judge."):
            assert "unscored_share" in result


def test_verdicts_are_on_the_segments_with_spans_or_raw_replies(gemma_judged):
    (report, page), *_ = gemma_judged
    translated = [s for s in report["segments"] if s["system"] == "gemma-3-270m"]
    assert len(translated) == 3
    for segment in translated:
        verdict = segment["judge"]["mqm"]
        if verdict["scores"] is None:
            assert segment["scores"]["judge.mqm"] is None and verdict["replies"]
            for reply in verdict["replies"]:
                assert str(escape(reply)) in page
        else:
            assert -25 <= verdict["scores"]["mqm"] <= 0
            assert segment["scores"]["judge.mqm"] == verdict["scores"]["mqm"]
            for error in verdict["errors"]:
                assert str(escape(error["span"])) in page  # spans shown
    (summary,) = [s for s in report["segments"] if s["system"] == "lead"]
    verdict = summary["judge"]["summary"]
    if verdict["scores"] is not None and verdict["method"] == "logprobs":
        assert all(1 <= value <= 5 for value in verdict["scores"].values())
    assert 'id="judges"' in page


def test_a_rerun_takes_every_judge_reply_from_the_cache(gemma_judged):
    (first, _), (second, _), _ = gemma_judged
    for name, info in second["provenance"]["judges"].items():
        before = first["provenance"]["judges"][name]
        assert info["fresh_replies"] == 0
        assert info["cached_replies"] == before["fresh_replies"] > 0
    for metric in ("judge.mqm", "judge.faithfulness", "judge.claims"):
        assert results(second, metric) == results(first, metric)


def test_pairwise_runs_both_orders_with_a_real_judge(gemma_judged):
    *_, (report, page) = gemma_judged
    (entry,) = report["pairwise"]
    assert (entry["system"], entry["baseline"]) == ("gemma-3-270m", "copy")
    assert entry["segments"] == 3
    assert entry["wins"] + entry["ties"] + entry["losses"] + entry["unscored"] == 3
    judged = [
        s["judge"]["pairwise-translation vs copy"]
        for s in report["segments"]
        if s["system"] == "gemma-3-270m"
    ]
    consistent = [v["consistent"] for v in judged if v["outcome"] is not None]
    if consistent:
        assert entry["position_consistency"] == sum(consistent) / len(consistent)
    assert "position consistency" in page
