"""The prompt rules that ``hf-causal``, ``llama-cpp`` and ``openai`` share."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from harness.records import Task
from harness.systems.hf_causal import HFCausalParams
from harness.systems.llama_cpp import LlamaCppParams
from harness.systems.openai_api import OpenAIParams
from harness.systems.prompting import DEFAULT_STOPS, PromptKeys, cut_at_stop

SHOTS = [{"source": "س١", "output": "O1"}, {"source": "س٢", "output": "O2"}]


def test_plain_prompt_joins_system_prompt_shots_and_input():
    keys = PromptKeys(system_prompt="Translate.", few_shot=SHOTS, shot_separator="\n--\n")
    assert keys.plain_prompt(Task.TRANSLATION, "مرحبا") == (
        "Translate.\n--\nArabic: س١\nEnglish: O1\n--\nArabic: س٢\nEnglish: O2\n--\n"
        "Arabic: مرحبا\nEnglish:"
    )


def test_chat_messages_put_shots_as_earlier_turns():
    keys = PromptKeys(prompt="T: {source}", system_prompt="Be brief.", few_shot=SHOTS[:1])
    assert keys.messages(Task.SUMMARIZATION, "نص") == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "T: س١"},
        {"role": "assistant", "content": "O1"},
        {"role": "user", "content": "T: نص"},
    ]


def test_defaults_depend_on_task_and_mode():
    keys = PromptKeys()
    assert keys.template(Task.SUMMARIZATION, False) == "المقال: {source}\nالملخص:"
    assert keys.stops(Task.SUMMARIZATION, False) == ["\n\n"]
    assert keys.stops(Task.TRANSLATION, True) == []
    assert PromptKeys(stop=["."]).stops(Task.TRANSLATION, True) == ["."]
    keys.stops(Task.TRANSLATION, False).append("mutated")
    assert DEFAULT_STOPS[(Task.TRANSLATION, False)] == ["\n"]  # callers get a copy


@pytest.mark.parametrize("model", [HFCausalParams, LlamaCppParams, OpenAIParams])
def test_every_llm_type_validates_the_prompt_keys_alike(model):
    entry = {"name": "s", "type": "t", "task": "translation", "model": "x.gguf"}
    if model is OpenAIParams:
        entry["base_url"] = "http://127.0.0.1:1/v1"
    with pytest.raises(ValidationError, match=r"must contain '\{source\}'"):
        model.model_validate({**entry, "prompt": "no field"})
    with pytest.raises(ValidationError, match=r"must contain '\{source\}'"):
        model.model_validate({**entry, "prompt": "{source} {other}"})
    with pytest.raises(ValidationError, match="stop strings must not be empty"):
        model.model_validate({**entry, "stop": [""]})
    with pytest.raises(ValidationError, match="extra"):
        model.model_validate({**entry, "few_shot": [{"source": "a", "output": "b", "x": 1}]})
    assert model.model_validate({**entry, "prompt": "{{x}} {source}"}).prompt == "{{x}} {source}"


def test_cut_at_stop_uses_the_earliest_stop():
    assert cut_at_stop("one. two\nthree", ["\n", "."]) == "one"
    assert cut_at_stop("no stop", []) == "no stop"
