"""``on_too_long``: one key for every generative engine, validated like any other key, in the
fingerprint when it is not the engine's default; and the source-only cut every engine shares.

The engines themselves are run on long inputs in their own test files (test_hf_seq2seq,
test_hf_causal, test_ct2, test_llama_cpp, test_openai_api).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.config import load_config
from harness.errors import HarnessError
from harness.systems.hf_seq2seq import HFSeq2Seq, HFSeq2SeqParams
from harness.systems.input_length import InputTooLong, LongInputs, cut_source
from harness.systems.llama_cpp import LlamaCpp, LlamaCppParams
from harness.systems.openai_api import OpenAICompatible, OpenAIParams

from ..conftest import REPO

ENGINES = {
    "hf-seq2seq": {"model": "Helsinki-NLP/opus-mt-ar-en"},
    "hf-causal": {"model": "pypi:gemma-3-270m"},
    "ct2": {"model": "Helsinki-NLP/opus-mt-ar-en"},
    "llama-cpp": {"model": "pypi:gemma-3-270m"},
    "openai": {"base_url": "http://127.0.0.1:8080/v1", "model": "m", "on_too_long": "fail"},
}


def config_with(tmp_path: Path, entry: dict) -> Path:
    path = tmp_path / "c.yaml"
    document = {
        "articles": str(REPO / "seeds"),
        "references": str(REPO / "references"),
        "systems": [{"name": "s", "task": "translation", **entry}],
        "metrics": ["bleu"],
    }
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_every_engine_takes_on_too_long(tmp_path, engine):
    for policy in ("truncate", "fail"):
        entry = {"type": engine, **ENGINES[engine], "on_too_long": policy}
        if engine == "openai" and policy == "truncate":
            entry.update(tokenizer=str(tmp_path), context_tokens=2048)
        (system,) = load_config(config_with(tmp_path, entry)).systems
        assert system.on_too_long == policy


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_bad_policy_is_a_one_line_config_error_naming_the_key(tmp_path, engine):
    entry = {"type": engine, **ENGINES[engine], "on_too_long": "cut"}
    with pytest.raises(HarnessError) as error:
        load_config(config_with(tmp_path, entry))
    message = str(error.value)
    assert message.splitlines() == [message]
    assert "systems[0].on_too_long: Input should be 'truncate' or 'fail'" in message


def test_systems_without_a_model_limit_do_not_take_it(tmp_path):
    entry = {"type": "identity", "on_too_long": "fail"}
    with pytest.raises(HarnessError, match=r"systems\[0\]\.on_too_long: unknown key"):
        load_config(config_with(tmp_path, entry))


def test_the_default_is_truncate_and_left_out_of_the_fingerprint(tmp_path):
    """Outputs cached before the key existed were computed by truncating (hf-*, ct2), or never
    cached (llama-cpp's failed inputs): the default keeps their keys; ``fail`` changes it."""
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")

    def hf(**keys) -> HFSeq2Seq:
        entry = {"name": "mt", "type": "hf-seq2seq", "task": "translation", "model": str(folder)}
        return HFSeq2Seq(HFSeq2SeqParams.model_validate({**entry, **keys}), tmp_path)

    def llama(**keys) -> LlamaCpp:
        entry = {"name": "g", "type": "llama-cpp", "task": "translation"}
        params = LlamaCppParams.model_validate({**entry, "model": "pypi:gemma-3-270m", **keys})
        return LlamaCpp(params, tmp_path)

    for build in (hf, llama):
        default = build()
        assert default.params.on_too_long == "truncate"
        assert default.describe()["on_too_long"] == "truncate"  # in provenance all the same
        assert build(on_too_long="truncate").fingerprint() == default.fingerprint()
        assert build(on_too_long="fail").fingerprint() != default.fingerprint()


def openai(**keys) -> OpenAICompatible:
    entry = {"name": "s", "type": "openai", "task": "translation", "base_url": "http://h/v1"}
    return OpenAICompatible(OpenAIParams.model_validate({**entry, "model": "m", **keys}), Path("."))


def test_openai_without_a_tokenizer_leaves_long_prompts_to_the_server(tmp_path):
    """No tokenizer here, nothing to cut with: the default is the server's own check, and the
    fingerprint of such a config is what it was before the key existed."""
    default = openai()
    assert default.params.on_too_long == "fail"
    assert "tokenizer" not in default.describe() and "context_tokens" not in default.describe()
    assert openai(on_too_long="fail").fingerprint() == default.fingerprint()
    counted = openai(tokenizer=str(tmp_path), context_tokens=2048)
    assert counted.params.on_too_long == "truncate"
    assert counted.fingerprint() != default.fingerprint()
    with_fail = openai(tokenizer=str(tmp_path), context_tokens=2048, on_too_long="fail")
    assert with_fail.fingerprint() not in (default.fingerprint(), counted.fingerprint())


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"on_too_long": "truncate"}, r"on_too_long: truncate needs the served model's tokenizer"),
        ({"context_tokens": 2048}, r"tokenizer and context_tokens go together"),
        ({"tokenizer": "./tok"}, r"tokenizer and context_tokens go together"),
        ({"tokenizer": "m.gguf", "context_tokens": 2048}, r"not a \.gguf file or pypi:NAME"),
    ],
)
def test_openai_truncation_needs_a_tokenizer_and_a_window(tmp_path, keys, message):
    entry = {"type": "openai", "base_url": "http://127.0.0.1:8080/v1", "model": "m", **keys}
    with pytest.raises(HarnessError, match=r"c\.yaml:\d+: systems\[0\].*" + message):
        load_config(config_with(tmp_path, entry))


# -- the cut, on a tokenizer of one token per word ------------------------------------------
def words(text: str) -> list[str]:
    return text.split()


def prompt(source: str) -> str:
    return f"Shot: one two three => 1 2 3\nArticle: {source}\nSummary:"


def count(source: str) -> int:
    return len(words(prompt(source)))


def cut(source: str, limit: int) -> str:
    return cut_source(source, limit, count=count, encode=words, decode=lambda ids: " ".join(ids))


def test_only_the_source_is_cut_to_its_first_tokens():
    source = " ".join(f"w{i}" for i in range(100))
    overhead = count("")  # the few-shot example and the template: kept whole
    kept = cut(source, limit=overhead + 10)
    assert kept == " ".join(f"w{i}" for i in range(10))
    assert count(kept) == overhead + 10
    assert cut("a b c", limit=100) == "a b c"


def test_a_prompt_too_long_without_its_source_fails_under_either_policy():
    with pytest.raises(InputTooLong, match="the prompt without its source has 10 tokens"):
        cut("a b c", limit=5)
    book = LongInputs()
    with pytest.raises(InputTooLong):
        book.fit("truncate", "a/p1", "a b c", 5, count=count, encode=words, decode=" ".join)
    assert book.run_info()["failed_too_long_segments"] == ["a/p1"]


def test_the_book_counts_what_each_policy_did():
    book = LongInputs()
    long = " ".join(["w"] * 50)
    keys = {"count": count, "encode": words, "decode": " ".join}
    assert book.fit("fail", "a/short", "w w", 20, **keys) == "w w"
    assert book.fit("truncate", "a/p1", long, 20, **keys) == " ".join(["w"] * 10)
    with pytest.raises(InputTooLong) as error:
        book.fit("fail", "a/p2", long, 20, limit_is="n_ctx 64 less max_new_tokens 44", **keys)
    assert str(error.value) == (
        "input too long: 60 tokens, more than 20 (n_ctx 64 less max_new_tokens 44); "
        "on_too_long: fail"
    )
    assert book.run_info() == {
        "truncated": 1,
        "truncated_segments": ["a/p1"],
        "failed_too_long": 1,
        "failed_too_long_segments": ["a/p2"],
    }
    assert book.warnings("sys") == [
        "sys: input of a/p1 has 60 tokens, more than the model's limit of 20; "
        "kept its first 20 tokens"
    ]
