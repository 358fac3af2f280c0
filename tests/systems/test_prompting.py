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


def test_summary_prompts_follow_the_input_and_target_languages():
    """Before: the summarizer of a translate → summarize pipeline got the Arabic-summary
    prompt ("Summarize the following Arabic news article in Arabic") on English text."""
    from harness.records import Task
    from harness.systems.openai_api import OpenAIParams

    def params(**extra):
        entry = {"name": "s", "type": "openai", "task": "summarization", "base_url": "http://h/v1"}
        return OpenAIParams.model_validate({**entry, "model": "m", **extra})

    arabic, english = "وقال الوزير إن المحادثات كانت مثمرة.", "The minister said the talks went well."
    own = params()
    assert "Arabic news article in Arabic" in own.messages(Task.SUMMARIZATION, arabic)[-1]["content"]
    in_pipeline = own.messages(Task.SUMMARIZATION, english)[-1]["content"]
    assert in_pipeline.startswith("Summarize the following English news article in English")
    assert own.plain_prompt(Task.SUMMARIZATION, english) == f"Article: {english}\nSummary:"
    to_english = params(target_lang="en")
    assert "Arabic news article in English" in to_english.messages(Task.SUMMARIZATION, arabic)[-1]["content"]
    assert to_english.plain_prompt(Task.SUMMARIZATION, arabic).endswith("English summary:")
    # translation prompts and a config's own prompt are left as they are
    assert params(prompt="S: {source}").plain_prompt(Task.SUMMARIZATION, english) == f"S: {english}"
