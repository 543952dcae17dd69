"""Bedrock Converse adapter against a real ``bedrock-runtime`` client driven by botocore's Stubber."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from bench.cases.schema import CaseInput, Context, InventoryItem
from bench.model import Query
from bench.translators.base import RetryableError
from bench.translators.cache import TranslationCache
from bench.translators.llm.bedrock import BedrockTranslator
from bench.translators.llm.prompt import PROMPT_VERSION, TOOL_NAME, answer_schema
from bench.translators.pool import RetryPolicy, translate_all
from bench.translators.registry import make_translator

MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
CASE = CaseInput(
    turns=("EC2 instance bastion cannot ping EC2 instance app-2.",),
    context=Context(
        home_region="us-east-1",
        account_id="111122223333",
        inventory=(
            InventoryItem(id="i-0aaa", type="instance", region="us-east-1", name="bastion"),
            InventoryItem(id="i-0bbb", type="instance", region="us-east-1", name="app-2"),
        ),
    ),
)
QUERY = {"region": "us-east-1", "source": "i-0aaa", "destination": "i-0bbb", "protocol": "icmp"}


def _translator(**options: Any) -> tuple[BedrockTranslator, Stubber, list[float]]:
    translator = make_translator(f"bedrock:model={MODEL},region=us-east-1", **options)
    assert isinstance(translator, BedrockTranslator)
    session = boto3.session.Session(
        aws_access_key_id="AKIATESTTESTTESTTEST",
        aws_secret_access_key="not-a-real-secret",
        region_name="us-east-1",
    )
    client = session.client("bedrock-runtime")
    stubber = Stubber(client)
    stubber.activate()
    translator.use_client(client)
    sleeps: list[float] = []
    translator._sleep = sleeps.append
    return translator, stubber, sleeps


def _tool_response(payload: Any, tokens: tuple[int, int] = (812, 41)) -> dict[str, Any]:
    return {
        "output": {
            "message": {
                "role": "assistant",
                "content": [
                    {"text": "I'll submit the query."},
                    {"toolUse": {"toolUseId": "tooluse_1", "name": TOOL_NAME, "input": payload}},
                ],
            }
        },
        "stopReason": "tool_use",
        "usage": {"inputTokens": tokens[0], "outputTokens": tokens[1], "totalTokens": sum(tokens)},
        "metrics": {"latencyMs": 420},
    }


def _text_response(text: str) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 700, "outputTokens": 12, "totalTokens": 712},
        "metrics": {"latencyMs": 100},
    }


def test_tool_use_output_becomes_a_query_with_usage_and_forced_tool() -> None:
    translator, stubber, _ = _translator(price_in=0.8, price_out=4.0)
    expected = {
        "modelId": MODEL,
        "system": ANY,
        "messages": ANY,
        "inferenceConfig": {"maxTokens": 1024, "temperature": 0.0},
        "toolConfig": {
            "tools": [
                {
                    "toolSpec": {
                        "name": TOOL_NAME,
                        "description": ANY,
                        "inputSchema": {"json": answer_schema()},
                    }
                }
            ],
            "toolChoice": {"tool": {"name": TOOL_NAME}},
        },
    }
    stubber.add_response("converse", _tool_response({"decision": "query", "query": QUERY}), expected)
    out = translator.translate(CASE)
    stubber.assert_no_pending_responses()
    assert out.status == "query" and out.query == Query(**QUERY)
    assert out.usage is not None and (out.usage.input_tokens, out.usage.output_tokens) == (812, 41)
    assert out.usage.cost_usd == pytest.approx((812 * 0.8 + 41 * 4.0) / 1e6)
    assert out.extra["stop_reason"] == "tool_use" and out.extra["call_attempts"] == 1
    assert out.extra["prompt_version"] == PROMPT_VERSION
    assert '"decision": "query"' in (out.raw or "")
    request = translator.request(translator.prompts.build(CASE))
    assert "app-2" in request["messages"][-1]["content"][0]["text"]
    assert translator.settings()["prompt_version"] == PROMPT_VERSION


def test_throttling_then_success_is_retried_with_backoff() -> None:
    translator, stubber, sleeps = _translator()
    stubber.add_client_error(
        "converse",
        service_error_code="ThrottlingException",
        service_message="Too many requests",
        http_status_code=429,
    )
    stubber.add_client_error(
        "converse",
        service_error_code="ServiceUnavailableException",
        service_message="busy",
        http_status_code=503,
    )
    stubber.add_response(
        "converse", _tool_response({"decision": "abstain", "abstain_reason": "cross_region"})
    )
    out = translator.translate(CASE)
    stubber.assert_no_pending_responses()
    assert out.status == "abstain" and out.abstain_reason == "cross_region"
    assert out.extra["call_attempts"] == 3
    assert len(sleeps) == 2 and 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0  # 1s, 2s with jitter


def test_throttling_past_the_retries_goes_to_the_pool_and_is_not_cached(tmp_path) -> None:
    translator, stubber, sleeps = _translator(max_retries=1)
    cache = TranslationCache(tmp_path / "cache.sqlite")
    translator.use_cache(cache)
    for _ in range(4):
        stubber.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=400)
    with pytest.raises(RetryableError, match="ThrottlingException"):
        translator.translate(CASE)
    results: dict[str, Any] = {}
    stats = translate_all(
        translator,
        [("c1", CASE)],
        jobs=1,
        on_result=results.__setitem__,
        retry=RetryPolicy(max_retries=0, base_delay=0.0),
    )
    stubber.assert_no_pending_responses()
    assert results["c1"].failure_type == "translator:retries_exhausted"
    assert stats.errors == 1 and len(cache) == 0 and len(sleeps) == 2
    cache.close()


@pytest.mark.parametrize(
    ("response", "failure"),
    [
        (_text_response("Both instances are in the same VPC, so yes."), "parse:invalid_json"),
        (
            _tool_response({"decision": "query", "query": {"region": "us-east-1", "source": "i-0aaa"}}),
            "parse:schema_violation",
        ),
        (
            _tool_response({"decision": "query", "query": {**QUERY, "protocol": "ping"}}),
            "parse:schema_violation",
        ),
    ],
)
def test_malformed_output_is_a_scored_parse_failure(response: dict[str, Any], failure: str) -> None:
    translator, stubber, _ = _translator()
    stubber.add_response("converse", response)
    out = translator.translate(CASE)
    assert (out.status, out.failure_type) == ("error", failure)
    assert out.raw  # what the model said is kept for inspection
    assert out.usage is not None and out.usage.output_tokens is not None  # paid for, so recorded


def test_text_mode_parses_fenced_json_and_sends_no_tools() -> None:
    translator, stubber, _ = _translator(mode="text")
    text = 'Sure.\n```json\n{"decision": "query", "query": ' + str(QUERY).replace("'", '"') + "}\n```"
    expected = {"modelId": MODEL, "system": ANY, "messages": ANY, "inferenceConfig": ANY}
    stubber.add_response("converse", _text_response(text), expected)
    out = translator.translate(CASE)
    assert out.status == "query" and out.query == Query(**QUERY) and out.raw == text


def test_access_denied_is_a_failure_not_a_retry() -> None:
    translator, stubber, sleeps = _translator()
    stubber.add_client_error(
        "converse",
        service_error_code="AccessDeniedException",
        service_message="You don't have access to the model",
        http_status_code=403,
    )
    out = translator.translate(CASE)
    assert out.failure_type == "translator:access_denied" and sleeps == []
    assert "AKIATESTTESTTESTTEST" not in out.model_dump_json()


def test_settings_hold_no_credentials_and_the_module_imports_no_sdk() -> None:
    import subprocess
    import sys

    code = (
        "import sys, bench.translators.llm.bedrock, bench.translators.llm.openai_compat;"
        "print(sorted(m for m in ('boto3', 'httpx', 'openai') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    translator, _, _ = _translator(profile="dev")
    assert "AKIA" not in str(translator.describe()) and translator.settings()["profile"] == "dev"


def test_region_resolution_happens_at_construction(monkeypatch, tmp_path) -> None:
    from bench.translators.base import TranslatorError

    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with pytest.raises(TranslatorError, match="no Region"):
        make_translator(f"bedrock:model={MODEL}")
    with pytest.raises(TranslatorError, match="nosuch"):
        make_translator(f"bedrock:model={MODEL},profile=nosuch")
    monkeypatch.setenv("AWS_REGION", "ap-northeast-1")
    assert make_translator(f"bedrock:model={MODEL}").settings()["region"] == "ap-northeast-1"
    with pytest.raises(TranslatorError, match="temprature"):
        make_translator(f"bedrock:model={MODEL},temprature=0.2")


def test_prompt_version_is_part_of_the_cache_key_and_settings(monkeypatch) -> None:
    import bench.translators.llm.common as common

    translator, _, _ = _translator()
    before = translator.cache_key(CASE)
    assert translator.cache_key(CASE) == before
    monkeypatch.setattr(common, "PROMPT_VERSION", "llm-prompt-v999")
    assert translator.cache_key(CASE) != before
    other, _, _ = _translator(max_inventory=10)
    assert other.cache_key(CASE) != translator.cache_key(CASE)
