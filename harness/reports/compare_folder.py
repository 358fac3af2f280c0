"""The folder ``harness compare --out DIR`` writes: report.md, report.html and analysis.json
(the same numbers, for scripts), each written whole or not at all."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from harness.atomic import atomic_write_text
from harness.errors import HarnessError
from harness.reports.analysis import analysis_markdown
from harness.reports.html import HTML_NAME
from harness.reports.html.analysis_page import render_analysis_html
from harness.verdicts.analysis import PairAnalysis

ANALYSIS_NAME = "analysis.json"


def _candidate_html(candidate_report: Path, out: Path) -> str | None:
    """The candidate's report.html relative to ``out`` (for links), when there is one."""
    html = candidate_report.parent / HTML_NAME
    if not html.is_file():
        return None
    return Path(os.path.relpath(html.resolve(), out.resolve())).as_posix()


def write_compare_folder(
    out: Path,
    analyses: Sequence[PairAnalysis],
    settings: dict[str, str | float],
    baseline_report: Path,
    candidate_report: Path,
) -> list[Path]:
    """Write the three files into ``out`` (created if needed); returns their paths. A run
    folder of either report is refused: its own report.md and report.html would be lost."""
    for report in (baseline_report, candidate_report):
        if out.resolve() == report.resolve().parent:
            raise HarnessError(
                f"--out {out}: that is the run folder of {report}; its report.md and "
                "report.html would be overwritten (choose another folder)"
            )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HarnessError(f"--out {out}: cannot create the folder: {exc.strerror}") from None
    link = _candidate_html(candidate_report, out)
    names = (str(baseline_report), str(candidate_report))
    document = {
        "baseline": names[0],
        "candidate": names[1],
        "settings": settings,
        "pairs": [a.to_json() for a in analyses],
    }
    files = {
        out / "report.md": analysis_markdown(analyses, settings, *names, link),
        out / HTML_NAME: render_analysis_html(analyses, settings, *names, link),
        out / ANALYSIS_NAME: json.dumps(document, ensure_ascii=False, indent=2) + "\n",
    }
    try:
        for path, text in files.items():
            atomic_write_text(path, text)
    except OSError as exc:
        raise HarnessError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
    return list(files)
