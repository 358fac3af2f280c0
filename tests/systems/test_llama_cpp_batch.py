"""``llama-cpp``'s batched greedy decoding (``batch_size`` > 1) on the packaged gemma-3-270m
GGUF, against its one-at-a-time path (``batch_size: 1``, llama-cpp-python's
``create_completion``).

Batched outputs are not bit-identical to one-at-a-time ones (see
:mod:`harness.systems.llama_cpp_batch`: other matrix shapes, other cache offsets, and a
quantized model turns last-bit differences into other tokens now and then). What holds, and is
asserted here: the model is fed the same prompt tokens; a lone input gets exactly
``create_completion``'s output; a batch's outputs are deterministic and score as well; stops,
``max_new_tokens`` and the context check hold per sequence.

The decoding tests run llama.cpp on one thread: two threads on two CPUs busy with other work
spin-wait for each other (benchmarks/RESULTS.md), and outputs do not depend on it.
"""

from __future__ import annotations

import re

import pytest
import sacrebleu
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from harness.records import Example, Task
from harness.systems.input_length import InputTooLong
from harness.systems.llama_cpp import LlamaCpp, LlamaCppParams, completion_prompt
from harness.systems.llama_cpp_batch import BatchDecoder, Job, pack, shared_prefix

from ..conftest import SEED, SHARED

FEW_SHOT = [
    {
        "source": "وصل الرئيس إلى العاصمة صباح اليوم في زيارة رسمية.",
        "output": "The president arrived in the capital this morning on an official visit.",
    },
    {
        "source": "أعلنت الحكومة عن خطة جديدة لدعم الاقتصاد.",
        "output": "The government announced a new plan to support the economy.",
    },
]
# a Gemma-style chat template, for the chat path on a GGUF that has none of its own
GEMMA_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<start_of_turn>"
    "{{ 'model' if m['role'] == 'assistant' else 'user' }}\n{{ m['content'] }}<end_of_turn>\n"
    "{% endfor %}<start_of_turn>model\n"
)
ARABIC = re.compile(r"[\u0600-\u06FF]")


def gemma(tmp_path, **extra) -> LlamaCpp:
    entry = {
        "name": "g",
        "type": "llama-cpp",
        "task": "translation",
        "model": "pypi:gemma-3-270m",
        "chat": False,
        "prompt": "Arabic: {source}\nEnglish:",
        "stop": ["\n"],
        "few_shot": FEW_SHOT,
        "max_new_tokens": 32,
        "n_threads": 1,
    }
    return LlamaCpp(LlamaCppParams.model_validate({**entry, **extra}), tmp_path)


def example(source: str, i: int = 0) -> Example:
    return Example("a", Task.TRANSLATION, "c", f"s{i}", source, ())


@pytest.fixture(scope="module")
def flores() -> tuple[list[Example], list[str]]:
    folder = SHARED / "external" / "flores"
    sources = (folder / "flores101.devtest.ara").read_text(encoding="utf-8").splitlines()[:8]
    references = (folder / "flores101.devtest.eng").read_text(encoding="utf-8").splitlines()[:8]
    return [example(source, i) for i, source in enumerate(sources)], references


@pytest.fixture(scope="module")
def decoded(flores, tmp_path_factory):
    """8 FLORES sentences one at a time, then as one batch of 8, twice."""
    items, _ = flores
    folder = tmp_path_factory.mktemp("batch")
    one, batched = gemma(folder, batch_size=1), gemma(folder, batch_size=8)
    decoded = {"systems": (one, batched), "one": one.generate(items)}
    decoded["batched"] = batched.generate(items)
    decoded["prompt_tokens"] = (one.prompt_tokens, batched.prompt_tokens)
    decoded["again"] = batched.generate(items)
    return decoded


# -- without the model -------------------------------------------------------------------------
def test_batches_are_packed_to_fit_the_context_and_the_sequence_count():
    jobs = [Job([1] * n) for n in (10, 20, 30, 5, 40)]
    # each needs its prompt plus 8 cells: 18, 28, 38, 13, 48
    assert pack(jobs, 8, n_ctx=64, n_seq_max=8) == [[0, 1], [2, 3], [4]]
    assert pack(jobs, 8, n_ctx=1000, n_seq_max=2) == [[0, 1], [2, 3], [4]]
    assert pack(jobs, 8, n_ctx=1000, n_seq_max=8) == [[0, 1, 2, 3, 4]]
    assert pack([], 8, n_ctx=64, n_seq_max=8) == []


def test_the_shared_prefix_leaves_each_prompt_its_last_token():
    assert shared_prefix([[1, 2, 3, 4], [1, 2, 3, 5], [1, 2, 9]]) == 2
    assert shared_prefix([[1, 2, 3], [1, 2, 3]]) == 2  # the same prompt twice
    assert shared_prefix([[1, 2, 3], [1, 2, 3, 4]]) == 2
    assert shared_prefix([[1, 2, 3]]) == 0  # nothing to share
    assert shared_prefix([[7, 2], [1, 2]]) == 0


def test_batch_size_is_in_the_fingerprint_and_one_at_a_time_keeps_its_old_one(tmp_path):
    one, batched = gemma(tmp_path, batch_size=1), gemma(tmp_path, batch_size=8)
    assert "decoding" not in one.describe()  # described (and cached) as before batching
    assert batched.describe()["decoding"] == "batched"
    assert one.fingerprint() != batched.fingerprint()
    assert batched.fingerprint() != gemma(tmp_path, batch_size=4).fingerprint()
    assert gemma(tmp_path).params.batch_size == 8  # the default


# -- on gemma-3-270m ---------------------------------------------------------------------------
def test_the_prompt_tokens_are_those_create_completion_feeds(tmp_path, flores, monkeypatch):
    system = gemma(tmp_path)
    llama = system.load()
    fed: list[list[int]] = []

    def record(tokens, **settings):
        fed.append(list(tokens))
        raise StopIteration  # no decoding: only what it was given

    monkeypatch.setattr(llama, "generate", record)
    for item in flores[0][:3]:
        prompt = system.params.plain_prompt(Task.TRANSLATION, item.source)
        with pytest.raises(RuntimeError):  # the generator's StopIteration, re-raised
            llama.create_completion(prompt, max_tokens=4)
        assert fed[-1] == completion_prompt(llama, prompt)
        assert fed[-1][0] == llama.token_bos() and fed[-1].count(llama.token_bos()) == 1
        assert system.job(item.source, ["\n"]).prompt == fed[-1]


def test_a_lone_input_gets_exactly_the_one_at_a_time_output(decoded, flores, tmp_path):
    one, batched = decoded["systems"]
    title = SEED.read_text(encoding="utf-8").splitlines()[0]
    for item in [*flores[0][:2], example(title)]:
        (alone,) = batched.generate([item])
        assert alone == one.generate([item])[0]


def test_batched_outputs_are_deterministic_and_score_like_one_at_a_time(decoded, flores):
    _, references = flores
    assert decoded["again"] == decoded["batched"]
    for output in decoded["batched"]:
        assert isinstance(output, str) and len(re.findall(r"[A-Za-z]+", output)) >= 3
        assert not ARABIC.search(output) and "\n" not in output
    chrf = {
        name: sacrebleu.corpus_chrf(decoded[name], [references], word_order=2).score
        for name in ("one", "batched")
    }
    # measured (max_new_tokens 32): chrF++ 27.4 one at a time, 27.8 batched; 1 of the 8 outputs
    # identical, 6 more share their first 3 to 13 words, 1 differs from its first word
    # (benchmarks/RESULTS.md: 16 sentences)
    assert abs(chrf["batched"] - chrf["one"]) < 4, chrf
    assert chrf["batched"] > 20, chrf
    one, batched = decoded["prompt_tokens"]
    assert one == batched > 8 * 60  # the same prompts, counted alike


SHORT = [example("مرحبا", 0), example("شكرا جزيلا", 2)]
LONG = example("مرحبا بكم في المدينة " * 40, 1)


def test_with_on_too_long_fail_an_input_over_the_context_fails_alone_in_a_batch(tmp_path):
    system = gemma(tmp_path, few_shot=[], n_ctx=64, max_new_tokens=4, on_too_long="fail")
    first, failed, second = system.generate([SHORT[0], LONG, SHORT[1]])
    assert isinstance(failed, InputTooLong)
    assert re.fullmatch(
        r"input too long: \d+ tokens, more than 60 \(n_ctx 64 less max_new_tokens 4\); "
        r"on_too_long: fail",
        str(failed),
    )
    assert isinstance(first, str) and isinstance(second, str)
    assert [first, second] == system.generate(SHORT)  # the same batch, without the long one
    assert system.run_info()["failed_too_long_segments"] == ["c/s1"]


def test_by_default_an_input_over_the_context_is_cut_and_decoded_with_its_batch(tmp_path):
    system = gemma(tmp_path, few_shot=[], n_ctx=64, max_new_tokens=4)
    outputs = system.generate([SHORT[0], LONG, SHORT[1]])
    assert all(isinstance(output, str) for output in outputs)
    assert system.run_info()["truncated_segments"] == ["c/s1"]
    kept = system.fit(LONG)
    assert system.prompt_tokens == sum(
        len(system.job(source, []).prompt) for source in (SHORT[0].source, kept, SHORT[1].source)
    )


def test_two_inputs_that_fit_alone_but_not_together_are_decoded_one_after_the_other(tmp_path):
    system = gemma(tmp_path, few_shot=[], n_ctx=64, max_new_tokens=24)
    items = [example("مرحبا بكم في المدينة الجميلة", i) for i in range(2)]
    prompt = len(system.job(items[0].source, []).prompt)
    assert 2 * (prompt + 24) > 64 >= prompt + 24
    first, second = system.generate(items)
    assert isinstance(first, str) and first == second  # each decoded alone: the same output


def test_max_new_tokens_caps_every_sequence(tmp_path, flores):
    system = gemma(tmp_path, stop=[], max_new_tokens=5)
    outputs = system.generate(flores[0][:4])
    assert all(isinstance(output, str) for output in outputs)
    assert system.completion_tokens <= 4 * 5
    decoder = system._decoder
    assert isinstance(decoder, BatchDecoder)
    jobs = [system.job(item.source, []) for item in flores[0][:4]]
    decoder.run(jobs, 3)
    assert [len(job.tokens) for job in jobs] == [3, 3, 3, 3]  # no stop: each runs to the cap


def test_stop_strings_end_each_sequence_on_its_own(tmp_path, flores):
    system = gemma(tmp_path, batch_size=4, max_new_tokens=48)
    system.load()
    system.generate(flores[0][:1])
    jobs = [system.job(item.source, ["\n"]) for item in flores[0][:4]]
    system._decoder.run(jobs, 48)
    detokenize = system.load().detokenize
    stopped = [job for job in jobs if b"\n" in detokenize(job.tokens)]
    # measured: three of the four end with a newline (one with its 48th token), one runs to 48
    assert stopped and len(stopped) < 4
    for job in jobs:
        assert b"\n" not in job.text  # cut at the stop, as create_completion cuts
        if job in stopped:  # ended by the token that completed the stop string
            assert b"\n" not in detokenize(job.tokens[:-1])
        else:
            assert len(job.tokens) == 48


def test_chat_inputs_are_batched_through_the_chat_template(tmp_path, flores, monkeypatch):
    """gemma-3-270m's GGUF has no chat template: given one (Gemma's turn format), the batch
    renders each input as ``create_chat_completion`` does, and a lone input gets its output."""
    one, batched = (
        gemma(tmp_path, chat=True, few_shot=[], stop=None, max_new_tokens=16, batch_size=size)
        for size in (1, 4)
    )
    for system in (one, batched):
        llama = system.load()
        monkeypatch.setitem(llama.metadata, "tokenizer.chat_template", GEMMA_TEMPLATE)
        eos, bos = llama.token_eos(), llama.token_bos()
        llama.chat_handler = Jinja2ChatFormatter(
            template=GEMMA_TEMPLATE,
            eos_token=llama._model.token_get_text(eos),
            bos_token=llama._model.token_get_text(bos),
            stop_token_ids=[eos],
        ).to_chat_handler()
        assert system.chat is True
    items = flores[0][:3]
    job = batched.job(items[0].source, [])
    assert job is not None and job.stopping_criteria is not None
    assert job.prompt[:2] == batched.load().tokenize(b"<start_of_turn>", add_bos=True, special=True)
    assert job.stops == ["<eos>"]  # the template's own stop, from the chat handler
    (alone,) = batched.generate(items[:1])
    assert alone == one.generate(items[:1])[0]
    outputs = batched.generate(items)
    assert all(isinstance(output, str) for output in outputs)
    assert batched.prompt_tokens > len(job.prompt) * 3
