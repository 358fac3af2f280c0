"""``hf-causal``: decoder-only LLMs (instruction or base models) as translators or summarizers.

- **Instruction models** (``chat: true``, or by default when the tokenizer has a chat template)
  get each input as a user message through the tokenizer's chat template, after an optional
  ``system_prompt`` and the ``few_shot`` examples as earlier user/assistant turns.
- **Base models** (``chat: false``) get a plain few-shot prompt: the ``few_shot`` examples, each
  the ``prompt`` template followed by a space and its output, then the input's ``prompt``,
  joined with ``shot_separator``.

The prompt keys and their rules live in :mod:`harness.systems.prompting` (shared with
``llama-cpp`` and ``openai``). ``prompt`` is a template with one ``{source}`` field (write
``{{``/``}}`` for literal braces); each task and mode has a default. Batches are left-padded,
only the generated continuation is kept, and it is cut at the first ``stop`` string (default: a
newline for plain translation, a blank line for plain summarization, none in chat mode, where
the model's end-of-turn token stops it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.records import Task
from harness.systems.hf_loading import HFParams, model_input_limit
from harness.systems.hf_system import HFSystem
from harness.systems.prompting import (
    DEFAULT_PROMPTS,
    DEFAULT_STOPS,
    FewShotExample,
    PromptKeys,
    cut_at_stop,
)

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = [
    "DEFAULT_PROMPTS",
    "DEFAULT_STOPS",
    "FewShotExample",
    "HFCausal",
    "HFCausalParams",
    "cut_at_stop",
]


class HFCausalParams(HFParams, PromptKeys):
    chat: bool | None = None


class HFCausal(HFSystem):
    params_model = HFCausalParams
    params: HFCausalParams
    tasks = frozenset(Task)
    auto_class_name = "AutoModelForCausalLM"

    _chat: bool | None = None

    # -- prompt settings, resolved for a mode ----------------------------------------------
    def stops(self, chat: bool) -> list[str]:
        return self.params.stops(self.task, chat)

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

    def limit_is(self) -> str:
        if self.params.max_input_tokens is not None:
            return "max_input_tokens"
        return f"the model's window less max_new_tokens {self.params.max_new_tokens}"

    # -- prompts ---------------------------------------------------------------------------
    def render(self, source: str) -> str:
        if not self.chat:
            return self.params.plain_prompt(self.task, source)
        tokenizer, _ = self.load()
        rendered = tokenizer.apply_chat_template(
            self.params.messages(self.task, source), tokenize=False, add_generation_prompt=True
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
        return {**super().describe(), "prompting": self.params.prompting(self.task, modes)}
