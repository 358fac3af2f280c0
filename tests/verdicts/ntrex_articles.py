"""NTREX-128 (../shared/external/ntrex128) as seed-format articles, translated two ways.

Each of its 123 documents becomes an article whose first line (the headline) is its title and
whose other lines are paragraphs; the English originals are the references. ``make_runs``
writes a baseline and a candidate run of the real pipeline (config → run → report) whose
outputs are the references damaged by rules given per segment kind.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.config import load_config
from harness.corpus.seed_reader import parse_article
from harness.reports.write import write_report
from harness.run.evaluate import evaluate, prepare
from tests.report_documents import as_report

Damage = Callable[[str, str], str]  # (segment_id, reference) → output


def write_articles(shared: Path, folder: Path, lines_per_document: int | None = None) -> int:
    """``folder/articles/*.txt`` and ``folder/references/*.jsonl``; returns the segment count."""
    ntrex = shared / "external" / "ntrex128"
    arabic = (ntrex / "newstest2019-ref.arb.txt").read_text(encoding="utf-8").splitlines()
    english = (ntrex / "newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines()
    documents = (ntrex / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
    grouped: dict[str, list[int]] = {}
    for index, document in enumerate(documents):
        grouped.setdefault(document.strip(), []).append(index)
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    (folder / "references").mkdir(parents=True, exist_ok=True)
    count = 0
    for document, indices in grouped.items():
        indices = [i for i in indices if arabic[i].strip()][:lines_per_document]
        article_id = document.replace(".", "_")
        text = "\n".join(arabic[i].strip() for i in indices) + "\n"
        (folder / "articles" / f"{article_id}.txt").write_text(text, encoding="utf-8")
        article = parse_article(text, article_id)
        # every non-empty line is one segment, in order (title, then paragraphs and embeds)
        assert len(article.segments) == len(indices)
        with (folder / "references" / f"{article_id}.jsonl").open("w", encoding="utf-8") as out:
            for segment, index in zip(article.segments, indices, strict=True):
                entry = {
                    "article_id": article_id,
                    "segment_id": segment.segment_id,
                    "reference": english[index].strip(),
                }
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
                count += 1
    return count


def _references(folder: Path) -> list[dict[str, Any]]:
    entries = []
    for path in sorted((folder / "references").glob("*.jsonl")):
        entries += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return entries


def make_run(folder: Path, name: str, damage: Damage) -> Path:
    """A one-system (``mt``) translation run over the articles; returns its run folder."""
    work = folder / name
    work.mkdir(parents=True, exist_ok=True)
    with (work / "mt.jsonl").open("w", encoding="utf-8") as out:
        for ref in _references(folder):
            output = damage(ref["segment_id"], ref["reference"])
            line = {"article_id": ref["article_id"], "segment_id": ref["segment_id"]}
            out.write(json.dumps({**line, "output": output}, ensure_ascii=False) + "\n")
    config = work / f"{name}.yaml"
    config.write_text(
        f"name: {name}\narticles: {folder / 'articles'}\nreferences: {folder / 'references'}\n"
        "systems:\n  - {name: mt, type: outputs, task: translation, path: mt.jsonl}\n"
        "metrics: [bleu, chrf, ter]\n",
        encoding="utf-8",
    )
    report = evaluate(prepare(load_config(config))).to_document()
    run = work / "run"
    write_report(as_report(report), run)
    return run


def drop_every(step: int, offset: int) -> Callable[[str], str]:
    """Drops every ``step``-th word (from ``offset``): a steady, mild damage."""

    def damage(text: str) -> str:
        words = text.split()
        return " ".join(w for i, w in enumerate(words) if (i + offset) % step)

    return damage


def first_half(text: str) -> str:
    words = text.split()
    return " ".join(words[: max(1, len(words) // 2)])
