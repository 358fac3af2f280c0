"""Warm rerun against cold run of the same config on a real model, measured side by side.

The config translates the first 32 sentences of FLORES-101 devtest (from ../shared) with
gemma-3-270m (``hf-causal``, the packaged GGUF; the system entry of
configs/gemma-3-270m-hf.yaml). The script runs ``harness run`` twice as subprocesses with the same
fresh output cache: the cold run computes every output, the warm rerun should compute none.
It reports, for both runs, the end-to-end wall time of the command and the ``duration_s`` the
run records itself (generation and scoring, without interpreter start-up), and the ratios.

    .venv/bin/python benchmarks/bench_cache.py [--sentences 32] [--keep DIR]

It checks that the warm run did no inference (every output cached, none generated) and that
its outputs and scores equal the cold run's; it exits 1 otherwise. Needs the gemma packages
(``make install``); without them it says so and exits 2.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
FLORES = REPO.parent / "shared" / "external" / "flores"
GEMMA_CONFIG = REPO / "configs" / "gemma-3-270m-hf.yaml"

def gemma_system() -> dict[str, Any]:
    """The translation system entry of configs/gemma-3-270m-hf.yaml."""
    config = yaml.safe_load(GEMMA_CONFIG.read_text(encoding="utf-8"))
    (system,) = [s for s in config["systems"] if s["type"] == "hf-causal"]
    return dict(system)


def write_config(folder: Path, sentences: int) -> Path:
    system = gemma_system()
    model_dir = system.get("model_cache_dir")
    if model_dir and not Path(model_dir).expanduser().is_absolute():
        system["model_cache_dir"] = str((GEMMA_CONFIG.parent / model_dir).resolve())
    config = {
        "name": "bench-cache",
        "corpus": [
            {
                "name": "flores101-devtest",
                "format": "parallel",
                "source": str(FLORES / "flores101.devtest.ara"),
                "references": [str(FLORES / "flores101.devtest.eng")],
                "limit": sentences,
            }
        ],
        "systems": [system],
        "metrics": ["bleu", "chrf"],
    }
    path = folder / "bench-cache.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def timed_run(config: Path, out: Path, cache: Path) -> tuple[float, dict[str, Any]]:
    command = [sys.executable, "-m", "harness", "run", str(config), "--out", str(out),
               "--cache-dir", str(cache)]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(result.returncode)
    return wall, json.loads((out / "report.json").read_text(encoding="utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=32)
    parser.add_argument("--keep", type=Path, help="keep the run folders and cache here")
    args = parser.parse_args()

    from harness.errors import HarnessError
    from harness.weights.cache import default_cache_dir
    from harness.weights.packaged import PACKAGED_MODELS, fetch

    try:
        fetch("gemma-3-270m", default_cache_dir())
    except HarnessError as exc:
        print(f"cannot run: {exc} ({PACKAGED_MODELS['gemma-3-270m'].install_hint})")
        return 2

    with tempfile.TemporaryDirectory() as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        config = write_config(work, args.sentences)
        cache = work / "cache"
        cold_wall, cold = timed_run(config, work / "cold", cache)
        warm_wall, warm = timed_run(config, work / "warm", cache)

    (name,) = cold["provenance"]["systems"]
    cold_counts = cold["provenance"]["systems"][name]["counts"]
    warm_counts = warm["provenance"]["systems"][name]["counts"]
    cold_s, warm_s = cold["provenance"]["duration_s"], warm["provenance"]["duration_s"]
    same_outputs = [s["output"] for s in cold["segments"]] == [
        s["output"] for s in warm["segments"]
    ]
    same_scores = [r["score"] for r in cold["results"]] == [r["score"] for r in warm["results"]]
    no_inference = all(segment["cached"] for segment in warm["segments"])
    model = cold["provenance"]["systems"][name]["params"]["model"]
    print(f"system {name} ({model}), {len(cold['segments'])} sentences")
    print(f"hardware {cold['provenance']['hardware']}")
    print(f"cold counts {cold_counts}")
    print(f"warm counts {warm_counts}")
    print(f"{'':28}{'cold':>10}{'warm':>10}{'ratio':>10}")
    print(f"{'harness run, wall (s)':28}{cold_wall:10.2f}{warm_wall:10.2f}"
          f"{cold_wall / warm_wall:9.1f}x")  # fmt: skip
    print(f"{'run duration_s (s)':28}{cold_s:10.2f}{warm_s:10.3f}"
          f"{cold_s / max(warm_s, 1e-3):9.0f}x")  # fmt: skip
    print(f"warm run did no inference: {no_inference}; identical outputs: {same_outputs}; "
          f"identical scores: {same_scores}")  # fmt: skip
    return 0 if no_inference and same_outputs and same_scores else 1


if __name__ == "__main__":
    raise SystemExit(main())
