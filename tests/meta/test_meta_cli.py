"""``harness meta`` end to end: a real run (FLORES slice, three systems) and ratings of its
outputs; the figures are checked against scipy on the same joined scores."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

from harness.cli import app

EXT = Path(__file__).resolve().parents[2].parent / "shared" / "external"
ITEMS = 24


@pytest.fixture(scope="module")
def rated_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("meta")
    opus = (
        EXT
        / "mt_system_outputs"
        / "opus-mt-ar-en_opus-2019-12-18.flores101-devtest.ara-eng.hyp.txt"
    )
    lines = opus.read_text(encoding="utf-8").splitlines()
    (folder / "worse.txt").write_text("".join(line.lower().rstrip(". ") + "\n" for line in lines))
    config = {
        "name": "meta-test",
        "corpus": [
            {
                "name": "flores",
                "format": "parallel",
                "source": str(EXT / "flores" / "flores101.devtest.ara"),
                "references": [str(EXT / "flores" / "flores101.devtest.eng")],
                "limit": ITEMS,
            }
        ],
        "systems": [
            {"name": "opus", "type": "outputs", "task": "translation", "path": str(opus)},
            {
                "name": "worse",
                "type": "outputs",
                "task": "translation",
                "path": str(folder / "worse.txt"),
            },
            {"name": "copy", "type": "identity", "task": "translation"},
        ],
        "metrics": ["bleu", "chrf", "ter"],
    }
    (folder / "run.yaml").write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(
        app, ["run", str(folder / "run.yaml"), "--out", str(folder / "run")]
    )
    assert result.exit_code == 0, result.output
    rng = np.random.default_rng(5)
    level = {"opus": 70, "worse": 55, "copy": 5}
    with (folder / "ratings.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["system", "item", "score"])
        for system, mean in level.items():
            for item in range(1, ITEMS + 1):
                writer.writerow([system, item, int(mean + rng.integers(-10, 11))])
    return folder


def test_meta_end_to_end(rated_run, tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "meta",
            str(rated_run / "run"),
            str(rated_run / "ratings.csv"),
            "--out",
            str(tmp_path),
            "--resamples",
            "200",
            "--trials",
            "100",
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "meta.json").read_text())
    assert "# Agreement with human ratings" in (tmp_path / "meta.md").read_text()
    system = document["system_level"]
    # three systems the humans rank opus > worse > copy; chrF ranks them the same way, and TER
    # (lower is better) is oriented before it is correlated
    for metric in ("chrf", "ter"):
        assert system[metric]["kendall"]["value"] == pytest.approx(1.0)
        assert system[metric]["pairwise_accuracy"]["value"] == pytest.approx(1.0)
        assert system[metric]["pearson"]["value"] > 0.8

    # segment level: the same figure scipy gives on the joined (rating, segment score) cells
    report = json.loads((rated_run / "run" / "report.json").read_text())
    score = {(s["system"], s["segment_id"]): s["scores"]["chrf"] for s in report["segments"]}
    ratings = list(csv.DictReader((rated_run / "ratings.csv").open()))
    human = [float(r["score"]) for r in ratings]
    metric = [score[(r["system"], r["item"])] for r in ratings]
    expected = stats.kendalltau(metric, human, variant="b")[0]
    tau = document["segment_level"]["chrf"]["kendall_b"]
    assert tau["value"] == pytest.approx(expected, abs=1e-12)
    assert tau["low"] <= tau["value"] <= tau["high"]
    assert document["segment_level"]["chrf"]["acc_eq"]["value"] > 0.5
    assert {t["level"] for t in document["permutation_tests"]} == {"system", "segment"}
    assert all(0 <= t["p"] <= 1 and t["delta"] >= 0 for t in document["permutation_tests"])


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("nobody,1,50", "ratings.csv:2: unknown system 'nobody' (the run has copy, opus, worse)"),
        ("opus,999,50", "ratings.csv:2: unknown item '999' for system 'opus'"),
        ("opus,1,fifty", "ratings.csv:2: score 'fifty' is not a number"),
    ],
)
def test_bad_ratings_exit_2_naming_the_row(rated_run, tmp_path, row, message):
    path = tmp_path / "ratings.csv"
    path.write_text(f"system,item,score\n{row}\n")
    result = CliRunner().invoke(app, ["meta", str(rated_run / "run"), str(path)])
    assert result.exit_code == 2
    assert message in result.output.replace("\n", "")
