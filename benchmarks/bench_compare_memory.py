"""Peak memory of `harness compare` on two 103,050-segment runs (Tatoeba ara-eng ×10).

The corpus is built as in ``bench_corpus.py`` (the 10,305-line Tatoeba test set concatenated
``--repeat`` times); the baseline drops every 7th word of each reference, the candidate every
5th, so the candidate is significantly worse and every comparison runs its full randomization
test (10,000 trials) and bootstrap (1,000 resamples) on BLEU, chrF++ and TER.

Both runs are made once (by this checkout); then ``/usr/bin/time -v`` measures
``python -m harness compare BASELINE CANDIDATE`` with each code tree given by ``--code`` (for
instance this checkout and the main checkout, so the old one-piece randomization draw and the
blocked one are measured side by side on the same reports).

    .venv/bin/python benchmarks/bench_compare_memory.py [--repeat 10] [--code . /work/main]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TATOEBA = REPO.parent / "shared" / "external" / "tatoeba"


def _drop_every(lines: list[str], k: int) -> str:
    kept = (" ".join(w for i, w in enumerate(line.split()) if i % k != k - 1) for line in lines)
    return "\n".join(kept)


def make_runs(work: Path, repeat: int) -> tuple[Path, Path]:
    """The baseline and candidate run folders (made once, reused)."""
    work.mkdir(parents=True, exist_ok=True)
    source, reference = work / "src.ara", work / "ref.eng"
    source.write_text((TATOEBA / "tatoeba-test-v2021-08-07.ara").read_text("utf-8") * repeat)
    reference.write_text((TATOEBA / "tatoeba-test-v2021-08-07.eng").read_text("utf-8") * repeat)
    lines = reference.read_text(encoding="utf-8").split("\n")[:-1]
    runs = []
    for name, k in (("base", 7), ("cand", 5)):
        run = work / f"run-{name}"
        runs.append(run)
        if (run / "report.json").is_file():
            continue
        hyp = work / f"{name}.txt"
        hyp.write_text(_drop_every(lines, k) + "\n", encoding="utf-8")
        config = work / f"{name}.yaml"
        config.write_text(
            f"name: tatoeba-{name}\ncorpus:\n  - {{name: tatoeba, format: parallel, "
            f"source: {source}, references: [{reference}]}}\nsystems:\n"
            f"  - {{name: mt, type: outputs, task: translation, path: {hyp}}}\n"
            "metrics: [bleu, chrf, ter]\n",
            encoding="utf-8",
        )
        env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
        subprocess.run(
            [sys.executable, "-m", "harness", "run", str(config), "--out", str(run), "--no-cache"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    return runs[0], runs[1]


def measure(code: Path, base: Path, cand: Path) -> tuple[float, float, int]:
    """Peak RSS (MiB), wall seconds and exit code of one compare with ``code`` first on the
    path."""
    env = {**os.environ, "PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, "-m", "harness", "compare", str(base), str(cand)],
        env=env,
        cwd=code,  # `python -m` puts the working folder first on the path, before PYTHONPATH
        capture_output=True,
        text=True,
    )
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", result.stderr)
    assert peak and wall, result.stderr[-2000:]
    seconds = 0.0
    for part in wall.group(1).split(":"):
        seconds = seconds * 60 + float(part)
    return int(peak.group(1)) / 1024, seconds, result.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="10: 103,050 segments")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-compare-memory"))
    parser.add_argument("--code", type=Path, nargs="+", default=[REPO])
    args = parser.parse_args()
    base, cand = make_runs(args.work, args.repeat)
    segments = 10305 * args.repeat
    for code in args.code:
        mib, seconds, rc = measure(code.resolve(), base, cand)
        print(
            f"harness compare, {segments} segments x 2 runs, BLEU + chrF++ + TER, code {code}: "
            f"peak RSS {mib:.0f} MiB ({mib * 2**20 / 1e9:.2f} GB), {seconds:.1f} s, exit {rc}",
            flush=True,
        )


if __name__ == "__main__":
    main()
