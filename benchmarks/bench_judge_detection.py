"""How often a small local judge (``mqm`` rubric through ``llama-cpp``) scores a clean
translation above the same translation with one injected error, beside chrF++ and ``numbers``
on the same pairs (issue 21, item 7).

Translations: opus-mt's FLORES-101 devtest ara→eng outputs (``../shared/external``). Errors,
one per corrupted copy, deterministic: a number changed (+7), a negation inserted after the
first auxiliary, the last clause omitted, a name replaced by another. For each error type the
first ``--per-type`` sentences it applies to are used.

    PYTHONPATH=. python benchmarks/bench_judge_detection.py \
        --model pypi:qwen2.5-coder-1.5b-instruct --per-type 20 --out judge_detection.json
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from harness.judges.judge import Item, Judge
from harness.judges.options import JudgeOptions
from harness.judges.rubric import load_rubric
from harness.metrics import make_metric
from harness.records import Task
from harness.run.cache import OutputCache
from harness.systems.judge_engines import judge_engine
from harness.systems.llama_cpp import LlamaCpp, LlamaCppParams

SHARED = Path(__file__).resolve().parents[2] / "shared" / "external"
AUXILIARY = re.compile(r"\b(is|are|was|were|has|have|had|will|can|could|would|should|did|does)\b")
NUMBER = re.compile(r"\b\d+\b")
NAME = re.compile(r"(?<!^)(?<![.!?] )\b([A-Z][a-z]{2,})\b")


def change_number(text: str) -> str | None:
    match = NUMBER.search(text)
    if match is None:
        return None
    return text[: match.start()] + str(int(match.group()) + 7) + text[match.end() :]


def negate(text: str) -> str | None:
    match = AUXILIARY.search(text)
    return None if match is None else text[: match.end()] + " not" + text[match.end() :]


def omit_clause(text: str) -> str | None:
    clauses = text.rstrip(".").split(", ")
    if len(clauses) < 2:
        return None
    return ", ".join(clauses[:-1]) + "."


CALENDAR = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January",
    "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December", "The", "This", "That", "However",
}  # fmt: skip


def swap_name(text: str) -> str | None:
    match = next((m for m in NAME.finditer(text) if m.group(1) not in CALENDAR), None)
    if match is None:
        return None
    other = "Morgan" if match.group(1) != "Morgan" else "Dalton"
    return text[: match.start(1)] + other + text[match.end(1) :]


ERRORS = {"number": change_number, "negation": negate, "omission": omit_clause, "name": swap_name}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="pypi:qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--per-type", type=int, default=20)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads")
    parser.add_argument("--cache", default=".cache/harness")
    parser.add_argument("--out", type=Path, default=Path("judge_detection.json"))
    args = parser.parse_args()

    sources = (SHARED / "flores" / "flores101.devtest.ara").read_text("utf-8").splitlines()
    references = (SHARED / "flores" / "flores101.devtest.eng").read_text("utf-8").splitlines()
    hyp_file = "opus-mt-ar-en_opus-2019-12-18.flores101-devtest.ara-eng.hyp.txt"
    hypotheses = (SHARED / "mt_system_outputs" / hyp_file).read_text("utf-8").splitlines()

    cases = []  # (error type, line, clean, corrupted)
    for kind, corrupt in ERRORS.items():
        found = 0
        for line, hypothesis in enumerate(hypotheses):
            broken = corrupt(hypothesis)
            if broken is None or broken == hypothesis:
                continue
            cases.append((kind, line, hypothesis, broken))
            found += 1
            if found == args.per_type:
                break

    params = LlamaCppParams.model_validate(
        {"name": "judge", "type": "llama-cpp", "task": "translation", "model": args.model,
         "max_new_tokens": args.max_new_tokens, "n_threads": args.threads}
    )  # fmt: skip
    system = LlamaCpp(params, Path("."))
    system.load()
    options = JudgeOptions(judge="judge", rubric="mqm", scoring="greedy", score="mqm")
    cache = OutputCache(Path(args.cache))
    judge = Judge(load_rubric("mqm"), options, system, judge_engine(system), cache)

    lines = sorted({line for _, line, _, _ in cases})
    clean_items = [
        Item(Task.TRANSLATION, sources[i], hypotheses[i], (references[i],)) for i in lines
    ]
    broken_items = [
        Item(Task.TRANSLATION, sources[i], broken, (references[i],)) for _, i, _, broken in cases
    ]
    started = time.perf_counter()
    verdicts = judge.judge(clean_items + broken_items)
    seconds = time.perf_counter() - started
    clean = dict(zip(lines, verdicts[: len(lines)], strict=True))
    broken_verdicts = verdicts[len(lines) :]

    chrf = make_metric("chrf", {"word_order": 2})
    numbers = make_metric("numbers")

    def segment(metric, hypothesis: str, line: int) -> float:
        rows = metric.segment_stats_with_sources(
            [hypothesis], [[references[line]]], [sources[line]]
        )
        return metric.segment_score(rows[0])

    table = {}
    for kind in ERRORS:
        rows = [(c, v) for c, v in zip(cases, broken_verdicts, strict=True) if c[0] == kind]
        judged = [
            (clean[c[1]].scores["mqm"], v.scores["mqm"])
            for c, v in rows
            if clean[c[1]].scores is not None and v.scores is not None
        ]
        table[kind] = {
            "pairs": len(rows),
            "judged": len(judged),
            "unscored_share": 1 - len(judged) / len(rows) if rows else None,
            "mqm_clean_higher": sum(a > b for a, b in judged) / len(judged) if judged else None,
            "mqm_tied": sum(a == b for a, b in judged) / len(judged) if judged else None,
            "chrf_clean_higher": sum(
                segment(chrf, c[2], c[1]) > segment(chrf, c[3], c[1]) for c, _ in rows
            ) / len(rows),
            "numbers_clean_higher": sum(
                segment(numbers, c[2], c[1]) > segment(numbers, c[3], c[1]) for c, _ in rows
            ) / len(rows),
        }  # fmt: skip
    result = {
        "model": args.model,
        "judgements": len(verdicts),
        "seconds_per_segment": seconds / len(verdicts),
        "cached_replies": judge.cached_replies,
        "per_type": table,
    }
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
