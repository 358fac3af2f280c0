"""The report: ``report.json`` (a public contract, see README) and its Markdown rendering.

The Markdown and terminal tables are rendered from the JSON document alone, so a run folder can
be re-rendered later without re-running anything.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.compare import comparisons_markdown
from harness.export import write_exports
from harness.html import write_html_report
from harness.metrics import METRICS, Metric
from harness.report_file import SCHEMA_VERSION
from harness.runner import Generation, Status
from harness.scoring import MetricResult


def _segment_row(generation: Generation, scores: dict[str, float]) -> dict[str, Any]:
    example = generation.example
    return {
        **generation.to_json(),
        "source": example.source,
        "references": list(example.references),
        "scores": scores,
    }


def build_report(
    generations_by_group: dict[tuple[str, str], list[Generation]],
    results: Sequence[MetricResult],
    metrics: dict[str, Metric],
    provenance: dict[str, Any],
    comparisons: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``generations_by_group`` maps (corpus, system) to that system's outputs on the corpus,
    in the order of the statistics rows of the matching ``results``."""
    SegmentKey = tuple[str | None, str, int]
    segment_scores: dict[SegmentKey, dict[str, float]] = {}
    segment_stats: dict[SegmentKey, dict[str, list[float]]] = {}
    for result in results:
        metric = metrics[result.metric]
        for index, row in enumerate(result.stats):
            key = (result.corpus, result.system, index)
            segment_scores.setdefault(key, {})[result.metric] = metric.segment_score(row)
            segment_stats.setdefault(key, {})[result.metric] = list(row)
    segments = [
        {
            **_segment_row(generation, segment_scores.get((corpus, system, index), {})),
            "stats": segment_stats.get((corpus, system, index), {}),
        }
        for (corpus, system), generations in generations_by_group.items()
        for index, generation in enumerate(generations)
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "results": [
            {
                "corpus": r.corpus,
                "system": r.system,
                "task": r.task.value,
                "metric": r.metric,
                "score": r.score,
                "n": r.n,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
            }
            for r in results
        ],
        "segments": segments,
        "provenance": provenance,
    } | ({"comparisons": list(comparisons)} if comparisons is not None else {})


def status_counts(generations: Sequence[Generation]) -> dict[str, int]:
    """Where each output came from; the counts add up to the number of examples.

    ``generated``: non-empty, computed in this run; ``cached``: non-empty, reused from the
    output cache; ``empty``, ``missing``, ``failed``: wherever they came from.
    """
    counts = {status.value: sum(g.status is status for g in generations) for status in Status}
    counts["cached"] = sum(g.cached and g.status is Status.GENERATED for g in generations)
    counts[Status.GENERATED.value] -= counts["cached"]
    return counts


def _metric_header(name: str) -> str:
    return f"{name} {METRICS.get(name).arrow()}"


def _cell(result: dict[str, Any]) -> str:
    """``score [ci_low, ci_high]``, or the bare score when there is no interval."""
    score = f"{result['score']:.2f}"
    if result.get("ci_low") is None or result.get("ci_high") is None:
        return score
    return f"{score} [{result['ci_low']:.2f}, {result['ci_high']:.2f}]"


def results_tables(report: dict[str, Any]) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Per task (and corpus, when a run has several): the systems × metrics table."""
    tables: dict[str, tuple[list[str], list[list[str]]]] = {}
    groups = dict.fromkeys((r.get("corpus"), r["task"]) for r in report["results"])
    several = len({corpus for corpus, _ in groups}) > 1
    for corpus, task in groups:
        results = [
            r for r in report["results"] if r["task"] == task and r.get("corpus") == corpus
        ]
        metrics = list(dict.fromkeys(r["metric"] for r in results))
        rows: dict[str, dict[str, Any]] = {}
        for result in results:
            rows.setdefault(result["system"], {"n": result["n"]})[result["metric"]] = _cell(result)
        header = ["system", "n", *(_metric_header(m) for m in metrics)]
        body = [
            [system, str(values["n"]), *(values.get(m, "–") for m in metrics)]
            for system, values in rows.items()
        ]
        tables[f"{task} on {corpus}" if several else task] = (header, body)
    return tables


def render_markdown(report: dict[str, Any]) -> str:
    provenance = report["provenance"]
    corpora = provenance.get("corpora") or {provenance["corpus"]["name"]: provenance["corpus"]}
    described = ", ".join(
        f"**{name}** ({info['articles']} article(s))" for name, info in corpora.items()
    )
    lines = [
        f"# harness report: {provenance.get('run_name', '')}",
        "",
        f"Corpus {described}. "
        "Scores are 0–100 with 95% bootstrap intervals in brackets (none below 2 items); "
        "↑ higher is better, ↓ lower is better; n = segments or articles scored.",
    ]
    for task, (header, body) in results_tables(report).items():
        lines += [
            "",
            f"## {task.capitalize()}",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---" for _ in header) + "|",
            *("| " + " | ".join(row) + " |" for row in body),
        ]
    lines += comparisons_markdown(report.get("comparisons") or [])
    lines += [
        "",
        "## Outputs per system",
        "",
        "| system | task | generated | cached | empty | missing | failed |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, info in provenance["systems"].items():
        c = info["counts"]
        lines.append(
            f"| {name} | {info['params']['task']} | {c['generated']} | {c.get('cached', 0)} "
            f"| {c['empty']} | {c['missing']} | {c['failed']} |"
        )
    lines.append("")
    lines.append("Missing and failed outputs are scored as empty strings.")
    truncated = [
        f"{name} {info['truncated']}"
        for name, info in provenance["systems"].items()
        if info.get("truncated")
    ]
    if truncated:
        cut = ", ".join(truncated)
        lines.append(f"Inputs cut to the model's input limit (see warnings): {cut}.")
    if provenance.get("warnings"):
        lines += ["", "## Warnings", "", *(f"- {w}" for w in provenance["warnings"])]
    lines += ["", "## Reproducibility", ""]
    lines += [f"- {m}: `{sig}`" for m, sig in provenance["metrics"].items()]
    packages = ", ".join(f"{k} {v}" for k, v in provenance["packages"].items())
    lines += [
        "",
        f"- config: `{provenance['config_path']}` (sha256 `{provenance['config_sha256'][:16]}…`)",
        f"- created: {provenance['created_at']}; python {provenance['python']}; {packages}",
    ]
    if provenance.get("git_commit"):
        lines.append(f"- harness commit: `{provenance['git_commit']}`")
    if provenance.get("hardware"):
        lines.append(f"- hardware: {_hardware_line(provenance['hardware'])}")
    return "\n".join(lines) + "\n"


def _hardware_line(hardware: dict[str, Any]) -> str:
    parts = [f"{hardware.get('cpu')}, {hardware.get('usable_cpus')} usable CPU(s)"]
    if "torch_threads" in hardware:
        parts.append(f"torch threads {hardware['torch_threads']}")
        parts.append("GPU: " + (", ".join(hardware.get("gpus") or []) or "none"))
    return "; ".join(parts)


def write_report(report: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "report.json").open("w", encoding="utf-8") as handle:
        json.dump(report, handle, ensure_ascii=False, indent=2)  # streamed: no 2nd copy in memory
        handle.write("\n")
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")
    write_html_report(report, out_dir)
    write_exports(report, out_dir)
