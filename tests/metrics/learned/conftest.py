"""The committed COMET fixtures (tests/fixtures/comet, made by make_comet_fixtures.py) as a
parallel corpus and an outputs file, ready for ``harness run``."""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "comet"


def learned_options(name: str) -> dict | None:
    """Options that make a learned metric score offline (a tiny test checkpoint, no cache);
    None for every other metric."""
    if name == "comet":
        return {"model": str(FIXTURES / "regression"), "cache": False}
    if name == "metricx":
        folder = tiny_mt5()
        return {"model": str(folder), "tokenizer": str(folder), "cache": False}
    return None


@cache
def tiny_mt5(tie: bool = False) -> Path:
    """A tiny random mT5 (MetricX's architecture) with an mT5-style SentencePiece tokenizer
    (unigram, 100 extra ids) trained on FLORES devtest text; built once per session."""
    import io

    import sentencepiece as spm
    import torch
    from transformers import MT5Config, MT5ForConditionalGeneration, T5Tokenizer

    folder = Path(tempfile.mkdtemp(prefix="tiny-mt5-"))
    flores = REPO.parent / "shared" / "external" / "flores"
    lines = []
    for name in ("flores101.devtest.eng", "flores101.devtest.ara"):
        lines += (flores / name).read_text("utf-8").splitlines()[:300]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=model, vocab_size=400,
        model_type="unigram", pad_id=0, eos_id=1, unk_id=2, bos_id=-1, minloglevel=2,
        num_threads=1,
    )
    (folder / "spiece.model").write_bytes(model.getvalue())
    tokenizer = T5Tokenizer.from_pretrained(str(folder), extra_ids=100)
    (folder / "spiece.model").unlink()
    tokenizer.save_pretrained(str(folder))
    config = MT5Config(
        vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=64, num_layers=2,
        num_decoder_layers=1, num_heads=4, tie_word_embeddings=tie, decoder_start_token_id=0,
        pad_token_id=0, eos_token_id=1, initializer_factor=20.0,
    )
    torch.manual_seed(4)
    MT5ForConditionalGeneration(config).save_pretrained(str(folder))
    return folder


def triples() -> list[dict[str, str]]:
    lines = (FIXTURES / "triples.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def expected() -> dict:
    return json.loads((FIXTURES / "expected.json").read_text("utf-8"))


def write_run(folder: Path, metrics: str, rows: list[dict[str, str]] | None = None) -> Path:
    """A run config over ``rows`` (default: the fixture triples) with ``metrics`` (YAML)."""
    rows = triples() if rows is None else rows
    (folder / "src.ara").write_text("\n".join(r["src"] for r in rows) + "\n", "utf-8")
    (folder / "ref.eng").write_text("\n".join(r["ref"] for r in rows) + "\n", "utf-8")
    (folder / "hyp.txt").write_text("\n".join(r["mt"] for r in rows) + "\n", "utf-8")
    config = folder / "run.yaml"
    config.write_text(
        "name: learned\n"
        "corpus:\n"
        "  - {name: flores, format: parallel, source: src.ara, references: [ref.eng]}\n"
        "systems:\n"
        "  - {name: opus, type: outputs, task: translation, path: hyp.txt}\n"
        f"metrics: {metrics}\n",
        "utf-8",
    )
    return config


@pytest.fixture
def comet_fixtures() -> Path:
    return FIXTURES
