"""The report: ``report.json`` (a public contract, see README) and its Markdown rendering.

The Markdown and terminal tables are rendered from the JSON document alone, so a run folder can
be re-rendered later without re-running anything.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.export import write_exports
from harness.html import write_html_report
from harness.metrics import METRICS, Metric
from harness.runner import Generation, Status
from harness.scoring import MetricResult

SCHEMA_VERSION = 1


def _segment_row(generation: Generation, scores: dict[str, float]) -> dict[str, Any]:
    example = generation.example
    row: dict[str, Any] = {
        "system": generation.system,
        "task": example.task.value,
        "article_id": example.article_id,
        "segment_id": example.segment_id,
        "source": example.source,
        "output": generation.output,
        "references": list(example.references),
        "scores": scores,
        "status": generation.status.value,
    }
    if generation.error:
        row["error"] = generation.error
    return row


def build_report(
    generations_by_system: dict[str, list[Generation]],
    results: Sequence[MetricResult],
    metrics: dict[str, Metric],
    provenance: dict[str, Any],
) -> dict[str, Any]:
    segment_scores: dict[tuple[str, int], dict[str, float]] = {}
    for result in results:
        metric = metrics[result.metric]
        for index, row in enumerate(result.stats):
            segment_scores.setdefault((result.system, index), {})[result.metric] = (
                metric.segment_score(row)
            )
    segments = [
        _segment_row(generation, segment_scores.get((system, index), {}))
        for system, generations in generations_by_system.items()
        for index, generation in enumerate(generations)
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "results": [
            {
                "system": r.system,
                "task": r.task.value,
                "metric": r.metric,
                "score": r.score,
                "n": r.n,
            }
            for r in results
        ],
        "segments": segments,
        "provenance": provenance,
    }


def status_counts(generations: Sequence[Generation]) -> dict[str, int]:
    return {status.value: sum(g.status is status for g in generations) for status in Status}


def _metric_header(name: str) -> str:
    arrow = "↑" if METRICS.get(name).higher_is_better else "↓"
    return f"{name} {arrow}"


def results_tables(report: dict[str, Any]) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Per task: the header and rows of the systems × metrics table."""
    tables: dict[str, tuple[list[str], list[list[str]]]] = {}
    tasks = dict.fromkeys(r["task"] for r in report["results"])
    for task in tasks:
        results = [r for r in report["results"] if r["task"] == task]
        metrics = list(dict.fromkeys(r["metric"] for r in results))
        rows: dict[str, dict[str, Any]] = {}
        for result in results:
            rows.setdefault(result["system"], {"n": result["n"]})[result["metric"]] = result[
                "score"
            ]
        header = ["system", "n", *(_metric_header(m) for m in metrics)]
        body = [
            [system, str(values["n"]), *(f"{values[m]:.2f}" for m in metrics)]
            for system, values in rows.items()
        ]
        tables[task] = (header, body)
    return tables


def render_markdown(report: dict[str, Any]) -> str:
    provenance = report["provenance"]
    corpus = provenance["corpus"]
    lines = [
        f"# harness report: {provenance.get('run_name', '')}",
        "",
        f"Corpus **{corpus['name']}** ({corpus['articles']} article(s)). "
        "Scores are 0–100; ↑ higher is better, ↓ lower is better; n = segments or articles scored.",
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
    lines += [
        "",
        "## Outputs per system",
        "",
        "| system | task | generated | empty | missing | failed |",
        "|---|---|---|---|---|---|",
    ]
    for name, info in provenance["systems"].items():
        c = info["counts"]
        lines.append(
            f"| {name} | {info['params']['task']} | {c['generated']} | {c['empty']} "
            f"| {c['missing']} | {c['failed']} |"
        )
    lines.append("")
    lines.append("Missing and failed outputs are scored as empty strings.")
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
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")
    write_html_report(report, out_dir)
    write_exports(report, out_dir)
