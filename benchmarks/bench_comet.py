"""``comet`` against unbabel-comet's ``predict()``: segments per second, and the cache hit.

Both score the same randomly initialised wmt22-comet-da-style checkpoint at XLM-R-base size
(12 layers, 768 wide, layer mix, average pooling; the tiny SentencePiece tokenizer of
tests/fixtures/comet/encoder, since the vocabulary size barely changes the cost) on the first
256 FLORES-101 devtest ara→eng triples (source, the opus-mt output of ../shared, reference), on
the CPU, batch size 16. unbabel-comet 2.2.7 runs in its side environment (made by
tests/fixtures/comet/make_comet_fixtures.py, default /tmp/comet-venv); the harness in this one.
The two alternate for ``--rounds`` rounds after building the checkpoint; model loading is not
timed. Then the harness scores the same triples with its segment-score cache: a cold run that
fills it and a warm re-run that reads every score from it.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_comet.py [--rounds 2] [--venv /tmp/comet-venv]

It also prints the largest difference between the two implementations' segment scores.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "external"
FIXTURE_ENCODER = REPO / "tests" / "fixtures" / "comet" / "encoder"
N = 256
BATCH = 16

SIDE = r'''
import json, os, sys, time
from pathlib import Path
work, mode = Path(sys.argv[1]), sys.argv[2]
import torch
torch.manual_seed(0)
if mode == "build":
    import yaml, pytorch_lightning as pl
    from comet.models import RegressionMetric
    os.chdir(work / "model")
    model = RegressionMetric(pretrained_model="../encoder", load_pretrained_weights=False,
                             layer_transformation="sparsemax", layer_norm=False, pool="avg",
                             nr_frozen_epochs=0.0, keep_embeddings_frozen=False)
    hp = dict(model.hparams)
    (work / "model" / "hparams.yaml").write_text(yaml.safe_dump(hp))
    (work / "model" / "checkpoints").mkdir(exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "hyper_parameters": hp,
                "pytorch-lightning_version": pl.__version__},
               work / "model" / "checkpoints" / "model.ckpt")
else:
    from comet import load_from_checkpoint
    os.chdir(work / "model")
    model = load_from_checkpoint(str(work / "model" / "checkpoints" / "model.ckpt"))
    data = json.loads((work / "triples.json").read_text())
    started = time.perf_counter()
    out = model.predict(data, batch_size=int(sys.argv[3]), gpus=0, progress_bar=False,
                        num_workers=0)
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "scores": list(out.scores)}))
'''


def triples() -> list[dict[str, str]]:
    src = (SHARED / "flores" / "flores101.devtest.ara").read_text("utf-8").splitlines()
    ref = (SHARED / "flores" / "flores101.devtest.eng").read_text("utf-8").splitlines()
    hyp_file = next((SHARED / "mt_system_outputs").glob("opus-mt-ar-en*flores101-devtest*"))
    hyp = hyp_file.read_text("utf-8").splitlines()
    return [{"src": src[i], "mt": hyp[i], "ref": ref[i]} for i in range(N)]


def build(work: Path, python: Path) -> None:
    from transformers import XLMRobertaConfig

    shutil.copytree(FIXTURE_ENCODER, work / "encoder")
    config = json.loads((FIXTURE_ENCODER / "config.json").read_text())
    XLMRobertaConfig(
        vocab_size=config["vocab_size"], hidden_size=768, num_hidden_layers=12,
        num_attention_heads=12, intermediate_size=3072, max_position_embeddings=514,
        type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
    ).save_pretrained(str(work / "encoder"))
    (work / "model").mkdir()
    (work / "side.py").write_text(SIDE)
    subprocess.run([str(python), str(work / "side.py"), str(work), "build"], check=True,
                   capture_output=True)


def unbabel(work: Path, python: Path) -> dict:
    done = subprocess.run(
        [str(python), str(work / "side.py"), str(work), "predict", str(BATCH)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def harness(work: Path, data: list[dict[str, str]], cache: Path | None) -> dict:
    from harness.metrics import make_metric

    options = {"model": str(work / "model"), "batch_size": BATCH, "progress": False}
    options |= {"cache_dir": str(cache)} if cache else {"cache": False}
    metric = make_metric("comet", options)
    metric._loaded  # noqa: B018 (load outside the timing)
    metric.fingerprint()
    started = time.perf_counter()
    rows = metric.segment_stats_with_sources(
        [d["mt"] for d in data], [[d["ref"]] for d in data], [d["src"] for d in data]
    )
    return {"seconds": time.perf_counter() - started, "scores": [r[0] for r in rows]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--venv", type=Path, default=Path("/tmp/comet-venv"))
    args = parser.parse_args()
    python = args.venv / "bin" / "python"
    if not python.exists():
        sys.exit(f"{python} not found: run tests/fixtures/comet/make_comet_fixtures.py first")
    import torch

    data = triples()
    with tempfile.TemporaryDirectory(prefix="bench-comet-") as tmp:
        work = Path(tmp)
        (work / "triples.json").write_text(json.dumps(data))
        build(work, python)
        theirs, ours = [], []
        for _ in range(args.rounds):
            theirs.append(unbabel(work, python))
            ours.append(harness(work, data, None))
        diff = max(abs(a - b) for a, b in zip(theirs[0]["scores"], ours[0]["scores"], strict=True))
        cold = harness(work, data, work / "cache")
        warm = harness(work, data, work / "cache")
    t_theirs = statistics.median(r["seconds"] for r in theirs)
    t_ours = statistics.median(r["seconds"] for r in ours)
    print(f"torch threads: {torch.get_num_threads()}")
    print(f"unbabel-comet predict(): {[round(r['seconds'], 2) for r in theirs]} s")
    print(f"harness comet:           {[round(r['seconds'], 2) for r in ours]} s")
    print(f"segments/s: unbabel-comet {N / t_theirs:.2f}, harness {N / t_ours:.2f}, "
          f"ratio {t_theirs / t_ours:.2f}x")
    print(f"max |score difference|: {diff:.2e}")
    print(f"cache: cold {cold['seconds']:.2f} s, warm {warm['seconds']:.3f} s, "
          f"speed-up {cold['seconds'] / warm['seconds']:.0f}x; warm scores equal: "
          f"{warm['scores'] == cold['scores']}")


if __name__ == "__main__":
    main()
