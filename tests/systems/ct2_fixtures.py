"""A tiny Marian model with a real sentencepiece ``MarianTokenizer``, for the ``ct2`` tests.

CTranslate2's Marian converter checks the vocabulary against a real ``MarianTokenizer``; the
generic BPE tokenizer of the other tiny models fails that check. So: sentencepiece trained on
the seed article and its references (vocabulary 300) and a random ``MarianConfig`` with
``d_model`` 32 and one encoder and one decoder layer (built by :mod:`.spm_marian`).
"""

from __future__ import annotations

from pathlib import Path

from .conftest import training_lines
from .spm_marian import build_spm_marian as _build


def build_spm_marian(folder: Path, vocab_size: int = 300, model_max_length: int = 64) -> Path:
    return _build(
        folder,
        training_lines(),
        pieces=vocab_size,
        model_max_length=model_max_length,
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=model_max_length,
        init_std=0.5,
    )
