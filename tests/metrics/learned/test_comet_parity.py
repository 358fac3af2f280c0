"""Every COMET family scores the committed tiny checkpoints as unbabel-comet 2.2.7's
``predict()`` did (expected.json, recorded in a side environment by make_comet_fixtures.py),
run end to end through ``harness run``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from harness.cli import app

from .conftest import FIXTURES, expected, triples, write_run

TOLERANCE = 1e-4


def run_report(tmp_path, metrics: str) -> dict:
    config = write_run(tmp_path, metrics)
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    return json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))


@pytest.mark.parametrize("family", ["regression", "unified", "xcomet", "xcomet-xl"])
def test_segment_scores_match_unbabel_comet(tmp_path, family):
    report = run_report(
        tmp_path,
        f"[{{name: comet, model: {FIXTURES / family}, batch_size: 8, "
        f"cache_dir: {tmp_path / 'cache'}}}]",
    )
    want = expected()["models"][family]["scores"]
    got = [segment["stats"]["comet"][0] for segment in report["segments"]]
    assert len(got) == len(want) == 20
    assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < TOLERANCE
    # the corpus score is 100 × COMET's system score (the mean)
    result = next(r for r in report["results"] if r["metric"] == "comet")
    assert result["score"] == pytest.approx(100 * sum(want) / len(want), abs=1e-3)
    signature = report["provenance"]["metrics"]["comet"]
    arch = {"regression": "regression_metric", "unified": "unified_metric"}.get(
        family, "xcomet_metric"
    )
    assert f"arch:{arch}" in signature and "sha256:" in signature


def test_fixture_covers_an_empty_and_an_over_long_hypothesis():
    from transformers import AutoTokenizer

    rows = triples()
    assert any(r["mt"] == "" for r in rows)
    tokenizer = AutoTokenizer.from_pretrained(str(FIXTURES / "encoder"))
    window = json.loads((FIXTURES / "encoder" / "config.json").read_text())[
        "max_position_embeddings"
    ]
    assert max(len(tokenizer(r["mt"])["input_ids"]) for r in rows) > window


@pytest.mark.parametrize("family", ["xcomet", "xcomet-xl"])
def test_xcomet_error_spans_match_unbabel_comet(tmp_path, family):
    report = run_report(
        tmp_path,
        f"[{{name: comet, model: {FIXTURES / family}, cache_dir: {tmp_path / 'cache'}}}]",
    )
    want = expected()["models"][family]["error_spans"]
    got = [segment["details"]["comet"]["error_spans"] for segment in report["segments"]]
    assert sum(len(spans) for spans in want) > 0
    for mine, theirs in zip(got, want, strict=True):
        assert [(s["text"], s["severity"], s["start"], s["end"]) for s in mine] == [
            (s["text"], s["severity"], s["start"], s["end"]) for s in theirs
        ]
        for a, b in zip(mine, theirs, strict=True):
            assert a["confidence"] == pytest.approx(b["confidence"], abs=TOLERANCE)
    html = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert html.count('class="error-spans"') == sum(1 for spans in want if spans)
    first = next(spans[0] for spans in want if spans)
    assert f'<mark class="span-{first["severity"]}"' in html


@pytest.mark.parametrize("family", ["xcomet", "xcomet-xl"])
def test_xcomet_without_references_falls_back_to_quality_estimation(family):
    from harness.metrics.learned.checkpoint import CometCheckpoint, encoder_folder
    from harness.metrics.learned.comet_model import CometModel

    checkpoint = CometCheckpoint.read(FIXTURES / family)
    encoder = encoder_folder(checkpoint.hparams["pretrained_model"], FIXTURES / family)
    model = CometModel(checkpoint, encoder)
    assert model.encoder.__class__.__name__ == (
        "XLMRobertaXLModel" if family == "xcomet-xl" else "XLMRobertaModel"
    )
    rows = triples()
    out = model.score([r["mt"] for r in rows], [r["src"] for r in rows], None)
    want = expected()["models"][family]
    assert max(abs(a - b) for a, b in zip(out.scores, want["qe_scores"], strict=True)) < TOLERANCE
    assert [len(s) for s in out.spans] == [len(s) for s in want["qe_error_spans"]]
