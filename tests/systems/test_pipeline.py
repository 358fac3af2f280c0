"""``type: pipeline``: translate → summarize and summarize → translate, end to end through
``harness run``, each step cached on its own, intermediates in the report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.corpus.seed_reader import read_article
from harness.text.sentences import split_sentences

from ..conftest import REPO, SEED
from ..plugins.counting_system import expected_output

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"


@pytest.fixture
def plugins(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGINS))


def _config(tmp_path: Path, systems: str, metrics: str = "[chrf, rouge1, rougeL]") -> Path:
    config = tmp_path / "pipeline.yaml"
    config.write_text(
        f"articles: {REPO / 'seeds'}\nreferences: {REPO / 'references'}\n"
        f"cache_dir: {tmp_path / 'cache'}\nsystems:\n{systems}metrics: {metrics}\n",
        encoding="utf-8",
    )
    return config


def _run(config: Path, out: Path) -> dict:
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_translate_then_summarize_runs_end_to_end_and_caches_each_step(tmp_path, plugins):
    calls = tmp_path / "calls.txt"
    config = _config(
        tmp_path,
        f"  - {{name: mt, type: 'counting_system:Counting', task: translation, calls: '{calls}'}}\n"
        "  - {name: lead-1, type: lead, task: summarization, n: 1}\n"
        "  - {name: mt-then-lead, type: pipeline, steps: [mt, lead-1]}\n",
    )
    report = _run(config, tmp_path / "first")
    article = read_article(SEED)
    paragraphs = [p.text for p in article.paragraphs]
    english = "\n".join(expected_output(text) for text in paragraphs)
    (segment,) = [s for s in report["segments"] if s["system"] == "mt-then-lead"]
    assert segment["task"] == "summarization-en"
    assert segment["intermediate"] == {"mt": english}
    assert segment["output"] == split_sentences(english)[0]
    # scored against the English translations of the bullets, as an English summary
    assert segment["references"][0].startswith("The North Korean ambassador")
    assert {r["task"] for r in report["results"] if r["system"] == "mt-then-lead"} == {
        "summarization-en"
    }
    first_calls = calls.read_text(encoding="utf-8").splitlines()
    # mt on its own translated every segment, paragraphs included; the pipeline's step asked
    # for the same paragraphs under the same fingerprint and got them from the cache
    assert len(first_calls) == len(article.segments) - len(article.embeds)
    assert not any("/part-" in line for line in first_calls)

    # rerun: the translator step is served from the cache (no new calls at all: the mt system
    # on its own is cached too), and the pipeline gives the same output
    again = _run(config, tmp_path / "second")
    assert calls.read_text(encoding="utf-8").splitlines() == first_calls
    (segment_again,) = [s for s in again["segments"] if s["system"] == "mt-then-lead"]
    assert segment_again["output"] == segment["output"]


def test_changing_the_summarizer_reuses_the_cached_translations(tmp_path, plugins):
    calls = tmp_path / "calls.txt"
    mt = f"  - {{name: mt, type: 'counting_system:Counting', task: translation, calls: '{calls}'}}\n"
    for n in (1, 2):
        config = _config(
            tmp_path,
            mt
            + f"  - {{name: lead, type: lead, task: summarization, n: {n}}}\n"
            + "  - {name: p, type: pipeline, steps: [mt, lead]}\n",
        )
        _run(config, tmp_path / f"run-{n}")
        if n == 1:
            after_first = calls.read_text(encoding="utf-8")
    assert calls.read_text(encoding="utf-8") == after_first


def test_summarize_then_translate_translates_each_summary_sentence(tmp_path):
    config = _config(
        tmp_path,
        "  - {name: lead-2, type: lead, task: summarization, n: 2}\n"
        "  - {name: copy, type: identity, task: translation}\n"
        "  - {name: lead-then-copy, type: pipeline, steps: [lead-2, copy]}\n",
    )
    report = _run(config, tmp_path / "out")
    (segment,) = [s for s in report["segments"] if s["system"] == "lead-then-copy"]
    arabic = "\n".join(split_sentences(read_article(SEED).body_text)[:2])
    assert segment["intermediate"] == {"lead-2": arabic}
    assert segment["output"] == arabic  # identity "translates" each sentence as itself
    # the step's output is shown next to the final one in report.html and segments.csv
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<summary>step lead-2</summary>" in html
    with (tmp_path / "out" / "segments.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    (row,) = [r for r in rows if r["system"] == "lead-then-copy"]
    assert row["step lead-2"] == arabic


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("[copy, nope]", "step 'nope' is not a system of this config"),
        ("[copy, copy]", "steps must be a translator and a summarizer"),
        ("[copy]", "steps"),
    ],
)
def test_bad_steps_are_one_line_errors(tmp_path, steps, message):
    config = _config(
        tmp_path,
        "  - {name: copy, type: identity, task: translation}\n"
        f"  - {{name: p, type: pipeline, steps: {steps}}}\n",
    )
    result = CliRunner().invoke(app, ["validate", str(config)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_example_configs_validate():
    for name in ("pipeline-lead-identity.yaml", "pipeline-gemma.yaml"):
        result = CliRunner().invoke(app, ["validate", str(REPO / "configs" / name)])
        assert result.exit_code == 0, result.output
