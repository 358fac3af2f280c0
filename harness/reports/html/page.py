"""Renders ``report.html``: one self-contained file that works offline from ``file://``.

Jinja2 with autoescaping escapes every string from articles, references and model outputs;
the data the sort/filter script reads is embedded with ``tojson`` (which escapes ``<``, ``>``
and ``&``), and a Content-Security-Policy allows no network access and no script except the
page's own, so even a missed escape could not run injected code.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from harness.atomic import atomic_write_text
from harness.report_model import Report
from harness.reports.html.charts import MetricChart
from harness.reports.html.view import DrawChart, build_page

HTML_NAME = "report.html"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("harness.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _script() -> tuple[Markup, str]:
    """The page's script and its CSP source expression (``'sha256-…'``)."""
    environment = _environment()
    source, _, _ = environment.loader.get_source(environment, "report.js")  # type: ignore[union-attr]
    digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")
    return Markup(source), f"'sha256-{digest}'"


def render_html(report: Report, draw: DrawChart = MetricChart.svg) -> str:
    """The HTML page of a report (``draw``: where its charts come from)."""
    script, script_source = _script()
    return (
        _environment()
        .get_template("report.html.j2")
        .render(page=build_page(report, draw), script=script, script_source=script_source)
    )


def write_html_report(report: Report, out_dir: Path, draw: DrawChart = MetricChart.svg) -> Path:
    path = out_dir / HTML_NAME
    atomic_write_text(path, render_html(report, draw))
    return path
