"""Shared fixtures: paths to the repo, the seed article and ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEED = REPO / "seeds" / "000_e6a39a29327ab8d5.txt"

os.environ.setdefault("HF_HUB_OFFLINE", "1")


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
