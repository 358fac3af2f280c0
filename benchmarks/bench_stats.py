"""Statistics on FLORES-101 devtest (1,012 segments): harness vs the sacrebleu CLI.

Three systems: the opus-mt output (baseline) and two deterministic degradations of it. Measured
in one run, side by side, each in a fresh child process (start-up and imports included):

  (a) harness statistics: per-segment statistics for BLEU, chrF++ and TER, a 95% bootstrap
      interval for every system and metric, and a paired bootstrap test of each candidate
      against the baseline (1,000 resamples, seed 12345: sacrebleu's --paired-bs);
  (b) `harness run` of the same three systems with `compare: {baseline, test: paired-bs}`:
      the above plus reading the corpus and writing report.json/.md/.html;
  (c) `sacrebleu REF -i BASE A B -m bleu chrf ter --chrf-word-order 2 --paired-bs -f text`
      (its default JSON output crashes on paired tests with numpy 2).

Each is run REPEATS times and the median wall time is reported; (a) also prints its p-values
next to sacrebleu's to show they are the same computation.
Usage: .venv/bin/python benchmarks/bench_stats.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXTERNAL = REPO.parent / "shared" / "external"
HYP = EXTERNAL / "mt_system_outputs/opus-mt-ar-en_opus-2019-12-18.flores101-devtest.ara-eng.hyp.txt"
SRC = EXTERNAL / "flores/flores101.devtest.ara"
REF = EXTERNAL / "flores/flores101.devtest.eng"
BIN = Path(sys.executable).parent
REPEATS = 3
METRICS = ("bleu", "chrf", "ter")


def degrade(lines: list[str], every: int) -> list[str]:
    """Drop the last word of every ``every``-th line."""
    return [" ".join(s.split()[:-1]) if i % every == 0 else s for i, s in enumerate(lines)]


def harness_statistics(reference: Path, baseline: Path, *candidates: Path) -> None:
    """(a): runs in the child process; prints p-values as JSON."""
    from harness.metrics import make_metric
    from harness.stats import PairedTest, bootstrap_interval, paired_test

    refs = [[line] for line in reference.read_text(encoding="utf-8").splitlines()]
    systems = [p.read_text(encoding="utf-8").splitlines() for p in (baseline, *candidates)]
    p_values = {}
    for name in METRICS:
        metric = make_metric(name)
        stats = [metric.segment_stats(hyps, refs) for hyps in systems]
        for rows in stats:
            bootstrap_interval(metric, rows)
        for index, rows in enumerate(stats[1:], start=1):
            result = paired_test(metric, stats[0], rows, PairedTest.BOOTSTRAP)
            p_values[f"{name}:{index}"] = result.p_value
    print(json.dumps(p_values))


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def main() -> None:
    lines = HYP.read_text(encoding="utf-8").splitlines()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        paths = [work / "opus-mt.txt", work / "cut15.txt", work / "cut60.txt"]
        for path, hyps in zip(paths, (lines, degrade(lines, 15), degrade(lines, 60)), strict=True):
            path.write_text("\n".join(hyps) + "\n", encoding="utf-8")
        config = work / "flores.yaml"
        systems = "\n".join(
            f"  - {{name: {p.stem}, type: outputs, task: translation, path: {p}}}" for p in paths
        )
        config.write_text(
            f"name: flores\ncorpus:\n  - {{name: flores, format: parallel, source: {SRC}, "
            f"references: [{REF}]}}\nsystems:\n{systems}\nmetrics: [bleu, chrf, ter]\n"
            "compare: {baseline: opus-mt, test: paired-bs}\n",
            encoding="utf-8",
        )
        commands = {
            "harness statistics": [
                sys.executable, __file__, "--child", str(REF), *map(str, paths),
            ],
            "harness run": [
                str(BIN / "harness"), "run", str(config), "--out", str(work / "run"), "--no-cache",
                "--force",
            ],
            "sacrebleu CLI": [
                str(BIN / "sacrebleu"), str(REF), "-i", *map(str, paths), "-m", *METRICS,
                "--chrf-word-order", "2", "--paired-bs", "-f", "text",  # json crashes here
            ],
        }  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in commands}
        outputs: dict[str, str] = {}
        for _ in range(REPEATS):
            for name, command in commands.items():  # interleaved: same machine state for each
                seconds, outputs[name] = timed(command)
                times[name].append(seconds)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"FLORES-101 devtest: {len(lines)} segments, 3 systems, BLEU + chrF++ + TER, paired-bs")
    for name, seconds in median.items():
        runs = ", ".join(f"{s:.2f}" for s in times[name])
        print(f"  {name:<19}: {seconds:6.2f} s median ({runs})")
    for name in ("harness statistics", "harness run"):
        print(f"  ratio {name} / sacrebleu CLI: {median[name] / median['sacrebleu CLI']:.2f}")
    print("  harness p-values (paired-bs):", outputs["harness statistics"].strip())
    print("  sacrebleu output:")
    print("\n".join("    " + line for line in outputs["sacrebleu CLI"].splitlines()))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        harness_statistics(*map(Path, sys.argv[2:]))
    else:
        main()
