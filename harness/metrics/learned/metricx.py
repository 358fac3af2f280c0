"""``metricx``: MetricX-24 (google-research/metricx), mT5-based, hybrid with or without reference.

Follows ``metricx24/predict.py`` and ``metricx24/models.py`` (the public model code; this is
our own implementation of them):

- input text ``"source: S candidate: H reference: R"``, or ``"source: S candidate: H"`` without
  a reference (quality estimation; MetricX-24 hybrid models do both);
- tokenised with truncation to ``max_input_length`` (1536, as the models were trained), then
  the final token (the end-of-sequence mark) removed;
- one decoder step from token 0; the score is the logit of ``<extra_id_10>`` (id 250089 in
  mT5's vocabulary) at that step, after T5's ``d_model ** -0.5`` rescaling when the model ties
  its embeddings, clipped to [0, 25].

Scores are MetricX's 0–25 error scale: **lower is better**; the corpus score is their mean.
The checkpoint is a transformers folder (``google/metricx-24-hybrid-large-v2p6``); MetricX
ships no tokenizer: ``tokenizer`` names mT5's (default ``google/mt5-xl``, as its README).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.errors import HarnessError
from harness.metrics.learned.base import Inputs, LearnedMetric, SegmentResult
from harness.metrics.learned.checkpoint import folder_fingerprint, model_folder

MAX_SCORE = 25.0
SCORE_TOKEN = "<extra_id_10>"
DEFAULT_TOKENIZER = "google/mt5-xl"


def metricx_input(source: str, hypothesis: str, reference: str | None) -> str:
    """MetricX-24's input text (``_make_input`` of its predict.py)."""
    text = "source: " + source + " candidate: " + hypothesis
    return text if reference is None else text + " reference: " + reference


class MetricX(LearnedMetric):
    """MetricX-24 error score, 0 (perfect) to 25 (↓). Extra options: ``tokenizer`` (mT5's),
    ``max_input_length`` (1536), ``qe`` (ignore references: quality estimation)."""

    name = "metricx"
    higher_is_better = False
    lower_bound = 0.0
    upper_bound = MAX_SCORE
    scale = 1.0

    def __init__(
        self,
        model: str | None = None,
        tokenizer: str = DEFAULT_TOKENIZER,
        max_input_length: int = 1536,
        qe: bool = False,
        **options: Any,
    ) -> None:
        super().__init__(model, **options)
        if not isinstance(tokenizer, str) or not tokenizer.strip():
            raise ValueError("'tokenizer' must name mT5's tokenizer (a folder or a hub id)")
        if (
            not isinstance(max_input_length, int)
            or isinstance(max_input_length, bool)
            or max_input_length < 2
        ):
            raise ValueError(
                f"'max_input_length' must be an integer >= 2, not {max_input_length!r}"
            )
        if not isinstance(qe, bool):
            raise ValueError(f"'qe' must be true or false, not {qe!r}")
        self.tokenizer_spec = tokenizer
        self.max_input_length = max_input_length
        self.qe = qe

    @property
    def uses_reference(self) -> bool:
        return not self.qe

    @property
    def dtype_name(self) -> str:
        # T5-family weights overflow in float16; half precision means bfloat16 here
        return "bfloat16" if self.device == "cuda" and self.half else "float32"

    def _load(self, device: str) -> None:
        import torch
        from transformers import AutoTokenizer, MT5ForConditionalGeneration

        folder = model_folder(self.model, "config.json")
        tokenizer_folder = model_folder(self.tokenizer_spec, "tokenizer_config.json")
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(
                str(tokenizer_folder), local_files_only=True
            )
            model = MT5ForConditionalGeneration.from_pretrained(
                str(folder),
                local_files_only=True,
                dtype=getattr(torch, self.dtype_name),
            )
        except (OSError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            raise HarnessError(f"metric 'metricx': cannot load {self.model}: {first}") from None
        token = self._tokenizer.convert_tokens_to_ids(SCORE_TOKEN)
        if not isinstance(token, int) or token == self._tokenizer.unk_token_id:
            raise HarnessError(
                f"metric 'metricx': tokenizer {self.tokenizer_spec} has no {SCORE_TOKEN} "
                "(MetricX reads its score from that token's logit: use mT5's tokenizer)"
            )
        self._score_token = token
        self._net = model.to(device).eval()
        self._identity_cache = {
            "model": self.model,
            **folder_fingerprint(folder),
            "tokenizer": self.tokenizer_spec,
            "arch": "metricx-24",
            "input": "qe" if self.qe else "hybrid",
            "max_input": str(self.max_input_length),
        }

    def _identity(self) -> dict[str, str]:
        return self._identity_cache

    def encode(self, batch: Sequence[Inputs]) -> list[list[int]]:
        """Token ids of each input, truncated, with the final (end-of-sequence) token removed,
        as MetricX's ``_remove_eos`` does."""
        texts = [metricx_input(i.source, i.hypothesis, i.reference) for i in batch]
        encoded = self._tokenizer(texts, max_length=self.max_input_length, truncation=True)
        return [list(ids)[:-1] for ids in encoded["input_ids"]]

    def _score_batch(self, batch: Sequence[Inputs]) -> list[SegmentResult]:
        import torch

        ids = self.encode(batch)
        width = max(len(row) for row in ids)
        pad = self._tokenizer.pad_token_id or 0
        input_ids = torch.full((len(ids), width), pad, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for i, row in enumerate(ids):
            input_ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
            mask[i, : len(row)] = 1
        return [SegmentResult(s) for s in self.scores_of(input_ids, mask)]

    def scores_of(self, input_ids: Any, mask: Any) -> list[float]:
        """MetricX's prediction for a padded batch: the clipped ``<extra_id_10>`` logit of
        one decoder step from token 0."""
        import torch

        net = self._net
        device = next(net.parameters()).device
        with torch.inference_mode():
            input_ids, mask = input_ids.to(device), mask.to(device)
            encoded = net.encoder(input_ids=input_ids, attention_mask=mask)[0]
            start = torch.zeros((input_ids.size(0), 1), dtype=torch.long, device=device)
            decoded = net.decoder(
                input_ids=start, encoder_hidden_states=encoded, encoder_attention_mask=mask
            )[0][:, 0, :]
            if net.config.tie_word_embeddings:  # T5's rescaling, which transformers 5 dropped
                decoded = decoded * (net.config.d_model**-0.5)
            logits = decoded @ net.lm_head.weight[self._score_token]
            return [float(x) for x in torch.clamp(logits.float(), 0.0, MAX_SCORE).cpu()]
