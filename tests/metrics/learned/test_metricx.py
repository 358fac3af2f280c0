"""``metricx``: MetricX-24's input format and score extraction, on a tiny random mT5."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.errors import HarnessError
from harness.metrics import make_metric
from harness.metrics.learned.base import Inputs
from harness.metrics.learned.metricx import MetricX, metricx_input

from .conftest import tiny_mt5, triples, write_run


def metricx(tmp_path, tie: bool = False, **options) -> MetricX:
    folder = tiny_mt5(tie)
    options = {"model": str(folder), "tokenizer": str(folder), "cache": False, **options}
    made = make_metric("metricx", options)
    assert isinstance(made, MetricX)
    return made


def test_input_text_follows_metricx24():
    assert metricx_input("S", "H", "R") == "source: S candidate: H reference: R"
    assert metricx_input("S", "H", None) == "source: S candidate: H"
    assert metricx_input("S", "", "R") == "source: S candidate:  reference: R"


def test_direction_and_range_are_declared_on_the_metric():
    assert MetricX.higher_is_better is False
    assert (MetricX.lower_bound, MetricX.upper_bound) == (0.0, 25.0)
    assert MetricX.is_improvement(-1.0) and not MetricX.is_improvement(1.0)


def test_end_of_sequence_is_removed_after_truncation(tmp_path):
    m = metricx(tmp_path, max_input_length=64)
    m._loaded  # noqa: B018
    short = Inputs("x", "y", None)
    full = m._tokenizer([metricx_input("y", "x", None)])["input_ids"][0]
    assert full[-1] == m._tokenizer.eos_token_id and len(full) < 64
    assert m.encode([short]) == [full[:-1]]
    row = triples()[0]
    long = Inputs(row["mt"], row["src"], row["ref"])
    (ids,) = m.encode([long])
    assert len(ids) == 63  # truncated to 64 with the end mark, which is then dropped
    assert m._tokenizer.eos_token_id not in ids


@pytest.mark.parametrize("tie", [False, True])
def test_score_is_the_clipped_extra_id_10_logit_of_one_decoder_step(tmp_path, tie):
    import torch

    m = metricx(tmp_path, tie=tie)
    m._loaded  # noqa: B018
    rows = triples()[:6]
    inputs = [Inputs(r["mt"], r["src"], r["ref"]) for r in rows]
    scores = [r.score for r in m._score_batch(inputs)]
    # the same number from the whole seq2seq forward pass, one input at a time
    token = m._tokenizer.convert_tokens_to_ids("<extra_id_10>")
    assert token == len(m._tokenizer) - 11  # as 250089 is in mT5's 250100-piece vocabulary
    scale = 32**-0.5 if tie else 1.0  # T5's rescaling of tied embeddings
    for ids, score in zip(m.encode(inputs), scores, strict=True):
        with torch.inference_mode():
            out = m._net(
                input_ids=torch.tensor([ids]),
                decoder_input_ids=torch.zeros((1, 1), dtype=torch.long),
            )
        want = min(25.0, max(0.0, float(out.logits[0, 0, token]) * scale))
        assert score == pytest.approx(want, abs=1e-4)
    assert all(0.0 <= s <= 25.0 for s in scores)
    assert len(set(scores)) > 1


def test_scores_are_clipped_to_0_and_25(tmp_path):
    import torch

    m = metricx(tmp_path)
    m._loaded  # noqa: B018
    row = triples()[1]
    inputs = [Inputs(row["mt"], row["src"], row["ref"])]
    with torch.no_grad():
        m._net.lm_head.weight[m._score_token] *= 1e4
        high_or_low = m._score_batch(inputs)[0].score
        m._net.lm_head.weight[m._score_token] *= -1
        flipped = m._score_batch(inputs)[0].score
    assert sorted([high_or_low, flipped]) == [0.0, 25.0]


def test_qe_reads_no_reference(tmp_path):
    rows = triples()[:4]
    qe = metricx(tmp_path, qe=True)
    with_refs = qe.segment_stats_with_sources(
        [r["mt"] for r in rows], [[r["ref"]] for r in rows], [r["src"] for r in rows]
    )
    hybrid = metricx(tmp_path)
    no_refs = hybrid.segment_stats_with_sources(
        [r["mt"] for r in rows], [[] for _ in rows], [r["src"] for r in rows]
    )
    assert with_refs == no_refs  # both the source–candidate input
    assert "input:qe" in qe.signature()


def test_tokenizer_without_the_score_token_is_refused(tmp_path):
    from transformers import AutoTokenizer

    from tests.metrics.learned.conftest import FIXTURES

    folder = tiny_mt5()
    assert AutoTokenizer.from_pretrained(str(FIXTURES / "encoder")).unk_token_id is not None
    m = make_metric(
        "metricx", {"model": str(folder), "tokenizer": str(FIXTURES / "encoder"), "cache": False}
    )
    with pytest.raises(HarnessError, match="extra_id_10"):
        m.segment_stats_with_sources(["a"], [["b"]], ["c"])


def test_runs_through_harness_run_lower_is_better(tmp_path):
    folder = tiny_mt5()
    config = write_run(
        tmp_path,
        f"[{{name: metricx, model: {folder}, tokenizer: {folder}, "
        f"cache_dir: {tmp_path / 'cache'}}}, bleu]",
    )
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))
    rows = [s["stats"]["metricx"][0] for s in report["segments"]]
    score = next(r["score"] for r in report["results"] if r["metric"] == "metricx")
    assert score == pytest.approx(sum(rows) / len(rows))
    assert "metricx ↓" in result.output
    assert "arch:metricx-24" in report["provenance"]["metrics"]["metricx"]
