"""``comet``: COMET, CometKiwi and xCOMET checkpoints, scored as ``unbabel-comet`` 2.2.7 does.

``metrics: [{name: comet, model: PATH_OR_HUB_ID}]``. The checkpoint folder's
``hparams.yaml`` says which family it is (see :mod:`harness.metrics.learned.comet_model`).
The statistics row holds COMET's own segment score; the corpus score is 100 × its mean
(COMET's ``system_score`` × 100). A reference-free model (CometKiwi) scores outputs that have
no reference; with several references the first is used, as COMET takes one. xCOMET's error
spans are kept per segment in report.json (``details``).
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.errors import HarnessError
from harness.metrics.learned.base import Inputs, LearnedMetric, SegmentResult
from harness.metrics.learned.checkpoint import CometCheckpoint, encoder_folder, find_folder
from harness.metrics.learned.comet_model import CometModel


class Comet(LearnedMetric):
    """COMET's families on this project's torch and transformers (↑)."""

    name = "comet"
    higher_is_better = True
    lower_bound = float("-inf")

    _model: CometModel
    _checkpoint: CometCheckpoint

    def _load(self, device: str) -> None:
        folder = find_folder(self.model)
        checkpoint = CometCheckpoint.read(folder)
        pretrained = checkpoint.hparams.get("pretrained_model")
        if not isinstance(pretrained, str):
            raise HarnessError(f"{folder}/hparams.yaml: missing key 'pretrained_model'")
        model = CometModel(checkpoint, encoder_folder(pretrained, folder))
        model.to(device)
        if self.dtype_name == "float16":
            model.half()
        self._checkpoint = checkpoint
        self._model = model

    def _identity(self) -> dict[str, str]:
        return {
            "model": self.model,
            "sha256": self._checkpoint.sha256,
            "arch": self._model.family,
        }

    @property
    def uses_reference(self) -> bool:
        self._loaded  # noqa: B018
        return self._model.uses_reference

    def _score_batch(self, batch: Sequence[Inputs]) -> list[SegmentResult]:
        references = [item.reference for item in batch]
        if any(r is None for r in references):
            if self._model.needs_reference:
                raise HarnessError(
                    f"metric 'comet': model {self.model} ({self._model.family}) needs a "
                    "reference, and a segment has none"
                )
            if not all(r is None for r in references):  # mixed: score each kind apart
                with_ref = [i for i, r in enumerate(references) if r is not None]
                without = [i for i, r in enumerate(references) if r is None]
                parts = {}
                for group in (with_ref, without):
                    for i, result in zip(
                        group, self._score_batch([batch[i] for i in group]), strict=True
                    ):
                        parts[i] = result
                return [parts[i] for i in range(len(batch))]
        output = self._model.score(
            [item.hypothesis for item in batch],
            [item.source for item in batch],
            None if references[0] is None else [r or "" for r in references],
        )
        if output.spans:
            return [
                SegmentResult(score, {"error_spans": spans})
                for score, spans in zip(output.scores, output.spans, strict=True)
            ]
        return [SegmentResult(score) for score in output.scores]
