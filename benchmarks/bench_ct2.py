"""Speed of ``ct2`` (CTranslate2, int8) against ``hf-seq2seq`` (transformers, float32).

A random-weight Marian of opus-mt's size (d_model 512, 6 encoder + 6 decoder layers, 8 heads,
FFN 2048, 58,000-token vocabulary, tied embeddings) translates the first 256 FLORES-101
devtest Arabic sentences, greedy, batch size 16 in the runner's length-sorted order, both ways
through the harness's own ``generate``.

Random weights never produce EOS, so every output runs to the fixed length limit: both engines
do exactly ``--max-length`` decoder steps per sentence (``max_new_tokens`` and
``max_decoding_length`` both count decoder steps; transformers' last one is the EOS that
Marian forces at the limit). That is a speed stand-in for real weights, not a quality test.

The tokenizer is a real ``MarianTokenizer``: sentencepiece cannot learn 58k pieces from a small
corpus, so it is trained with 8,000 pieces on the FLORES devtest sentences *not* timed here
(lines 257-1012, Arabic and English), and ``vocab.json`` is padded with unused filler pieces
to 58,000 entries (``<pad>`` last), so the embedding and output layers have opus-mt's shape.

Passes alternate between the engines (A B, then B A, ...) so background load hits both alike;
each round's ratio is measured side by side, after one untimed warm-up batch per engine. The
model folder and its conversion are built once into ``--work``. Run:
``HF_HUB_OFFLINE=1 PYTHONPATH=. .venv/bin/python benchmarks/bench_ct2.py [--rounds 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from harness.provenance import hardware
from harness.records import Example, Task
from harness.systems.base import System
from harness.systems.ct2 import CT2, CT2Params
from harness.systems.hf_seq2seq import HFSeq2Seq, HFSeq2SeqParams
from tests.systems.spm_marian import build_spm_marian

REPO = Path(__file__).resolve().parent.parent
FLORES = REPO.parent / "shared" / "external" / "flores"
VOCAB = 58_000
SPM_PIECES = 8_000


def build_model(folder: Path, timed: int) -> None:
    """The random opus-mt-sized Marian and its MarianTokenizer (see the module docstring)."""
    built = folder / "bench-build.json"  # which sentences were left out of the tokenizer
    if built.is_file() and json.loads(built.read_text()) == {"timed": timed}:
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    lines = []
    for name in ("flores101.devtest.ara", "flores101.devtest.eng"):
        lines += (FLORES / name).read_text(encoding="utf-8").splitlines()[timed:]
    build_spm_marian(
        folder,
        lines,
        pieces=SPM_PIECES,
        model_max_length=512,
        vocab_size=VOCAB,
        d_model=512,
        encoder_layers=6,
        decoder_layers=6,
        encoder_attention_heads=8,
        decoder_attention_heads=8,
        encoder_ffn_dim=2048,
        decoder_ffn_dim=2048,
        max_position_embeddings=512,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
    )
    built.write_text(json.dumps({"timed": timed}))


def examples(count: int) -> list[Example]:
    lines = (FLORES / "flores101.devtest.ara").read_text(encoding="utf-8").splitlines()[:count]
    return [
        Example("flores101-devtest", Task.TRANSLATION, "flores", f"{i:04d}", line, ())
        for i, line in enumerate(lines)
    ]


def batches(items: Sequence[Example], system: System, size: int) -> list[list[Example]]:
    ordered = [items[i] for i in system.batch_order(items)]
    return [ordered[start : start + size] for start in range(0, len(ordered), size)]


def one_pass(system: System, work: list[list[Example]]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    outputs: list[str] = []
    for batch in work:
        outputs.extend(o or "" for o in system.generate(batch))
    return time.perf_counter() - started, outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "harness-bench-ct2"
    )
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    folder = args.work / f"marian-512-6x6-58k-{args.sentences}"
    started = time.perf_counter()
    build_model(folder, args.sentences)
    build_s = time.perf_counter() - started
    common = {"task": "translation", "model": str(folder), "batch_size": args.batch_size}
    hf = HFSeq2Seq(
        HFSeq2SeqParams(name="hf", type="hf-seq2seq", max_new_tokens=args.max_length, **common),
        REPO,
    )
    ct2 = CT2(
        CT2Params(
            name="ct2",
            type="ct2",
            compute_type="int8",
            max_decoding_length=args.max_length,
            intra_threads=args.threads,
            model_cache_dir=str(args.work / "model-cache"),
            **common,
        ),
        REPO,
    )
    for system in (hf, ct2):
        system.load()
    items = examples(args.sentences)
    tokenizer, _ = hf.load()
    lengths = [len(tokenizer(e.source)["input_ids"]) for e in items]
    work = {"hf": batches(items, hf, args.batch_size), "ct2": batches(items, ct2, args.batch_size)}
    systems: dict[str, System] = {"hf": hf, "ct2": ct2}

    print(f"machine: {hardware()}; threads {args.threads}")
    print(
        f"{args.sentences} sentences, {statistics.mean(lengths):.1f} source tokens on average "
        f"(max {max(lengths)}), batch {args.batch_size}, {args.max_length} decoder steps each"
    )
    print(
        f"model built in {build_s:.1f} s; loaded: hf {hf.load_seconds:.1f} s, "
        f"ct2 {ct2.load_seconds:.1f} s (conversion included on its first run), "
        f"ct2 compute type {ct2.effective_compute_type}"
    )
    for name, system in systems.items():  # untimed warm-up: first-call allocations, kernels
        system.generate(work[name][0][:2])
    rows = []
    for round_ in range(args.rounds):
        order = ("hf", "ct2") if round_ % 2 == 0 else ("ct2", "hf")
        seconds: dict[str, float] = {}
        outputs: dict[str, list[str]] = {}
        for name in order:
            seconds[name], outputs[name] = one_pass(systems[name], work[name])
        ratio = seconds["hf"] / seconds["ct2"]
        rows.append(ratio)
        print(
            f"round {round_ + 1} ({' then '.join(order)}): hf {seconds['hf']:.1f} s "
            f"({args.sentences / seconds['hf']:.2f} sent/s), ct2 int8 {seconds['ct2']:.1f} s "
            f"({args.sentences / seconds['ct2']:.2f} sent/s), ratio {ratio:.2f}x",
            flush=True,
        )
    print(
        f"ratio hf/ct2: median {statistics.median(rows):.2f}x "
        f"(min {min(rows):.2f}x, max {max(rows):.2f}x)"
    )


if __name__ == "__main__":
    main()
