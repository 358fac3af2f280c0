"""The built-in systems: lead, identity and outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.systems.base import SystemParams
from harness.systems.identity import Identity
from harness.systems.lead import Lead, LeadParams
from harness.systems.outputs import Outputs, OutputsParams
from harness.tasks import Example, Task


def example(source: str, segment_id: str | None = "title", task: Task = Task.TRANSLATION) -> Example:
    return Example("c", task, "a1", segment_id, source, ("ref",))


def test_lead_takes_first_n_sentences_across_paragraphs():
    lead = Lead(LeadParams(name="l", type="lead", task=Task.SUMMARIZATION, n=3), Path("."))
    body = "الجملة الأولى. الجملة الثانية؟\nالجملة الثالثة! الجملة الرابعة."
    (summary,) = lead.generate([example(body, None, Task.SUMMARIZATION)])
    assert summary.split("\n") == ["الجملة الأولى.", "الجملة الثانية؟", "الجملة الثالثة!"]


def test_identity_copies_source():
    identity = Identity(SystemParams(name="i", type="identity", task=Task.TRANSLATION), Path("."))
    assert identity.generate([example("نص"), example("آخر")]) == ["نص", "آخر"]


def outputs_system(tmp_path, lines, task=Task.TRANSLATION, **params) -> Outputs:
    (tmp_path / "out.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Outputs(
        OutputsParams(name="o", type="outputs", task=task, path="out.jsonl", **params), tmp_path
    )


def test_outputs_returns_none_for_missing_and_warns_about_unused(tmp_path):
    system = outputs_system(
        tmp_path,
        [
            json.dumps({"article_id": "a1", "segment_id": "title", "output": "Title"}),
            json.dumps({"article_id": "a1", "segment_id": "zzz", "output": "stray"}),
        ],
        allow_missing=True,
    )
    examples = [example("x", "title"), example("y", "bullet-1")]
    assert system.generate(examples) == ["Title", None]
    missing, unused = system.check_inputs([], examples)
    assert missing == "o: 1 missing output(s): a1/bullet-1 (no output); scored as empty"
    assert "1 of 2 output line(s) match no example" in unused and "a1/zzz" in unused


def test_outputs_summaries_are_keyed_by_article(tmp_path):
    system = outputs_system(tmp_path, [json.dumps({"article_id": "a1", "output": "ملخص"})], Task.SUMMARIZATION)
    assert system.generate([example("body", None, Task.SUMMARIZATION)]) == ["ملخص"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"article_id": "a1", "output": "x"}', r"out\.jsonl:1: missing key 'segment_id'"),
        ('{"article_id": "a1", "segment_id": "t"}', r"out\.jsonl:1: missing key 'output'"),
        ("not json", r"out\.jsonl:1: bad JSON"),
    ],
)
def test_outputs_bad_lines(tmp_path, line, message):
    with pytest.raises(HarnessError, match=message):
        outputs_system(tmp_path, [line])


def test_outputs_duplicate_line(tmp_path):
    line = json.dumps({"article_id": "a1", "segment_id": "t", "output": "x"})
    with pytest.raises(HarnessError, match=r"out\.jsonl:2: second output for a1/t"):
        outputs_system(tmp_path, [line, line])


def test_outputs_missing_file(tmp_path):
    with pytest.raises(HarnessError, match=r"nope\.jsonl: cannot read"):
        Outputs(OutputsParams(name="o", type="outputs", task=Task.TRANSLATION, path="nope.jsonl"), tmp_path)
