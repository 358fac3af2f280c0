"""Shared fixtures: paths to the repo, the seed article and ../shared."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from harness.reports.html.charts import load_matplotlib

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED = REPO / "seeds" / "000_e6a39a29327ab8d5.txt"

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# `harness run` forks a charts child, which imports matplotlib unless its parent already has:
# loaded once in the test process, every run a test makes forks a child that inherits it
# (otherwise each of some 50 in-process runs pays ~0.35 s of CPU for the import).
load_matplotlib()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (for a server to start, or to be refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unreachable_hub(monkeypatch) -> Iterator[str]:
    """The Hugging Face hub pointed at a closed port on 127.0.0.1, offline mode off; yields
    the endpoint. The probe's per-process answer is forgotten before and after."""
    from huggingface_hub import constants

    from harness.corpus.hub import hub_unreachable

    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "ENDPOINT", endpoint)
    hub_unreachable.cache_clear()
    yield endpoint
    hub_unreachable.cache_clear()


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: tests need ../shared beside the repo")
    return SHARED


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Finished run folders on the seed article (read-only): a baseline, an identical rerun and
    a degraded candidate, shared by the compare, gate and pytest-plugin tests."""
    from .stats.report_factory import make_report

    folder = tmp_path_factory.mktemp("reports")
    return {
        "base": make_report(folder, "base", degrade=False),
        "same": make_report(folder, "same", degrade=False),
        "degraded": make_report(folder, "degraded", degrade=True),
    }


#: Test files that run real models, servers, a browser, a Ray cluster, killed subprocesses, pip,
#: or FLORES-sized statistics and calibration trials. They carry the ``slow`` marker: `make
#: check` (``pytest -m "not slow"``) leaves them out for a fast inner loop; `make test` runs
#: everything.
SLOW_FILES = frozenset(
    {
        "challenge/test_flores_challenge.py",
        "judges/test_gemma_judge.py",
        "metrics/learned/test_comet_parity.py",  # the converted COMET checkpoints' parity
        "metrics/learned/test_learned_end_to_end.py",
        "metrics/test_sacrebleu_vectors.py",  # FLORES-sized
        "reports/html/test_browser.py",
        "run/test_corpora_run.py",
        "run/test_ray_executor.py",
        "run/test_resume.py",
        "stats/test_calibration.py",
        "stats/test_sacrebleu_agreement.py",
        "systems/test_ct2.py",
        "systems/test_hf_causal.py",
        "systems/test_hf_gemma.py",
        "systems/test_hf_seq2seq.py",
        "systems/test_llama_cpp.py",
        "systems/test_llama_cpp_batch.py",
        "systems/test_openai_servers.py",
        "systems/test_llama_cpp_kernels.py",
        "test_cli.py",  # configs/default.yaml runs gemma-3-270m
        "test_plugin_package.py",
        "verdicts/test_breakdown.py",  # 123 NTREX articles, compared and broken down
    }
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: real models, servers, browser, Ray or large data (not in `make check`)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests = Path(__file__).resolve().parent
    for item in items:
        path = Path(item.fspath)
        if path.is_relative_to(tests) and path.relative_to(tests).as_posix() in SLOW_FILES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A threaded scripted OpenAI-style server on 127.0.0.1 (so concurrent requests really
    overlap), stopped after the test."""
    httpserver = HTTPServer(host="127.0.0.1", threaded=True)
    httpserver.start()
    try:
        yield httpserver
    finally:
        httpserver.clear()
        if httpserver.is_running():
            httpserver.stop()
