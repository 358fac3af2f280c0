"""Inference speed of ``hf-causal`` on the real gemma-3-270m model, measured side by side.

Over the first 64 FLORES-101 devtest Arabic sentences, with the few-shot prompt of
``configs/gemma-3-270m-hf.yaml`` and greedy decoding capped at a few tokens:

(a) the harness's throughput (``HFCausal.generate`` on each batch: prompt rendering, the
    truncation check, generation, decoding, cutting at the stop string) against a bare loop
    that tokenizes the same prompts, calls ``model.generate`` with the same settings on the
    same batches and decodes (goal: ratio ≥ 0.95);
(b) length-sorted batches (what the runner feeds) against batches in input order, both at
    batch size 8 (the speed-up sorting buys).

Timings alternate between the variants and keep the fastest of ``--rounds``, so background
load hits them alike. Run: ``HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_inference.py``
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
import yaml

from harness.provenance import hardware
from harness.systems.hf_causal import HFCausal, HFCausalParams
from harness.tasks import Example, Task

REPO = Path(__file__).resolve().parent.parent
FLORES = REPO.parent / "shared" / "external" / "flores" / "flores101.devtest.ara"
CONFIG = REPO / "configs" / "gemma-3-270m-hf.yaml"


def examples(count: int) -> list[Example]:
    lines = FLORES.read_text(encoding="utf-8").splitlines()[:count]
    return [
        Example("flores101-devtest", Task.TRANSLATION, "flores", f"{i:04d}", line, ())
        for i, line in enumerate(lines)
    ]


def gemma_system(batch_size: int, max_new_tokens: int) -> HFCausal:
    entry = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["systems"][0]
    entry.update(batch_size=batch_size, max_new_tokens=max_new_tokens)
    return HFCausal(HFCausalParams.model_validate(entry), CONFIG.parent)


def batches(items: Sequence[Example], order: Sequence[int], size: int) -> list[list[Example]]:
    ordered = [items[i] for i in order]
    return [ordered[start : start + size] for start in range(0, len(ordered), size)]


def harness_pass(system: HFCausal, work: list[list[Example]]) -> list[str]:
    outputs: list[str] = []
    for batch in work:
        outputs.extend(o or "" for o in system.generate(batch))
    return outputs


def bare_pass(system: HFCausal, prompts: list[list[str]]) -> list[str]:
    """What a hand-written loop does: tokenize, ``model.generate``, decode the new tokens."""
    tokenizer, model = system.load()
    kwargs = system.model_generate_kwargs()
    outputs: list[str] = []
    for batch in prompts:
        encoded = tokenizer(batch, return_tensors="pt", padding=True).to(system.device)
        with torch.inference_mode():
            generated = model.generate(**encoded, **kwargs)
        new = generated[:, encoded["input_ids"].shape[1] :]
        texts = tokenizer.batch_decode(new, skip_special_tokens=True)
        outputs.extend(text.split("\n")[0].strip() for text in texts)
    return outputs


def fastest(
    variants: dict[str, Callable[[], list[str]]], rounds: int
) -> tuple[dict[str, float], dict[str, list[str]]]:
    """The fastest time of each variant over ``rounds`` alternating rounds, and its outputs."""
    best = {name: float("inf") for name in variants}
    outputs: dict[str, list[str]] = {}
    for _ in range(rounds):
        for name, run in variants.items():
            started = time.perf_counter()
            outputs[name] = run()
            best[name] = min(best[name], time.perf_counter() - started)
    return best, outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    items = examples(args.sentences)
    system = gemma_system(args.batch_size, args.max_new_tokens)
    started = time.perf_counter()
    system.load()
    load_s = time.perf_counter() - started
    sorted_work = batches(items, system.batch_order(items), args.batch_size)
    input_work = batches(items, range(len(items)), args.batch_size)
    sorted_prompts = [[system.render(e.source) for e in batch] for batch in sorted_work]

    harness_pass(system, sorted_work[:1])  # warm-up
    times, outputs = fastest(
        {
            "bare loop, sorted batches": lambda: bare_pass(system, sorted_prompts),
            "harness, sorted batches": lambda: harness_pass(system, sorted_work),
            "harness, input-order batches": lambda: harness_pass(system, input_work),
        },
        args.rounds,
    )
    same = outputs["bare loop, sorted batches"] == outputs["harness, sorted batches"]
    throughput_ratio = times["bare loop, sorted batches"] / times["harness, sorted batches"]
    sorting_speedup = times["harness, input-order batches"] / times["harness, sorted batches"]

    print(
        f"machine: {hardware()['cpu']}, {os.cpu_count()} CPU(s), "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), device {system.device}"
    )
    print(
        f"gemma-3-270m, {len(items)} FLORES-101 devtest sentences, batch size {args.batch_size}, "
        f"max_new_tokens {args.max_new_tokens}, fastest of {args.rounds} rounds; "
        f"model load {load_s:.1f} s"
    )
    print("| variant | seconds | sentences/s |")
    print("|---|---|---|")
    for name, seconds in times.items():
        print(f"| {name} | {seconds:.2f} | {len(items) / seconds:.2f} |")
    print(f"(a) harness / bare-loop throughput: {throughput_ratio:.3f} (goal ≥ 0.95)")
    print(f"(b) length-sorted vs input-order batching speed-up: {sorting_speedup:.3f}×")
    print(f"harness and bare loop outputs identical: {same}")


if __name__ == "__main__":
    main()
