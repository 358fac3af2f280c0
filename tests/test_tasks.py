"""Tasks: English summaries of Arabic articles are scored against the English translations of
the bullets (references/), and kept apart from Arabic summaries."""

from __future__ import annotations

import json

from rouge_score.rouge_scorer import RougeScorer
from typer.testing import CliRunner

from harness.cli import app

from .conftest import REPO, SEED

ENGLISH_SUMMARY = (
    "North Korea's ambassador said his country fully supports Russia.\n"
    "Relations between North Korea and Russia developed after the 2024 agreement."
)


def _bullet_references() -> str:
    lines = []
    for path in sorted((REPO / "references").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["segment_id"].startswith("bullet-"):
                lines.append(record["reference"])
    return "\n".join(lines)


def test_english_summary_is_scored_against_the_translated_bullets(tmp_path):
    article_id = SEED.stem
    (tmp_path / "en.jsonl").write_text(
        json.dumps({"article_id": article_id, "output": ENGLISH_SUMMARY}) + "\n", encoding="utf-8"
    )
    config = tmp_path / "run.yaml"
    config.write_text(
        f"articles: {REPO / 'seeds'}\nreferences: {REPO / 'references'}\n"
        "systems:\n"
        "  - {name: en-sum, type: outputs, task: summarization, target_lang: en, path: en.jsonl}\n"
        "  - {name: lead-2, type: lead, task: summarization, n: 2}\n"
        "metrics: [rouge1, rouge2, rougeL]\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    by = {(r["system"], r["task"], r["metric"]): r["score"] for r in report["results"]}
    # rouge-score itself, on the English bullets of references/ (its default tokenizer is
    # exact for English text); the harness tokenizer equals it on ASCII
    scorer = RougeScorer(["rouge1", "rouge2", "rougeL"])
    expected = scorer.score(_bullet_references(), ENGLISH_SUMMARY)
    for metric in ("rouge1", "rouge2", "rougeL"):
        assert by[("en-sum", "summarization-en", metric)] == 100 * expected[metric].fmeasure
    # the Arabic summarizer stays an Arabic summary, scored against the Arabic bullets
    assert ("lead-2", "summarization", "rouge1") in by
    assert not any(key[1] == "summarization" for key in by if key[0] == "en-sum")


def test_target_lang_is_checked_at_config_time(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text(
        f"articles: {REPO / 'seeds'}\nreferences: {REPO / 'references'}\n"
        "systems:\n  - {name: c, type: identity, task: translation, target_lang: ar}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", str(config)])
    assert result.exit_code == 2
    assert "target_lang" in result.output
