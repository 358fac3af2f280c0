"""``openai`` through ``harness run`` against real OpenAI-compatible servers on 127.0.0.1:
``transformers serve`` on the tiny Llama the tests build, and llama.cpp's server on the packaged
gemma-3-270m GGUF, each with both ``api: chat`` and ``api: completions``.

Greedy decoding makes the served outputs checkable: the served model must answer what the same
model answers in-process (``hf-causal`` / ``llama-cpp``) for the same prompt (exactly for the
tiny float32 model, and for llama.cpp with the in-process engine's repeat_penalty). Each server is
started on a free port, polled for readiness in a bounded loop and stopped in a ``finally``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml

from harness.weights.cache import default_cache_dir
from harness.weights.packaged import fetch

from ..conftest import REPO, free_port
from .conftest import outputs_by_segment, run_cli, seed_title_and_bullets, write_config

ARABIC = re.compile(r"[\u0600-\u06FF]")


@contextmanager
def serving(command: list[str], ready: str, log: Path, within_s: float) -> Iterator[None]:
    """Run ``command`` until the block ends; wait (at most ``within_s``) for GET ``ready``."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + within_s
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"server exited ({process.returncode}): {tail(log)}")
                try:
                    if httpx.get(ready, timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"server not ready in {within_s} s: {tail(log)}")
                time.sleep(0.25)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:]


def three_segments(folder: Path, systems: list[dict], **extra) -> Path:
    """A config over the seed's title and two bullets (its first four lines) and their
    references."""
    config = {
        **seed_title_and_bullets(folder),
        "systems": systems,
        "metrics": ["chrf"],
        **extra,
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def served(name: str, api: str, base_url: str, model: str, **extra) -> dict:
    return {
        "name": name,
        "type": "openai",
        "task": "translation",
        "base_url": base_url,
        "model": model,
        "api": api,
        "max_new_tokens": 8,
        "max_concurrency": 2,
        "request_timeout": 60,
        "max_retries": 1,
        **extra,
    }


def test_transformers_serve_answers_as_hf_causal_does(tiny_llama, tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "transformers.cli.transformers", "serve", str(tiny_llama)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    base_url = f"http://127.0.0.1:{port}/v1"
    in_process = {"type": "hf-causal", "task": "translation", "model": str(tiny_llama)}
    systems = [
        served("chat", "chat", base_url, str(tiny_llama)),
        served("completions", "completions", base_url, str(tiny_llama)),
        {**in_process, "name": "hf-plain", "chat": False, "max_new_tokens": 8},
    ]
    config = write_config(tmp_path, systems, metrics=["chrf"])
    with serving(command, f"http://127.0.0.1:{port}/health", tmp_path / "serve.log", 120):
        report, _ = run_cli(config, tmp_path / "out")
    statuses = {(s["system"], s["status"]) for s in report["segments"]}
    assert ("chat", "failed") not in statuses and ("completions", "failed") not in statuses
    # The plain few-shot prompt, served or in-process, gives the same greedy continuation.
    served_outputs = outputs_by_segment(report, "completions")
    assert served_outputs == outputs_by_segment(report, "hf-plain")
    assert any(served_outputs.values())
    for name in ("chat", "completions"):
        info = report["provenance"]["systems"][name]
        assert info["server_model"] == [str(tiny_llama)]
        assert info["retries"] == 0 and info["failed"] == 0
        assert info["requests"] == len(served_outputs)


def test_three_engines_side_by_side_with_llama_cpps_server(tmp_path):
    """configs/gemma-3-270m-engines.yaml (hf-causal, llama-cpp, openai on llama.cpp's server)
    plus the server's chat API, on the seed's title and bullets, with paired comparisons."""
    gguf = fetch("gemma-3-270m", default_cache_dir())
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    command += ["--model_alias", "gemma-3-270m"]
    base_url = f"http://127.0.0.1:{port}/v1"
    shipped = yaml.safe_load((REPO / "configs" / "gemma-3-270m-engines.yaml").read_text())
    systems = [{**entry, "max_new_tokens": 8} for entry in shipped["systems"]]
    for entry in systems:
        if entry["type"] == "openai":
            entry["base_url"] = base_url
    systems.append(served("served-chat", "chat", base_url, "gemma-3-270m"))
    config = three_segments(tmp_path, systems, compare=shipped["compare"])
    with serving(command, f"{base_url}/models", tmp_path / "server.log", 90):
        report, _ = run_cli(config, tmp_path / "out")
    assert all(s["status"] == "generated" for s in report["segments"])
    served_plain = outputs_by_segment(report, "gemma-served")
    in_process = outputs_by_segment(report, "gemma-llama-cpp")
    assert len(served_plain) == 3 and served_plain.keys() == in_process.keys()
    # the same file, prompt and greedy decoding (the config sends repeat_penalty 1.0, which
    # the server would otherwise set to 1.1): the same outputs
    assert served_plain == in_process
    for output in served_plain.values():
        assert len(re.findall(r"[A-Za-z]+", output)) >= 3 and not ARABIC.search(output)
    for name in ("served-chat", "gemma-served"):
        info = report["provenance"]["systems"][name]
        assert info["server_model"] == ["gemma-3-270m"]
        assert info["requests"] == 3 and info["failed"] == 0
    compared = {(c["baseline"], c["system"]) for c in report["comparisons"]}
    assert {("gemma-hf", "gemma-llama-cpp"), ("gemma-hf", "gemma-served")} <= compared


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """Requests to 127.0.0.1 must not go through a proxy set in the environment."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
