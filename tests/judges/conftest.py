"""A scripted OpenAI-compatible judge (pytest-httpserver) and configs over the seed article."""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path

import yaml
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from harness.cli import app

from ..conftest import REPO, SEED
from ..systems.conftest import seed_title_and_bullets

CHAT = "/v1/chat/completions"


def reply(text: str, logprobs: list | None = None) -> dict:
    choice: dict = {"message": {"content": text}}
    if logprobs is not None:
        choice["logprobs"] = {"content": logprobs}
    return {"model": "judge-model", "choices": [choice]}


def token(text: str, top: dict[str, float] | None = None) -> dict:
    """One generated token: its own logprob is its probability in ``top`` (else 1)."""
    top = top or {text: 1.0}
    return {
        "token": text,
        "logprob": math.log(top.get(text, 1.0)),
        "top_logprobs": [{"token": t, "logprob": math.log(p)} for t, p in top.items()],
    }


def answer_with(server: HTTPServer, respond: Callable[[dict], Response | dict]) -> list[dict]:
    """Serve every chat request with ``respond(body)``; returns the bodies seen, in order."""
    seen: list[dict] = []

    def handler(request: Request) -> Response:
        body = json.loads(request.data)
        seen.append(body)
        result = respond(body)
        if isinstance(result, Response):
            return result
        return Response(json.dumps(result), content_type="application/json")

    server.expect_request(CHAT, method="POST").respond_with_handler(handler)
    return seen


def user_text(body: dict) -> str:
    """The judge's prompt (the first user message)."""
    return next(m["content"] for m in body["messages"] if m["role"] == "user")


def is_repair(body: dict) -> bool:
    return (
        body["messages"][-1]["role"] == "user"
        and "could not be read" in (body["messages"][-1]["content"])
    )


def judge_system(server: HTTPServer, **params) -> dict:
    return {
        "name": "judge",
        "type": "openai",
        "task": "translation",
        "base_url": server.url_for("/v1"),
        "model": "judge-model",
        "retry_base_delay": 0.001,
        "max_new_tokens": 64,
        **params,
    }


def write_config(
    folder: Path, systems: list[dict], metrics: list, whole: bool = False, **extra
) -> Path:
    """A config over the seed's title and two bullets (for translations), or (``whole``) the
    whole seed article (for its summary)."""
    folder.mkdir(parents=True, exist_ok=True)
    if whole:
        shutil.copy(SEED, folder / SEED.name)
        data = {"articles": SEED.name, "references": str(REPO / "references")}
    else:
        data = seed_title_and_bullets(folder)
    document = {**data, "systems": systems, "metrics": metrics, **extra}
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def run(config: Path, out: Path, *options: str) -> tuple[int, str, dict | None]:
    """``harness run``: exit code, output, and the report (when one was written)."""
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out), *options])
    report_path = out / "report.json"
    report = json.loads(report_path.read_text("utf-8")) if report_path.exists() else None
    return result.exit_code, result.output, report


def results(report: dict, metric: str) -> dict[str, dict]:
    return {r["system"]: r for r in report["results"] if r["metric"] == metric}


def segments(report: dict, system: str) -> list[dict]:
    return [s for s in report["segments"] if s["system"] == system]
