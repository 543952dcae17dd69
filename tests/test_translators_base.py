"""The translator interface: failures are scored, never raised; registry and specs; oracle/null/command."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import pytest

from bench.cases.schema import CaseInput, Context, Gold, InventoryItem
from bench.model import Query, Translation
from bench.translators import (
    ParseError,
    RetryableError,
    Translator,
    TranslatorError,
    UnknownTranslatorError,
    make_translator,
    parse_spec,
    register_translator,
)
from bench.translators.cache import TranslationCache
from bench.translators.registry import DuplicateTranslatorError, list_translators

INPUT = CaseInput(
    turns=("Can i-0abc reach 10.0.2.15 on port 5432?",),
    context=Context(
        home_region="ap-northeast-1",
        account_id="123456789012",
        inventory=(InventoryItem(id="i-0abc", type="instance", name="app-1", region="ap-northeast-1"),),
    ),
)
QUERY = Query(region="ap-northeast-1", source="i-0abc", destination="10.0.2.15", protocol="tcp", port=5432)


class Counting(Translator):
    name = "counting-test"
    version = "1"

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self.calls = 0

    def _translate(self, case_input: CaseInput) -> Translation:
        self.calls += 1
        return Translation(status="query", query=QUERY)


class Raising(Translator):
    name = "raising-test"

    def _translate(self, case_input: CaseInput) -> Translation:
        raise RuntimeError("backend exploded")


class Hanging(Translator):
    name = "hanging-test"

    def _translate(self, case_input: CaseInput) -> Translation:
        time.sleep(5)
        return Translation(status="abstain", abstain_reason="late")


class Garbage(Translator):
    name = "garbage-test"

    def _translate(self, case_input: CaseInput) -> Translation:
        from bench.translators import translation_from_json

        return translation_from_json("Sure! The answer is: reachable :)")


class WrongType(Translator):
    name = "wrongtype-test"

    def _translate(self, case_input: CaseInput) -> Translation:
        return {"status": "query"}  # type: ignore[return-value]


def test_raising_translator_is_a_scored_failure() -> None:
    out = Raising().translate(INPUT)
    assert out.status == "error" and out.failure_type == "translator:exception"
    assert "backend exploded" in (out.raw or "")
    assert out.latency_ms is not None and out.latency_ms >= 0


def test_hanging_translator_times_out() -> None:
    started = time.monotonic()
    out = Hanging().translate(INPUT, timeout=0.2)
    assert time.monotonic() - started < 2
    assert out.status == "error" and out.failure_type == "translator:timeout"


def test_garbage_and_wrong_return_types() -> None:
    out = Garbage().translate(INPUT)
    assert out.failure_type == "parse:invalid_json" and out.raw.startswith("Sure!")
    assert WrongType().translate(INPUT).failure_type == "translator:bad_return"


def test_translation_from_json_accepts_bare_query_and_rejects_bad_schema() -> None:
    from bench.translators import translation_from_json

    out = translation_from_json(QUERY.model_dump_json())
    assert out.status == "query" and out.query == QUERY
    with pytest.raises(ParseError) as err:
        translation_from_json('{"status": "query"}')
    assert err.value.reason == "invalid_schema"
    with pytest.raises(ParseError) as err:
        translation_from_json('{"status": "query", "query": {"region": "x", "source": "i-1", "port": 99999}}')
    assert err.value.reason == "invalid_schema"
    with pytest.raises(ParseError) as err:
        translation_from_json("  ")
    assert err.value.reason == "empty_output"


def test_retryable_passes_through_translate_but_not_translate_or_fail() -> None:
    class Throttled(Translator):
        name = "throttled-test"

        def _translate(self, case_input: CaseInput) -> Translation:
            raise RetryableError("429", retry_after=1.0)

    with pytest.raises(RetryableError):
        Throttled().translate(INPUT, timeout=2)
    assert Throttled().translate_or_fail(INPUT).failure_type == "translator:retryable"


def test_cache_hit_on_rerun_without_backend_call(tmp_path: Path) -> None:
    cache = TranslationCache(tmp_path / "c.sqlite")
    first = Counting()
    first.use_cache(cache)
    a = first.translate(INPUT)
    assert first.calls == 1 and not a.cached
    second = Counting()  # a new process would build a new translator over the same file
    second.use_cache(TranslationCache(tmp_path / "c.sqlite"))
    b = second.translate(INPUT)
    assert second.calls == 0 and b.cached and b.query == a.query
    # A different setting is a different key.
    third = Counting(temperature=0.7)
    third.use_cache(cache)
    third.translate(INPUT)
    assert third.calls == 1
    assert cache.stats().hits == 0 and cache.stats().misses == 2 and cache.stats().writes == 2


def test_settings_never_carry_secrets() -> None:
    t = Counting(model="m", api_key="sk-123", auth_token="t")
    assert t.settings() == {"model": "m"}
    assert "sk-123" not in json.dumps(t.describe())


def test_spec_parsing() -> None:
    spec = parse_spec("openai:model=qwen2.5,base_url=http://127.0.0.1:8000/v1")
    assert spec.name == "openai"
    assert spec.options == {"model": "qwen2.5", "base_url": "http://127.0.0.1:8000/v1"}
    assert parse_spec("command:./my_translator,timeout=5").positional == "./my_translator"
    assert parse_spec("rules").options == {}
    for bad in ("", "Rules Bad", "x:a=1,a=2", "x:a=1,oops"):
        with pytest.raises(TranslatorError):
            parse_spec(bad)


def test_unknown_name_suggests() -> None:
    with pytest.raises(UnknownTranslatorError) as err:
        make_translator("orcale")
    assert "did you mean 'oracle'" in str(err.value)


def test_duplicates_rejected() -> None:
    with pytest.raises(DuplicateTranslatorError):

        @register_translator("null")
        class AnotherNull(Translator):
            def _translate(self, case_input: CaseInput) -> Translation:
                raise AssertionError

    make_translator("null")  # the original survives


def test_list_has_builtins() -> None:
    rows = {r["name"]: r for r in list_translators()}
    for name in ("oracle", "null", "command"):
        assert rows[name]["origin"].startswith("builtin:bench.translators")
        assert rows[name]["error"] is None and rows[name]["description"]


def test_oracle_returns_gold_and_abstains_when_unanswerable() -> None:
    oracle = make_translator("oracle")
    other = CaseInput(turns=("ping 10.0.0.1 from i-0abc over IPv6",), context=INPUT.context)
    oracle.bind_gold(
        {"c1": Gold(answerable=True, query=QUERY),
         "c2": Gold(answerable=False, abstain_reason="ipv6", query=QUERY)},
        inputs={"c1": INPUT, "c2": other},
    )
    assert oracle.translate(INPUT, case_id="c1").query == QUERY
    assert oracle.translate(INPUT).query == QUERY  # found by input when no id is given
    out = oracle.translate(other, case_id="c2")
    assert out.status == "abstain" and out.abstain_reason == "ipv6"
    assert oracle.translate(INPUT, case_id="nope").status == "query"  # falls back to the input index
    lone = make_translator("oracle")
    assert lone.translate(INPUT, case_id="c1").failure_type == "translator:no_gold"


def test_gold_channel_ignored_by_others() -> None:
    null = make_translator("null")
    null.bind_gold({"c1": Gold(answerable=True, query=QUERY)})
    out = null.translate(INPUT, case_id="c1")
    assert out.status == "abstain" and out.query is None


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "prog.py"
    path.write_text("import json, sys, time\n" + body, encoding="utf-8")
    return f"{sys.executable} {path}"


def test_command_translator_round_trip(tmp_path: Path) -> None:
    prog = _script(
        tmp_path,
        "case = json.load(sys.stdin)\n"
        "q = {'region': case['context']['home_region'], 'source': case['context']['inventory'][0]['id'],"
        " 'destination': '10.0.2.15', 'protocol': 'tcp', 'port': 5432}\n"
        "print(json.dumps({'status': 'query', 'query': q}))\n",
    )
    t = make_translator(f"command:{prog},timeout=10")
    out = t.translate(INPUT)
    assert out.status == "query" and out.query == QUERY
    assert str(tmp_path / "prog.py") in t.settings()["program_sha256"]


@pytest.mark.parametrize(
    ("body", "failure"),
    [
        ("print('hello, not json')\n", "parse:invalid_json"),
        ("print(json.dumps({'status': 'maybe'}))\n", "parse:invalid_schema"),
        ("sys.stderr.write('boom'); sys.exit(3)\n", "translator:exit_status"),
        ("time.sleep(30)\n", "translator:timeout"),
    ],
)
def test_command_translator_failures_are_scored(tmp_path: Path, body: str, failure: str) -> None:
    t = make_translator(f"command:{_script(tmp_path, body)},timeout=0.5")
    started = time.monotonic()
    out = t.translate(INPUT, timeout=5)
    assert out.status == "error" and out.failure_type == failure
    assert time.monotonic() - started < 4


def test_command_options_validated() -> None:
    with pytest.raises(TranslatorError, match="timeout"):
        make_translator("command:./x,timeout=-1")
    with pytest.raises(TranslatorError, match="bogus"):
        make_translator("command:./x,bogus=1")
    with pytest.raises(TranslatorError, match="only key=value"):
        make_translator("null:something")


def test_translate_is_thread_safe_for_concurrent_calls() -> None:
    t = Counting()
    results: list[Translation] = []
    lock = threading.Lock()

    def call() -> None:
        out = t.translate(INPUT, timeout=5)
        with lock:
            results.append(out)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(results) == 8 and all(r.query == QUERY for r in results)
