"""Engines side by side on gemma-3-270m (the packaged GGUF) and FLORES-101 devtest Arabic.

(a) ``llama-cpp`` (the quantized GGUF in-process) against ``hf-causal`` (the same file
    de-quantized to float32 by transformers): throughput and chrF++ on the first 64 sentences,
    with the 2-shot prompt of ``configs/gemma-3-270m.yaml``, greedy, stop at the newline. The
    two alternate batch by batch (``--batch-size`` sentences, 8), so background load hits them
    alike. hf-causal pads each batch; llama-cpp decodes it as the harness does with that
    ``batch_size``: its sentences together (batched greedy decoding), or one at a time through
    llama-cpp-python's ``create_completion`` with ``--llama-batch-size 1`` (the harness before
    batched decoding). llama-cpp's threads: ``--llama-threads``, default the harness's (the
    CPUs this process may use). The load average is printed before and after.
(c) ``openai`` against llama.cpp's own server (``python -m llama_cpp.server``, on 127.0.0.1) on
    the same prompt (``api: completions``): ``max_concurrency`` 1 against 4, and the harness
    against a bare ``openai`` client loop (``AsyncOpenAI``, a semaphore of 4) sending the same
    request bodies. After a warm-up pass, the variants alternate and keep the fastest of
    ``--rounds``.

Goals: (a) ≥ 3× throughput at the same quality; (c) harness overhead ≤ 5%.
Run: ``HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_engines.py`` (needs the engines and
gemma extras; the first hf-causal use converts the GGUF, about a minute, outside the timings).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
import sacrebleu
import yaml

from harness.provenance import hardware
from harness.records import Example, Task
from harness.systems.hf_causal import HFCausal, HFCausalParams
from harness.systems.llama_cpp import LlamaCpp, LlamaCppParams, llama_cpp_version
from harness.systems.llama_cpp_kernels import KernelPlan, llama_system_info
from harness.systems.openai_api import OpenAICompatible, OpenAIParams
from harness.systems.prompting import cut_at_stop
from harness.weights.cache import default_cache_dir
from harness.weights.packaged import fetch

REPO = Path(__file__).resolve().parent.parent
FLORES = REPO.parent / "shared" / "external" / "flores"
CONFIG = REPO / "configs" / "gemma-3-270m.yaml"


def sentences(count: int) -> tuple[list[Example], list[str]]:
    sources = (FLORES / "flores101.devtest.ara").read_text(encoding="utf-8").splitlines()
    references = (FLORES / "flores101.devtest.eng").read_text(encoding="utf-8").splitlines()
    items = [
        Example("flores101-devtest", Task.TRANSLATION, "flores", f"{i:04d}", line, ())
        for i, line in enumerate(sources[:count])
    ]
    return items, references[:count]


def prompt_entry(max_new_tokens: int) -> dict:
    (entry,) = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["systems"]
    keys = ("task", "model", "chat", "prompt", "stop", "few_shot")
    return {**{key: entry[key] for key in keys}, "max_new_tokens": max_new_tokens}


def chrf(outputs: Sequence[str], references: Sequence[str]) -> float:
    return sacrebleu.corpus_chrf(list(outputs), [list(references)], word_order=2).score


# -- (a) llama-cpp against hf-causal -----------------------------------------------------------
def engines(
    items: list[Example],
    references: list[str],
    max_new_tokens: int,
    batch: int,
    extra_buffer_types: bool,
    llama_threads: int | None,
    llama_batch: int,
) -> None:
    entry = prompt_entry(max_new_tokens)
    hf = HFCausal(
        HFCausalParams.model_validate(
            {**entry, "name": "hf", "type": "hf-causal", "batch_size": batch}
        ),
        CONFIG.parent,
    )
    llama = LlamaCpp(
        LlamaCppParams.model_validate(
            {
                **entry,
                "name": "llama",
                "type": "llama-cpp",
                "n_threads": llama_threads,
                "batch_size": llama_batch,
            }
        ),
        CONFIG.parent,
    )
    hf.load()  # converts the GGUF on first use (cached afterwards; load_s includes it then)
    if not extra_buffer_types:  # load as the AMX guard loads a build with AMX kernels
        import harness.systems.llama_cpp as llama_cpp_system

        def guarded(allow_amx: bool) -> KernelPlan:
            return KernelPlan(extra_buffer_types=False, amx_in_build=True)

        llama_cpp_system.this_build_plan = guarded  # type: ignore[assignment]
    llama.load()
    print(f"llama.cpp: {llama_system_info()}; load plan {llama.kernels}")
    mode = f"batches of {llama_batch}" if llama_batch > 1 else "one sentence at a time"
    print(f"llama-cpp: {llama.n_threads} thread(s), {mode}")
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    loads = {"hf-causal": hf.load_seconds, "llama-cpp": llama.load_seconds}
    order = hf.batch_order(items)  # hf-causal's length-sorted batches; llama-cpp takes them too
    seconds = {"hf-causal": 0.0, "llama-cpp": 0.0}
    outputs: dict[str, dict[int, str]] = {"hf-causal": {}, "llama-cpp": {}}
    hf.generate(items[:1])  # warm-up (llama-cpp: creates its batch context too)
    llama.generate(items[:2])
    llama.generate_seconds, llama.completion_tokens = 0.0, 0
    for start in range(0, len(order), batch):
        positions = order[start : start + batch]
        work = [items[i] for i in positions]
        for name, system in (("hf-causal", hf), ("llama-cpp", llama)):
            began = time.perf_counter()
            results = system.generate(work)
            seconds[name] += time.perf_counter() - began
            for i, out in zip(positions, results, strict=True):
                outputs[name][i] = out if isinstance(out, str) else ""
        done = start + len(positions)
        ratio = seconds["hf-causal"] / seconds["llama-cpp"]
        print(f"  {done}/{len(items)}: {seconds} (ratio so far {ratio:.2f})", flush=True)
    print(
        f"\n(a) gemma-3-270m, {len(items)} FLORES-101 devtest sentences, 2-shot, greedy, "
        f"max_new_tokens {max_new_tokens}, batches of {batch} (hf-causal pads them; llama-cpp, "
        f"{llama.n_threads} thread(s): {mode})"
    )
    print("| engine | load s | generation s | sentences/s | chrF++ |")
    print("|---|---|---|---|---|")
    for name in ("hf-causal", "llama-cpp"):
        texts = [outputs[name][i] for i in range(len(items))]
        print(
            f"| {name} | {loads[name]:.1f} | {seconds[name]:.1f} | "
            f"{len(items) / seconds[name]:.2f} | {chrf(texts, references):.1f} |"
        )
    print(f"llama-cpp / hf-causal throughput: {seconds['hf-causal'] / seconds['llama-cpp']:.2f}×")
    print(
        f"llama-cpp decoding: {llama.completion_tokens} tokens in {llama.generate_seconds:.2f} s, "
        f"{llama.completion_tokens / llama.generate_seconds:.1f} tokens/s (prompts included)"
    )
    same = sum(outputs["hf-causal"][i] == outputs["llama-cpp"][i] for i in range(len(items)))
    print(f"identical outputs: {same}/{len(items)}")
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


# -- (c) openai against llama.cpp's server -----------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(gguf: Path, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    command += ["--model_alias", "gemma-3-270m"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.25)
    process.kill()
    raise SystemExit("llama.cpp server did not start within 120 s")


def bare_loop(base_url: str, bodies: list[dict], concurrency: int, stops: list[str]) -> list[str]:
    """What a hand-written client does: AsyncOpenAI, a semaphore, the same request bodies."""
    from openai import AsyncOpenAI

    async def run() -> list[str]:
        client = AsyncOpenAI(base_url=base_url, api_key="none", max_retries=0)
        gate = asyncio.Semaphore(concurrency)

        async def one(body: dict) -> str:
            async with gate:
                response = await client.completions.create(**body)
            return cut_at_stop(response.choices[0].text, stops).strip()

        try:
            return list(await asyncio.gather(*(one(body) for body in bodies)))
        finally:
            await client.close()

    return asyncio.run(run())


def fastest(variants: dict[str, Callable[[], list]], rounds: int) -> dict[str, float]:
    best = {name: float("inf") for name in variants}
    for _ in range(rounds):
        for name, run in variants.items():
            started = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def served(items: list[Example], max_new_tokens: int, rounds: int) -> None:
    gguf = fetch("gemma-3-270m", default_cache_dir())
    port = free_port()
    process = start_server(gguf, port)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        entry = prompt_entry(max_new_tokens)
        del entry["model"], entry["chat"]
        common = {**entry, "type": "openai", "base_url": base_url, "model": "gemma-3-270m"}
        systems = {
            c: OpenAICompatible(
                OpenAIParams.model_validate(
                    {**common, "name": f"c{c}", "api": "completions", "max_concurrency": c}
                ),
                REPO,
            )
            for c in (1, 4)
        }
        bodies = [systems[4].body(item.source) for item in items]
        stops = systems[4].params.stops(Task.TRANSLATION, False)
        warm = systems[4].generate(items)  # warm-up: fills the server's prompt cache
        variants = {
            "harness, max_concurrency 1": lambda: systems[1].generate(items),
            "harness, max_concurrency 4": lambda: systems[4].generate(items),
            "bare AsyncOpenAI loop, concurrency 4": lambda: bare_loop(base_url, bodies, 4, stops),
        }
        times = fastest(variants, rounds)
        same = bare_loop(base_url, bodies, 4, stops) == warm
        for system in systems.values():
            system.finish()
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(
        f"\n(c) openai (api: completions) against llama.cpp's server on 127.0.0.1, "
        f"{len(items)} sentences, max_new_tokens {max_new_tokens}, fastest of {rounds} rounds"
    )
    print("| variant | seconds | requests/s |")
    print("|---|---|---|")
    for name, seconds in times.items():
        print(f"| {name} | {seconds:.2f} | {len(items) / seconds:.2f} |")
    c1, c4 = times["harness, max_concurrency 1"], times["harness, max_concurrency 4"]
    bare = times["bare AsyncOpenAI loop, concurrency 4"]
    print(f"concurrency 4 / 1 speed-up: {c1 / c4:.2f}×")
    print(f"harness overhead against the bare client: {(c4 / bare - 1) * 100:+.1f}% (goal ≤ 5%)")
    print(f"harness and bare client outputs identical: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=64)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--served-sentences", type=int, default=16)
    parser.add_argument("--served-max-new-tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip", choices=["a", "c"], default=None)
    parser.add_argument(
        "--no-extra-buffer-types",
        action="store_true",
        help="(a): load llama-cpp as the AMX guard loads a build with AMX kernels",
    )
    parser.add_argument(
        "--llama-threads", type=int, default=None, help="(a): llama-cpp's n_threads"
    )
    parser.add_argument(
        "--llama-batch-size",
        type=int,
        default=None,
        help="(a): llama-cpp's batch_size (default: --batch-size; 1: one at a time)",
    )
    args = parser.parse_args()
    import torch

    print(
        f"machine: {hardware()['cpu']}, {os.cpu_count()} CPU(s), torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), llama-cpp-python {llama_cpp_version()}"
    )
    items, references = sentences(args.sentences)
    if args.skip != "a":
        engines(
            items,
            references,
            args.max_new_tokens,
            args.batch_size,
            extra_buffer_types=not args.no_extra_buffer_types,
            llama_threads=args.llama_threads,
            llama_batch=args.llama_batch_size or args.batch_size,
        )
    if args.skip != "c":
        served(items[: args.served_sentences], args.served_max_new_tokens, args.rounds)


if __name__ == "__main__":
    main()
