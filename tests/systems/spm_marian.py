"""A random-weight Marian with a real sentencepiece ``MarianTokenizer``: the tiny one of the
``ct2`` tests (tests/systems/ct2_fixtures.py) and the opus-mt-sized one of
benchmarks/bench_ct2.py are both built here.

CTranslate2's Marian converter checks the vocabulary against a real ``MarianTokenizer``
(``source.spm``/``target.spm`` + ``vocab.json`` with ``<pad>`` last): sentencepiece is trained on
the given lines with ``</s>`` = 0 and ``<unk>`` = 1, ``vocab.json`` is optionally padded with
unused filler pieces to a fixed size (so the embeddings have a real model's shape), ``<pad>`` is
appended last, and the model is a ``MarianConfig`` with the given sizes, initialised under
``torch.manual_seed(0)``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def build_spm_marian(
    folder: Path,
    lines: Sequence[str],
    pieces: int,
    model_max_length: int,
    vocab_size: int | None = None,
    **config: Any,
) -> Path:
    """Save the tokenizer and model into ``folder``; ``config`` holds the MarianConfig sizes
    (the token ids come from the tokenizer). ``vocab_size``: pad the vocabulary to this size."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    work = Path(tempfile.mkdtemp(prefix="spm-marian-"))
    try:
        (work / "train.txt").write_text("\n".join(lines), encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(work / "train.txt"),
            model_prefix=str(work / "spm"),
            vocab_size=pieces,
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
        while vocab_size is not None and len(vocab) < vocab_size - 1:
            vocab[f"<filler_{len(vocab)}>"] = len(vocab)
        vocab["<pad>"] = len(vocab)  # Marian's convention: <pad> last
        (work / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        tokenizer = MarianTokenizer(
            source_spm=str(work / "spm.model"),
            target_spm=str(work / "spm.model"),
            vocab=str(work / "vocab.json"),
            model_max_length=model_max_length,
        )
        tokenizer.save_pretrained(folder)
    finally:
        shutil.rmtree(work)
    marian = MarianConfig(
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
        forced_eos_token_id=tokenizer.eos_token_id,  # as opus-mt's config
        **config,
    )
    torch.manual_seed(0)
    MarianMTModel(marian).save_pretrained(folder)
    return folder
