"""``ct2``: encoder-decoder translators and summarizers run through CTranslate2.

CTranslate2 runs Marian (opus-mt), NLLB, M2M100, mBART and T5/mT5 with int8 weights and fused
CPU kernels, 3.1x transformers in float32 on an opus-mt-sized Marian (benchmarks/RESULTS.md).

**Model.** ``model:`` is a CTranslate2 model folder (``model.bin``, with the tokenizer's files
beside it, as ``ct2-transformers-converter --copy_files`` writes them), or a transformers folder
or hub id. The latter two are converted once with CTranslate2's own converter into the model
cache (``<cache>/ct2/NAME-HASH``, keyed by the folder's sha256 or the hub commit), weights kept
in float32 so one conversion serves every ``compute_type``; the folder is written under a
temporary name and renamed when complete, so an interrupted conversion is never used.

**Tokens.** The transformers tokenizer turns each input into source tokens, CTranslate2 returns
target tokens, and the tokenizer decodes them (special tokens dropped), as ``hf-seq2seq`` does.
Language codes (``src_lang``/``tgt_lang``) work as in ``hf-seq2seq``: the target code is the
target prefix.

**Lengths.** ``max_decoding_length: N`` keeps at most N tokens, EOS not counted. transformers'
``max_new_tokens: N`` counts the EOS, and Marian/BART-family models force an EOS at the limit
(``forced_eos_token_id``), so there an output cut by the limit has N-1 tokens: float32 greedy
outputs equal ``hf-seq2seq``'s with ``max_decoding_length`` one less than ``max_new_tokens``.
"""

from __future__ import annotations

import json
import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from harness.atomic import build_once
from harness.errors import HarnessError
from harness.records import Task
from harness.systems.base import SystemParams
from harness.systems.hf_loading import (
    config_positions,
    hub_commit,
    input_limit,
    offline_hint,
    require_hub,
)
from harness.systems.hf_system import HFSystem
from harness.systems.input_length import InputLengthKeys
from harness.systems.seq2seq_languages import set_up_languages

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

CONVERSION_MARKER = "harness-ct2.json"
ComputeType = Literal[
    "auto",
    "int8",
    "int8_float32",
    "int8_float16",
    "int8_bfloat16",
    "int16",
    "float16",
    "bfloat16",
    "float32",
]
# Tokenizers of models that need language codes, for CTranslate2 folders made elsewhere (their
# config.json is CTranslate2's and does not name the transformers model type).
_MULTILINGUAL_TOKENIZERS = {
    "NllbTokenizer": "m2m_100",
    "NllbTokenizerFast": "m2m_100",
    "M2M100Tokenizer": "m2m_100",
    "MBart50Tokenizer": "mbart",
    "MBart50TokenizerFast": "mbart",
    "MBartTokenizer": "mbart",
    "MBartTokenizerFast": "mbart",
}


class CT2Params(SystemParams, InputLengthKeys):
    """Keys of ``ct2``; decoding is greedy or beam search, so outputs are deterministic for a
    given model, compute type and machine."""

    model: str = Field(min_length=1)
    revision: str | None = None
    model_cache_dir: str | None = None
    trust_remote_code: bool = False
    device: str = Field(default="auto", pattern=r"^(auto|cpu|cuda(:\d+)?)$")
    #: ``auto``: int8 on CPU, int8_float16 on CUDA
    compute_type: ComputeType = "auto"
    inter_threads: int = Field(default=1, ge=1)
    intra_threads: int = Field(default=0, ge=0)  # 0: CTranslate2's default
    max_input_tokens: int | None = Field(default=None, ge=1)
    max_decoding_length: int = Field(default=256, ge=1)
    min_decoding_length: int = Field(default=0, ge=0)
    beam_size: int = Field(default=1, ge=1)
    length_penalty: float = 1.0
    repetition_penalty: float = Field(default=1.0, gt=0)
    no_repeat_ngram_size: int = Field(default=0, ge=0)
    src_lang: str | None = None
    tgt_lang: str | None = None
    prefix: str = ""


def _ctranslate2() -> Any:
    try:
        import ctranslate2
    except ImportError:
        raise HarnessError(
            "system type 'ct2' needs CTranslate2: pip install 'harness[ct2]'"
        ) from None
    return ctranslate2


def resolve_ct2_device(device: str) -> tuple[str, int]:
    """CTranslate2's device name and index for a ``device`` key."""
    if device == "auto":
        return ("cuda" if _ctranslate2().get_cuda_device_count() > 0 else "cpu"), 0
    if device.startswith("cuda"):
        if _ctranslate2().get_cuda_device_count() == 0:
            raise HarnessError(f"device '{device}' requested, but CTranslate2 sees no CUDA GPU")
        return "cuda", int(device.partition(":")[2] or 0)
    return device, 0


def is_ct2_folder(folder: Path) -> bool:
    return (folder / "model.bin").is_file() and (folder / "config.json").is_file()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def convert_to_ct2(
    where: str | Path, key: str, cache_dir: Path, *, revision: str | None, trust_remote_code: bool
) -> Path:
    """Convert a transformers folder or hub id once into ``cache_dir/ct2/key``; return it.

    Weights stay in the checkpoint's precision (``compute_type`` quantizes them when loading),
    and the tokenizer is saved beside them. Built under a lock into a temporary folder
    (:func:`~harness.atomic.build_once`): Ray actors that start together convert once.
    """
    from transformers import AutoConfig, AutoTokenizer

    converters = _ctranslate2().converters
    options = {"revision": revision, "trust_remote_code": trust_remote_code}

    def build(partial: Path) -> None:
        tokenizer = AutoTokenizer.from_pretrained(str(where), **options)
        config = AutoConfig.from_pretrained(str(where), **options)
        converter = converters.TransformersConverter(str(where), **options)
        converter.convert(str(partial), quantization=None, force=True)
        tokenizer.save_pretrained(str(partial))
        marker = {
            "source": str(where),
            "model_type": config.model_type,
            "max_positions": config_positions(config),
            "ctranslate2": _ctranslate2().__version__,
        }
        (partial / CONVERSION_MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")

    folder = cache_dir / "ct2" / key
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        return build_once(folder, build, complete=CONVERSION_MARKER)
    except (OSError, ValueError, NotImplementedError, KeyError) as exc:
        raise HarnessError(
            f"cannot convert model '{where}' to CTranslate2: {_first_line(exc)}"
        ) from None


class CT2(HFSystem):
    params_model = CT2Params
    params: CT2Params  # type: ignore[assignment]
    tasks = frozenset(Task)

    def __init__(self, params: SystemParams, base_dir: Path) -> None:
        super().__init__(params, base_dir)
        if self.source.kind in ("gguf", "packaged"):
            raise HarnessError(
                f"system '{self.name}': type 'ct2' takes a CTranslate2 folder, a transformers "
                f"folder or a hub id, not {self.params.model}"
            )
        self._forced_prefix: list[str] | None = None
        self.folder: Path | None = None
        self.effective_compute_type: str | None = None

    # -- loading ---------------------------------------------------------------------------
    def model_folder(self) -> Path:
        """The CTranslate2 folder to load, converting the configured model once if needed."""
        source = self.source
        options = {"revision": None, "trust_remote_code": self.params.trust_remote_code}
        if source.kind == "folder":
            assert source.path is not None
            if is_ct2_folder(source.path):
                return source.path
            sha256 = source.fingerprint["sha256"] or ""
            key = f"{source.path.name}-{sha256[:16]}"
            return convert_to_ct2(source.path, key, source.cache_dir, **options)
        from huggingface_hub import snapshot_download

        commit = hub_commit(source.spec, source.revision)
        if commit is None:
            require_hub(source.spec)
            commit = self._download_config(source.spec, source.revision)
            where: str | Path = source.spec  # the converter downloads the weights
            options["revision"] = commit
        else:  # convert the cached snapshot, never touching the network
            where = Path(snapshot_download(source.spec, revision=commit, local_files_only=True))
            if is_ct2_folder(where):
                return where
        key = f"{source.spec.replace('/', '--')}-{commit[:16]}"
        return convert_to_ct2(where, key, source.cache_dir, **options)

    def _download_config(self, model_id: str, revision: str | None) -> str:
        """Fetch ``config.json`` of an uncached hub model; return the commit it came from."""
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import HfHubHTTPError

        try:
            hf_hub_download(model_id, "config.json", revision=revision)
        except (OSError, HfHubHTTPError) as exc:
            raise HarnessError(f"{offline_hint(model_id)} ({_first_line(exc)})") from None
        commit = hub_commit(model_id, revision)
        if commit is None:
            raise HarnessError(offline_hint(model_id))
        return commit

    def load(self) -> tuple[PreTrainedTokenizerBase, Any]:  # type: ignore[override]
        if self._tokenizer is None or self._model is None:
            from transformers import AutoTokenizer

            ctranslate2 = _ctranslate2()
            started = time.perf_counter()
            folder = self.model_folder()
            try:
                tokenizer = AutoTokenizer.from_pretrained(
                    str(folder), trust_remote_code=self.params.trust_remote_code
                )
            except (OSError, ValueError) as exc:
                raise HarnessError(
                    f"cannot load the tokenizer of CTranslate2 model {folder} (convert with "
                    f"--copy_files for the tokenizer's files, or point `model:` at the "
                    f"transformers folder): {_first_line(exc)}"
                ) from None
            marker = self._marker(folder)
            model_type = marker.get("model_type") or _MULTILINGUAL_TOKENIZERS.get(
                type(tokenizer).__name__
            )
            forced = set_up_languages(
                tokenizer,
                model_type,
                system=self.name,
                model=self.params.model,
                src_lang=self.params.src_lang,
                tgt_lang=self.params.tgt_lang,
            )
            if forced is not None:
                self._forced_prefix = [tokenizer.convert_ids_to_tokens(forced)]
            positions = marker.get("max_positions")
            self.input_limit = input_limit(
                tokenizer,
                positions if isinstance(positions, int) and positions > 0 else None,
                self.params.max_input_tokens,
            )
            device, index = self.ct2_device
            try:
                translator = ctranslate2.Translator(
                    str(folder),
                    device=device,
                    device_index=index,
                    compute_type=self.compute_type(),
                    inter_threads=self.params.inter_threads,
                    intra_threads=self.params.intra_threads,
                )
            except (RuntimeError, ValueError) as exc:
                raise HarnessError(
                    f"cannot load CTranslate2 model {folder}: {_first_line(exc)}"
                ) from None
            self.device = device if device == "cpu" else f"{device}:{index}"
            self.effective_compute_type = translator.compute_type
            self.folder = folder
            self._tokenizer, self._model = tokenizer, translator
            self.load_seconds = time.perf_counter() - started
        return self._tokenizer, self._model

    @staticmethod
    def _marker(folder: Path) -> dict[str, Any]:
        path = folder / CONVERSION_MARKER
        if not path.is_file():
            return {}
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return document if isinstance(document, dict) else {}

    @cached_property
    def ct2_device(self) -> tuple[str, int]:
        """CTranslate2's device and index for ``device`` (resolved once: it asks the driver)."""
        return resolve_ct2_device(self.params.device)

    def compute_type(self) -> str:
        """The configured compute type, ``auto`` resolved (int8 on CPU, int8_float16 on CUDA)."""
        if self.params.compute_type != "auto":
            return self.params.compute_type
        return "int8" if self.ct2_device[0] == "cpu" else "int8_float16"

    # -- generation ------------------------------------------------------------------------
    def render(self, source: str) -> str:
        return self.params.prefix + source

    def generation_kwargs(self) -> dict[str, Any]:
        return {
            "beam_size": self.params.beam_size,
            "max_decoding_length": self.params.max_decoding_length,
            "min_decoding_length": self.params.min_decoding_length,
            "length_penalty": self.params.length_penalty,
            "repetition_penalty": self.params.repetition_penalty,
            "no_repeat_ngram_size": self.params.no_repeat_ngram_size,
            "sampling_topk": 1,
        }

    def generate_batch(self, texts: list[str]) -> list[str]:
        tokenizer, translator = self.load()
        encoded = tokenizer(
            texts, truncation=self.input_limit is not None, max_length=self.input_limit
        )
        sources = [tokenizer.convert_ids_to_tokens(ids) for ids in encoded["input_ids"]]
        prefix = self._forced_prefix
        results = translator.translate_batch(
            sources,
            target_prefix=[prefix] * len(sources) if prefix else None,
            max_input_length=0,  # inputs are already cut to the model's limit
            **self.generation_kwargs(),
        )
        outputs = []
        for result in results:
            # The hypothesis starts with the target prefix; like hf-seq2seq's forced first
            # token, it is dropped by decoding when it is a special (language) token.
            ids = tokenizer.convert_tokens_to_ids(result.hypotheses[0])
            outputs.append(tokenizer.decode(ids, skip_special_tokens=True).strip())
        return outputs

    # -- reporting -------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        # Threads and the cache's location change speed, not outputs.
        exclude = {"model_cache_dir", "inter_threads", "intra_threads", "compute_type"}
        return {
            **self.params.model_dump(mode="json", exclude=exclude),
            "compute_type": self.compute_type(),
            "ctranslate2": _ctranslate2().__version__,
            "weights": self.source.fingerprint,
            "generation": self.generation_kwargs(),
        }

    def run_info(self) -> dict[str, Any]:
        return {
            **super().run_info(),
            "compute_type": self.effective_compute_type,
            "inter_threads": self.params.inter_threads,
            "intra_threads": self.params.intra_threads,
            "ct2_folder": str(self.folder) if self.folder else None,
        }
