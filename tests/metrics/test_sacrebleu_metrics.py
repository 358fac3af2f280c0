"""sacrebleu tokenizers that download a model: refused offline, used when the model is local."""

from __future__ import annotations

import io

import pytest
import sentencepiece
from sacrebleu.tokenizers import tokenizer_spm

from harness.errors import HarnessError
from harness.metrics import make_metric
from harness.metrics.sacrebleu_metrics import spm_model_path


def test_the_model_path_is_where_sacrebleu_2_6_looks(tmp_path, monkeypatch):
    monkeypatch.setattr(tokenizer_spm, "SACREBLEU_DIR", str(tmp_path))
    assert spm_model_path("flores200") == tmp_path / "models" / "flores200sacrebleuspm"
    assert spm_model_path("flores101") == tmp_path / "models" / "sacrebleu_tokenizer_spm.model"
    assert spm_model_path("spm") == spm_model_path("flores101")


def test_flores200_without_its_model_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setattr(tokenizer_spm, "SACREBLEU_DIR", str(tmp_path))
    with pytest.raises(HarnessError, match=r"^metric 'bleu': tokenize: flores200 needs") as error:
        make_metric("bleu", {"tokenize": "flores200"})
    assert "\n" not in str(error.value)
    assert not (tmp_path / "models").exists()  # nothing was downloaded, or tried


def test_flores200_with_its_model_present_is_used(tmp_path, monkeypatch):
    """A (tiny, locally trained) sentencepiece model where sacrebleu looks: no refusal, and
    sacrebleu tokenizes with it."""
    monkeypatch.setattr(tokenizer_spm, "SACREBLEU_DIR", str(tmp_path))
    model = io.BytesIO()
    text = ["the minister said on monday that the talks were going well"] * 20
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(text), model_writer=model, vocab_size=25, minloglevel=2
    )
    path = spm_model_path("flores200")
    path.parent.mkdir(parents=True)
    path.write_bytes(model.getvalue())
    bleu = make_metric("bleu", {"tokenize": "flores200"})
    stats = bleu.segment_stats(["the minister said"], [["the minister said"]])
    assert bleu.corpus_score(stats) == pytest.approx(100.0)
    assert "tok:flores200" in bleu.signature()
