"""Shared fixtures: paths to the repo, the seed article and ../shared."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED = REPO / "seeds" / "000_e6a39a29327ab8d5.txt"

os.environ.setdefault("HF_HUB_OFFLINE", "1")


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
