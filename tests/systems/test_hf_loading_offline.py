"""A hub model that is not in the local cache fails within seconds, in one line, offline or not.

Nothing here reaches the internet: the hub endpoint is pointed at a closed port on 127.0.0.1.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.systems.hf_loading import HFParams, ModelSource, load_model


def test_an_uncached_hub_model_without_the_hub_fails_at_once(unreachable_hub):
    """Without HF_HUB_OFFLINE, transformers' retries took 51 s to give this up."""
    from transformers import AutoModelForSeq2SeqLM

    params = HFParams(name="mt", type="hf-seq2seq", task="translation", model="harness-tests/not-cached")
    source = ModelSource.resolve(params, Path("."))
    started = time.monotonic()
    with pytest.raises(HarnessError) as error:
        load_model(source, params, AutoModelForSeq2SeqLM)
    elapsed = time.monotonic() - started
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("model 'harness-tests/not-cached' is not available offline: ")
    assert "is not reachable" in message
    print(f"uncached hub model, unreachable hub: failed after {elapsed:.2f} s")
