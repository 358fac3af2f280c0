"""Language codes of multilingual encoder-decoder models, shared by ``hf-seq2seq`` and ``ct2``.

NLLB takes ``arb_Arab``/``eng_Latn``, M2M100 ``ar``/``en`` (its tokens are ``__ar__``/``__en__``),
mBART-50 ``ar_AR``/``en_XX``. The source code is set on the tokenizer (which prepends its token);
the target code's token is forced as the first generated token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.errors import HarnessError

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

# Model types whose tokenizer and decoder need source and target language codes.
MULTILINGUAL_TYPES = frozenset({"m2m_100", "nllb-moe", "mbart"})


def language_token_id(tokenizer: PreTrainedTokenizerBase, code: str) -> int | None:
    """The id of language ``code``'s token: M2M100's ``__en__``, else ``eng_Latn``, ``en_XX``."""
    for token in (f"__{code}__", code):  # M2M100 style first: "en" may be a word piece
        token_id = tokenizer.convert_tokens_to_ids(token)
        if isinstance(token_id, int) and token_id != tokenizer.unk_token_id:
            return token_id
    return None


def set_up_languages(
    tokenizer: PreTrainedTokenizerBase,
    model_type: str | None,
    *,
    system: str,
    model: str,
    src_lang: str | None,
    tgt_lang: str | None,
) -> int | None:
    """Check ``src_lang``/``tgt_lang`` against the tokenizer, set the source code on it and
    return the id of the target token to force first (None: nothing to force).

    Raises a one-line :class:`HarnessError` for a missing code on a multilingual model or a
    code the tokenizer does not know.
    """
    multilingual = model_type in MULTILINGUAL_TYPES
    forced: int | None = None
    for key, code in (("src_lang", src_lang), ("tgt_lang", tgt_lang)):
        if code is None:
            if multilingual:
                raise HarnessError(
                    f"system '{system}': model '{model}' ({model_type}) needs '{key}' (e.g. "
                    f"arb_Arab/eng_Latn for NLLB, ar/en for M2M100, ar_AR/en_XX for mBART-50)"
                )
            continue
        token_id = language_token_id(tokenizer, code)
        if token_id is None:
            raise HarnessError(
                f"system '{system}': {key} '{code}' is not a language code of model '{model}'"
            )
        if key == "src_lang":
            tokenizer.src_lang = code  # multilingual tokenizers prepend the code token
        else:
            if hasattr(tokenizer, "tgt_lang"):
                tokenizer.tgt_lang = code
            forced = token_id
    return forced
