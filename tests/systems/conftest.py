"""Tiny Hugging Face models the tests build themselves (no download): a BPE tokenizer trained
with ``tokenizers`` on the seed article and its references, and random Marian, T5, M2M100 and
Llama models with ``d_model`` 32, saved with ``save_pretrained``.

Weights are drawn with a large ``initializer_range`` so greedy decoding has clear winners and
batch-size equivalence tests compare real decisions, not float ties.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from harness.cli import app

from ..conftest import REPO, SEED

SPECIALS = ["<pad>", "</s>", "<unk>", "<s>"]
LANGUAGE_CODES = ["arb_Arab", "eng_Latn"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<s>{{ m['role'] }}: {{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<s>assistant:{% endif %}"
)


def training_lines() -> list[str]:
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in sorted((REPO / "references").glob("*.jsonl")):
        lines += [json.loads(line)["reference"] for line in path.read_text().splitlines()]
    return lines


def build_tokenizer(folder: Path, model_max_length: int, chat: bool = False):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE(unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=SPECIALS + LANGUAGE_CODES,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    core.train_from_iterator(training_lines(), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        bos_token="<s>",
        model_max_length=model_max_length,
    )
    if chat:
        tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(folder)
    return tokenizer


def _ids(tokenizer) -> dict[str, int]:
    return {
        "vocab_size": len(tokenizer),
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "bos_token_id": tokenizer.bos_token_id,
    }


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tiny-models")


def build_tiny_marian(folder: Path) -> Path:
    """A random Marian with d_model 32 and the test tokenizer, saved in ``folder``."""
    import torch
    from transformers import MarianConfig, MarianMTModel

    tokenizer = build_tokenizer(folder, model_max_length=64)
    config = MarianConfig(
        **_ids(tokenizer),
        decoder_start_token_id=tokenizer.pad_token_id,
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=64,
        init_std=0.5,
    )
    torch.manual_seed(0)
    MarianMTModel(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_marian(models_dir) -> Path:
    return build_tiny_marian(models_dir / "marian")


@pytest.fixture(scope="session")
def tiny_t5(models_dir) -> Path:
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    folder = models_dir / "t5"
    tokenizer = build_tokenizer(folder, model_max_length=512)
    config = T5Config(
        **_ids(tokenizer),
        decoder_start_token_id=tokenizer.pad_token_id,
        d_model=32,
        d_kv=16,
        d_ff=64,
        num_layers=1,
        num_heads=2,
        initializer_factor=5.0,
    )
    torch.manual_seed(0)
    T5ForConditionalGeneration(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_m2m(models_dir) -> Path:
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration

    folder = models_dir / "m2m"
    tokenizer = build_tokenizer(folder, model_max_length=64)
    config = M2M100Config(
        **_ids(tokenizer),
        decoder_start_token_id=tokenizer.eos_token_id,
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=64,
        init_std=0.5,
    )
    torch.manual_seed(0)
    M2M100ForConditionalGeneration(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_llama(models_dir) -> Path:
    """A Llama-style causal LM whose tokenizer has a chat template."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = models_dir / "llama"
    tokenizer = build_tokenizer(folder, model_max_length=4096, chat=True)
    config = LlamaConfig(
        **_ids(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        initializer_range=0.5,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    return folder


def seed_title_and_bullets(folder: Path) -> dict[str, str]:
    """The seed's title and two bullets (its first four lines) and their English references,
    written into ``folder``: the ``articles`` and ``references`` keys of a config there."""
    head = SEED.read_text(encoding="utf-8").splitlines()[:4]
    (folder / SEED.name).write_text("\n".join(head) + "\n", encoding="utf-8")
    references = (REPO / "references" / f"{SEED.stem}.en.jsonl").read_text().splitlines()
    kept = [line for line in references if re.search(r'"segment_id": "(title|bullet-\d)"', line)]
    (folder / "references.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return {"articles": SEED.name, "references": "references.jsonl"}


def write_config(folder: Path, systems: list[dict], **extra) -> Path:
    """A config over the seed article (copied into ``folder``) with ``systems``."""
    articles = folder / "articles"
    if not articles.exists():
        articles.mkdir(parents=True)
        shutil.copy(SEED, articles / SEED.name)
    document = {
        "articles": "articles/",
        "references": str(REPO / "references"),
        "systems": systems,
        "metrics": ["bleu", "chrf", "ter", "rouge1", "rougeLsum"],
        **extra,
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def run_cli(config: Path, out: Path) -> tuple[dict, str]:
    """``harness run CONFIG --out OUT --no-cache``; returns the report and the output text."""
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    return json.loads((out / "report.json").read_text(encoding="utf-8")), result.output


def outputs_by_segment(report: dict, system: str) -> dict[tuple[str, str | None], str]:
    return {
        (s["article_id"], s["segment_id"]): s["output"]
        for s in report["segments"]
        if s["system"] == system
    }


@pytest.fixture(scope="session")
def spm_marian(models_dir) -> Path:
    """A tiny Marian with a real sentencepiece MarianTokenizer (what CTranslate2 converts)."""
    from .ct2_fixtures import build_spm_marian

    return build_spm_marian(models_dir / "spm-marian")
