"""``hf-seq2seq``: encoder-decoder translators and summarizers from Hugging Face.

Marian (opus-mt) and T5/mT5 need nothing but ``model:`` (T5 takes an optional ``prefix`` such
as ``"summarize: "``). Multilingual models need language codes: NLLB ``src_lang: arb_Arab``,
``tgt_lang: eng_Latn``; M2M100 ``ar``/``en``; mBART-50 ``ar_AR``/``en_XX``. The target code is
forced as the first generated token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.records import Task
from harness.systems.hf_loading import HFParams
from harness.systems.hf_system import HFSystem
from harness.systems.seq2seq_languages import (
    MULTILINGUAL_TYPES,
    language_token_id,
    set_up_languages,
)

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

# Kept importable from here (the language logic is shared with ``ct2``).
__all__ = ["MULTILINGUAL_TYPES", "HFSeq2Seq", "HFSeq2SeqParams", "language_token_id"]


class HFSeq2SeqParams(HFParams):
    src_lang: str | None = None
    tgt_lang: str | None = None
    prefix: str = ""


class HFSeq2Seq(HFSystem):
    params_model = HFSeq2SeqParams
    params: HFSeq2SeqParams
    tasks = frozenset(Task)
    auto_class_name = "AutoModelForSeq2SeqLM"

    _forced_bos_token_id: int | None = None

    def prepare(self, tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel) -> None:
        self._forced_bos_token_id = set_up_languages(
            tokenizer,
            model.config.model_type,
            system=self.name,
            model=self.params.model,
            src_lang=self.params.src_lang,
            tgt_lang=self.params.tgt_lang,
        )

    def render(self, source: str) -> str:
        return self.params.prefix + source

    def generate_batch(self, texts: list[str]) -> list[str]:
        import torch

        tokenizer, model = self.load()
        encoded = tokenizer(
            texts,
            return_tensors="pt",
            padding=True,
            truncation=self.input_limit is not None,
            max_length=self.input_limit,
        ).to(self.device)
        kwargs = self.generation_kwargs()
        if self._forced_bos_token_id is not None:
            kwargs["forced_bos_token_id"] = self._forced_bos_token_id
        with torch.inference_mode():
            generated = model.generate(**encoded, **kwargs)
        texts = tokenizer.batch_decode(generated, skip_special_tokens=True)
        return [text.strip() for text in texts]
