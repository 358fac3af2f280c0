"""GGUF conversion into the model cache: built once, atomically, under a lock (the real
conversion of gemma runs in test_hf_gemma.py; here the cache logic, without a model)."""

from __future__ import annotations

from pathlib import Path

import harness.systems.hf_loading
from harness.systems.hf_loading import CONVERSION_MARKER, convert_gguf, converted_folder


def test_a_complete_conversion_is_reused_without_converting(tmp_path: Path):
    gguf = tmp_path / "m.gguf"
    folder = converted_folder(gguf, "ab" * 32, tmp_path / "cache")
    folder.mkdir(parents=True)
    (folder / CONVERSION_MARKER).write_text("{}")
    # auto_class None: converting would fail, so returning proves nothing was converted
    assert convert_gguf(gguf, "ab" * 32, tmp_path / "cache", auto_class=None) == folder


def test_conversion_goes_through_the_locked_atomic_builder(tmp_path: Path, monkeypatch):
    calls = []

    def fake_build_once(target, build, *, complete):
        calls.append((target, complete))
        return target

    monkeypatch.setattr(harness.systems.hf_loading, "build_once", fake_build_once)
    gguf = tmp_path / "m.gguf"
    folder = convert_gguf(gguf, "cd" * 32, tmp_path / "cache", auto_class=None)
    assert calls == [(converted_folder(gguf, "cd" * 32, tmp_path / "cache"), CONVERSION_MARKER)]
    assert folder.parent.is_dir()  # the converted/ folder exists for the lock file
