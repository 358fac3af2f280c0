"""COMET's model families, rebuilt on this project's torch and transformers 5.

This follows ``unbabel-comet`` 2.2.7 line by line where the numbers depend on it (tokenizer
truncation, sequence concatenation, layer mixing, pooling, the feed-forward estimator, the
xCOMET span decoding and score weights), so a checkpoint scores the same here as there; the
parity test (``tests/metrics/learned/test_comet_parity.py``) holds each family to 1e-4.

Families (``class_identifier`` in ``hparams.yaml``):

- ``regression_metric`` (wmt22-comet-da, wmt20-comet-da, eamt22-cometinho-da): source,
  hypothesis and reference encoded separately, pooled, combined, fed to the estimator;
- ``referenceless_regression_metric`` (wmt20-comet-qe-da): the same without the reference;
- ``unified_metric`` (wmt22-cometkiwi-da): the hypothesis concatenated with the source and/or
  reference, the first token's mixed embedding fed to the estimator;
- ``xcomet_metric`` (XCOMET-XL/XXL): the unified model plus per-token error tags, decoded
  into error spans whose MQM-like penalty is mixed into the score.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from harness.errors import HarnessError
from harness.metrics.learned.checkpoint import CometCheckpoint

FAMILIES = (
    "regression_metric",
    "referenceless_regression_metric",
    "unified_metric",
    "xcomet_metric",
)
#: xCOMET's weights of the [mt:src], [mt:ref], [mt:src:ref] and MQM scores
XCOMET_SCORE_WEIGHTS = (0.12, 0.33, 0.33, 0.22)
#: weights of the three inputs' tag probabilities in unified/xCOMET span decoding
SPAN_INPUT_WEIGHTS = (0.1667, 0.3333, 0.5)
SEVERITY_PENALTY = {"minor": 1, "major": 5, "critical": 10}


def sparsemax(weights: torch.Tensor) -> torch.Tensor:
    """Sparsemax of a vector (Martins & Astudillo 2016), as ``entmax.sparsemax`` computes it:
    the Euclidean projection onto the simplex."""
    z = weights - weights.max()
    ordered, _ = torch.sort(z, descending=True)
    cumulative = ordered.cumsum(0) - 1
    ks = torch.arange(1, z.numel() + 1, dtype=z.dtype, device=z.device)
    support = (ks * ordered > cumulative).sum()
    tau = cumulative[support - 1] / support.to(z.dtype)
    return torch.clamp(z - tau, min=0)


class LayerMix(nn.Module):
    """COMET's ``LayerwiseAttention`` at inference: a (softmax or sparsemax) weighted sum of
    every encoder layer, optionally layer-normalised over the unmasked positions."""

    def __init__(self, num_layers: int, layer_norm: bool, transformation: str) -> None:
        super().__init__()
        self.scalar_parameters = nn.ParameterList(
            [nn.Parameter(torch.zeros(1)) for _ in range(num_layers)]
        )
        self.gamma = nn.Parameter(torch.ones(1))
        self.layer_norm = layer_norm
        self.sparse = transformation == "sparsemax"

    def forward(self, layers: Sequence[torch.Tensor], mask: torch.Tensor) -> torch.Tensor:
        weights = torch.cat(list(self.scalar_parameters))
        normed = sparsemax(weights) if self.sparse else torch.softmax(weights, dim=0)
        if not self.layer_norm:
            return self.gamma * sum(w * t for w, t in zip(normed, layers, strict=True))
        mask_float = mask.float()
        broadcast = mask_float.unsqueeze(-1)
        batch, _, dim = layers[0].size()
        count = mask_float.sum(1) * dim

        def norm(tensor: torch.Tensor) -> torch.Tensor:
            masked = tensor * broadcast
            mean = (masked.view(batch, -1).sum(1) / count).view(batch, 1, 1)
            variance = (((masked - mean) * broadcast) ** 2).view(batch, -1).sum(1) / count
            return (tensor - mean) / torch.sqrt(variance + 1e-12).view(batch, 1, 1)

        return self.gamma * sum(w * norm(t) for w, t in zip(normed, layers, strict=True))


def feed_forward(
    in_dim: int, hidden: Sequence[int], activation: str, final: str | None, out_dim: int = 1
) -> nn.Sequential:
    """COMET's ``FeedForward`` (dropout layers kept so the state-dict indices match)."""

    def act(name: str) -> nn.Module:
        found = getattr(nn, name.title(), None)
        if found is None:
            raise HarnessError(f"COMET hparams: unknown activation '{name}'")
        return found()

    modules: list[nn.Module] = [nn.Linear(in_dim, hidden[0]), act(activation), nn.Dropout(0.0)]
    for before, size in itertools.pairwise(hidden):
        modules += [nn.Linear(before, size), act(activation), nn.Dropout(0.0)]
    modules.append(nn.Linear(hidden[-1], out_dim))
    if final is not None:
        modules.append(act(final))
    return nn.Sequential(*modules)


@dataclass
class CometOutput:
    """Scores of a batch, and for xCOMET the error spans of each hypothesis."""

    scores: list[float]
    spans: list[list[dict[str, Any]]] = field(default_factory=list)


class CometModel(nn.Module):
    """One COMET checkpoint, ready to score (eval mode, no gradients)."""

    def __init__(self, checkpoint: CometCheckpoint, encoder_source: Path) -> None:
        super().__init__()
        from transformers import AutoConfig, AutoTokenizer, XLMRobertaModel, XLMRobertaXLModel

        hp = checkpoint.hparams
        self.family = str(hp["class_identifier"])
        if self.family not in FAMILIES:
            raise HarnessError(
                f"{checkpoint.folder}: COMET model class '{self.family}' is not supported "
                f"(supported: {', '.join(FAMILIES)})"
            )
        encoder_model = str(hp.get("encoder_model", "XLM-RoBERTa"))
        model_classes = {"XLM-RoBERTa": XLMRobertaModel, "XLM-RoBERTa-XL": XLMRobertaXLModel}
        if encoder_model not in model_classes:
            raise HarnessError(
                f"{checkpoint.folder}: COMET encoder '{encoder_model}' is not supported "
                f"(supported: {', '.join(model_classes)})"
            )
        config = AutoConfig.from_pretrained(str(encoder_source), local_files_only=True)
        self.tokenizer = AutoTokenizer.from_pretrained(
            str(encoder_source), local_files_only=True
        )
        tokenizer_file = encoder_source / "tokenizer.json"
        if tokenizer_file.is_file():
            # the file's own pipeline, as unbabel-comet (transformers 4) runs it: transformers
            # 5 rebuilds XLM-R's pre-tokenizer (whitespace split first), which keeps the ids
            # of ordinary text but moves the character offsets of error spans
            from tokenizers import Tokenizer

            self.tokenizer._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.encoder = model_classes[encoder_model](config, add_pooling_layer=False)
        self.max_positions = config.max_position_embeddings - 2
        self.num_layers = config.num_hidden_layers + 1
        hidden = config.hidden_size
        self.hparams = hp
        layer = hp.get("sent_layer", hp.get("layer", "mix"))
        self.layer = layer
        self.mix = (
            LayerMix(self.num_layers, bool(hp.get("layer_norm", False)),
                     str(hp.get("layer_transformation", "softmax")))
            if layer == "mix"
            else None
        )
        in_dim = {"regression_metric": 6 * hidden, "referenceless_regression_metric": 4 * hidden}
        self.estimator = feed_forward(
            in_dim.get(self.family, hidden),
            list(hp.get("hidden_sizes", [3072, 1024])),
            str(hp.get("activations", "Tanh")),
            hp.get("final_activation"),
        )
        self.word_level = self.family == "xcomet_metric" or (
            self.family == "unified_metric" and bool(hp.get("word_level_training", False))
        )
        labels = list(hp.get("error_labels", ["minor", "major"]))
        if self.family == "xcomet_metric":
            labels = ["minor", "major", "critical"]
        self.labels = ["O", *(f"I-{label}" for label in labels)]
        if self.word_level:
            self.hidden2tag = nn.Linear(hidden, len(self.labels))
        self.input_segments = (
            ["mt", "src", "ref"]
            if self.family == "xcomet_metric"
            else list(hp.get("input_segments", ["mt", "src", "ref"]))
        )
        self.pool = str(hp.get("pool", "avg"))
        self._load(checkpoint)
        self.eval()

    def _load(self, checkpoint: CometCheckpoint) -> None:
        state = {}
        for key, value in checkpoint.state_dict.items():
            if key.startswith("encoder.model."):
                state["encoder." + key.removeprefix("encoder.model.")] = value
            elif key.startswith("layerwise_attention."):
                state["mix." + key.removeprefix("layerwise_attention.")] = value
            elif key.startswith("estimator.ff."):
                state["estimator." + key.removeprefix("estimator.ff.")] = value
            elif key.startswith("hidden2tag."):
                state[key] = value
        own = self.state_dict()
        # only parameters must be there: buffers (position ids) differ between versions
        missing = [k for k, _ in self.named_parameters() if k not in state]
        if missing:
            raise HarnessError(
                f"{checkpoint.folder}: the checkpoint lacks {len(missing)} weights of a "
                f"{self.family} model (first: {missing[0]})"
            )
        wrong = [k for k in state if k in own and own[k].shape != state[k].shape]
        if wrong:
            raise HarnessError(
                f"{checkpoint.folder}: weight '{wrong[0]}' has shape "
                f"{tuple(state[wrong[0]].shape)}, the model expects {tuple(own[wrong[0]].shape)}"
            )
        self.load_state_dict({k: v for k, v in state.items() if k in own}, strict=False)

    @property
    def needs_reference(self) -> bool:
        if self.family == "regression_metric":
            return True
        if self.family == "unified_metric":
            return self.input_segments == ["mt", "ref"]
        return False

    @property
    def uses_reference(self) -> bool:
        return self.family == "regression_metric" or "ref" in self.input_segments

    @property
    def uses_source(self) -> bool:
        return self.family != "unified_metric" or "src" in self.input_segments

    # --- inputs, as unbabel-comet's encoder.prepare_sample / concat_sequences build them ----

    def _tokenize(self, texts: Sequence[str], offsets: bool = False) -> Any:
        return self.tokenizer(
            list(texts),
            truncation=True,
            max_length=self.max_positions - 2,
            return_offsets_mapping=offsets,
        )

    def _padded(self, ids: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        pad = self.tokenizer.pad_token_id
        width = max(len(row) for row in ids)
        input_ids = torch.full((len(ids), width), pad, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for i, row in enumerate(ids):
            input_ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
            mask[i, : len(row)] = 1
        return input_ids, mask

    def _concat(self, parts: Sequence[Sequence[Sequence[int]]]) -> list[list[int]]:
        """``concat_sequences``: <s> a </s></s> b </s>…, cut to ``max_positions`` tokens
        when the parts are too long together (COMET's rule, kept as it is)."""
        joined = []
        special = 1 + len(parts) * 2
        cls, sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        for i in range(len(parts[0])):
            sequence = list(parts[0][i])
            lengths = [len(p[i]) - 2 for p in parts]
            for part in parts[1:]:  # XLM-R's pair format: <s> A </s></s> B </s>
                sequence = [cls, *sequence[1:-1], sep, sep, *list(part[i])[1:-1], sep]
            if sum(lengths) > self.max_positions - special:
                sequence = sequence[: self.max_positions]
            joined.append(sequence)
        return joined

    # --- forward passes -----------------------------------------------------------------

    def _layers(self, input_ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        device = next(self.parameters()).device
        out = self.encoder(
            input_ids=input_ids.to(device),
            attention_mask=mask.to(device),
            output_hidden_states=True,
        )
        return tuple(out.hidden_states)

    def _sentence(self, layers: Sequence[torch.Tensor], mask: torch.Tensor) -> torch.Tensor:
        mask = mask.to(layers[0].device)
        if self.mix is not None:
            return self.mix(layers, mask)
        if isinstance(self.layer, int) and 0 <= self.layer < self.num_layers:
            return layers[self.layer]
        raise HarnessError(f"COMET hparams: invalid layer {self.layer!r}")

    def _pooled(self, ids: Sequence[Sequence[int]]) -> torch.Tensor:
        input_ids, mask = self._padded(ids)
        embeddings = self._sentence(self._layers(input_ids, mask), mask)
        input_ids = input_ids.to(embeddings.device)
        mask = mask.to(embeddings.device)
        if self.pool == "cls":
            return embeddings[:, 0, :]
        pad = input_ids.eq(self.tokenizer.pad_token_id).unsqueeze(-1)
        if self.pool == "max":
            return embeddings.float().masked_fill(pad, float("-inf")).type_as(embeddings).max(1)[0]
        if self.pool == "avg":
            summed = embeddings.float().masked_fill(pad, 0.0).type_as(embeddings).sum(1)
            return summed / mask.unsqueeze(-1).expand(embeddings.size()).float().sum(1)
        raise HarnessError(f"COMET hparams: pooling '{self.pool}' is not supported")

    @torch.inference_mode()
    def score(
        self, hypotheses: Sequence[str], sources: Sequence[str], references: Sequence[str] | None
    ) -> CometOutput:
        """Scores of one batch (``references`` None: reference-free where the family can)."""
        if self.family in ("regression_metric", "referenceless_regression_metric"):
            return self._regression(hypotheses, sources, references)
        return self._unified(hypotheses, sources, references)

    def _regression(
        self, hypotheses: Sequence[str], sources: Sequence[str], references: Sequence[str] | None
    ) -> CometOutput:
        src = self._pooled(self._tokenize(sources)["input_ids"])
        mt = self._pooled(self._tokenize(hypotheses)["input_ids"])
        if self.family == "regression_metric":
            if references is None:
                raise HarnessError("this COMET model needs references")
            ref = self._pooled(self._tokenize(references)["input_ids"])
            features = (mt, ref, mt * ref, torch.abs(mt - ref), mt * src, torch.abs(mt - src))
        else:
            features = (mt, src, mt * src, torch.abs(mt - src))
        scores = self.estimator(torch.cat(features, dim=1)).view(-1)
        return CometOutput([float(s) for s in scores.float().cpu()])

    def _forward_joined(
        self, joined: Sequence[Sequence[int]]
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        input_ids, mask = self._padded(joined)
        layers = self._layers(input_ids, mask)
        embeddings = self._sentence(layers, mask)
        score = self.estimator(embeddings[:, 0, :]).view(-1)
        logits = None
        if self.word_level:
            word_layer = int(self.hparams.get("word_layer", 24))
            if not 0 <= word_layer < self.num_layers:
                raise HarnessError(f"COMET hparams: invalid word_layer {word_layer}")
            logits = self.hidden2tag(layers[word_layer])
        return score, logits

    def _unified(
        self, hypotheses: Sequence[str], sources: Sequence[str], references: Sequence[str] | None
    ) -> CometOutput:
        mt = self._tokenize(hypotheses, offsets=self.word_level)
        mt_ids = mt["input_ids"]
        inputs = [mt_ids]
        if "src" in self.input_segments:
            inputs.append(self._tokenize(sources)["input_ids"])
        if references is not None and "ref" in self.input_segments:
            inputs.append(self._tokenize(references)["input_ids"])
        if len(inputs) == 3:
            joined = [
                self._concat([inputs[0], inputs[1]]),
                self._concat([inputs[0], inputs[2]]),
                self._concat(inputs),
            ]
        else:
            joined = [self._concat(inputs)]
        outputs = [self._forward_joined(j) for j in joined]
        scores = [score.float() for score, _ in outputs]
        if not self.word_level:
            final = torch.stack(scores).mean(0)
            return CometOutput([float(s) for s in final.cpu()])
        seq_len = max(len(ids) for ids in mt_ids)
        weights = SPAN_INPUT_WEIGHTS if len(outputs) == 3 else (1.0,)
        probs = sum(
            torch.softmax(logits.float(), dim=2)[:, :seq_len, :] * w
            for w, (_, logits) in zip(weights, outputs, strict=True)
            if logits is not None
        )
        assert isinstance(probs, torch.Tensor)
        offsets = mt["offset_mapping"]
        spans = [self._decode(mt_ids[i], probs[i].cpu(), offsets[i]) for i in range(len(mt_ids))]
        if self.family == "unified_metric":
            final = torch.stack(scores).mean(0)
            return CometOutput([float(s) for s in final.cpu()], spans)
        mqm = torch.tensor([_mqm(s) for s in spans], dtype=torch.float32)
        clipped = [torch.where(s > 1.0, 1.0, s).cpu() for s in scores]
        w = XCOMET_SCORE_WEIGHTS
        if len(clipped) == 3:
            regression = sum(c * wi for c, wi in zip(clipped, w[:3], strict=True))
        else:
            regression = clipped[0] * sum(w[:3])
        final = regression + mqm * w[3]
        return CometOutput([float(s) for s in final], spans)

    def _decode(
        self, ids: Sequence[int], probs: torch.Tensor, offsets: Sequence[tuple[int, int]]
    ) -> list[dict[str, Any]]:
        """``UnifiedMetric.decode`` with argmax tags; like COMET, a span still open at the
        end of the hypothesis is dropped (its </s> tag closes it only if tagged O)."""
        found: list[dict[str, Any]] = []
        span: dict[str, Any] = {}
        for token_id, token_probs, offset in zip(ids, probs, offsets, strict=False):
            probability, label_value = torch.topk(token_probs, 1)
            label = self.labels[int(label_value[0])]
            if label.startswith("I") and not span:
                span = {
                    "tokens": [token_id],
                    "severity": label.split("-")[1],
                    "offset": list(offset),
                    "confidence": [probability],
                }
            elif label.startswith("I"):
                span["tokens"].append(token_id)
                span["confidence"].append(probability)
                span["offset"][1] = offset[1]
            elif span:
                found.append(span)
                span = {}
        return [
            {
                "text": self.tokenizer.decode(s["tokens"]),
                "confidence": float(torch.cat(s["confidence"]).mean()),
                "severity": s["severity"],
                "start": int(s["offset"][0]),
                "end": int(s["offset"][1]),
            }
            for s in found
        ]


def _mqm(spans: Sequence[dict[str, Any]]) -> float:
    """xCOMET's span penalty rescaled to [0, 1]: 1 − min(25, Σ penalties) / 25."""
    penalty = min(25, sum(SEVERITY_PENALTY.get(s["severity"], 0) for s in spans))
    return (penalty * -1 + 25) / 25
