"""The pairs file is untrusted: each bad line is refused in one message naming it."""

import json

import pytest

from harness.challenge.generate import Item, generate_pairs
from harness.challenge.pairs import read_pairs, write_pairs
from harness.errors import HarnessError
from harness.records import Task

PAIR = {
    "id": "1",
    "source": "s",
    "reference": "The cat sat.",
    "good": "The cat sat.",
    "bad": "The cat did not sit.",
    "phenomenon": "negation",
    "severity": "critical",
}


def write(tmp_path, *objects, raw=None):
    path = tmp_path / "pairs.jsonl"
    path.write_text(raw if raw is not None else "".join(json.dumps(o) + "\n" for o in objects))
    return path


def test_round_trip(tmp_path):
    pairs = read_pairs(write(tmp_path, PAIR, {**PAIR, "id": "2", "reference": ["a", "b"]}))
    assert [p.references for p in pairs] == [("The cat sat.",), ("a", "b")]
    out = tmp_path / "again.jsonl"
    write_pairs(out, pairs)
    assert read_pairs(out) == pairs


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"severity": "fatal"}, ":2: 'severity' must be one of critical, major, minor"),
        ({"good": 3}, ":2: 'good' must be a string"),
        ({"bad": "The cat sat."}, ":2: 'good' and 'bad' are the same text"),
        ({"id": "1"}, ":2: duplicate id '1' (first on line 1)"),
        ({"reference": 5}, ":2: 'reference' must be a string, a list of strings or null"),
        ({"task": "poetry"}, ":2: 'task' must be one of translation"),
    ],
)
def test_bad_lines_are_named(tmp_path, change, message):
    path = write(tmp_path, PAIR, {**PAIR, "id": "2", **change})
    with pytest.raises(
        HarnessError, match=f"^{path}{message}".replace("(", r"\(").replace(")", r"\)")
    ):
        read_pairs(path)


def test_missing_key_and_bad_json(tmp_path):
    missing = {k: v for k, v in PAIR.items() if k != "phenomenon"}
    with pytest.raises(HarnessError, match=r":1: missing key 'phenomenon'"):
        read_pairs(write(tmp_path, missing))
    with pytest.raises(HarnessError, match=r":2: bad JSON"):
        read_pairs(write(tmp_path, raw=json.dumps(PAIR) + "\n{oops\n"))


def test_generation_counts_items_each_perturbation_applied_to():
    items = [
        Item("a", Task.TRANSLATION, "مصدر", ("r",), "In 2019, prices rose in Paris."),
        Item("b", Task.TRANSLATION, "مصدر", ("r",), "nothing to see here"),
    ]
    pairs, applied = generate_pairs(items, seed=3, only=["number", "lowercase"])
    counts = {a.phenomenon: (a.applied, a.items) for a in applied}
    assert counts == {"number": (1, 2), "lowercase": (1, 2)}
    assert {p.id for p in pairs} == {"a/number", "a/lowercase"}
    assert generate_pairs(items, seed=3, only=["number", "lowercase"])[0] == pairs
    with pytest.raises(HarnessError, match="unknown phenomenon 'typo'"):
        generate_pairs(items, seed=3, only=["typo"])
