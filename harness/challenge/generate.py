"""Making a challenge set from good texts: every applicable perturbation of every item.

Each (item, phenomenon) gets its own generator seeded from ``seed``, the phenomenon and the
item id, so a pair does not change when other items or phenomena are added or removed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from harness.challenge.pairs import Pair
from harness.challenge.perturb import (
    SUMMARY_PHENOMENA,
    TRANSLATION_PHENOMENA,
    Phenomenon,
    Pool,
    entity_type,
    is_arabic,
    name_runs,
)
from harness.errors import HarnessError
from harness.records import Task
from harness.text.sentences import split_sentences


@dataclass(frozen=True)
class Item:
    """A good text (a system's output, or a reference) with its source and references."""

    id: str
    task: Task
    source: str
    references: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Applied:
    """How many items one phenomenon could perturb, of how many it was tried on."""

    phenomenon: str
    task: Task
    applied: int
    items: int


def phenomena_for(task: Task) -> Sequence[Phenomenon]:
    return TRANSLATION_PHENOMENA if task is Task.TRANSLATION else SUMMARY_PHENOMENA


def known_phenomena() -> list[str]:
    return list(dict.fromkeys(p.name for p in (*TRANSLATION_PHENOMENA, *SUMMARY_PHENOMENA)))


def build_pool(items: Sequence[Item]) -> Pool:
    """Names and sentences of every item, for swaps and unsupported additions."""
    entities: dict[str, set[str]] = {}
    sentences: dict[str, set[str]] = {}
    for item in items:
        if item.task is Task.TRANSLATION:
            for start, end in name_runs(item.text):
                span = item.text[start:end]
                entities.setdefault(entity_type(span), set()).add(span)
        else:
            for sentence in split_sentences(item.text):
                language = "ar" if is_arabic(sentence) else "en"
                sentences.setdefault(language, set()).add(sentence)
    return Pool(
        entities={k: sorted(v) for k, v in entities.items()},
        sentences={k: sorted(v) for k, v in sentences.items()},
    )


def generate_pairs(
    items: Sequence[Item], seed: int, only: Sequence[str] | None = None
) -> tuple[list[Pair], list[Applied]]:
    """The pairs of every phenomenon (or those in ``only``) applied to every item, and how
    many items each phenomenon applied to."""
    if only:
        unknown = sorted(set(only) - set(known_phenomena()))
        if unknown:
            raise HarnessError(
                f"unknown phenomenon '{unknown[0]}'; known: {', '.join(known_phenomena())}"
            )
    pool = build_pool(items)
    pairs: list[Pair] = []
    counts: dict[tuple[str, Task], list[int]] = {}
    for item in items:
        good = item.text.strip()
        if not good:
            continue
        for phenomenon in phenomena_for(item.task):
            if only and phenomenon.name not in only:
                continue
            count = counts.setdefault((phenomenon.name, item.task), [0, 0])
            count[1] += 1
            rng = random.Random(f"{seed}|{phenomenon.name}|{item.id}")
            bad = phenomenon.perturb(good, item.source, rng, pool)
            if bad is None or bad.strip() == good:
                continue
            count[0] += 1
            pairs.append(
                Pair(
                    id=f"{item.id}/{phenomenon.name}",
                    source=item.source,
                    references=item.references,
                    good=good,
                    bad=bad,
                    phenomenon=phenomenon.name,
                    severity=phenomenon.severity,
                    task=item.task,
                )
            )
    applied = [Applied(name, task, n, total) for (name, task), (n, total) in counts.items()]
    return pairs, applied
