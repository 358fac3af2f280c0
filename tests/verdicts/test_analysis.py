"""The analysis of summaries: buckets by article, n-gram lists against the bullets in Arabic."""

from __future__ import annotations

import json
from pathlib import Path

from harness.config import load_config
from harness.run.evaluate import evaluate, prepare
from harness.verdicts.analysis import AnalysisSettings, analyse
from harness.verdicts.compare import load_report
from harness.verdicts.ngrams import arabic_tokens

from ..conftest import REPO


def _lead_run(folder: Path, n: int) -> Path:
    work = folder / f"lead-{n}"
    work.mkdir(parents=True)
    config = work / "config.yaml"
    config.write_text(
        f"name: lead-{n}\narticles: {REPO / 'seeds'}\n"
        f"systems:\n  - {{name: lead, type: lead, task: summarization, n: {n}}}\n"
        "metrics: [rouge1, rougeL]\n",
        encoding="utf-8",
    )
    report = evaluate(prepare(load_config(config))).to_document()
    (work / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return work


def test_summaries_break_down_by_article_and_list_ngrams_against_the_bullets(tmp_path) -> None:
    base = load_report(_lead_run(tmp_path, 1), slim=False)
    cand = load_report(_lead_run(tmp_path, 3), slim=False)
    settings = AnalysisSettings(by=["kind", "article-length", "article"], ngrams=True, largest=1)
    (pair,) = analyse(base, cand, settings)
    assert pair.task == "summarization" and pair.segments == 1
    kind = pair.breakdowns["kind"]
    assert {r.bucket for r in kind} == {"summary"}
    # one summary: a score and a Δ, but nothing to resample and nothing in Holm's family
    assert all(r.result.p_value is None and r.p_holm is None for r in kind)
    assert pair.breakdowns["article"][0].bucket == "000_e6a39a29327ab8d5"
    # the lists are Arabic n-grams of the bullets, tokenized as the Arabic ROUGE does
    match = pair.ngrams[0]
    bullets = base.segments[0].references[0]
    vocabulary = set(arabic_tokens(bullets))
    listed = [e.ngram for e in match.candidate_more + match.baseline_more]
    assert listed and all(set(g.split()) <= vocabulary for g in listed)
    assert pair.differences is not None and pair.differences.metric == "rouge1"
