"""``hf-causal``: decoder-only LLMs (instruction or base models) as translators or summarizers.

- **Instruction models** (``chat: true``, or by default when the tokenizer has a chat template)
  get each input as a user message through the tokenizer's chat template, after an optional
  ``system_prompt`` and the ``few_shot`` examples as earlier user/assistant turns.
- **Base models** (``chat: false``) get a plain few-shot prompt: the ``few_shot`` examples, each
  the ``prompt`` template followed by a space and its output, then the input's ``prompt``,
  joined with ``shot_separator``.

``prompt`` is a template with one ``{source}`` field (write ``{{``/``}}`` for literal braces);
each task and mode has a default. Batches are left-padded, only the generated continuation is
kept, and it is cut at the first ``stop`` string (default: a newline for plain translation, a
blank line for plain summarization, none in chat mode, where the model's end-of-turn token
stops it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harness.records import Task
from harness.systems.hf_loading import HFParams, model_input_limit
from harness.systems.hf_system import HFSystem

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

DEFAULT_PROMPTS: dict[tuple[Task, bool], str] = {
    (Task.TRANSLATION, True): (
        "Translate the following Arabic text into English. Output only the translation.\n\n"
        "{source}"
    ),
    (Task.SUMMARIZATION, True): (
        "Summarize the following Arabic news article in Arabic, in two or three short "
        "sentences. Output only the summary.\n\n{source}"
    ),
    (Task.TRANSLATION, False): "Arabic: {source}\nEnglish:",
    (Task.SUMMARIZATION, False): "المقال: {source}\nالملخص:",
}
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


class HFCausalParams(HFParams):
    chat: bool | None = None
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


def cut_at_stop(text: str, stops: list[str]) -> str:
    """``text`` up to the earliest occurrence of any stop string."""
    end = len(text)
    for stop in stops:
        found = text.find(stop)
        if found != -1:
            end = min(end, found)
    return text[:end]


class HFCausal(HFSystem):
    params_model = HFCausalParams
    params: HFCausalParams
    tasks = frozenset(Task)
    auto_class_name = "AutoModelForCausalLM"

    _chat: bool | None = None

    # -- prompt settings, resolved for a mode ----------------------------------------------
    def template(self, chat: bool) -> str:
        return self.params.prompt or DEFAULT_PROMPTS[(self.task, chat)]

    def stops(self, chat: bool) -> list[str]:
        if self.params.stop is not None:
            return list(self.params.stop)
        return list(DEFAULT_STOPS[(self.task, chat)])

    @property
    def chat(self) -> bool:
        """Chat mode as configured, or (``chat`` unset) whether the tokenizer has a template."""
        if self._chat is None:
            if self.params.chat is not None:
                self._chat = self.params.chat
            else:
                tokenizer, _ = self.load()
                self._chat = bool(getattr(tokenizer, "chat_template", None))
        return self._chat

    def prepare(self, tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel) -> None:
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token

    def token_budget(
        self, tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel
    ) -> int | None:
        if self.params.max_input_tokens is not None:
            return self.params.max_input_tokens
        window = model_input_limit(tokenizer, model, None)
        return None if window is None else max(1, window - self.params.max_new_tokens)

    # -- prompts ---------------------------------------------------------------------------
    def render(self, source: str) -> str:
        tokenizer, _ = self.load()
        chat = self.chat
        template = self.template(chat)
        if not chat:
            shots = [
                f"{template.format(source=shot.source)} {shot.output}"
                for shot in self.params.few_shot
            ]
            parts = [self.params.system_prompt] if self.params.system_prompt else []
            return self.params.shot_separator.join(
                [*parts, *shots, template.format(source=source)]
            )
        messages: list[dict[str, str]] = []
        if self.params.system_prompt:
            messages.append({"role": "system", "content": self.params.system_prompt})
        for shot in self.params.few_shot:
            messages.append({"role": "user", "content": template.format(source=shot.source)})
            messages.append({"role": "assistant", "content": shot.output})
        messages.append({"role": "user", "content": template.format(source=source)})
        rendered = tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True
        )
        return str(rendered)

    def count_tokens(self, text: str) -> int:
        tokenizer, _ = self.load()
        return len(tokenizer(text, add_special_tokens=not self.chat)["input_ids"])

    # -- generation ------------------------------------------------------------------------
    def encode(self, texts: list[str]) -> Any:
        """Left-padded model inputs for one batch (the chat template already holds BOS)."""
        tokenizer, _ = self.load()
        return tokenizer(
            texts, return_tensors="pt", padding=True, add_special_tokens=not self.chat
        ).to(self.device)

    def model_generate_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``model.generate`` (stop strings need the tokenizer)."""
        tokenizer, _ = self.load()
        kwargs = {**self.generation_kwargs(), "pad_token_id": tokenizer.pad_token_id}
        stops = self.stops(self.chat)
        if stops:
            kwargs.update(stop_strings=stops, tokenizer=tokenizer)
        return kwargs

    def generate_batch(self, texts: list[str]) -> list[str]:
        import torch

        tokenizer, model = self.load()
        encoded = self.encode(texts)
        with torch.inference_mode():
            generated = model.generate(**encoded, **self.model_generate_kwargs())
        continuations = generated[:, encoded["input_ids"].shape[1] :]
        stops = self.stops(self.chat)
        return [
            cut_at_stop(text, stops).strip()
            for text in tokenizer.batch_decode(continuations, skip_special_tokens=True)
        ]

    # -- reporting -------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        modes = [self.params.chat] if self.params.chat is not None else [True, False]
        prompting = {
            ("chat" if chat else "plain"): {
                "template": self.template(chat),
                "stop": self.stops(chat),
            }
            for chat in modes
        }
        return {**super().describe(), "prompting": prompting}
