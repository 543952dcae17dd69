"""OpenAI-compatible adapter against a fake chat-completions server on 127.0.0.1 started by the test."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bench.cases.schema import CaseInput, Context, InventoryItem
from bench.model import Query
from bench.translators.base import TranslatorError
from bench.translators.cache import TranslationCache
from bench.translators.llm.openai_compat import OpenAICompatTranslator, retry_after_seconds
from bench.translators.llm.prompt import TOOL_NAME, answer_schema
from bench.translators.pool import RetryPolicy, translate_all
from bench.translators.registry import make_translator

API_KEY = "sk-test-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
KEY_ENV = "REACHBENCH_TEST_LLM_KEY"
QUERY = {"region": "ap-northeast-1", "source": "i-0app1", "destination": "35.78.9.203", "protocol": "any"}
CASE = CaseInput(
    turns=("The EC2 instance app-1 cannot communicate with 35.78.9.203.",),
    context=Context(
        home_region="us-east-1",
        account_id="111122223333",
        inventory=(InventoryItem(id="i-0app1", type="instance", region="ap-northeast-1", name="app-1"),),
    ),
)


def completion(
    content: str | None = None, tool_args: str | None = None, usage: tuple[int, int] = (900, 30)
) -> tuple[int, dict[str, str], bytes]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_args is not None:
        message["tool_calls"] = [
            {"id": "call_1", "type": "function", "function": {"name": TOOL_NAME, "arguments": tool_args}}
        ]
    doc = {
        "id": "cmpl-1",
        "object": "chat.completion",
        "model": "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
    }
    return 200, {"Content-Type": "application/json"}, json.dumps(doc).encode()


def answer(obj: dict[str, Any], **kw: Any) -> tuple[int, dict[str, str], bytes]:
    return completion(content=json.dumps(obj), **kw)


class FakeServer:
    """Answers POST /v1/chat/completions from a script; records every request (path, headers, body)."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str], bytes] | float] = []
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                step = server.script.pop(0) if server.script else (500, {}, b"script exhausted")
                if isinstance(step, float):  # hang longer than the client's timeout
                    time.sleep(step)
                    step = answer({"decision": "abstain", "abstain_reason": "other"})
                status, headers, payload = step
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    yield fake
    fake.close()


def make(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch, **options: Any
) -> tuple[OpenAICompatTranslator, list[float]]:
    monkeypatch.setenv(KEY_ENV, API_KEY)
    translator = make_translator(
        f"openai:model=fake-model,base_url={server.url},api_key_env={KEY_ENV}", **options
    )
    assert isinstance(translator, OpenAICompatTranslator)
    sleeps: list[float] = []
    translator._sleep = sleeps.append
    return translator, sleeps


def test_canned_completion_sends_schema_and_records_usage(server: FakeServer, monkeypatch) -> None:
    translator, _ = make(server, monkeypatch, price_in=0.5, price_out=1.5)
    server.script = [answer({"decision": "query", "query": QUERY})]
    out = translator.translate(CASE)
    assert out.status == "query" and out.query == Query(**QUERY)
    assert out.usage is not None and (out.usage.input_tokens, out.usage.output_tokens) == (900, 30)
    assert out.usage.cost_usd == pytest.approx((900 * 0.5 + 30 * 1.5) / 1e6)
    (req,) = server.requests
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["Authorization"] == f"Bearer {API_KEY}"
    body = req["body"]
    assert body["model"] == "fake-model" and body["temperature"] == 0.0
    assert body["response_format"]["json_schema"]["schema"] == answer_schema()
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "35.78.9.203" in body["messages"][-1]["content"]
    assert translator.settings()["api_key_env"] == KEY_ENV and API_KEY not in json.dumps(
        translator.describe()
    )


def test_429_with_retry_after_is_honoured(server: FakeServer, monkeypatch) -> None:
    translator, sleeps = make(server, monkeypatch)
    server.script = [
        (429, {"Retry-After": "7"}, b'{"error": {"message": "rate limited"}}'),
        answer({"decision": "query", "query": QUERY}),
    ]
    out = translator.translate(CASE)
    assert out.status == "query" and sleeps == [7.0] and len(server.requests) == 2
    assert out.extra["call_attempts"] == 2


def test_500s_are_retried_with_backoff_then_handed_to_the_pool(server: FakeServer, monkeypatch) -> None:
    translator, sleeps = make(server, monkeypatch, max_retries=2, backoff=0.5)
    server.script = [
        (500, {}, b"upstream error"),
        (502, {}, b"bad gateway"),
        answer({"decision": "abstain", "abstain_reason": "cross_region"}),
    ]
    out = translator.translate(CASE)
    assert out.status == "abstain" and len(server.requests) == 3
    assert len(sleeps) == 2 and 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0

    server.requests.clear()
    server.script = [(500, {}, b"down")] * 6
    results: dict[str, Any] = {}
    translate_all(
        translator,
        [("c1", CASE)],
        jobs=1,
        on_result=results.__setitem__,
        retry=RetryPolicy(max_retries=1, base_delay=0.0),
    )
    assert results["c1"].failure_type == "translator:retries_exhausted"
    assert len(server.requests) == 6  # (1 + 2 quick retries) x (1 + 1 pool retry)


@pytest.mark.parametrize(
    ("content", "failure"),
    [
        (
            '{"decision": "query", "query": {"region": "ap-northeast-1", "source": "i-0app1"',
            "parse:invalid_json",
        ),
        ("Yes, they can communicate.", "parse:invalid_json"),
        (
            '{"decision": "query", "query": {"region": "ap-northeast-1", "destination": "x"}}',
            "parse:schema_violation",
        ),
    ],
)
def test_invalid_model_output_is_a_scored_parse_failure(
    server: FakeServer, monkeypatch, content: str, failure: str, tmp_path: Path
) -> None:
    translator, _ = make(server, monkeypatch)
    server.script = [completion(content=content), completion(content=content)]
    results: dict[str, Any] = {}
    translate_all(translator, [("c1", CASE)], jobs=1, on_result=results.__setitem__)
    out = results["c1"]
    assert (out.status, out.failure_type, out.raw) == ("error", failure, content)
    assert out.usage is not None and out.usage.input_tokens == 900
    assert len(server.requests) == 1  # a parse failure is an answer, not retried


def test_body_that_is_not_json_is_a_failure(server: FakeServer, monkeypatch) -> None:
    translator, _ = make(server, monkeypatch)
    server.script = [(200, {"Content-Type": "application/json"}, b"{not json")]
    assert translator.translate(CASE).failure_type == "translator:bad_response"


def test_tools_mode_reads_tool_call_arguments(server: FakeServer, monkeypatch) -> None:
    translator, _ = make(server, monkeypatch, mode="tools")
    server.script = [completion(tool_args=json.dumps({"decision": "query", "query": QUERY}))]
    out = translator.translate(CASE)
    assert out.status == "query" and out.query == Query(**QUERY)
    body = server.requests[0]["body"]
    assert body["tool_choice"]["function"]["name"] == TOOL_NAME and "response_format" not in body
    assert body["tools"][0]["function"]["parameters"] == answer_schema()


def test_server_rejecting_the_schema_falls_back_to_text(server: FakeServer, monkeypatch) -> None:
    translator, _ = make(server, monkeypatch)
    server.script = [
        (400, {}, b'{"error": "response_format json_schema not supported"}'),
        completion(content="```json\n" + json.dumps({"decision": "query", "query": QUERY}) + "\n```"),
    ]
    out = translator.translate(CASE)
    assert out.status == "query" and out.extra["fallback"] == "json_schema->text after HTTP 400"
    assert "response_format" not in server.requests[1]["body"]
    strict, _ = make(server, monkeypatch, fallback=False)
    server.script = [(400, {}, b"no")]
    assert strict.translate(CASE).failure_type == "translator:bad_request"


def test_timeout_is_retryable_and_bounded(server: FakeServer, monkeypatch) -> None:
    translator, _ = make(server, monkeypatch, request_timeout=0.3, max_retries=0)
    server.script = [1.0]
    started = time.monotonic()
    out = translator.translate_or_fail(CASE)
    assert out.failure_type == "translator:retryable" and "timeout" in (out.raw or "")
    assert time.monotonic() - started < 0.9


def test_missing_key_env_is_an_error_before_the_run(monkeypatch) -> None:
    monkeypatch.delenv("REACHBENCH_NO_SUCH_KEY", raising=False)
    with pytest.raises(TranslatorError, match="REACHBENCH_NO_SUCH_KEY"):
        make_translator("openai:model=m,base_url=http://127.0.0.1:9/v1,api_key_env=REACHBENCH_NO_SUCH_KEY")


def test_retry_after_forms() -> None:
    assert retry_after_seconds("3") == 3.0 and retry_after_seconds("0.5") == 0.5
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None


def test_api_key_never_lands_in_any_file_the_run_wrote(
    server: FakeServer, monkeypatch, tmp_path: Path
) -> None:
    """Cache, samples, run record and a DEBUG log of everything: none may contain the key."""
    translator, _ = make(server, monkeypatch)
    echo = json.dumps({"error": {"message": f"Incorrect API key provided: {API_KEY}"}}).encode()
    server.script = [
        answer({"decision": "query", "query": QUERY}),
        (429, {"Retry-After": "0"}, echo),
        completion(content=f"my key is {API_KEY}"),  # a model echoing a key must not leak it either
        (401, {}, echo),
    ]
    log_file = tmp_path / "run.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    cache = TranslationCache(tmp_path / "cache.sqlite")
    translator.use_cache(cache)
    inputs = [(f"c{n}", CASE.model_copy(update={"turns": (f"{CASE.turns[0]} (#{n})",)})) for n in range(3)]
    results: dict[str, Any] = {}
    try:
        translate_all(translator, inputs, jobs=1, on_result=results.__setitem__)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
        cache.close()
    assert [results[c].status for c in ("c0", "c1", "c2")] == ["query", "error", "error"]
    assert results["c2"].failure_type == "translator:access_denied"
    assert "[REDACTED]" in (results["c1"].raw or "") and "[REDACTED]" in (results["c2"].raw or "")
    run_dir = tmp_path / "runs" / "r1"
    run_dir.mkdir(parents=True)
    (run_dir / "run.json").write_text(
        json.dumps({"translator": translator.describe(), "spec": getattr(translator, "spec", "")})
    )
    with (run_dir / "samples.jsonl").open("w") as fh:
        for case_id in sorted(results):
            fh.write(
                json.dumps({"case_id": case_id, "translation": results[case_id].model_dump(mode="json")})
                + "\n"
            )
    assert len(TranslationCache(tmp_path / "cache.sqlite")) >= 2  # the cache really was written
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"cache.sqlite", "run.log", "run.json", "samples.jsonl"}
    assert log_file.stat().st_size > 0
    for path in written:
        data = path.read_bytes()
        assert API_KEY.encode() not in data, path
        assert API_KEY[8:24].encode() not in data, path  # no partial key either


def test_a_full_run_directory_never_contains_the_key(server: FakeServer, monkeypatch, tmp_path: Path) -> None:
    """Through the real runner: run.json, samples.jsonl, summary.json, the cache: none holds the key."""
    runner = pytest.importorskip("bench.runner")
    from bench.cases.schema import Case, Gold
    from bench.model import Verdict

    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "suite.json").write_text(json.dumps({"name": "keyleak", "version": "1", "description": "t"}))
    gold = Gold(answerable=True, query=Query(**QUERY), verdict=Verdict(reachable=False))
    cases = [
        Case(
            id=f"k{n}",
            suite="keyleak",
            split="test",
            world="w",
            lang="en",
            gold=gold,
            input=CASE.model_copy(update={"turns": (f"{CASE.turns[0]} (#{n})",)}),
        )
        for n in range(2)
    ]
    (suite / "test.jsonl").write_text("".join(c.model_dump_json() + "\n" for c in cases))

    class FakeEngine:
        def analyze(self, query: Any, profile: str = "truth") -> Verdict:
            return Verdict(profile=profile, reachable=False)  # type: ignore[arg-type]

    monkeypatch.setenv(KEY_ENV, API_KEY)
    server.script = [answer({"decision": "query", "query": QUERY}), (401, {}, f"bad key {API_KEY}".encode())]
    spec = f"openai:model=fake-model,base_url={server.url},api_key_env={KEY_ENV},max_retries=0"
    options = runner.RunOptions(
        translator=spec,
        suite=str(suite),
        splits=("test",),
        out=tmp_path / "runs",
        jobs=1,
        cache_path=tmp_path / "cache.sqlite",
        n_resamples=50,
    )
    result = runner.run(options, engine_factory=lambda world: FakeEngine(), progress=False)
    written = [p for p in tmp_path.rglob("*") if p.is_file() and suite not in p.parents]
    assert {p.name for p in written} >= {"run.json", "samples.jsonl", "cache.sqlite"}
    for path in written:
        assert API_KEY.encode() not in path.read_bytes(), path
    samples = (result.run_dir / "samples.jsonl").read_text()
    assert "translator:access_denied" in samples and "[REDACTED]" in samples
    assert json.loads((result.run_dir / "run.json").read_text())["translator"]["settings"]["prompt_version"]
