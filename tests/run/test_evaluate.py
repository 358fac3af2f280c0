"""``evaluate``: the report document a run produces, end to end on the seed article."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from harness.cli import app

from ..conftest import REPO, SEED

# The seed article quotes a TASS tweet: the tweet, its attribution line, a picture link.
EMBED_IDS = ["embed-1", "embed-2", "embed-3"]


def test_embeds_are_in_report_json_and_html_and_never_scored(tmp_path: Path):
    config = tmp_path / "embeds.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "articles": str(REPO / "seeds"),
                "references": str(REPO / "references"),
                "systems": [{"name": "copy", "type": "identity", "task": "translation"}],
                "metrics": ["chrf"],
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))

    embeds = report["embeds"]
    assert [e["segment_id"] for e in embeds] == EMBED_IDS
    assert {e["article_id"] for e in embeds} == {SEED.stem}
    assert all(e["kind"] == "embed" and e["scored"] is False for e in embeds)
    assert all(e["corpus"] == "seeds" for e in embeds)
    assert [e["lang"] for e in embeds] == ["ru", "en", "ru"]
    assert embeds[1]["text"] == "— ТАСС (@tass_agency) September 5, 2025"

    # the scored part of the report is unchanged: no embed among segments, n counts 9
    assert not any((s.get("segment_id") or "").startswith("embed") for s in report["segments"])
    assert {r["n"] for r in report["results"]} == {9}

    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count('class="embed-row"') == 3
    assert "— ТАСС (@tass_agency) September 5, 2025" in html
    assert "not scored" in html

    rerendered = CliRunner().invoke(app, ["report", str(out)])
    assert rerendered.exit_code == 0, rerendered.output
    assert (out / "report.html").read_text(encoding="utf-8").count('class="embed-row"') == 3


def test_an_old_report_without_embeds_still_rerenders(tmp_path: Path, runs):
    report = json.loads((runs["base"] / "report.json").read_text(encoding="utf-8"))
    report.pop("embeds", None)
    (tmp_path / "report.json").write_text(json.dumps(report), encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert 'id="embeds"' not in (tmp_path / "report.html").read_text(encoding="utf-8")
