"""``ct2`` through ``harness run``, on a tiny sentencepiece Marian converted by CTranslate2.

The float32 comparison sets ``max_decoding_length`` one below ``hf-seq2seq``'s
``max_new_tokens``: the random model never emits EOS, so every output stops at the limit, and
transformers spends its last step on the EOS that Marian's ``forced_eos_token_id`` forces there,
while CTranslate2 counts only the tokens it keeps. With that, the texts must match exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.errors import HarnessError
from harness.records import Example, Task
from harness.systems.ct2 import CONVERSION_MARKER, CT2, CT2Params, convert_to_ct2, is_ct2_folder
from harness.systems.input_length import InputTooLong

from ..conftest import SEED
from .conftest import outputs_by_segment, run_cli, write_config

ARTICLE = SEED.stem
MAX_NEW_TOKENS = 10


def ct2_system(name: str, model: Path | str, cache: Path, **keys) -> dict:
    return {
        "name": name,
        "type": "ct2",
        "task": "translation",
        "model": str(model),
        "model_cache_dir": str(cache),
        "max_decoding_length": MAX_NEW_TOKENS - 1,
        "batch_size": 4,
        **keys,
    }


@pytest.fixture(scope="module")
def side_by_side(spm_marian, tmp_path_factory):
    """One run: hf-seq2seq, ct2 float32 and ct2 int8 (the default) on the same folder."""
    folder = tmp_path_factory.mktemp("ct2-run")
    cache = folder / "model-cache"
    systems = [
        {
            "name": "hf",
            "type": "hf-seq2seq",
            "task": "translation",
            "model": str(spm_marian),
            "max_new_tokens": MAX_NEW_TOKENS,
            "batch_size": 4,
        },
        ct2_system("ct2-f32", spm_marian, cache, compute_type="float32"),
        ct2_system("ct2-int8", spm_marian, cache),
    ]
    report, output = run_cli(write_config(folder, systems), folder / "out")
    return report, output, cache


def test_float32_greedy_outputs_equal_hf_seq2seq(side_by_side):
    report, _, _ = side_by_side
    hf = outputs_by_segment(report, "hf")
    ct2 = outputs_by_segment(report, "ct2-f32")
    assert len(hf) == 9 and all(hf.values())
    assert ct2 == hf
    assert len(set(hf.values())) > 1  # real decisions, not one repeated string


def test_target_language_token_is_forced_like_hf_seq2seq(spm_marian, tmp_path):
    """``tgt_lang`` becomes the target prefix; outputs still equal hf-seq2seq's forced BOS.

    The tiny Marian has no language codes, so a word piece stands in for one.
    """
    keys = {"tgt_lang": "the", "max_input_tokens": 16}
    hf = {
        "name": "hf",
        "type": "hf-seq2seq",
        "task": "translation",
        "model": str(spm_marian),
        "max_new_tokens": MAX_NEW_TOKENS,
        **keys,
    }
    systems = [
        hf,
        ct2_system("ct2", spm_marian, tmp_path / "cache", compute_type="float32", **keys),
    ]
    report, _ = run_cli(write_config(tmp_path, systems), tmp_path / "out")
    ct2 = outputs_by_segment(report, "ct2")
    assert all(output.startswith("the") for output in ct2.values())
    assert ct2 == outputs_by_segment(report, "hf")


def test_int8_runs_and_gives_outputs(side_by_side):
    report, _, _ = side_by_side
    segments = [s for s in report["segments"] if s["system"] == "ct2-int8"]
    assert len(segments) == 9
    assert all(s["status"] == "generated" and s["output"] for s in segments)
    info = report["provenance"]["systems"]["ct2-int8"]
    assert info["compute_type"].startswith("int8")
    assert info["params"]["compute_type"] == "int8"  # auto on CPU


def test_long_inputs_are_truncated_like_hf_seq2seq_and_counted(side_by_side):
    report, output, _ = side_by_side
    systems = report["provenance"]["systems"]
    assert systems["ct2-f32"]["input_limit_tokens"] == 64
    assert systems["ct2-f32"]["truncated_segments"] == systems["hf"]["truncated_segments"]
    assert systems["ct2-f32"]["truncated"] > 0
    assert "ct2-f32: input of" in output


def test_with_on_too_long_fail_long_inputs_fail_alone(spm_marian, side_by_side, tmp_path):
    _, _, cache = side_by_side  # converted there once already
    entry = ct2_system("ct2", spm_marian, cache, on_too_long="fail", max_input_tokens=8)
    system = CT2(CT2Params.model_validate(entry), tmp_path)
    short = Example("c", Task.TRANSLATION, "a", "title", "the", ())
    long = Example("c", Task.TRANSLATION, "a", "p1", " ".join(["the"] * 40), ())
    first, second = system.generate([short, long])
    assert isinstance(first, str)
    assert isinstance(second, InputTooLong)
    assert "more than 8 (max_input_tokens); on_too_long: fail" in str(second)
    info = system.run_info()
    assert (info["failed_too_long_segments"], info["truncated"]) == (["a/p1"], 0)


def test_fingerprint_names_weights_engine_and_decoding(side_by_side):
    report, _, _ = side_by_side
    f32 = report["provenance"]["systems"]["ct2-f32"]["params"]
    int8 = report["provenance"]["systems"]["ct2-int8"]["params"]
    assert len(f32["weights"]["sha256"]) == 64
    assert f32["weights"] == report["provenance"]["systems"]["hf"]["params"]["weights"]
    assert f32["ctranslate2"] == __import__("ctranslate2").__version__
    assert f32["generation"]["max_decoding_length"] == MAX_NEW_TOKENS - 1
    assert f32["generation"]["beam_size"] == 1
    assert "inter_threads" not in f32 and "model_cache_dir" not in f32
    assert int8["compute_type"] == "int8" and f32["compute_type"] == "float32"


def test_compute_type_and_decoding_are_in_the_cache_key_threads_are_not(spm_marian, tmp_path):
    def fingerprint(**keys) -> str:
        entry = ct2_system("x", spm_marian, tmp_path, **keys)
        return CT2(CT2Params.model_validate(entry), tmp_path).fingerprint()

    base = fingerprint()
    assert fingerprint(compute_type="int8") == base  # auto is int8 on CPU
    assert fingerprint(intra_threads=1, inter_threads=2) == base
    assert fingerprint(compute_type="float32") != base
    assert fingerprint(beam_size=2) != base
    assert fingerprint(max_decoding_length=5) != base


def test_model_is_converted_once_into_the_cache(side_by_side, spm_marian):
    """Both ct2 systems share one float32 conversion, keyed by the folder's hash."""
    report, _, cache = side_by_side
    (converted,) = [p for p in (cache / "ct2").iterdir() if p.is_dir()]  # not the lock file
    sha256 = report["provenance"]["systems"]["ct2-f32"]["params"]["weights"]["sha256"]
    assert converted.name == f"{spm_marian.name}-{sha256[:16]}"
    assert is_ct2_folder(converted)
    marker = json.loads((converted / CONVERSION_MARKER).read_text())
    assert marker["model_type"] == "marian" and marker["max_positions"] == 64
    assert report["provenance"]["systems"]["ct2-int8"]["ct2_folder"] == str(converted)


def test_a_ctranslate2_folder_is_used_as_is(side_by_side, tmp_path):
    """The converted folder (model.bin + tokenizer files) runs directly, with the same outputs."""
    report, _, cache = side_by_side
    (converted,) = [p for p in (cache / "ct2").iterdir() if p.is_dir()]  # not the lock file
    params = CT2Params.model_validate(
        ct2_system("direct", converted, tmp_path / "unused", compute_type="float32")
    )
    system = CT2(params, tmp_path)
    title = next(
        s for s in report["segments"] if s["system"] == "hf" and s["segment_id"] == "title"
    )
    example = Example(ARTICLE, Task.TRANSLATION, "seed", "title", title["source"], ())
    assert system.generate([example]) == [title["output"]]
    assert system.folder == converted
    assert not (tmp_path / "unused").exists()


def test_interrupted_conversion_is_redone(spm_marian, tmp_path):
    """A folder without the completion marker (a crash mid-write) is replaced, not used."""
    stale = tmp_path / "ct2" / "key"
    stale.mkdir(parents=True)
    (stale / "model.bin").write_text("half-written")
    folder = convert_to_ct2(spm_marian, "key", tmp_path, revision=None, trust_remote_code=False)
    assert folder == stale and (folder / CONVERSION_MARKER).is_file()
    assert (folder / "model.bin").stat().st_size > 1000
    left = sorted(p.name for p in (tmp_path / "ct2").iterdir() if not p.name.endswith(".lock"))
    assert left == ["key"]  # no partial left


def test_unconvertible_model_is_one_line_error(tmp_path):
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    with pytest.raises(HarnessError, match=r"cannot convert model .* to CTranslate2"):
        convert_to_ct2(folder, "bad", tmp_path, revision=None, trust_remote_code=False)


def test_uncached_hub_model_fails_offline_with_one_clear_line(tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    model = "harness-tests/no-such-model-in-any-cache"
    config = write_config(tmp_path, [ct2_system("ct2", model, tmp_path / "cache")])
    result = CliRunner().invoke(app, ["run", str(config)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert model in line and "HF_HOME" in line and "point `model:` at that folder" in line


def test_uncached_hub_model_without_the_hub_is_one_line_without_retries(tmp_path, unreachable_hub):
    """Not offline, but the hub does not answer: one probe, as for hf-seq2seq, not
    huggingface_hub's retries."""
    entry = ct2_system("ct2", "harness-tests/not-cached", tmp_path / "cache")
    system = CT2(CT2Params.model_validate(entry), tmp_path)
    with pytest.raises(HarnessError, match=rf"not-cached.*{unreachable_hub} is not reachable"):
        system.model_folder()


def test_gguf_models_are_refused_at_validation(tmp_path):
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    config = write_config(tmp_path, [ct2_system("ct2", gguf, tmp_path / "cache")])
    result = CliRunner().invoke(app, ["validate", str(config)])
    assert result.exit_code == 2
    assert "type 'ct2' takes a CTranslate2 folder" in result.stderr and "m.gguf" in result.stderr


def test_unknown_keys_and_compute_types_are_config_errors(tmp_path):
    for bad in ({"num_beams": 4}, {"compute_type": "int4"}):
        entry = ct2_system("ct2", "./m", tmp_path / "cache", **bad)
        result = CliRunner().invoke(app, ["validate", str(write_config(tmp_path, [entry]))])
        assert result.exit_code == 2, bad
        assert "Traceback" not in result.output
