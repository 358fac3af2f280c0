"""The ``comet`` metric's loading, errors, cache and direction (the numbers themselves are
held to unbabel-comet's in test_comet_parity.py)."""

from __future__ import annotations

import re
import shutil

import pytest

from harness.errors import HarnessError
from harness.metrics import make_metric
from harness.metrics.learned.comet import Comet

from .conftest import FIXTURES, expected, triples


def metric(tmp_path, family="regression", **options) -> Comet:
    options.setdefault("cache_dir", str(tmp_path / "cache"))
    made = make_metric("comet", {"model": str(FIXTURES / family), **options})
    assert isinstance(made, Comet)
    return made


def stats_of(m: Comet, rows):
    return m.segment_stats_with_sources(
        [r["mt"] for r in rows], [[r["ref"]] for r in rows], [r["src"] for r in rows]
    )


def test_direction_and_width_known_without_loading(tmp_path):
    m = metric(tmp_path)
    assert Comet.higher_is_better and Comet.in_process
    assert m.stats_width() == 1
    assert not hasattr(m, "_model")  # making the metric (config check, report) loads nothing


def test_bad_options_are_one_line_errors():
    with pytest.raises(HarnessError, match="bad option"):
        make_metric("comet", {"model": "x", "device": "tpu"})
    with pytest.raises(HarnessError, match="bad option"):
        make_metric("comet", {"model": "x", "batch_size": 0})
    with pytest.raises(HarnessError, match="bad option: 'model' is required"):
        make_metric("comet", {})


def test_uncached_hub_id_fails_offline_in_one_line(tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    m = make_metric("comet", {"model": "Unbabel/wmt22-comet-da", "cache": False})
    with pytest.raises(HarnessError) as caught:
        stats_of(m, triples()[:1])
    message = str(caught.value)
    assert "Unbabel/wmt22-comet-da" in message and "hf download" in message
    assert "\n" not in message


def test_folder_without_checkpoint_is_named(tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(FIXTURES / "regression", broken)
    (broken / "checkpoints" / "model.ckpt").write_bytes(b"not a checkpoint")
    m = make_metric("comet", {"model": str(broken), "cache": False})
    with pytest.raises(HarnessError, match=r"model\.ckpt: cannot read the checkpoint"):
        stats_of(m, triples()[:1])


def test_checkpoint_that_would_run_code_is_refused(tmp_path):
    import pickle

    class Evil:
        def __reduce__(self):
            return (print, ("ran",))

    broken = tmp_path / "evil"
    shutil.copytree(FIXTURES / "regression", broken)
    (broken / "checkpoints" / "model.ckpt").write_bytes(pickle.dumps({"state_dict": Evil()}))
    m = make_metric("comet", {"model": str(broken), "cache": False})
    with pytest.raises(HarnessError, match="cannot read the checkpoint"):
        stats_of(m, triples()[:1])


def test_regression_model_needs_a_reference(tmp_path):
    m = metric(tmp_path, cache=False)
    rows = triples()[:2]
    with pytest.raises(HarnessError, match="needs a reference"):
        m.segment_stats_with_sources(["a", "b"], [[], []], [r["src"] for r in rows])


def test_cometkiwi_scores_without_references(tmp_path):
    m = metric(tmp_path, family="unified", cache=False)
    rows = triples()
    with_refs = stats_of(m, rows)
    without = m.segment_stats_with_sources(
        [r["mt"] for r in rows], [[] for _ in rows], [r["src"] for r in rows]
    )
    assert with_refs == without  # [mt, src] only: the reference is not read
    want = expected()["models"]["unified"]["scores"]
    assert max(abs(a[0] - b) for a, b in zip(without, want, strict=True)) < 1e-4


def test_second_run_reads_every_score_from_the_cache(tmp_path):
    rows = triples()
    first = metric(tmp_path)
    scores = stats_of(first, rows)
    assert first.last_counts == {"scored": 20, "cached": 0}
    again = metric(tmp_path)
    assert stats_of(again, rows) == scores
    assert again.last_counts == {"scored": 0, "cached": 20}
    # one changed hypothesis: only it is scored
    changed = [dict(r) for r in rows]
    changed[5]["mt"] = "Something else entirely."
    third = metric(tmp_path)
    stats_of(third, changed)
    assert third.last_counts == {"scored": 1, "cached": 19}


def test_cache_is_keyed_on_the_checkpoint(tmp_path):
    rows = triples()[:4]
    stats_of(metric(tmp_path, "regression"), rows)
    other = metric(tmp_path, "unified")
    stats_of(other, rows)
    assert other.last_counts == {"scored": 4, "cached": 0}


def test_batch_size_and_order_do_not_change_scores(tmp_path):
    rows = triples()
    one = stats_of(metric(tmp_path, batch_size=1, cache=False), rows)
    many = stats_of(metric(tmp_path, batch_size=7, cache=False), list(reversed(rows)))
    assert max(abs(a[0] - b[0]) for a, b in zip(one, reversed(many), strict=True)) < 1e-5


def test_device_cuda_without_a_gpu_is_one_line(tmp_path, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # any machine: no GPU
    m = metric(tmp_path, device="cuda", cache=False)
    with pytest.raises(HarnessError, match="no CUDA GPU"):
        stats_of(m, triples()[:1])


def test_malformed_error_spans_are_refused_when_the_report_is_read(tmp_path):
    """Spans are typed in the report model: a hand-made report with a bad one is one line
    naming the key (before, the HTML view skipped it quietly); good ones reach the view."""
    import json

    from harness.metrics import METRICS
    from harness.report_model import read_report
    from harness.reports.html.view import _error_spans

    good = {"text": "bad", "confidence": 0.9, "severity": "major", "start": 0, "end": 3}
    segment = {"system": "mt", "task": "translation", "article_id": "a", "segment_id": "1"}

    def read(spans: list) -> object:
        document = {
            "results": [],
            "provenance": {},
            "segments": [{**segment, "details": {"comet": {"error_spans": spans}}}],
        }
        (tmp_path / "report.json").write_text(json.dumps(document), encoding="utf-8")
        return read_report(tmp_path, known_metric=METRICS.registered)

    report = read([good])
    assert _error_spans(report.segments[0].details) == [("comet", "bad", "major", 0.9)]
    for bad, key in (
        ({"text": 5, "severity": "minor", "confidence": 0.5}, "error_spans[0].text"),
        ("not a span", "error_spans[0]"),
        ({"text": "x", "severity": "minor", "confidence": "high"}, "error_spans[0].confidence"),
    ):
        with pytest.raises(HarnessError, match=rf"key 'segments\[0\]\.details\.comet\.{re.escape(key)}'"):
            read([bad])


def test_a_failing_segment_is_named_in_one_line_and_the_others_are_kept(tmp_path, monkeypatch):
    rows = triples()[:6]
    m = metric(tmp_path, batch_size=3)
    m._loaded  # noqa: B018
    real = m._model.score

    def flaky(hypotheses, sources, references):
        if rows[4]["mt"] in hypotheses:
            raise RuntimeError("out of memory")
        return real(hypotheses, sources, references)

    monkeypatch.setattr(m._model, "score", flaky)
    with pytest.raises(HarnessError, match=r"failed on the hypothesis.*out of memory"):
        stats_of(m, rows)
    again = metric(tmp_path, batch_size=3)
    stats_of(again, rows)  # only what was not stored is scored again
    assert again.last_counts["cached"] >= 2 and again.last_counts["scored"] <= 4
