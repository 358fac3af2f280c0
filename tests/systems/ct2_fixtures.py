"""A tiny Marian model with a real sentencepiece ``MarianTokenizer``, for the ``ct2`` tests.

CTranslate2's Marian converter checks the vocabulary against a real ``MarianTokenizer``
(``source.spm``/``target.spm`` + ``vocab.json`` with ``<pad>`` last); the generic BPE tokenizer
of the other tiny models fails that check. So: sentencepiece trained on the seed article and
its references (vocabulary 300), ``</s>`` = 0, ``<unk>`` = 1, ``<pad>`` appended last, and a
random ``MarianConfig`` with ``d_model`` 32 and one encoder and one decoder layer.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .conftest import training_lines


def build_spm_marian(folder: Path, vocab_size: int = 300, model_max_length: int = 64) -> Path:
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    work = folder.with_name(folder.name + "-spm")
    work.mkdir(parents=True, exist_ok=True)
    text = work / "train.txt"
    text.write_text("\n".join(training_lines()), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(text),
        model_prefix=str(work / "spm"),
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        eos_id=0,
        unk_id=1,
        bos_id=-1,
        pad_id=-1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    processor = spm.SentencePieceProcessor(model_file=str(work / "spm.model"))
    vocab = {processor.id_to_piece(i): i for i in range(processor.get_piece_size())}
    vocab["<pad>"] = len(vocab)  # Marian's convention: <pad> last
    (work / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = MarianTokenizer(
        source_spm=str(work / "spm.model"),
        target_spm=str(work / "spm.model"),
        vocab=str(work / "vocab.json"),
        model_max_length=model_max_length,
    )
    tokenizer.save_pretrained(folder)
    shutil.rmtree(work)
    config = MarianConfig(
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
        forced_eos_token_id=tokenizer.eos_token_id,  # as opus-mt's config
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
    torch.manual_seed(0)
    MarianMTModel(config).save_pretrained(folder)
    return folder
