"""``hf-seq2seq``: encoder-decoder translators and summarizers from Hugging Face.

Marian (opus-mt) and T5/mT5 need nothing but ``model:`` (T5 takes an optional ``prefix`` such
as ``"summarize: "``). Multilingual models need language codes: NLLB ``src_lang: arb_Arab``,
``tgt_lang: eng_Latn``; M2M100 ``ar``/``en``; mBART-50 ``ar_AR``/``en_XX``. The target code is
forced as the first generated token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.errors import HarnessError
from harness.records import Task
from harness.systems.hf_loading import HFParams
from harness.systems.hf_system import HFSystem

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

# Model types whose tokenizer and decoder need source and target language codes.
MULTILINGUAL_TYPES = frozenset({"m2m_100", "nllb-moe", "mbart"})


class HFSeq2SeqParams(HFParams):
    src_lang: str | None = None
    tgt_lang: str | None = None
    prefix: str = ""


def language_token_id(tokenizer: PreTrainedTokenizerBase, code: str) -> int | None:
    """The id of language ``code``'s token: M2M100's ``__en__``, else ``eng_Latn``, ``en_XX``."""
    for token in (f"__{code}__", code):  # M2M100 style first: "en" may be a word piece
        token_id = tokenizer.convert_tokens_to_ids(token)
        if isinstance(token_id, int) and token_id != tokenizer.unk_token_id:
            return token_id
    return None


class HFSeq2Seq(HFSystem):
    params_model = HFSeq2SeqParams
    params: HFSeq2SeqParams
    tasks = frozenset(Task)
    auto_class_name = "AutoModelForSeq2SeqLM"

    _forced_bos_token_id: int | None = None

    def prepare(self, tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel) -> None:
        multilingual = model.config.model_type in MULTILINGUAL_TYPES
        for key in ("src_lang", "tgt_lang"):
            code = getattr(self.params, key)
            if code is None:
                if multilingual:
                    raise HarnessError(
                        f"system '{self.name}': model '{self.params.model}' "
                        f"({model.config.model_type}) needs '{key}' (e.g. arb_Arab/eng_Latn for "
                        f"NLLB, ar/en for M2M100, ar_AR/en_XX for mBART-50)"
                    )
                continue
            token_id = language_token_id(tokenizer, code)
            if token_id is None:
                raise HarnessError(
                    f"system '{self.name}': {key} '{code}' is not a language code of model "
                    f"'{self.params.model}'"
                )
            if key == "src_lang":
                tokenizer.src_lang = code  # multilingual tokenizers prepend the code token
            else:
                if hasattr(tokenizer, "tgt_lang"):
                    tokenizer.tgt_lang = code
                self._forced_bos_token_id = token_id

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
