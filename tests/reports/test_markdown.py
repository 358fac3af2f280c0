"""report.md: names from configs or foreign reports cannot break its tables."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from harness.cli import app
from harness.reports.markdown import md_cell

from ..conftest import REPO


def _cells(row: str) -> list[str]:
    """Split a Markdown table row the way GFM does: on pipes not escaped by a backslash."""
    return re.findall(r"(?:\\.|[^|\\])+", row.strip().strip("|"))


def test_a_cell_escapes_pipes_and_backslashes_and_folds_line_breaks():
    assert md_cell("a|b") == r"a\|b"
    assert md_cell("a\\|b") == r"a\\\|b"  # a literal backslash cannot un-escape the pipe
    assert md_cell("two\nlines") == "two lines"
    assert _cells("| " + md_cell("x|y\\") + " | 2 |") == [" x\\|y\\\\ ", " 2 "]


def test_system_names_with_pipes_keep_every_table_row_in_its_columns(tmp_path: Path):
    config = tmp_path / "pipes.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "articles": str(REPO / "seeds"),
                "references": str(REPO / "references"),
                "systems": [
                    {"name": "copy|v2", "type": "identity", "task": "translation"},
                    {"name": "back\\slash|", "type": "identity", "task": "translation"},
                ],
                "metrics": ["chrf"],
                "compare": {"baseline": "copy|v2"},
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    lines = (out / "report.md").read_text(encoding="utf-8").splitlines()
    tables: list[list[str]] = []
    for previous, line in zip(["", *lines], lines, strict=False):
        if line.startswith("|"):
            if previous.startswith("|"):
                tables[-1].append(line)
            else:
                tables.append([line])
    assert len(tables) >= 3  # results, comparisons, outputs per system
    for table in tables:
        widths = {len(_cells(row)) for row in table}
        assert len(widths) == 1, table
    rows = [row for table in tables for row in table]
    assert any(_cells(row)[0].strip() == r"copy\|v2" for row in rows)
    assert any(_cells(row)[0].strip() == r"back\\slash\|" for row in rows)
