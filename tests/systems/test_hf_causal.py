"""``hf-causal`` through ``harness run``, on a tiny Llama-style model built here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from typer.testing import CliRunner

from harness.cli import app
from harness.records import Example
from harness.systems.hf_causal import HFCausal, HFCausalParams, cut_at_stop
from harness.systems.input_length import InputTooLong
from harness.tasks import Task

from ..conftest import SEED
from .conftest import outputs_by_segment, run_cli, write_config

ARTICLE = SEED.stem
SHOTS = [{"source": "وصل الرئيس إلى العاصمة.", "output": "The president arrived in the capital."}]


def llama_system(model: Path, **keys) -> dict:
    return {
        "name": "llama",
        "type": "hf-causal",
        "task": "translation",
        "model": str(model),
        "chat": False,
        "few_shot": SHOTS,
        "stop": ["."],
        "max_new_tokens": 8,
        **keys,
    }


@pytest.fixture(scope="module")
def llama_runs(tiny_llama, tmp_path_factory):
    reports = {}
    for label, batch_size in (("first", 8), ("second", 8), ("single", 1)):
        folder = tmp_path_factory.mktemp(label)
        config = write_config(folder, [llama_system(tiny_llama, batch_size=batch_size)])
        reports[label], _ = run_cli(config, folder / "out")
    return reports


def test_outputs_are_deterministic_and_batch_size_independent(llama_runs):
    first = outputs_by_segment(llama_runs["first"], "llama")
    assert len(first) == 9 and all(first.values())
    assert first == outputs_by_segment(llama_runs["second"], "llama")
    assert first == outputs_by_segment(llama_runs["single"], "llama")


def test_only_the_continuation_is_kept_and_cut_at_the_stop_string(llama_runs, tiny_llama):
    """Compare with the bare model on one few-shot prompt, written out here by hand."""
    outputs = outputs_by_segment(llama_runs["first"], "llama")
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama)
    model = AutoModelForCausalLM.from_pretrained(tiny_llama).eval()
    source = next(
        s["source"] for s in llama_runs["first"]["segments"] if s["segment_id"] == "title"
    )
    prompt = (
        "Arabic: وصل الرئيس إلى العاصمة.\nEnglish: The president arrived in the capital.\n\n"
        f"Arabic: {source}\nEnglish:"
    )
    encoded = tokenizer(prompt, return_tensors="pt")
    with torch.inference_mode():
        ids = model.generate(
            **encoded, max_new_tokens=8, do_sample=False, stop_strings=["."], tokenizer=tokenizer
        )
    continuation = tokenizer.decode(
        ids[0, encoded["input_ids"].shape[1] :], skip_special_tokens=True
    )
    assert outputs[(ARTICLE, "title")] == continuation.split(".")[0].strip()
    assert "Arabic:" not in outputs[(ARTICLE, "title")]
    assert all("." not in output for output in outputs.values())


def test_describe_holds_the_prompt_template_and_stop_strings(llama_runs):
    params = llama_runs["first"]["provenance"]["systems"]["llama"]["params"]
    assert params["prompting"] == {
        "plain": {"template": "Arabic: {source}\nEnglish:", "stop": ["."]}
    }
    assert params["few_shot"] == SHOTS
    assert len(params["weights"]["sha256"]) == 64


def test_chat_template_is_used_when_the_tokenizer_has_one(tiny_llama, tmp_path):
    params = HFCausalParams(
        name="chat",
        type="hf-causal",
        task=Task.TRANSLATION,
        model=str(tiny_llama),
        system_prompt="You translate news.",
        few_shot=SHOTS,
    )
    system = HFCausal(params, tmp_path)
    assert system.chat is True
    rendered = system.render("مرحبا")
    assert rendered.startswith("<s>system: You translate news.</s><s>user: Translate the following")
    assert "<s>assistant: The president arrived in the capital.</s>" in rendered
    assert rendered.endswith("مرحبا</s><s>assistant:")
    tokenizer, _ = system.load()
    assert tokenizer.padding_side == "left"
    assert len(system.generate_batch([rendered, system.render("وزير الدفاع")])) == 2


def test_prompt_too_long_for_the_window_keeps_the_source_head(tiny_llama, tmp_path):
    system = llama_system(tiny_llama, max_input_tokens=100, task="summarization", stop=None)
    report, output = run_cli(write_config(tmp_path, [system]), tmp_path / "out")
    info = report["provenance"]["systems"]["llama"]
    assert info["truncated_segments"] == [ARTICLE]
    assert info["input_limit_tokens"] == 100
    assert f"llama: input of {ARTICLE} has" in output
    assert "kept its first 100 tokens" in output
    (summary,) = [s for s in report["segments"] if s["system"] == "llama"]
    assert summary["status"] == "generated"


def test_a_prompt_too_long_without_its_source_fails_even_with_truncate(tiny_llama, tmp_path):
    """The few-shot prompt alone is 63 tokens here. Before, the source was dropped whole and
    the model got the over-long prompt without it, counted as "kept its first 40 tokens"."""
    params = HFCausalParams.model_validate(
        llama_system(tiny_llama, max_input_tokens=40, task="summarization", stop=None)
    )
    system = HFCausal(params, tmp_path)
    article = SEED.read_text(encoding="utf-8")
    (output,) = system.generate([Example("c", Task.SUMMARIZATION, ARTICLE, None, article, ())])
    assert isinstance(output, InputTooLong)
    assert str(output) == (
        "input too long: the prompt without its source has 63 tokens, more than the limit of "
        "40 (max_input_tokens)"
    )
    info = system.run_info()
    assert (info["failed_too_long_segments"], info["truncated"]) == ([ARTICLE], 0)


def test_with_on_too_long_fail_the_long_article_fails_alone(tiny_llama, tmp_path):
    params = HFCausalParams.model_validate(
        llama_system(
            tiny_llama, max_input_tokens=100, task="summarization", stop=None, on_too_long="fail"
        )
    )
    system = HFCausal(params, tmp_path)
    article = SEED.read_text(encoding="utf-8")
    short, long = system.generate(
        [
            Example("c", Task.SUMMARIZATION, "short", None, "وصل الرئيس.", ()),
            Example("c", Task.SUMMARIZATION, ARTICLE, None, article, ()),
        ]
    )
    assert isinstance(short, str) and short
    assert isinstance(long, InputTooLong)
    assert re.fullmatch(
        r"input too long: \d+ tokens, more than 100 \(max_input_tokens\); on_too_long: fail",
        str(long),
    )
    info = system.run_info()
    assert (info["failed_too_long_segments"], info["truncated"]) == ([ARTICLE], 0)
    assert system.finish() == []


def test_default_window_leaves_room_for_the_new_tokens(tiny_llama, tmp_path):
    params = HFCausalParams(
        name="x", type="hf-causal", task=Task.TRANSLATION, model=str(tiny_llama), max_new_tokens=12
    )
    system = HFCausal(params, tmp_path)
    system.load()
    assert system.input_limit == 512 - 12


def test_systems_on_the_same_weights_share_one_loaded_model(tiny_llama, tmp_path):
    def system(name: str, task: Task, **keys) -> HFCausal:
        params = HFCausalParams(
            name=name, type="hf-causal", task=task, model=str(tiny_llama), **keys
        )
        return HFCausal(params, tmp_path)

    translator = system("mt", Task.TRANSLATION)
    summarizer = system("sum", Task.SUMMARIZATION, chat=False)
    other_dtype = system("bf16", Task.TRANSLATION, dtype="bfloat16")
    assert translator.load()[1] is summarizer.load()[1]
    assert other_dtype.load()[1] is not translator.load()[1]


def test_cut_at_stop_uses_the_earliest_stop():
    assert cut_at_stop("one. two\nthree", ["\n", "."]) == "one"
    assert cut_at_stop("no stop here", ["\n"]) == "no stop here"
    assert cut_at_stop("\nleading", ["\n"]) == ""


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"prompt": "Arabic: {text}"}, "prompt must contain '{source}'"),
        ({"prompt": "no field"}, "prompt must contain '{source}'"),
        ({"stop": [""]}, "stop strings must not be empty"),
        ({"few_shot": [{"source": "a"}]}, "missing required key 'output'"),
        ({"model": "pypi:gemma-9000"}, "unknown packaged model 'gemma-9000'"),
    ],
)
def test_bad_prompt_settings_are_config_errors_with_a_line(tmp_path, keys, message):
    system = {"name": "bad", "type": "hf-causal", "task": "translation", "model": "org/m", **keys}
    config = write_config(tmp_path, [system])
    result = CliRunner().invoke(app, ["validate", str(config)])
    assert result.exit_code == 2
    assert message in result.stderr and f"{config}:" in result.stderr
