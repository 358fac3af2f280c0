"""The self-contained HTML report (``report.html``)."""

from harness.reports.html.page import HTML_NAME, render_html, write_html_report

__all__ = ["HTML_NAME", "render_html", "write_html_report"]
