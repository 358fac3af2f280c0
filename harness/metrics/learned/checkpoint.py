"""COMET checkpoint folders: ``hparams.yaml`` + ``checkpoints/model.ckpt``, found offline.

The folder is a local path or a hub id already in the Hugging Face cache (``hf download
Unbabel/wmt22-comet-da``); an uncached hub id fails in one line, as models do. Reading a
checkpoint never runs code: the YAML is read with ``safe_load`` and the checkpoint with
``torch.load(weights_only=True)``. As in ``unbabel-comet``, ``hparams.yaml`` picks the model
class and the hyper-parameters stored *inside* ``model.ckpt`` build it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from harness.errors import HarnessError
from harness.provenance import file_sha256
from harness.systems.hf_loading import offline_hint, require_hub

CHECKPOINT = Path("checkpoints") / "model.ckpt"


def hub_snapshot(model_id: str, filename: str) -> Path | None:
    """The cached snapshot folder of ``model_id`` holding ``filename`` (None when not cached)."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(model_id, filename)
    return Path(found).parent if isinstance(found, str) else None


def model_folder(spec: str, marker: str) -> Path:
    """The folder ``spec`` names: a local folder (relative to the current folder), else the
    cached hub snapshot holding ``marker``; an uncached hub id fails in one line."""
    candidate = Path(spec).expanduser()
    if candidate.is_dir():
        return candidate
    if spec.startswith((".", "/", "~")) or spec.count("/") > 1:
        raise HarnessError(f"model folder not found: {candidate}")
    snapshot = hub_snapshot(spec, marker)
    if snapshot is None:
        require_hub(spec)  # offline: one line; online but uncached: say how to fetch it
        raise HarnessError(offline_hint(spec))
    return snapshot


def find_folder(spec: str) -> Path:
    """A COMET checkpoint folder: local, or a cached hub snapshot with ``hparams.yaml``."""
    return model_folder(spec, "hparams.yaml")


def content_sha256(path: Path) -> str:
    """A file's sha256; for a file of the Hugging Face cache stored with Git LFS that is the
    name of its blob, so a multi-gigabyte checkpoint is not read again to fingerprint it."""
    target = path.resolve()
    name = target.name
    hexdigits = set("0123456789abcdef")
    if target.parent.name == "blobs" and len(name) == 64 and set(name) <= hexdigits:
        return name
    return file_sha256(target)


def folder_fingerprint(folder: Path) -> dict[str, str]:
    """``{"sha256": …}`` over the names and contents of a model folder's files."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if relative.startswith(".") or "/." in relative:
            continue
        digest.update(f"{relative}\0{content_sha256(path)}\n".encode())
    return {"sha256": digest.hexdigest()}


class _AttributeDict(dict):  # type: ignore[type-arg]
    """Stands in for Lightning's ``AttributeDict`` (a plain dict subclass) so that
    ``weights_only`` loading accepts hyper-parameters pickled as one; no code of it runs."""


def _safe_globals() -> list[Any]:
    stubs = []
    for module in ("lightning_fabric.utilities.data", "pytorch_lightning.utilities.parsing"):
        stub = type("AttributeDict", (_AttributeDict,), {"__module__": module})
        stubs.append(stub)
    return stubs


@dataclass(frozen=True)
class CometCheckpoint:
    """A checkpoint folder's hyper-parameters and weights (tensors on the CPU)."""

    folder: Path
    hparams: dict[str, Any]
    state_dict: dict[str, Any]

    @staticmethod
    def read(folder: Path) -> CometCheckpoint:
        hparams_file = folder / "hparams.yaml"
        ckpt_file = folder / CHECKPOINT
        if not hparams_file.is_file():
            raise HarnessError(f"{folder}: no hparams.yaml (not a COMET checkpoint folder)")
        if not ckpt_file.is_file():
            raise HarnessError(f"{folder}: no {CHECKPOINT} (not a COMET checkpoint folder)")
        try:
            yaml_hparams = yaml.safe_load(hparams_file.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise HarnessError(f"{hparams_file}: not valid YAML ({exc})") from None
        if not isinstance(yaml_hparams, dict) or "class_identifier" not in yaml_hparams:
            raise HarnessError(f"{hparams_file}: missing key 'class_identifier'")
        import torch

        try:
            with torch.serialization.safe_globals(_safe_globals()):
                content = torch.load(ckpt_file, map_location="cpu", weights_only=True)
        except Exception as exc:  # an untrusted file: any failure to read it is its fault
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise HarnessError(f"{ckpt_file}: cannot read the checkpoint: {first}") from None
        if not isinstance(content, dict) or not isinstance(content.get("state_dict"), dict):
            raise HarnessError(f"{ckpt_file}: no 'state_dict' in the checkpoint")
        stored = content.get("hyper_parameters")
        hparams = {**yaml_hparams, **(dict(stored) if isinstance(stored, dict) else {})}
        hparams["class_identifier"] = yaml_hparams["class_identifier"]
        # unbabel-comet >= 2.2.4 applies hparams.yaml's "sparsemax_patch" as softmax (#244)
        if yaml_hparams.get("layer_transformation") == "sparsemax_patch":
            hparams["layer_transformation"] = "softmax"
        return CometCheckpoint(folder, hparams, content["state_dict"])

    @cached_property
    def sha256(self) -> str:
        """sha256 over hparams.yaml and model.ckpt (what decides the scores, with the
        encoder's config and tokenizer: see :func:`encoder_folder`)."""
        digest = hashlib.sha256()
        for name in ("hparams.yaml", CHECKPOINT.as_posix()):
            digest.update(f"{name}\0{content_sha256(self.folder / name)}\n".encode())
        return digest.hexdigest()


def encoder_folder(pretrained_model: str, checkpoint_folder: Path) -> Path:
    """Where the encoder's config and tokenizer are: a folder named relative to the checkpoint
    folder (first) or to the current folder, else a cached hub id (``xlm-roberta-large``):
    its snapshot folder."""
    for base in (checkpoint_folder, Path.cwd()):
        candidate = (base / pretrained_model).expanduser()
        if candidate.is_dir():
            return candidate
    snapshot = hub_snapshot(pretrained_model, "config.json")
    if snapshot is None:
        require_hub(pretrained_model)
        raise HarnessError(
            f"the COMET checkpoint in {checkpoint_folder} needs its encoder's config and "
            f"tokenizer: {offline_hint(pretrained_model)}"
        )
    return snapshot
