"""Scoring a real test set end to end: Tatoeba ara-eng v2021-08-07 (10,305 lines).

Measures, in one run and side by side:
  (a) `harness run` (read through `datasets`, BLEU + chrF++ + TER with per-segment statistics,
      95% bootstrap intervals, report.json with every segment) — wall time and peak memory;
  (b) the sacrebleu CLI scoring the same files with the same three metrics — wall time and
      peak memory.
The hypothesis is a deterministic degradation of the reference (every 7th word dropped), so the
scores are realistic without a model. `--repeat 10` concatenates the set ten times (103,050
lines) to show how time and memory grow.

    .venv/bin/python benchmarks/bench_corpus.py [--repeat 10]
"""

from __future__ import annotations

import argparse
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
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def run_child(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one command, measured in a fresh parent process
    (RUSAGE_CHILDREN keeps the maximum over all children, so each gets its own parent)."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], check=True, capture_output=True, text=True
    )
    seconds, kib = result.stdout.split()
    return float(seconds), int(kib) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=1, help="concatenate the set K times (10: 103,050 lines)"
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
        harness_s, harness_mib = run_child(
            [str(BIN / "harness"), "run", str(config), "--out", str(work / "run"), "--no-cache"]
        )
        sacrebleu_s, sacrebleu_mib = run_child(
            [
                str(BIN / "sacrebleu"),
                str(reference),
                "-i",
                str(hyp),
                "-m",
                "bleu",
                "chrf",
                "ter",
                "--chrf-word-order",
                "2",
                "-b",
            ]
        )
        size = (work / "run" / "report.json").stat().st_size / 2**20
    print(f"Tatoeba ara-eng x{args.repeat}: {len(lines)} segments, BLEU + chrF++ + TER")
    print(
        f"  harness run   : {harness_s:6.1f} s, peak RSS {harness_mib:6.0f} MiB"
        f" (report.json {size:.1f} MiB)"
    )
    print(f"  sacrebleu CLI : {sacrebleu_s:6.1f} s, peak RSS {sacrebleu_mib:6.0f} MiB")
    print(f"  time ratio harness/sacrebleu: {harness_s / sacrebleu_s:.2f}")


if __name__ == "__main__":
    main()
