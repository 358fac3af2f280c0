"""``hf-seq2seq`` through ``harness run``, on tiny Marian, T5 and M2M100 models built here."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
from typer.testing import CliRunner

from harness.cli import app
from harness.errors import HarnessError
from harness.systems.hf_seq2seq import HFSeq2Seq, HFSeq2SeqParams, language_token_id

from ..conftest import SEED
from .conftest import outputs_by_segment, run_cli, write_config

ARTICLE = SEED.stem


def marian_system(model: Path | str, **keys) -> dict:
    return {
        "name": "marian",
        "type": "hf-seq2seq",
        "task": "translation",
        "model": str(model),
        "max_new_tokens": 12,
        **keys,
    }


@pytest.fixture(scope="module")
def marian_runs(tiny_marian, tmp_path_factory):
    """The seed translated three times: batch size 8 twice, batch size 1 once."""
    reports = {}
    for label, batch_size in (("first", 8), ("second", 8), ("single", 1)):
        folder = tmp_path_factory.mktemp(label)
        config = write_config(folder, [marian_system(tiny_marian, batch_size=batch_size)])
        reports[label], _ = run_cli(config, folder / "out")
        reports[label]["markdown"] = (folder / "out" / "report.md").read_text(encoding="utf-8")
    return reports


def test_every_arabic_segment_gets_a_generated_output(marian_runs):
    report = marian_runs["first"]
    segments = [s for s in report["segments"] if s["system"] == "marian"]
    assert len(segments) == 9
    assert all(s["status"] == "generated" and s["output"] for s in segments)
    assert {r["metric"] for r in report["results"] if r["system"] == "marian"} == {
        "bleu",
        "chrf",
        "ter",
    }


def test_outputs_are_deterministic(marian_runs):
    assert outputs_by_segment(marian_runs["first"], "marian") == outputs_by_segment(
        marian_runs["second"], "marian"
    )


def test_batch_size_1_and_8_give_identical_greedy_outputs(marian_runs):
    assert outputs_by_segment(marian_runs["first"], "marian") == outputs_by_segment(
        marian_runs["single"], "marian"
    )


def test_outputs_land_on_their_own_segments(marian_runs, tiny_marian):
    """Length-sorted batching must restore input order: compare with the bare model."""
    outputs = outputs_by_segment(marian_runs["first"], "marian")
    tokenizer = AutoTokenizer.from_pretrained(tiny_marian)
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_marian).eval()
    sources = {
        (s["article_id"], s["segment_id"]): s["source"] for s in marian_runs["first"]["segments"]
    }
    for key in [(ARTICLE, "title"), (ARTICLE, "bullet-2")]:
        encoded = tokenizer(sources[key], return_tensors="pt", truncation=True, max_length=64)
        with torch.inference_mode():
            ids = model.generate(**encoded, max_new_tokens=12, do_sample=False, num_beams=1)
        assert outputs[key] == tokenizer.decode(ids[0], skip_special_tokens=True).strip()
    assert len(set(outputs.values())) > 1


def test_long_inputs_are_truncated_with_a_warning_and_counted(marian_runs):
    """The tiny Marian takes 64 tokens; the seed's long paragraphs do not fit."""
    provenance = marian_runs["first"]["provenance"]
    info = provenance["systems"]["marian"]
    assert info["input_limit_tokens"] == 64
    assert info["truncated"] == len(info["truncated_segments"]) > 0
    assert f"{ARTICLE}/title" not in info["truncated_segments"]
    for name in info["truncated_segments"]:
        assert any(name in w and "kept its first 64 tokens" in w for w in provenance["warnings"])
    markdown = marian_runs["first"]["markdown"]
    assert (
        f"Inputs cut to the model's input limit (see warnings): marian {info['truncated']}."
        in markdown
    )


def test_with_on_too_long_fail_long_inputs_fail_alone_instead(tiny_marian, marian_runs, tmp_path):
    system = marian_system(tiny_marian, batch_size=8, on_too_long="fail")
    report, _ = run_cli(write_config(tmp_path, [system]), tmp_path / "out")
    info = report["provenance"]["systems"]["marian"]
    assert info["params"]["on_too_long"] == "fail"
    failed = {
        f"{s['article_id']}/{s['segment_id']}": s["error"]
        for s in report["segments"]
        if s["system"] == "marian" and s["status"] == "failed"
    }
    assert sorted(failed) == info["failed_too_long_segments"] and failed
    assert info["failed_too_long"] == info["counts"]["failed"] == len(failed)
    assert info["truncated"] == 0 and f"{ARTICLE}/title" not in failed
    for error in failed.values():
        assert re.fullmatch(
            r"InputTooLong: input too long: \d+ tokens, more than 64 \(the model's input "
            r"limit\); on_too_long: fail",
            error,
        )
    # the inputs that fit get the outputs they get under truncate (batches less the failed)
    generated = {
        key: output
        for key, output in outputs_by_segment(report, "marian").items()
        if f"{key[0]}/{key[1]}" not in failed
    }
    assert len(generated) == info["counts"]["generated"] > 0
    truncating = outputs_by_segment(marian_runs["first"], "marian")
    assert generated == {key: truncating[key] for key in generated}


def test_describe_identifies_weights_and_generation(marian_runs):
    params = marian_runs["first"]["provenance"]["systems"]["marian"]["params"]
    assert len(params["weights"]["sha256"]) == 64
    assert params["generation"]["max_new_tokens"] == 12
    assert params["generation"]["do_sample"] is False
    assert params["batch_size"] == 8


def test_t5_summarizes_with_prefix_and_truncates_the_article_head(tiny_t5, tmp_path):
    system = {
        "name": "t5",
        "type": "hf-seq2seq",
        "task": "summarization",
        "model": str(tiny_t5),
        "prefix": "summarize: ",
        "max_input_tokens": 32,
        "max_new_tokens": 10,
        "no_repeat_ngram_size": 2,
    }
    report, output = run_cli(write_config(tmp_path, [system]), tmp_path / "out")
    (summary,) = [s for s in report["segments"] if s["system"] == "t5"]
    assert summary["status"] == "generated"
    assert summary["segment_id"] is None
    info = report["provenance"]["systems"]["t5"]
    assert info["truncated_segments"] == [ARTICLE]
    assert f"input of {ARTICLE} has" in output
    assert {r["metric"] for r in report["results"] if r["system"] == "t5"} == {
        "rouge1",
        "rougeLsum",
    }


def test_multilingual_model_forces_the_target_language_token(tiny_m2m, tmp_path):
    params = HFSeq2SeqParams(
        name="m2m",
        type="hf-seq2seq",
        task="translation",
        model=str(tiny_m2m),
        src_lang="arb_Arab",
        tgt_lang="eng_Latn",
        max_new_tokens=5,
    )
    system = HFSeq2Seq(params, tmp_path)
    tokenizer, model = system.load()
    target = tokenizer.convert_tokens_to_ids("eng_Latn")
    encoded = tokenizer(["وزير الدفاع الروسي"], return_tensors="pt")
    kwargs = {**system.generation_kwargs(), "forced_bos_token_id": system._forced_bos_token_id}
    with torch.inference_mode():
        ids = model.generate(**encoded, **kwargs)
    assert ids[0, 1].item() == target  # after the decoder start token


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({}, "needs 'src_lang'"),
        ({"src_lang": "arb_Arab"}, "needs 'tgt_lang'"),
        ({"src_lang": "arb_Arab", "tgt_lang": "xx_Yyyy"}, "tgt_lang 'xx_Yyyy' is not a language"),
    ],
)
def test_multilingual_model_checks_language_codes(tiny_m2m, tmp_path, keys, message):
    params = HFSeq2SeqParams(
        name="m2m", type="hf-seq2seq", task="translation", model=str(tiny_m2m), **keys
    )
    with pytest.raises(HarnessError, match=message):
        HFSeq2Seq(params, tmp_path).load()


def test_language_token_id_accepts_plain_and_m2m100_style_codes(tiny_m2m):
    tokenizer = AutoTokenizer.from_pretrained(tiny_m2m)
    tokenizer.add_tokens(["__en__"], special_tokens=True)
    assert language_token_id(tokenizer, "eng_Latn") == tokenizer.convert_tokens_to_ids("eng_Latn")
    assert language_token_id(tokenizer, "en") == tokenizer.convert_tokens_to_ids("__en__")
    assert language_token_id(tokenizer, "fr") is None


def test_uncached_hub_model_fails_offline_with_one_clear_line(tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    model = "harness-tests/no-such-model-in-any-cache"
    system = marian_system(model)
    result = CliRunner().invoke(app, ["run", str(write_config(tmp_path, [system]))])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert model in line and "HF_HOME" in line and "point `model:` at that folder" in line


def test_missing_local_model_folder_is_a_user_error(tmp_path):
    system = marian_system("./models/absent")  # "./": a path, not a hub id
    result = CliRunner().invoke(app, ["validate", str(write_config(tmp_path, [system]))])
    assert result.exit_code == 2
    assert "model folder not found" in result.stderr


def test_trust_remote_code_is_off_unless_configured(tmp_path):
    params = HFSeq2SeqParams(name="m", type="hf-seq2seq", task="translation", model="org/model")
    assert params.trust_remote_code is False


def test_hub_id_loads_from_the_local_cache_and_names_its_commit(tiny_marian, tmp_path, monkeypatch):
    """A hub id found in the Hugging Face cache loads offline; describe() gives its commit."""
    from huggingface_hub import constants

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--harness-tests--tiny-marian"
    shutil.copytree(tiny_marian, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)

    folder = tmp_path / "run"
    folder.mkdir()
    config = write_config(folder, [marian_system("harness-tests/tiny-marian", batch_size=4)])
    report, _ = run_cli(config, folder / "out")
    params = report["provenance"]["systems"]["marian"]["params"]
    assert params["weights"] == {"model": "harness-tests/tiny-marian", "revision": commit}
    segments = [s for s in report["segments"] if s["system"] == "marian"]
    assert all(s["status"] == "generated" for s in segments)
