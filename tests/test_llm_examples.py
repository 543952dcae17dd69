"""The example plug-ins in docs/examples work as documented (entry-point package and command: script)."""

from __future__ import annotations

import importlib
import json
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bench.cases.schema import CaseInput, Context, InventoryItem
from bench.model import Query
from bench.translators import Translator
from bench.translators.registry import ENTRY_POINT_GROUP, make_translator

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
PLUGIN = EXAMPLES / "reachbench-ollama-plugin"
SCRIPT = EXAMPLES / "command-translator" / "keyword_translator.py"
INVENTORY = (
    InventoryItem(
        id="i-0bastion", type="instance", region="us-east-1", name="bastion", private_ips=("10.0.1.10",)
    ),
    InventoryItem(
        id="i-0app2", type="instance", region="us-east-1", name="app-2", private_ips=("10.0.2.20",)
    ),
    InventoryItem(id="i-0tokyo", type="instance", region="ap-northeast-1", name="tokyo-app"),
)


def _case(*turns: str) -> CaseInput:
    return CaseInput(
        turns=turns, context=Context(home_region="us-east-1", account_id="1", inventory=INVENTORY)
    )


def test_command_script_answers_over_stdin_stdout() -> None:
    translator = make_translator(f"command:{sys.executable} {SCRIPT}")
    out = translator.translate(_case("EC2 instance bastion cannot ping 10.0.2.20."))
    assert out.status == "query", out
    assert out.query == Query(region="us-east-1", source="i-0bastion", destination="i-0app2", protocol="icmp")
    outside = translator.translate(_case("bastion cannot reach 35.78.9.203 over https"))
    assert outside.query is not None and (outside.query.destination, outside.query.port) == (
        "35.78.9.203",
        443,
    )
    assert translator.translate(_case("bastion to tokyo-app port 8080")).abstain_reason == "cross_region"
    assert translator.translate(_case("is the network ok?")).status == "abstain"


def test_plugin_entry_point_names_a_translator_class(monkeypatch: pytest.MonkeyPatch) -> None:
    meta = tomllib.loads((PLUGIN / "pyproject.toml").read_text())
    target = meta["project"]["entry-points"][ENTRY_POINT_GROUP]["ollama-native"]
    module_name, _, attr = target.partition(":")
    monkeypatch.syspath_prepend(str(PLUGIN / "src"))
    cls = getattr(importlib.import_module(module_name), attr)
    assert issubclass(cls, Translator) and cls.version


@pytest.fixture
def ollama() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            seen.append(
                {"path": self.path, "body": json.loads(self.rfile.read(int(self.headers["Content-Length"])))}
            )
            query = {
                "region": "us-east-1",
                "source": "i-0bastion",
                "destination": "i-0app2",
                "protocol": "icmp",
            }
            doc = {
                "model": "qwen",
                "message": {
                    "role": "assistant",
                    "content": json.dumps({"decision": "query", "query": query}),
                },
                "done": True,
                "done_reason": "stop",
                "prompt_eval_count": 640,
                "eval_count": 35,
            }
            data = json.dumps(doc).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    httpd.shutdown()
    httpd.server_close()


def test_plugin_translates_through_the_shared_prompt(ollama, monkeypatch: pytest.MonkeyPatch) -> None:
    host, seen = ollama
    monkeypatch.syspath_prepend(str(PLUGIN / "src"))
    cls = importlib.import_module("reachbench_ollama.translator").OllamaNativeTranslator
    translator = cls(model="qwen2.5:7b", host=host)
    out = translator.translate(_case("bastion cannot ping app-2"))
    assert out.status == "query" and out.query is not None and out.query.protocol == "icmp"
    assert out.usage is not None and (out.usage.input_tokens, out.usage.output_tokens) == (640, 35)
    (request,) = seen
    assert request["path"] == "/api/chat" and request["body"]["format"]["title"] == "LLMAnswer"
    assert request["body"]["messages"][0]["role"] == "system"
