"""Report documents built by hand for the report-rendering tests.

They follow the report contract (README, "The report"); ``with_statistics`` adds what the
statistics issue adds (``ci_low``/``ci_high`` on results, a ``comparisons`` list), so rendering
is tested with and without it. Model outputs and one system name carry HTML injections.
"""

from __future__ import annotations

import copy
from typing import Any

INJECTIONS = [
    '<script>window.__pwned = "script";</script>',
    "<img src=x onerror=\"window.__pwned='img'\">",
    "</table></td></tr><b>table broken</b>",
    '</script><script>window.__pwned = "json";</script>',
]
EVIL_SYSTEM = "evil<svg onload=\"window.__pwned='name'\">"

SOURCES = {
    "title": "وزير الدفاع الروسي يشارك في الاحتفال",
    "bullet-1": "أعرب السفير عن دعم بلاده الكامل لروسيا.",
    "paragraph-1": "وقال بوتين إن العلاقات بين البلدين تتطور بسرعة.",
    "paragraph-2": "شهدت العلاقات زخماً كبيراً منذ عام 2024.",
}
REFERENCES = {
    "title": "The Russian defence minister takes part in the celebration",
    "bullet-1": "The ambassador expressed his country's full support for Russia.",
    "paragraph-1": "Putin said relations between the two countries are developing fast.",
    "paragraph-2": "Relations have gained great momentum since 2024.",
}
GOOD = {
    "title": "Russian defence minister takes part in the celebration",
    "bullet-1": "The ambassador expressed full support for Russia.",
    "paragraph-1": "Putin said relations between the countries develop quickly.",
    "paragraph-2": "Relations gained momentum since 2024.",
}
BASE = {
    "title": "Defence minister at a party",
    "bullet-1": "Ambassador supports Russia.",
    "paragraph-1": "Putin talks about relations.",
    "paragraph-2": "Momentum since 2024.",
}
ARTICLE = "\n".join(SOURCES.values())
BULLETS = "أعرب السفير عن دعم بلاده الكامل لروسيا.\nشهدت العلاقات زخماً كبيراً منذ عام 2024."

TRANSLATION_SCORES = {  # system → (bleu, chrf, ter) corpus scores
    "base": (12.0, 35.0, 70.0),
    "good": (30.0, 55.0, 45.0),
    EVIL_SYSTEM: (1.0, 5.0, 99.0),
}


def _segment(
    system: str,
    task: str,
    segment_id: str | None,
    output: str,
    scores: dict[str, float],
    status: str = "generated",
) -> dict[str, Any]:
    return {
        "system": system,
        "task": task,
        "article_id": "000_article",
        "segment_id": segment_id,
        "source": ARTICLE if segment_id is None else SOURCES[segment_id],
        "output": output,
        "references": [BULLETS if segment_id is None else REFERENCES[segment_id]],
        "scores": scores,
        "status": status,
    }


def make_report(with_statistics: bool = True) -> dict[str, Any]:
    results = []
    for system, (bleu, chrf, ter) in TRANSLATION_SCORES.items():
        for metric, score in (("bleu", bleu), ("chrf", chrf), ("ter", ter)):
            results.append(
                {"system": system, "task": "translation", "metric": metric, "score": score, "n": 4}
            )
    for system, rouge1 in (("lead-2", 40.0), ("bullets-copy", 100.0)):
        results.append(
            {"system": system, "task": "summarization", "metric": "rouge1", "score": rouge1, "n": 1}
        )

    segments = []
    outputs = {"base": BASE, "good": GOOD, EVIL_SYSTEM: dict(zip(SOURCES, INJECTIONS, strict=True))}
    for system, texts in outputs.items():
        for index, (segment_id, text) in enumerate(texts.items()):
            # Per-segment scores chosen so that sorting has a known answer: good beats base
            # by 10 × (index + 1) BLEU on segment index.
            bleu = {"base": 10.0, "good": 20.0 + 10.0 * index, EVIL_SYSTEM: 0.0}[system]
            segments.append(
                _segment(
                    system,
                    "translation",
                    segment_id,
                    text,
                    {"bleu": bleu, "chrf": bleu + 5, "ter": 100 - bleu},
                )
            )
    segments[-1]["status"] = "missing"
    segments[-1]["output"] = ""
    segments[-1]["error"] = "no output <b>line</b>"
    lead = "أعرب السفير الكوري عن دعم بلاده لروسيا. وقال بوتين إن العلاقات تتطور."
    segments.append(_segment("lead-2", "summarization", None, lead, {"rouge1": 40.0}))
    segments.append(_segment("bullets-copy", "summarization", None, BULLETS, {"rouge1": 100.0}))

    report: dict[str, Any] = {
        "schema_version": 1,
        "results": results,
        "segments": segments,
        "provenance": {
            "run_name": "html-test",
            "config_path": "configs/test.yaml",
            "config_sha256": "0" * 64,
            "config": {"name": "html-test"},
            "created_at": "2026-01-01T00:00:00+00:00",
            "python": "3.11",
            "packages": {"sacrebleu": "2.6.0"},
            "corpus": {
                "name": "seeds",
                "articles": 1,
                "files": {"seeds/000_article.txt": "ab" * 32},
            },
            "systems": {
                name: {
                    "params": {"task": task},
                    "counts": {"generated": n, "empty": 0, "missing": 0, "failed": 0},
                }
                for name, task, n in (
                    ("base", "translation", 4),
                    ("good", "translation", 4),
                    (EVIL_SYSTEM, "translation", 3),
                    ("lead-2", "summarization", 1),
                    ("bullets-copy", "summarization", 1),
                )
            },
            "metrics": {
                "bleu": "BLEU|nrefs:1|tok:13a",
                "chrf": "chrF2++|nrefs:1",
                "ter": "TER|nrefs:1",
                "rouge1": "rouge1|tok:ar-v1",
            },
            "warnings": ["evil: missing output for 000_article/paragraph-2 <script>x</script>"],
        },
    }
    report["provenance"]["systems"][EVIL_SYSTEM]["counts"]["missing"] = 1
    if with_statistics:
        for result in report["results"]:
            result["ci_low"] = result["score"] - 2.5
            result["ci_high"] = result["score"] + 1.5
        report["comparisons"] = [
            # good vs base: significantly better on BLEU, TER drop is better too (lower).
            _comparison("base", "good", "bleu", 18.0, 0.001),
            _comparison("base", "good", "ter", -25.0, 0.001),
            # evil vs base: significantly worse on BLEU, TER rise is worse.
            _comparison("base", EVIL_SYSTEM, "bleu", -11.0, 0.002),
            _comparison("base", EVIL_SYSTEM, "ter", 29.0, 0.002),
            # chrF: no significant difference.
            _comparison("base", "good", "chrf", 0.4, 0.41),
        ]
    return report


def _comparison(
    baseline: str, system: str, metric: str, delta: float, p_value: float
) -> dict[str, Any]:
    return {
        "baseline": baseline,
        "system": system,
        "task": "translation",
        "metric": metric,
        "delta": delta,
        "ci_low": delta - 3.0,
        "ci_high": delta + 3.0,
        "p_value": p_value,
        "test": "paired-bs",
    }


def without_statistics(report: dict[str, Any]) -> dict[str, Any]:
    """A copy as an older harness would have written it: no CIs, no comparisons."""
    older = copy.deepcopy(report)
    older.pop("comparisons", None)
    for result in older["results"]:
        result.pop("ci_low", None)
        result.pop("ci_high", None)
    return older
