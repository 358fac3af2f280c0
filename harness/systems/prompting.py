"""Prompts of the LLM system types (``hf-causal``, ``llama-cpp``, ``openai``), in one place.

- **Chat mode** (instruction models): an optional ``system_prompt``, then the ``few_shot``
  examples as earlier user/assistant turns, then the input as a user message; the engine (the
  tokenizer's chat template, the GGUF's template, or the server) renders the messages.
- **Plain mode** (base models): the ``few_shot`` examples, each the ``prompt`` template followed
  by a space and its output, then the input's ``prompt``, joined with ``shot_separator`` (after
  the ``system_prompt``, when there is one).

``prompt`` is a template with one ``{source}`` field (write ``{{``/``}}`` for literal braces);
each task and mode has a default, which follows the languages: a summary prompt names the
input's language (read from its script: the summarizer of a translate → summarize pipeline is
given English text) and the output's (the system's ``target_lang``, else the input's own).
Outputs are cut at the first ``stop`` string (default: a newline for plain translation, a blank
line for plain summarization, none in chat mode, where the model's end-of-turn token stops it).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harness.records import Task
from harness.text.langid import detect_lang

# Bump when a change here alters the text sent to a model for the same config: served systems
# (which have no weights hash) key their cache on it.
PROMPT_TEMPLATE_VERSION = "2"

DEFAULT_PROMPTS: dict[tuple[Task, bool], str] = {
    (Task.TRANSLATION, True): (
        "Translate the following Arabic text into English. Output only the translation.\n\n{source}"
    ),
    (Task.SUMMARIZATION, True): (
        "Summarize the following Arabic news article in Arabic, in two or three short "
        "sentences. Output only the summary.\n\n{source}"
    ),
    (Task.TRANSLATION, False): "Arabic: {source}\nEnglish:",
    (Task.SUMMARIZATION, False): "المقال: {source}\nالملخص:",
}
_LANGUAGE_NAMES = {"ar": "Arabic", "en": "English"}
#: summary prompts by (input language, output language, chat); (ar, ar) are DEFAULT_PROMPTS'
SUMMARY_PROMPTS: dict[tuple[str, str, bool], str] = {
    **{
        (source, target, True): (
            f"Summarize the following {_LANGUAGE_NAMES[source]} news article in "
            f"{_LANGUAGE_NAMES[target]}, in two or three short sentences. Output only the "
            "summary.\n\n{source}"
        )
        for source in _LANGUAGE_NAMES
        for target in _LANGUAGE_NAMES
    },
    ("ar", "ar", False): DEFAULT_PROMPTS[(Task.SUMMARIZATION, False)],
    ("en", "en", False): "Article: {source}\nSummary:",
    ("ar", "en", False): "Arabic article: {source}\nEnglish summary:",
    ("en", "ar", False): "English article: {source}\nArabic summary:",
}
SUMMARY_PROMPTS[("ar", "ar", True)] = DEFAULT_PROMPTS[(Task.SUMMARIZATION, True)]


def input_language(source: str) -> str:
    """``en`` for text mostly in Latin script, else ``ar`` (the harness's two languages)."""
    return "en" if detect_lang(source) == "en" else "ar"


DEFAULT_STOPS: dict[tuple[Task, bool], list[str]] = {
    (Task.TRANSLATION, True): [],
    (Task.SUMMARIZATION, True): [],
    (Task.TRANSLATION, False): ["\n"],
    (Task.SUMMARIZATION, False): ["\n\n"],
}


class FewShotExample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    output: str


class PromptKeys(BaseModel):
    """The prompt keys of a config's LLM system entry (mixed into each type's params)."""

    prompt: str | None = None
    system_prompt: str | None = None
    few_shot: list[FewShotExample] = Field(default_factory=list)
    shot_separator: str = "\n\n"
    stop: list[str] | None = None

    @field_validator("prompt")
    @classmethod
    def _one_source_field(cls, template: str | None) -> str | None:
        if template is None:
            return None
        try:
            rendered = template.format(source="\0")
        except (KeyError, IndexError, ValueError):
            rendered = ""
        if "\0" not in rendered:
            raise ValueError(
                "prompt must contain '{source}' and no other {…} field "
                "(write {{ and }} for literal braces)"
            )
        return template

    @field_validator("stop")
    @classmethod
    def _non_empty_stops(cls, stops: list[str] | None) -> list[str] | None:
        if stops is not None and any(stop == "" for stop in stops):
            raise ValueError("stop strings must not be empty")
        return stops

    # -- settings, resolved for a task and mode --------------------------------------------
    def template(self, task: Task, chat: bool, source_lang: str = "ar") -> str:
        """The prompt template: the config's, else the default for the task, the mode and
        (summaries) the input's and output's languages."""
        if self.prompt:
            return self.prompt
        if task is Task.TRANSLATION:
            return DEFAULT_PROMPTS[(task, chat)]
        target = getattr(self, "target_lang", None) or source_lang
        return SUMMARY_PROMPTS[(source_lang, target, chat)]

    def stops(self, task: Task, chat: bool) -> list[str]:
        if self.stop is not None:
            return list(self.stop)
        return list(DEFAULT_STOPS[(task, chat)])

    # -- rendering -------------------------------------------------------------------------
    def messages(self, task: Task, source: str) -> list[dict[str, str]]:
        """The chat messages for one input."""
        template = self.template(task, True, input_language(source))
        messages: list[dict[str, str]] = []
        if self.system_prompt:
            messages.append({"role": "system", "content": self.system_prompt})
        for shot in self.few_shot:
            messages.append({"role": "user", "content": template.format(source=shot.source)})
            messages.append({"role": "assistant", "content": shot.output})
        messages.append({"role": "user", "content": template.format(source=source)})
        return messages

    def plain_prompt(self, task: Task, source: str) -> str:
        """The plain few-shot prompt for one input."""
        template = self.template(task, False, input_language(source))
        shots = [f"{template.format(source=shot.source)} {shot.output}" for shot in self.few_shot]
        parts = [self.system_prompt] if self.system_prompt else []
        return self.shot_separator.join([*parts, *shots, template.format(source=source)])

    def prompting(self, task: Task, modes: list[bool]) -> dict[str, Any]:
        """Template and stops per mode, for a system's description (and so its fingerprint)."""
        described: dict[str, Any] = {
            ("chat" if chat else "plain"): {
                "template": self.template(task, chat),
                "stop": self.stops(task, chat),
            }
            for chat in modes
        }
        if task is not Task.TRANSLATION and not self.prompt:  # the English-input template too
            for chat in modes:
                described["chat" if chat else "plain"]["template_for_english_input"] = (
                    self.template(task, chat, "en")
                )
        return described


def cut_at_stop(text: str, stops: list[str]) -> str:
    """``text`` up to the earliest occurrence of any stop string."""
    end = len(text)
    for stop in stops:
        found = text.find(stop)
        if found != -1:
            end = min(end, found)
    return text[:end]
