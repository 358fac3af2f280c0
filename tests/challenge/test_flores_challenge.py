"""The worked example: configs/challenge-flores.yaml on a slice of FLORES-101 devtest with the
real opus-mt outputs, through the CLI. It checks the machinery, not the published table:
``numbers`` catches every changed number it can see, ``untranslated`` every Arabic span, and
a metric blind to a change (a tie) is counted as missing it."""

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from harness.challenge.pairs import read_pairs
from harness.cli import app
from harness.text.numbers import extract_numbers


@pytest.fixture(scope="module")
def challenge_run(tmp_path_factory) -> Path:
    repo = Path(__file__).resolve().parents[2]
    config = yaml.safe_load((repo / "configs" / "challenge-flores.yaml").read_text())
    base = repo / "configs"
    corpus = config["corpus"][0]
    corpus["source"] = str((base / corpus["source"]).resolve())
    corpus["references"] = [str((base / r).resolve()) for r in corpus["references"]]
    corpus["limit"] = 60
    system = config["systems"][0]
    system["path"] = str((base / system["path"]).resolve())
    # the embedding metrics are exercised by tests/metrics/test_meaning.py; here they would
    # only add minutes
    config["metrics"] = ["bleu", "chrf", "ter", "numbers", "names", "untranslated", "offtarget"]
    folder = tmp_path_factory.mktemp("challenge")
    path = folder / "challenge.yaml"
    path.write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(app, ["challenge", str(path), "--out", str(folder / "out")])
    assert result.exit_code == 0, result.output
    assert "detection rate" in result.output
    return folder / "out"


def scores(run: Path, phenomenon: str, metric: str) -> list[tuple[str, list[float]]]:
    document = json.loads((run / "challenge.json").read_text())
    return [
        (p["id"], p["scores"][metric]) for p in document["pairs"] if p["phenomenon"] == phenomenon
    ]


def test_numbers_detects_every_changed_number_it_can_see(challenge_run):
    pairs = {p.id: p for p in read_pairs(challenge_run / "pairs.jsonl")}
    visible = 0
    for pair_id, (good, bad) in scores(challenge_run, "number", "numbers"):
        pair = pairs[pair_id]
        source, good_numbers = (
            Counter(extract_numbers(pair.source)),
            Counter(extract_numbers(pair.good)),
        )
        ((changed, _),) = (good_numbers - Counter(extract_numbers(pair.bad))).items()
        ((written, _),) = (Counter(extract_numbers(pair.bad)) - good_numbers).items()
        # seen: the source has the old number (as often as the good output) and not the new one
        if good_numbers[changed] <= source[changed] and written not in source:
            visible += 1
            assert good > bad, pair_id
    assert visible >= 3  # the slice holds numbers the source writes with digits


def test_untranslated_and_ties(challenge_run):
    untranslated = scores(challenge_run, "untranslated", "untranslated")
    assert untranslated and all(bad > good for _, (good, bad) in untranslated)
    # numbers cannot see a lowercased sentence: equal scores, counted as a miss
    document = json.loads((challenge_run / "challenge.json").read_text())
    rate = {(r["metric"], r["by"], r["group"]): r for r in document["rates"]}
    assert rate[("numbers", "phenomenon", "lowercase")]["rate"] == 0.0
    assert rate[("untranslated", "phenomenon", "untranslated")]["rate"] == 100.0
    ter = rate[("ter", "phenomenon", "addition")]  # lower is better, read the right way
    assert ter["rate"] > 80 and ter["ci_low"] <= ter["rate"] <= ter["ci_high"]


def test_reports_and_pairs_file_round_trip(challenge_run, tmp_path):
    markdown = (challenge_run / "report.md").read_text()
    assert "| phenomenon | severity | pairs | bleu |" in markdown
    assert "| untranslated | major | 60/60 |" in markdown
    html = (challenge_run / "report.html").read_text()
    assert "<svg" in html and "heatmap" in html
    result = CliRunner().invoke(
        app,
        [
            "challenge",
            "--pairs",
            str(challenge_run / "pairs.jsonl"),
            "--metric",
            "untranslated",
            "--out",
            str(tmp_path / "again"),
        ],
    )
    assert result.exit_code == 0, result.output
    again = json.loads((tmp_path / "again" / "challenge.json").read_text())
    first = json.loads((challenge_run / "challenge.json").read_text())
    pick = [r for r in first["rates"] if r["metric"] == "untranslated"]
    assert [r for r in again["rates"]] == pick


def test_bad_pairs_file_is_one_line_exit_2(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"id": "1"}\n')
    result = CliRunner().invoke(app, ["challenge", "--pairs", str(path)])
    assert result.exit_code == 2
    assert f"{path}:1: missing key 'source'" in result.output.replace("\n", "")
