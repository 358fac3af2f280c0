"""What the Hugging Face system types share: lazy loading, length-sorted batching, truncation
bookkeeping and the description that identifies their outputs.

**Batching.** Inputs are sorted longest first and cut into batches of ``batch_size``, so each
batch holds inputs of similar length and little compute goes to padding; outputs are returned
in input order. The runner asks :meth:`batch_order` for the same order across the whole run.

**Long inputs.** An input longer than the model's limit (``max_input_tokens``, else what the
tokenizer and model config declare) follows ``on_too_long``
(:mod:`harness.systems.input_length`): ``truncate`` (the default) keeps the *first* tokens of
its source, counted by the model's tokenizer: news puts the key facts first, so for
summarization the article's head is summarized (the "lead" strategy); ``fail`` fails it alone.
Every truncated input is named in a warning and counted in the report
(``provenance.systems[NAME].truncated``), every failed one in ``failed_too_long``.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.records import Example
from harness.systems.base import System, SystemParams
from harness.systems.hf_loading import (
    HFParams,
    ModelSource,
    dtype_name,
    load_model,
    model_input_limit,
    package_version,
    resolve_device,
)
from harness.systems.input_length import InputTooLong, LongInputs

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase


def length_sorted(texts: Sequence[str]) -> list[int]:
    """Indices of ``texts``, longest first; ties keep input order (a stable sort)."""
    return sorted(range(len(texts)), key=lambda index: -len(texts[index]))


class HFSystem(System):
    """Base of ``hf-seq2seq`` and ``hf-causal``; subclasses build prompts and decode."""

    params: HFParams
    auto_class_name: str  # the transformers Auto* class that loads this kind of model

    def __init__(self, params: SystemParams, base_dir: Path) -> None:
        super().__init__(params, base_dir)
        self.source = ModelSource.resolve(self.params, base_dir)
        self._tokenizer: PreTrainedTokenizerBase | None = None
        self._model: PreTrainedModel | None = None
        self.device = ""
        self.input_limit: int | None = None
        self.load_seconds = 0.0
        self.long_inputs = LongInputs()

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
        if self._tokenizer is None or self._model is None:
            import transformers

            started = time.perf_counter()
            auto_class = getattr(transformers, self.auto_class_name)
            tokenizer, model, self.device = load_model(self.source, self.params, auto_class)
            self.prepare(tokenizer, model)
            self.input_limit = self.token_budget(tokenizer, model)
            self._tokenizer, self._model = tokenizer, model
            self.load_seconds = time.perf_counter() - started
        return self._tokenizer, self._model

    def prepare(self, tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel) -> None:
        """Set up tokenizer and model after loading (language codes, padding side, …)."""

    def token_budget(
        self, tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel
    ) -> int | None:
        """How many input tokens fit (None: no known limit)."""
        return model_input_limit(tokenizer, model, self.params.max_input_tokens)

    # -- prompts and truncation ------------------------------------------------------------
    @abstractmethod
    def render(self, source: str) -> str:
        """The model input for one source text."""

    def fit(self, example: Example) -> str:
        """The model input for ``example``; when too long, its source cut to its first tokens
        (``on_too_long: truncate``) or :class:`InputTooLong` (``fail``)."""
        tokenizer, _ = self.load()
        limit = self.input_limit
        if limit is None:
            return self.render(example.source)
        source = self.long_inputs.fit(
            self.params.on_too_long,
            example.where,
            example.source,
            limit,
            count=lambda source: self.count_tokens(self.render(source)),
            encode=lambda text: tokenizer(text, add_special_tokens=False)["input_ids"],
            decode=lambda ids: tokenizer.decode(ids, skip_special_tokens=True),
            limit_is=self.limit_is(),
        )
        return self.render(source)

    def limit_is(self) -> str:
        """Where the input limit comes from, for the error of an input too long."""
        if self.params.max_input_tokens is not None:
            return "max_input_tokens"
        return "the model's input limit"

    def count_tokens(self, text: str) -> int:
        tokenizer, _ = self.load()
        return len(tokenizer(text)["input_ids"])

    # -- generation ------------------------------------------------------------------------
    def batch_order(self, examples: Sequence[Example]) -> list[int]:
        # The prompt around each source is the same, so source length orders inputs alike,
        # without loading the model.
        return length_sorted([example.source for example in examples])

    def generate(self, examples: Sequence[Example]) -> list[str | Exception | None]:
        # The runner already feeds batches of ``batch_size`` in :meth:`batch_order`: one batch,
        # less the inputs too long for the model (``on_too_long: fail``), which fail alone.
        inputs: list[str | Exception] = []
        for example in examples:
            try:
                inputs.append(self.fit(example))
            except InputTooLong as exc:
                inputs.append(exc)
        texts = [text for text in inputs if isinstance(text, str)]
        outputs = iter(self.generate_batch(texts) if texts else [])
        return [next(outputs) if isinstance(text, str) else text for text in inputs]

    @abstractmethod
    def generate_batch(self, texts: list[str]) -> list[str]:
        """Outputs for one batch of model inputs."""

    def generation_kwargs(self) -> dict[str, Any]:
        """Everything passed to ``model.generate`` besides the inputs."""
        return self.params.generation_kwargs()

    # -- reporting -------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        # Where the model cache lives does not change outputs; the weights' hash identifies them.
        # ``device: auto`` on a CPU and on a GPU computes different outputs: the resolved
        # device and dtype are part of the identity (and so of the cache fingerprint).
        return {
            **self.params.model_dump(mode="json", exclude={"model_cache_dir"}),
            "weights": self.source.fingerprint,
            "generation": self.generation_kwargs(),
            "resolved": self.resolved_settings,
        }

    @cached_property
    def resolved_settings(self) -> dict[str, str]:
        """The device and dtype ``device``/``dtype`` (maybe ``auto``) resolve to here."""
        device = resolve_device(self.params.device)
        return {"device": device, "dtype": dtype_name(self.params.dtype, device)}

    def library_versions(self) -> dict[str, str]:
        return {name: package_version(name) for name in ("transformers", "torch", "tokenizers")}

    def run_info(self) -> dict[str, Any]:
        return {
            **self.long_inputs.run_info(),
            "input_limit_tokens": self.input_limit,
            "device": self.device or None,
            "load_s": round(self.load_seconds, 3),
        }

    def finish(self) -> list[str]:
        return self.long_inputs.warnings(self.name)
