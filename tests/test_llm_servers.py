"""The recipes of docs/local-servers.md against fakes of vLLM, llama.cpp server and Ollama on 127.0.0.1.

Each fake accepts the request shapes its server accepts and rejects what it rejects (HTTP 400), and
answers the way a model under that constraint does: schema-constrained requests get bare JSON, tool
requests a tool call, unconstrained ones prose around a fenced JSON block. The specs are read from the
recipe page itself, so the page cannot drift from what is tested.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bench.cases.schema import CaseInput, Context, InventoryItem
from bench.model import Query
from bench.translators.llm.openai_compat import OpenAICompatTranslator
from bench.translators.llm.prompt import TOOL_NAME, answer_schema
from bench.translators.registry import make_translator

DOC = Path(__file__).resolve().parents[1] / "docs" / "local-servers.md"
QUERY = {"region": "us-east-1", "source": "i-0app1", "destination": "35.78.9.203", "protocol": "any"}
ANSWER = {"decision": "query", "query": QUERY, "abstain_reason": None}
CASE = CaseInput(
    turns=("The EC2 instance app-1 cannot communicate with 35.78.9.203.",),
    context=Context(
        home_region="us-east-1",
        account_id="111122223333",
        inventory=(InventoryItem(id="i-0app1", type="instance", region="us-east-1", name="app-1"),),
    ),
)


class Rejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _schema_ok(schema: Any) -> None:
    if schema != answer_schema():
        raise Rejected("schema is not the answer schema")
    if "$ref" in json.dumps(schema):
        raise Rejected("$ref not supported by the grammar converter")


def _messages_ok(body: dict[str, Any]) -> None:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise Rejected("messages required")
    for m in messages:
        if m.get("role") not in ("system", "user", "assistant") or not isinstance(m.get("content"), str):
            raise Rejected(f"bad message {m!r}")
    if not isinstance(body.get("model"), str):
        raise Rejected("model required")


def _response_format(body: dict[str, Any], json_object_schema: bool = False) -> str | None:
    fmt = body.get("response_format")
    if fmt is None:
        return None
    kind = fmt.get("type")
    if kind == "json_schema":
        _schema_ok((fmt.get("json_schema") or {}).get("schema"))
        if not (fmt.get("json_schema") or {}).get("name"):
            raise Rejected("json_schema.name required")
        return "response_format.json_schema"
    if kind == "json_object":
        if json_object_schema and "schema" in fmt:
            _schema_ok(fmt["schema"])
        return "response_format.json_object"
    raise Rejected(f"unknown response_format type {kind!r}")


def vllm(body: dict[str, Any]) -> str:
    """vLLM's OpenAI server: response_format, its guided_json / structured_outputs extras, named tools;
    one kind of guided decoding per request."""
    _messages_ok(body)
    used = [c for c in (_response_format(body),) if c]
    if "guided_json" in body:
        _schema_ok(body["guided_json"])
        used.append("guided_json")
    if "structured_outputs" in body:
        _schema_ok(body["structured_outputs"].get("json"))
        used.append("structured_outputs")
    if "tools" in body:
        choice = body.get("tool_choice") or {}
        if (choice.get("function") or {}).get("name") != TOOL_NAME:
            raise Rejected('"auto" tool choice requires --enable-auto-tool-choice')
        _schema_ok(body["tools"][0]["function"]["parameters"])
        used.append("tools")
    if len(used) > 1:
        raise Rejected("You can only use one kind of guided decoding")
    return used[0] if used else "none"


def llamacpp(body: dict[str, Any]) -> str:
    """llama-server started without --jinja: schema via response_format or top-level json_schema; no tools."""
    _messages_ok(body)
    if "tools" in body:
        raise Rejected("tools param requires --jinja flag")
    used = _response_format(body, json_object_schema=True)
    if "json_schema" in body:
        if used:
            raise Rejected('Either "json_schema" or "grammar" can be specified, but not both')
        _schema_ok(body["json_schema"])
        used = "json_schema"
    return used or "none"


def ollama(body: dict[str, Any]) -> str:
    """Ollama ≥ 0.5 serving a model without tool support."""
    _messages_ok(body)
    if "tools" in body:
        raise Rejected(f"registry.ollama.ai/library/{body['model']} does not support tools")
    return _response_format(body) or "none"


class EmulatedServer:
    def __init__(self, accept: Callable[[dict[str, Any]], str]) -> None:
        self.requests: list[dict[str, Any]] = []
        self.constraints: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                server.requests.append({"path": self.path, "body": body})
                try:
                    if self.path != "/v1/chat/completions":
                        raise Rejected(f"no route {self.path}")
                    constraint = accept(body)
                except Rejected as exc:
                    self._send(400, {"error": {"message": exc.message, "type": "invalid_request_error"}})
                    return
                server.constraints.append(constraint)
                message: dict[str, Any] = {"role": "assistant", "content": None}
                if constraint == "tools":
                    message["tool_calls"] = [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": TOOL_NAME, "arguments": json.dumps(ANSWER)},
                        }
                    ]
                elif constraint == "none":  # an unconstrained model talks around its JSON
                    message["content"] = f"Here is the analysis:\n```json\n{json.dumps(ANSWER)}\n```\nDone."
                else:
                    message["content"] = json.dumps(ANSWER)
                self._send(
                    200,
                    {
                        "id": "x",
                        "object": "chat.completion",
                        "model": body["model"],
                        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 1200, "completion_tokens": 40, "total_tokens": 1240},
                    },
                )

            def _send(self, status: int, doc: dict[str, Any]) -> None:
                payload = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def recipe_specs(section: str) -> list[str]:
    """The ``--translator '...'`` specs of one server's section of docs/local-servers.md."""
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"--translator '(openai:[^']+)'", body)


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def _translate(spec: str, port: int) -> tuple[OpenAICompatTranslator, Any]:
    spec = re.sub(r"base_url=http://127\.0\.0\.1:\d+/v1", f"base_url=http://127.0.0.1:{port}/v1", spec)
    translator = make_translator(spec)
    assert isinstance(translator, OpenAICompatTranslator)
    translator._sleep = lambda _s: None  # type: ignore[attr-defined]
    return translator, translator.translate_or_fail(CASE, case_id="c1")


@pytest.mark.parametrize(
    ("section", "accept", "constraints"),
    [
        ("vLLM", vllm, ["response_format.json_schema", "guided_json"]),
        ("llama.cpp server", llamacpp, ["response_format.json_schema", "json_schema"]),
        ("Ollama", ollama, ["response_format.json_schema", "none"]),
    ],
)
def test_every_recipe_sends_what_its_server_accepts(
    section: str, accept: Any, constraints: list[str]
) -> None:
    specs = recipe_specs(section)
    assert len(specs) == len(constraints), specs
    server = EmulatedServer(accept)
    try:
        for spec, constraint in zip(specs, constraints, strict=True):
            translator, out = _translate(spec, server.port)
            assert out.status == "query", (spec, out.failure_type, out.raw)
            assert out.query == Query.model_validate(QUERY)
            assert "fallback" not in out.extra, (spec, out.extra)  # the server took the request as sent
            assert server.constraints[-1] == constraint, spec
            body = server.requests[-1]["body"]
            assert "tools" not in body and "tool_choice" not in body  # no-tools for every recipe
            assert [m["role"] for m in body["messages"]] == ["system", "user"]  # the server templates
    finally:
        server.close()


def test_tools_mode_on_a_server_without_tools_falls_back_to_the_no_tools_mode() -> None:
    for accept in (llamacpp, ollama):
        server = EmulatedServer(accept)
        try:
            _, out = _translate(
                f"openai:model=m,base_url=http://127.0.0.1:{server.port}/v1,mode=tools", server.port
            )
            assert out.status == "query" and out.extra.get("fallback") == "tools->text after HTTP 400"
            assert [("tools" in r["body"]) for r in server.requests] == [True, False]
            _, strict = _translate(
                f"openai:model=m,base_url=http://127.0.0.1:{server.port}/v1,mode=tools,fallback=false",
                server.port,
            )
            assert strict.status == "error" and strict.failure_type == "translator:bad_request"
            assert "tools" in (strict.raw or "")
        finally:
            server.close()


@pytest.mark.parametrize(
    ("mode", "accept", "constraint"),
    [
        ("vllm_structured_outputs", vllm, "structured_outputs"),
        ("tools", vllm, "tools"),
        ("json_object", llamacpp, "response_format.json_object"),
        ("text", vllm, "none"),
    ],
)
def test_each_mode_has_the_request_shape_of_its_server(mode: str, accept: Any, constraint: str) -> None:
    server = EmulatedServer(accept)
    try:
        _, out = _translate(
            f"openai:model=m,base_url=http://127.0.0.1:{server.port}/v1,mode={mode}", server.port
        )
        assert out.status == "query" and "fallback" not in out.extra
        assert server.constraints == [constraint]
    finally:
        server.close()


def test_two_constraints_at_once_are_rejected_by_the_fakes() -> None:
    """The fakes are strict (a check that cannot fail would prove nothing)."""
    schema = answer_schema()
    base = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    with pytest.raises(Rejected):
        vllm({**base, "guided_json": schema, "response_format": {"type": "json_object"}})
    with pytest.raises(Rejected):
        llamacpp({**base, "json_schema": schema, "response_format": {"type": "json_object"}})
    with pytest.raises(Rejected):
        vllm({**base, "guided_json": {"type": "object"}})
    assert vllm({**base}) == "none" and ollama({**base}) == "none"
