"""``openai`` against a scripted local server (pytest-httpserver on 127.0.0.1): what is retried
and how often, what fails at once, and that one failed request costs only its own output.

Backoff is tiny here (``retry_base_delay``), so the tests wait only where a ``Retry-After``
header asks them to.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import pytest
from werkzeug import Request, Response

from harness.errors import HarnessError
from harness.records import Example, Task
from harness.systems.input_length import InputTooLong
from harness.systems.openai_api import (
    OpenAICompatible,
    OpenAIParams,
    endpoint_url,
    normalise_base_url,
    retry_after_seconds,
)

from ..conftest import free_port
from .conftest import build_tokenizer, run_cli, write_config

CHAT = "/v1/chat/completions"


def completion(text: str, **extra) -> dict:
    return {"model": "served-model", "choices": [{"message": {"content": text}}], **extra}


def system(base_url: str, **params) -> OpenAICompatible:
    entry = {
        "name": "served",
        "type": "openai",
        "task": "translation",
        "base_url": base_url,
        "model": "m",
        "retry_base_delay": 0.001,
        **params,
    }
    return OpenAICompatible(OpenAIParams.model_validate(entry), Path("."))


def example(source: str) -> Example:
    return Example("a", Task.TRANSLATION, "c", source, source, ())


def generate(target: OpenAICompatible, *sources: str) -> list:
    try:
        return list(target.generate([example(s) for s in sources]))
    finally:
        target.finish()


def test_429_is_retried_after_what_retry_after_asks(server):
    server.expect_ordered_request(CHAT).respond_with_json(
        {"error": {"message": "slow down"}}, status=429, headers={"Retry-After": "1"}
    )
    server.expect_ordered_request(CHAT).respond_with_json(completion("hello"))
    target = system(server.url_for("/v1"))
    assert generate(target, "مرحبا") == ["hello"]
    assert (target.requests, target.retries, target.failed) == (2, 1, 0)
    assert target.waits == [1.0]  # the header's wait, not the 1 ms backoff
    assert target.run_info()["server_model"] == ["served-model"]


def test_500_then_success_is_retried_with_backoff(server):
    server.expect_ordered_request(CHAT).respond_with_data("boom", status=500)
    server.expect_ordered_request(CHAT).respond_with_data("boom", status=503)
    server.expect_ordered_request(CHAT).respond_with_json(
        completion("fine", system_fingerprint="fp_1")
    )
    target = system(server.url_for("/v1"))
    assert generate(target, "x") == ["fine"]
    assert (target.requests, target.retries) == (3, 2)
    # exponential: attempt n waits base · 2^n, scaled by a jitter factor in [0.5, 1]
    assert 0.0005 <= target.waits[0] <= 0.001 and 0.001 <= target.waits[1] <= 0.002
    assert target.run_info()["system_fingerprint"] == ["fp_1"]


def test_5xx_gives_up_after_max_retries(server):
    server.expect_request(CHAT).respond_with_data("down", status=502)
    target = system(server.url_for("/v1"), max_retries=2)
    (failure,) = generate(target, "x")
    assert isinstance(failure, Exception)
    assert str(failure) == "HTTP 502: down (after 3 attempts)"
    assert (target.requests, target.retries, target.failed) == (3, 2, 1)


def test_400_fails_at_once_with_the_servers_message(server):
    message = "This model's maximum context length is 2048 tokens"
    server.expect_request(CHAT).respond_with_json({"error": {"message": message}}, status=400)
    target = system(server.url_for("/v1"))
    (failure,) = generate(target, "x")
    assert str(failure) == f"HTTP 400: {message}"
    assert (target.requests, target.retries) == (1, 0)


def test_a_response_slower_than_request_timeout_is_retried_then_fails(server):
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response(json.dumps(completion("late")), content_type="application/json")

    server.expect_request(CHAT).respond_with_handler(slow)
    target = system(server.url_for("/v1"), request_timeout=0.1, max_retries=1)
    (failure,) = generate(target, "x")
    assert str(failure).startswith("ReadTimeout") and "(after 2 attempts)" in str(failure)
    assert (target.requests, target.retries) == (2, 1)


def test_connection_refused_is_retried_then_fails():
    target = system(f"http://127.0.0.1:{free_port()}/v1", max_retries=2)
    (failure,) = generate(target, "x")
    assert str(failure).startswith("ConnectError") and "(after 3 attempts)" in str(failure)
    assert (target.requests, target.retries) == (3, 2)


def test_requests_in_flight_never_exceed_max_concurrency(server):
    lock = threading.Lock()
    state = {"now": 0, "most": 0}

    def counted(request: Request) -> Response:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        content = json.loads(request.data)["messages"][-1]["content"]
        return Response(json.dumps(completion(content[-1])), content_type="application/json")

    server.expect_request(CHAT).respond_with_handler(counted)
    target = system(server.url_for("/v1"), max_concurrency=3, prompt="{source}")
    sources = [str(i % 10) for i in range(12)]
    assert generate(target, *sources) == sources  # in input order
    assert state["most"] == 3


def test_request_body_and_completions_api(server):
    server.expect_request("/v1/completions").respond_with_json(
        {"model": "m", "choices": [{"text": " The answer.\nArabic: more"}]}
    )
    target = system(server.url_for("/v1/"), api="completions", seed=7, max_new_tokens=9)
    assert generate(target, "سؤال") == ["The answer."]  # cut at the default stop, a newline
    (sent, _), *_ = server.log
    assert json.loads(sent.data) == {
        "model": "m",
        "prompt": "Arabic: سؤال\nEnglish:",
        "max_tokens": 9,
        "temperature": 0.0,
        "seed": 7,
        "stop": ["\n"],
    }


def test_extra_body_fields_are_sent_and_keyed(server):
    server.expect_request("/v1/completions").respond_with_json(
        {"model": "m", "choices": [{"text": " Yes."}]}
    )
    target = system(server.url_for("/v1/"), api="completions", extra_body={"repeat_penalty": 1.0})
    assert generate(target, "نعم") == ["Yes."]
    (sent, _), *_ = server.log
    assert json.loads(sent.data)["repeat_penalty"] == 1.0
    plain = system(server.url_for("/v1/"), api="completions")
    assert target.fingerprint() != plain.fingerprint()


@pytest.mark.parametrize("field", ["max_tokens", "temperature", "prompt"])
def test_extra_body_cannot_override_what_the_harness_sets(field):
    with pytest.raises(ValueError, match=f"{field} is set by the harness"):
        system("http://127.0.0.1:1/v1", extra_body={field: 1})


def test_the_key_is_sent_but_never_recorded(server, tmp_path, monkeypatch):
    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("HARNESS_TEST_KEY", secret)
    server.expect_request(CHAT, headers={"Authorization": f"Bearer {secret}"}).respond_with_json(
        completion("ok")
    )
    entry = {
        "name": "served",
        "type": "openai",
        "task": "translation",
        "base_url": server.url_for("/v1"),
        "model": "m",
        "api_key_env": "HARNESS_TEST_KEY",
    }
    report, output = run_cli(write_config(tmp_path, [entry]), tmp_path / "out")
    statuses = {s["status"] for s in report["segments"]}
    assert statuses == {"generated"}  # the server only answers requests with the key
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(encoding="utf-8", errors="replace"), path
    assert secret not in output


def test_one_bad_request_fails_alone_through_harness_run(server, tmp_path):
    """A 400 for one input is recorded as that output's failure; the rest are kept."""

    def answer(request: Request) -> Response:
        content = json.loads(request.data)["messages"][-1]["content"]
        if "بذكرى تأسيس كوريا" in content:  # only in the title of the seed article
            body = {"error": {"message": "prompt rejected"}}
            return Response(json.dumps(body), status=400, content_type="application/json")
        return Response(json.dumps(completion("An output.")), content_type="application/json")

    server.expect_request(CHAT).respond_with_handler(answer)
    entry = {
        "name": "served",
        "type": "openai",
        "task": "translation",
        "base_url": server.url_for("/v1"),
        "model": "m",
    }
    report, _ = run_cli(write_config(tmp_path, [entry]), tmp_path / "out")
    failed = [s for s in report["segments"] if s["status"] == "failed"]
    generated = [s for s in report["segments"] if s["status"] == "generated"]
    assert [s["segment_id"] for s in failed] == ["title"]
    assert failed[0]["error"] == "RequestFailed: HTTP 400: prompt rejected"
    assert len(generated) >= 5 and {s["output"] for s in generated} == {"An output."}
    info = report["provenance"]["systems"]["served"]
    assert info["failed"] == 1 and info["retries"] == 0


def test_the_base_url_query_and_credentials_reach_the_server(server):
    """Before: ?api-version=… and user:pass@ were dropped from base_url (Azure-style
    deployments and basic-auth proxies failed)."""
    import base64

    auth = "Basic " + base64.b64encode(b"user:pa55").decode()
    server.expect_request(
        CHAT, query_string="api-version=2024-06-01", headers={"Authorization": auth}
    ).respond_with_json(completion("ok"))
    url = server.url_for("/v1").replace("://", "://user:pa55@") + "/?api-version=2024-06-01"
    target = system(url)
    assert target.params.base_url == url  # kept as written
    assert generate(target, "مرحبا") == ["ok"]


def test_cache_key_covers_what_is_asked_not_how():
    base = system("http://127.0.0.1:8080/v1").fingerprint()
    assert system("http://127.0.0.1:8080/v1/").fingerprint() == base
    assert system("http://127.0.0.1:8080/v1", max_concurrency=9, max_retries=0).fingerprint() == (
        base
    )
    assert system("http://127.0.0.1:8080/v1", api_key_env="OTHER").fingerprint() == base
    assert system("http://127.0.0.1:8081/v1").fingerprint() != base
    assert system("http://127.0.0.1:8080/v1", model="n").fingerprint() != base
    assert system("http://127.0.0.1:8080/v1", max_new_tokens=5).fingerprint() != base
    assert system("http://127.0.0.1:8080/v1", system_prompt="Be brief.").fingerprint() != base


def test_small_helpers():
    # byte for byte, less one trailing slash (before: lower-cased, default port, query and
    # credentials dropped, and http://[::1]:8080/v1 became http://::1:8080/v1)
    for url in (
        "https://API.example.com:443/v1",
        "http://[::1]:8080/v1",
        "https://user:p%40ss@host.example/openai?api-version=2024-06-01",
    ):
        assert normalise_base_url(url) == url and normalise_base_url(url + "/") == url
    assert normalise_base_url("http://h/v1//") == "http://h/v1/"
    assert (
        endpoint_url("https://h/openai/deployments/x?api-version=1", "/chat/completions")
        == "https://h/openai/deployments/x/chat/completions?api-version=1"
    )
    assert (
        endpoint_url("http://[::1]:8080/v1", "/completions") == "http://[::1]:8080/v1/completions"
    )
    assert retry_after_seconds("2") == 2.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_a_key_pasted_into_api_key_env_is_refused():
    with pytest.raises(ValueError, match="api_key_env"):
        system("http://127.0.0.1:1/v1", api_key_env="sk-abc123-secret")


def test_an_unset_key_variable_is_one_line_naming_it(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from harness.cli import app

    monkeypatch.delenv("HARNESS_TEST_UNSET_KEY", raising=False)
    entry = {
        "name": "served",
        "type": "openai",
        "task": "translation",
        "base_url": "http://127.0.0.1:9/v1",
        "model": "m",
        "api_key_env": "HARNESS_TEST_UNSET_KEY",
    }
    config = write_config(tmp_path, [entry])
    result = CliRunner().invoke(
        app, ["run", str(config), "--out", str(tmp_path / "o"), "--no-cache"]
    )
    assert result.exit_code == 2
    assert "HARNESS_TEST_UNSET_KEY (api_key_env) is not set" in result.output
    assert "Traceback" not in result.output


# -- long inputs: on_too_long with the served model's tokenizer here -------------------------
@pytest.fixture(scope="module")
def served_tokenizer(tmp_path_factory) -> Path:
    """The tests' BPE tokenizer with a chat template, standing in for the served model's."""
    folder = tmp_path_factory.mktemp("served-tokenizer")
    build_tokenizer(folder, model_max_length=4096, chat=True)
    return folder


def test_long_sources_are_cut_by_the_tokenizer_to_fit_context_tokens(
    server, served_tokenizer, tmp_path
):
    """Before: no key for it; a prompt over the served window failed with the server's 400 and
    was scored as an empty output, next to hf-* systems that truncated the same input."""
    from transformers import AutoTokenizer

    sent: dict[str, str] = {}

    def answer(request: Request) -> Response:
        prompt = json.loads(request.data)["prompt"]
        sent[prompt] = prompt
        body = {"model": "m", "choices": [{"text": " An output."}]}
        return Response(json.dumps(body), content_type="application/json")

    server.expect_request("/v1/completions").respond_with_handler(answer)
    entry = {
        "name": "served",
        "type": "openai",
        "task": "translation",
        "base_url": server.url_for("/v1"),
        "model": "m",
        "api": "completions",
        "tokenizer": str(served_tokenizer),
        "context_tokens": 80,
        "max_new_tokens": 16,
    }
    report, output = run_cli(write_config(tmp_path, [entry]), tmp_path / "out")
    assert {s["status"] for s in report["segments"]} == {"generated"}
    info = report["provenance"]["systems"]["served"]
    assert info["params"]["on_too_long"] == "truncate"  # the default, with a tokenizer
    assert info["truncated"] == len(info["truncated_segments"]) > 0
    assert info["failed_too_long"] == 0
    article = report["segments"][0]["article_id"]
    assert f"{article}/title" not in info["truncated_segments"]
    tokenizer = AutoTokenizer.from_pretrained(served_tokenizer)
    sources = {f"{s['article_id']}/{s['segment_id']}": s["source"] for s in report["segments"]}
    for prompt in sent:  # each prompt fits, its template whole around a head of its source
        assert len(tokenizer(prompt)["input_ids"]) <= 80 - 16
        assert prompt.startswith("Arabic: ") and prompt.endswith("\nEnglish:")
    for where in info["truncated_segments"]:
        assert len(tokenizer(f"Arabic: {sources[where]}\nEnglish:")["input_ids"]) > 64
        heads = [p[len("Arabic: ") : -len("\nEnglish:")] for p in sent]
        assert any(h and sources[where].startswith(h) and h != sources[where] for h in heads)
        assert f"served: input of {where} has" in output


def test_with_on_too_long_fail_a_long_prompt_fails_alone_and_is_never_sent(
    server, served_tokenizer
):
    server.expect_request(CHAT).respond_with_json(completion("short one"))
    target = system(
        server.url_for("/v1"),
        tokenizer=str(served_tokenizer),
        context_tokens=200,
        max_new_tokens=16,
        on_too_long="fail",
    )
    short, long = generate(target, "مرحبا", "مرحبا بكم في المدينة " * 60)
    assert short == "short one"
    assert isinstance(long, InputTooLong)
    assert re.fullmatch(
        r"input too long: \d+ tokens, more than 184 \(context_tokens 200 less max_new_tokens "
        r"16\); on_too_long: fail",
        str(long),
    )
    assert len(server.log) == 1  # only the short one was sent
    info = target.run_info()
    assert (info["failed_too_long"], info["truncated"], info["failed"]) == (1, 0, 0)


def test_chat_prompts_are_counted_through_the_tokenizers_chat_template(server, served_tokenizer):
    from transformers import AutoTokenizer

    server.expect_request(CHAT).respond_with_json(completion("ok"))
    target = system(
        server.url_for("/v1"),
        tokenizer=str(served_tokenizer),
        context_tokens=200,
        max_new_tokens=16,
        system_prompt="You translate news.",
    )
    long = "مرحبا بكم في المدينة " * 60
    assert generate(target, long) == ["ok"]
    (request, _), *_ = server.log
    messages = json.loads(request.data)["messages"]
    assert messages[0] == {"role": "system", "content": "You translate news."}
    tokenizer = AutoTokenizer.from_pretrained(served_tokenizer)
    rendered = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert len(tokenizer(rendered, add_special_tokens=False)["input_ids"]) <= 184
    instruction, cut = messages[-1]["content"].split("\n\n", 1)
    assert instruction.startswith("Translate the following Arabic text into English.")
    assert cut and long.startswith(cut) and len(cut) < len(long)
    assert target.run_info()["truncated_segments"] == [f"c/{long}"]


def test_api_chat_needs_a_tokenizer_with_a_chat_template(tmp_path):
    build_tokenizer(tmp_path / "plain", model_max_length=4096)
    target = system("http://127.0.0.1:1/v1", tokenizer=str(tmp_path / "plain"), context_tokens=80)
    with pytest.raises(HarnessError, match=r"api: chat counts prompts through the chat template"):
        target.load()
    completions = system(
        "http://127.0.0.1:1/v1",
        api="completions",
        tokenizer=str(tmp_path / "plain"),
        context_tokens=80,
    )
    assert completions.load() is not None


def test_a_missing_tokenizer_folder_is_a_user_error_before_anything_runs(tmp_path):
    with pytest.raises(HarnessError, match="model folder not found"):
        system("http://127.0.0.1:1/v1", tokenizer="./no-such-folder", context_tokens=80)
