"""A hub dataset that is not available offline fails within seconds, in one line.

Nothing here reaches the internet: the hub endpoint is pointed at 127.0.0.1 (a closed port, or
a listener that never answers).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from huggingface_hub import constants

from harness.corpus.hub import HUB_PROBE_TIMEOUT_S, hub_unreachable

from ..conftest import REPO, free_port


@pytest.fixture
def silent_hub(monkeypatch) -> Iterator[str]:
    """An endpoint that accepts connections and never answers (a hub behind a black hole)."""
    listener = socket.socket()
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}"
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "ENDPOINT", endpoint)
        hub_unreachable.cache_clear()
        yield endpoint
    finally:
        hub_unreachable.cache_clear()
        listener.close()


def test_the_probe_gives_up_after_its_timeout(silent_hub):
    started = time.monotonic()
    reason = hub_unreachable()
    elapsed = time.monotonic() - started
    assert reason is not None and reason.startswith(f"{silent_hub} is not reachable: ")
    assert "timed out" in reason
    print(f"probe of a silent endpoint gave up after {elapsed:.1f} s (timeout {HUB_PROBE_TIMEOUT_S} s)")


def test_offline_mode_needs_no_probe(monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    hub_unreachable.cache_clear()
    try:
        assert hub_unreachable() == "HF_HUB_OFFLINE is set"
    finally:
        hub_unreachable.cache_clear()


def test_a_hub_corpus_without_the_hub_is_one_line_without_retries(tmp_path):
    """Without HF_HUB_OFFLINE, huggingface_hub retried for 27 s before this line came."""
    config = tmp_path / "c.yaml"
    config.write_text(
        "corpus:\n  - {name: xlsum, format: hub, dataset: csebuetnlp/xlsum, config: arabic}\n"
        "systems:\n  - {name: lead, type: lead, task: summarization}\nmetrics: [rouge1]\n",
        encoding="utf-8",
    )
    # no offline switch at all (huggingface_hub reads TRANSFORMERS_OFFLINE as one too)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("HF_") and key != "TRANSFORMERS_OFFLINE"}  # fmt: skip
    env.update(HF_ENDPOINT=f"http://127.0.0.1:{free_port()}", HF_HOME=str(tmp_path / "hf"),
               PYTHONPATH=str(REPO))  # fmt: skip
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "harness", "validate", str(config)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "hub dataset 'csebuetnlp/xlsum' (arabic) split 'test' is not available: " in lines[0]
    assert "is not reachable" in lines[0] and "point the corpus at local files" in lines[0]
    print(f"harness validate with an unreachable hub: {elapsed:.1f} s, imports included")
