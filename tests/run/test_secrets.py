"""Secrets (runtime_env.env_vars values, api_key_env variables' values) are never written."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from harness.config import load_config
from harness.run.folder import RunFolder
from tests.report_documents import as_report

from ..stats.report_factory import REPO

KEY = "sk-live-0123456789abcdef"
WORKER_TOKEN = "hf_worker_token_987654"
PROXY_PASSWORD = "proxy-pass-4242"


def test_secrets_are_redacted_in_report_config_copy_outputs_and_log(
    tmp_path: Path, monkeypatch, runs: dict[str, Path]
) -> None:
    """Before: env_vars were copied verbatim into report.json and config.yaml."""
    monkeypatch.setenv("SERVED_MODEL_KEY", KEY)
    config_path = tmp_path / "secret.yaml"
    config_path.write_text(
        f"name: secret\narticles: {REPO / 'seeds'}\nreferences: {REPO / 'references'}\n"
        "systems:\n"
        "  - {name: served, type: openai, task: translation,"
        f" base_url: 'http://proxy:{PROXY_PASSWORD}@127.0.0.1:9/v1?api-version=1',"
        " model: m, api_key_env: SERVED_MODEL_KEY}\n"
        "metrics: [bleu]\n"
        "executor:\n  type: ray\n  runtime_env:\n"
        f"    env_vars: {{HF_TOKEN: {WORKER_TOKEN}, OPENAI_API_KEY: {KEY}}}\n",
        encoding="utf-8",
    )
    config = load_config(config_path)
    out = tmp_path / "run"
    with RunFolder(out, config, None) as folder:
        logging.getLogger("harness").info("request failed: Authorization: Bearer %s", KEY)
        report = json.loads((runs["base"] / "report.json").read_text(encoding="utf-8"))
        report["segments"][0]["error"] = f"401 for key {KEY}"
        report["provenance"]["config"] = config.data
        report["provenance"]["executor"] = {"runtime_env": config.executor.runtime_env}
        folder.write_reports(as_report(report))
    written = {
        path.name: path.read_text(encoding="utf-8")
        for path in out.iterdir()
        if path.suffix in (".json", ".yaml", ".log", ".md", ".jsonl", ".csv")
    }
    assert {"report.json", "config.yaml", "run.log"} <= set(written)
    for name, text in written.items():
        assert KEY not in text and WORKER_TOKEN not in text, name
        assert PROXY_PASSWORD not in text, name
    assert "<redacted>" in written["config.yaml"] and "<redacted>" in written["report.json"]
    assert "Bearer <redacted>" in written["run.log"]
    assert "SERVED_MODEL_KEY" in written["config.yaml"]  # the variable's name is not secret
    assert "HF_TOKEN" in written["config.yaml"]
    assert "http://proxy:<redacted>@127.0.0.1:9/v1?api-version=1" in written["config.yaml"]
