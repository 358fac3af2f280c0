"""The detection table (terminal and Markdown) and the metric × phenomenon heatmap (HTML)."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence

from harness.challenge.detection import ALL, Rate
from harness.challenge.generate import Applied
from harness.challenge.perturb import Severity

_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _cell(rate: Rate | None, with_ci: bool = True) -> str:
    if rate is None:
        return "–"
    if not with_ci or rate.ci_low is None or rate.ci_high is None:
        return f"{rate.rate:.1f}"
    return f"{rate.rate:.1f} ({rate.ci_low:.0f}–{rate.ci_high:.0f})"


def _severity_order(name: str) -> int:
    return [s.value for s in Severity].index(name) if name in list(Severity) else 9


def table(
    rates: Sequence[Rate], applied: Sequence[Applied] | None = None, with_ci: bool = True
) -> tuple[list[str], list[list[str]]]:
    """Header and rows: one row per phenomenon, then per severity, then all pairs; one column
    per metric (detection rate, %, with its 95% interval unless ``with_ci`` is False)."""
    metrics = list(dict.fromkeys(r.metric for r in rates))
    index = {(r.metric, r.by, r.group): r for r in rates}
    severity_of = {r.group: "" for r in rates if r.by == "phenomenon"}
    pairs_of: dict[tuple[str, str], int] = {}
    for r in rates:
        pairs_of[(r.by, r.group)] = max(pairs_of.get((r.by, r.group), 0), r.pairs)
    applied_of: dict[str, tuple[int, int]] = {}
    for entry in applied or ():
        done, total = applied_of.get(entry.phenomenon, (0, 0))
        applied_of[entry.phenomenon] = (done + entry.applied, total + entry.items)
    header = ["phenomenon", "severity", "pairs", *metrics]
    rows: list[list[str]] = []
    phenomenon_severity = _phenomenon_severities(rates)
    for name in sorted(severity_of, key=lambda n: (_severity_order(phenomenon_severity[n]), n)):
        count = str(pairs_of[("phenomenon", name)])
        if name in applied_of:
            done, total = applied_of[name]
            count = f"{done}/{total}"
        rows.append(
            [name, phenomenon_severity[name], count]
            + [_cell(index.get((m, "phenomenon", name)), with_ci) for m in metrics]
        )
    severities = sorted({r.group for r in rates if r.by == "severity"}, key=_severity_order)
    for severity in severities:
        rows.append(
            [f"all {severity}", severity, str(pairs_of[("severity", severity)])]
            + [_cell(index.get((m, "severity", severity)), with_ci) for m in metrics]
        )
    rows.append(
        ["all", "", str(pairs_of.get((ALL, ALL), 0))]
        + [_cell(index.get((m, ALL, ALL)), with_ci) for m in metrics]
    )
    return header, rows


def _phenomenon_severities(rates: Sequence[Rate]) -> dict[str, str]:
    """Each phenomenon's severity, as its rates give it."""
    return {r.group: r.severity for r in rates if r.by == "phenomenon"}


def markdown(
    title: str, rates: Sequence[Rate], applied: Sequence[Applied] | None, notes: Sequence[str]
) -> str:
    header, rows = table(rates, applied)
    lines = [f"# {title}", ""]
    lines += [f"- {note}" for note in notes]
    lines += [
        "",
        "Detection rate (%): the share of pairs in which the metric scores the good text "
        "better than the one with the error (ties count as misses), with its 95% bootstrap "
        "interval. `pairs` is how many items the perturbation applied to, of those tried.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i < 2 else "---:" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def heatmap_svg(rates: Sequence[Rate]) -> str:
    """Metric × phenomenon detection rates as an SVG heatmap (red 0% … green 100%)."""
    import matplotlib
    from matplotlib.figure import Figure

    metrics = list(dict.fromkeys(r.metric for r in rates))
    phenomena = list(dict.fromkeys(r.group for r in rates if r.by == "phenomenon"))
    index = {(r.metric, r.group): r.rate for r in rates if r.by == "phenomenon"}
    values = [[index.get((m, p), float("nan")) for p in phenomena] for m in metrics]
    width = 1.6 + 0.75 * len(phenomena)
    height = 1.2 + 0.42 * len(metrics)
    settings = {"svg.hashsalt": "challenge", "svg.fonttype": "path", "font.size": 8}
    with matplotlib.rc_context(settings):
        figure = Figure(figsize=(width, height), layout="constrained")
        axes = figure.subplots()
        image = axes.imshow(values, cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
        axes.set_xticks(range(len(phenomena)), phenomena, rotation=40, ha="right")
        axes.set_yticks(range(len(metrics)), metrics)
        for row, line in enumerate(values):
            for column, value in enumerate(line):
                if value == value:  # not NaN
                    axes.text(column, row, f"{value:.0f}", ha="center", va="center", fontsize=7)
        figure.colorbar(image, ax=axes, label="detection rate (%)")
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _COMMENT.sub("", _PROLOGUE.sub("", buffer.getvalue(), count=1))


def html_page(
    title: str, rates: Sequence[Rate], applied: Sequence[Applied] | None, notes: Sequence[str]
) -> str:
    header, rows = table(rates, applied)
    escape = html.escape
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    items = "".join(f"<li>{escape(note)}</li>" for note in notes)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}</style></head><body>"
        f"<h1>{escape(title)}</h1><ul>{items}</ul>"
        "<h2>Detection rate, metric × phenomenon</h2>"
        f"<figure class='heatmap'>{heatmap_svg(rates)}</figure>"
        "<h2>Detection rates with 95% intervals</h2>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        "</body></html>\n"
    )
