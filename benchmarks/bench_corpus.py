"""Scoring a real test set end to end: Tatoeba ara-eng v2021-08-07 (10,305 lines).

Measures, in one run and side by side:
  (a) `harness run` (read through `datasets`, BLEU + chrF++ + TER with per-segment statistics,
      95% bootstrap intervals, report.json with every segment) — wall time and peak memory;
  (b) the sacrebleu CLI scoring the same files with the same three metrics — wall time and
      peak memory.
The hypothesis is a deterministic degradation of the reference (every 7th word dropped), so the
scores are realistic without a model. `--repeat 10` concatenates the set ten times (103,050
lines) to show how time and memory grow.

The two commands alternate for `--rounds` rounds after one untimed warm-up round (the OS page
cache, `datasets`' Arrow cache of the files), each in a fresh parent process; every round's
ratio is printed and the median is the result, so load from other work on a shared machine
hits both sides alike. `harness` is this checkout's code (`python -m harness`).

    .venv/bin/python benchmarks/bench_corpus.py [--repeat 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TATOEBA = REPO.parent / "shared" / "external" / "tatoeba"
BIN = Path(sys.executable).parent


_MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.perf_counter() - started, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
"""


def run_child(command: list[str], tree: Path = REPO) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds (user + system, the scoring workers
    included) of one command, measured in a fresh parent process
    (RUSAGE_CHILDREN keeps the maximum over all children, so each gets its own parent; for
    harness that is its main process, the largest: scoring workers are forked from it and
    share its pages)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),  # `python -m` puts the working folder first on sys.path
    )
    seconds, kib, cpu = result.stdout.split()
    return float(seconds), int(kib) / 1024, float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=1, help="concatenate the set K times (10: 103,050 lines)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (median)")
    parser.add_argument("--no-warm-up", action="store_true", help="skip the untimed warm-up round")
    parser.add_argument(
        "--before",
        type=Path,
        help="also time `harness run` from this other checkout (e.g. `git worktree add` of an "
        "older commit), side by side in each round: before/after on the same load",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source, reference, hyp = work / "src.ara", work / "ref.eng", work / "hyp.txt"
        source.write_text(
            (TATOEBA / "tatoeba-test-v2021-08-07.ara").read_text("utf-8") * args.repeat
        )
        reference.write_text(
            (TATOEBA / "tatoeba-test-v2021-08-07.eng").read_text("utf-8") * args.repeat
        )
        lines = reference.read_text(encoding="utf-8").split("\n")[:-1]
        hyp.write_text(
            "\n".join(
                " ".join(w for i, w in enumerate(line.split()) if i % 7 != 6) for line in lines
            )
            + "\n",
            encoding="utf-8",
        )
        config = work / "tatoeba.yaml"
        config.write_text(
            f"""name: tatoeba
corpus:
  - {{name: tatoeba, format: parallel, source: {source}, references: [{reference}]}}
systems:
  - {{name: degraded, type: outputs, task: translation, path: {hyp}}}
metrics: [bleu, chrf, ter]
""",
            encoding="utf-8",
        )
        harness_command = [
            sys.executable, "-m", "harness", "run", str(config),
            "--out", str(work / "run"), "--no-cache", "--force",  # rounds reuse the folder
        ]  # fmt: skip
        sacrebleu_command = [
            str(BIN / "sacrebleu"), str(reference), "-i", str(hyp),
            "-m", "bleu", "chrf", "ter", "--chrf-word-order", "2", "-b",
        ]  # fmt: skip
        if not args.no_warm_up:
            run_child(harness_command)  # untimed
            run_child(sacrebleu_command)
            if args.before:
                run_child(harness_command, args.before)
        rounds = []
        befores = []
        for number in range(args.rounds):
            harness_s, harness_mib, harness_cpu = run_child(harness_command)
            sacrebleu_s, sacrebleu_mib, sacrebleu_cpu = run_child(sacrebleu_command)
            rounds.append((harness_s, harness_mib, sacrebleu_s, sacrebleu_mib))
            print(
                f"round {number + 1}: harness {harness_s:6.2f} s ({harness_cpu:6.2f} s CPU)"
                f" {harness_mib:5.0f} MiB, sacrebleu {sacrebleu_s:6.2f} s"
                f" ({sacrebleu_cpu:6.2f} s CPU) {sacrebleu_mib:5.0f} MiB,"
                f" ratio {harness_s / sacrebleu_s:.2f}",
                flush=True,
            )
            if args.before:
                before_s, _, before_cpu = run_child(harness_command, args.before)
                befores.append(before_s / sacrebleu_s)
                print(
                    f"         before: harness {before_s:6.2f} s ({before_cpu:6.2f} s CPU),"
                    f" ratio {before_s / sacrebleu_s:.2f}",
                    flush=True,
                )
        size = (work / "run" / "report.json").stat().st_size / 2**20
    harness_s = statistics.median(r[0] for r in rounds)
    sacrebleu_s = statistics.median(r[2] for r in rounds)
    print(f"Tatoeba ara-eng x{args.repeat}: {len(lines)} segments, BLEU + chrF++ + TER")
    print(
        f"  harness run   : median {harness_s:6.2f} s, peak RSS {max(r[1] for r in rounds):6.0f}"
        f" MiB (report.json {size:.1f} MiB)"
    )
    print(
        f"  sacrebleu CLI : median {sacrebleu_s:6.2f} s, peak RSS"
        f" {max(r[3] for r in rounds):6.0f} MiB"
    )
    ratios = [r[0] / r[2] for r in rounds]
    print(
        f"  time ratio harness/sacrebleu: median of rounds {statistics.median(ratios):.2f}"
        f" (rounds: {', '.join(f'{x:.2f}' for x in ratios)})"
    )
    if befores:
        print(
            f"  before ({args.before}): median of rounds {statistics.median(befores):.2f}"
            f" (rounds: {', '.join(f'{x:.2f}' for x in befores)})"
        )


if __name__ == "__main__":
    main()
