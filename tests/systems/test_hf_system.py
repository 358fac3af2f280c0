"""What the Hugging Face backends put in their cache fingerprint besides the weights: library
versions, and the device and dtype that ``auto`` resolves to."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

import harness.systems.hf_system
from harness.systems.hf_seq2seq import HFSeq2Seq, HFSeq2SeqParams


@pytest.fixture
def model_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "model"  # only hashed here, never loaded
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    return folder


def _system(folder: Path, **keys) -> HFSeq2Seq:
    params = HFSeq2SeqParams(
        name="mt", type="hf-seq2seq", task="translation", model=str(folder), **keys
    )
    return HFSeq2Seq(params, folder.parent)


def test_library_versions_are_the_installed_ones(model_folder):
    versions = _system(model_folder).library_versions()
    assert versions == {
        name: importlib.metadata.version(name) for name in ("transformers", "torch", "tokenizers")
    }


@pytest.mark.parametrize("library", ["transformers", "torch", "tokenizers"])
def test_an_upgraded_library_changes_the_fingerprint(model_folder, monkeypatch, library):
    before = _system(model_folder).fingerprint()
    real = harness.systems.hf_system.package_version
    monkeypatch.setattr(
        harness.systems.hf_system,
        "package_version",
        lambda name: "99.0.0" if name == library else real(name),
    )
    assert _system(model_folder).fingerprint() != before


def test_auto_device_resolves_into_the_fingerprint(model_folder, monkeypatch):
    """``device: auto`` on a CPU machine and on a GPU machine: different outputs, different keys."""
    cpu = _system(model_folder)
    assert cpu.describe()["resolved"] == {"device": "cpu", "dtype": "float32"}  # this machine
    monkeypatch.setattr(harness.systems.hf_system, "resolve_device", lambda device: "cuda")
    gpu = _system(model_folder)
    assert gpu.describe()["resolved"] == {"device": "cuda", "dtype": "auto (checkpoint dtype)"}
    assert gpu.fingerprint() != cpu.fingerprint()


def test_an_explicit_dtype_is_in_the_fingerprint(model_folder):
    fingerprints = {
        _system(model_folder, dtype=dtype).fingerprint() for dtype in ("float32", "bfloat16")
    }
    assert len(fingerprints) == 2


def test_timeouts_and_names_stay_out_of_the_fingerprint(model_folder):
    base = _system(model_folder).fingerprint()
    assert _system(model_folder, timeout=5, load_timeout=60).fingerprint() == base
