"""The issue's "done when": one config with comet, metricx and similarity (use-m3) runs on
FLORES with tiny checkpoints through ``harness run``, and ``harness compare`` compares two
such runs, each metric in its declared direction."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from harness.cli import app

from .conftest import FIXTURES, tiny_mt5, triples, write_run


def test_run_and_compare_with_learned_metrics(tmp_path):
    mt5 = tiny_mt5()
    metrics = (
        f"[{{name: comet, model: {FIXTURES / 'xcomet'}, cache_dir: {tmp_path / 'cache'}}}, "
        f"{{name: metricx, model: {mt5}, tokenizer: {mt5}, cache_dir: {tmp_path / 'cache'}}}, "
        "{name: similarity, encoder: use-m3}, bleu]"
    )
    rows = triples()
    broken = [dict(r, mt=" ".join(r["mt"].split()[: len(r["mt"].split()) // 2])) for r in rows]
    reports = {}
    for name, data in (("base", rows), ("cand", broken)):
        folder = tmp_path / name
        folder.mkdir()
        config = write_run(folder, metrics, data)
        result = CliRunner().invoke(app, ["run", str(config), "--out", str(folder / "out")])
        assert result.exit_code == 0, result.output
        reports[name] = folder / "out"
        report = json.loads((folder / "out" / "report.json").read_text("utf-8"))
        assert {r["metric"] for r in report["results"]} == {"comet", "metricx", "similarity", "bleu"}
        signatures = report["provenance"]["metrics"]
        assert "use-multilingual-v3" in signatures["similarity"]
        assert "arch:metricx-24" in signatures["metricx"]
    result = CliRunner().invoke(app, ["compare", str(reports["base"]), str(reports["cand"])])
    # half of every output dropped: BLEU and similarity fall significantly, the gate fails
    assert result.exit_code == 1, result.output
    for label in ("comet ↑", "metricx ↓", "similarity ↑"):
        assert label in result.output
