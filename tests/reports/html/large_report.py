"""A synthetic report.json of a large run (100k segments), built in a second or two.

It follows the report contract (README, "The report"): two translation systems on one corpus
of many articles, BLEU/chrF++/TER segment scores and statistics, CIs and paired comparisons.
The texts are short Arabic sources and English outputs; a few outputs carry HTML injections.
Used by the browser test and by ``benchmarks/bench_report.py``.
"""

from __future__ import annotations

import random
from typing import Any

from .reports import INJECTIONS

ARABIC_WORDS = "قال الوزير إن العلاقات بين البلدين تتطور بسرعة منذ عام في المدينة الجديدة".split()
ENGLISH_WORDS = (
    "the minister said relations between both countries develop quickly since year in the new city"
).split()
METRICS = ("bleu", "chrf", "ter")
SYSTEMS = ("base", "mt")


def _sentence(rng: random.Random, words: list[str], low: int = 6, high: int = 14) -> str:
    return " ".join(rng.choice(words) for _ in range(rng.randint(low, high)))


def make_large_report(segments: int = 100_000, articles: int = 1000) -> dict[str, Any]:
    """``segments`` segments per system, in ``articles`` articles."""
    rng = random.Random(13)
    per_article = max(1, segments // articles)
    # pools of texts and statistics picked by index: building 200k entries stays fast
    sources = [_sentence(rng, ARABIC_WORDS) for _ in range(997)]
    outputs = [_sentence(rng, ENGLISH_WORDS) for _ in range(991)]
    references = [_sentence(rng, ENGLISH_WORDS) for _ in range(983)]
    triples = []
    for _ in range(1009):
        bleu = rng.uniform(0, 100)
        chrf = min(100.0, bleu * 0.6 + rng.uniform(0, 40))
        triples.append(
            {"bleu": bleu, "chrf": chrf, "ter": max(0.0, 100 - bleu + rng.uniform(-9, 9))}
        )
    chrf_stats = [  # per n-gram order: hypothesis count, reference count, matches
        [float(x) for _ in range(8) for x in (9, 9, rng.randint(1, 9))] for _ in range(101)
    ]
    entries = []
    for system_index, system in enumerate(SYSTEMS):
        for index in range(segments):
            output = outputs[(index * 7 + system_index) % len(outputs)]
            if system_index == 1 and index % 9973 == 0:
                output = INJECTIONS[index % len(INJECTIONS)]
            entries.append(
                {
                    "corpus": "big",
                    "system": system,
                    "task": "translation",
                    "article_id": f"doc-{index // per_article:05d}",
                    "segment_id": str(index + 1),
                    "output": output,
                    "status": "generated",
                    "cached": False,
                    "source": sources[index % len(sources)],
                    "references": [references[index % len(references)]],
                    "scores": triples[(index * 31 + system_index * 17) % len(triples)],
                    "stats": {
                        "bleu": [12.0, 12.0, 9.0, 7.0, 5.0, 3.0, 11.0, 10.0, 9.0, 8.0],
                        "chrf": chrf_stats[(index + system_index) % len(chrf_stats)],
                        "ter": [float((index + system_index) % 7), 12.0],
                    },
                }
            )
    results = [
        {
            "corpus": "big",
            "system": system,
            "task": "translation",
            "metric": metric,
            "score": score,
            "n": segments,
            "ci_low": score - 0.4,
            "ci_high": score + 0.4,
        }
        for system, scores in zip(SYSTEMS, ((30.0, 55.0, 60.0), (33.0, 57.0, 57.0)), strict=True)
        for metric, score in zip(METRICS, scores, strict=True)
    ]
    comparisons = [
        {
            "corpus": "big",
            "baseline": "base",
            "system": "mt",
            "task": "translation",
            "metric": metric,
            "delta": delta,
            "ci_low": delta - 0.5,
            "ci_high": delta + 0.5,
            "p_value": 0.0001,
            "test": "paired-ar",
            "baseline_score": base,
            "system_score": base + delta,
        }
        for metric, base, delta in (("bleu", 30.0, 3.0), ("chrf", 55.0, 2.0), ("ter", 60.0, -3.0))
    ]
    return {
        "schema_version": 1,
        "results": results,
        "segments": entries,
        "provenance": {
            "run_name": "large",
            "created_at": "2026-12-01T00:00:00Z",
            "config_path": "large.yaml",
            "config_sha256": "0" * 64,
            "hardware": {"cpu": "synthetic", "cpu_count": 2, "usable_cpus": 2},
            "python": "3.11.7",
            "platform": "Linux",
            "packages": {"sacrebleu": "2.6.0"},
            "git_commit": None,
            "duration_s": 1.0,
            "corpus": {"name": "big", "articles": articles},
            "systems": {
                system: {
                    "params": {"task": "translation"},
                    "counts": {"generated": segments, "empty": 0, "missing": 0, "failed": 0},
                }
                for system in SYSTEMS
            },
            "metrics": {
                "bleu": "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0",
                "chrf": "chrF2++|nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0",
                "ter": "TER|nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0",
            },
            "metric_options": {},
            "warnings": [],
            "comparisons": {"test": "paired-ar", "settings": "ar:10000", "alpha": 0.05},
        },
        "comparisons": comparisons,
    }
