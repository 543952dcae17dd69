"""More calls in flight change nothing but the time: a run against the slow fake server of
``bench.perf.jobs`` (on 127.0.0.1) gives the same records and summary at ``--jobs 1`` and ``--jobs 8``;
calls never wait for results to be recorded; each pool thread keeps one connection alive; a call past
its deadline is a timeout. No timing is asserted."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.cases.schema import CaseInput, Context, InventoryItem
from bench.model import Query, Translation
from bench.perf.jobs import FALLBACK, make_server, message_key
from bench.run.options import RunOptions
from bench.translators import Translator
from bench.translators.llm.prompt import PromptBuilder, answer_schema, gold_answer, render_case
from bench.translators.pool import translate_all
from bench.translators.registry import make_translator

N_CASES = 30


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def _cases() -> list[Any]:
    from bench.cases.loader import load_suite
    from bench.run.options import select_cases

    return select_cases(load_suite("core", splits=["test"]).cases, RunOptions(suite="core", limit=N_CASES))


@pytest.fixture
def server() -> Iterator[tuple[str, Any]]:
    """The benchmark's fake server in this process, answering each case's gold after 10 ms."""
    builder = PromptBuilder()
    answers = {
        message_key(builder.build(c.input).messages[-1].content): json.loads(gold_answer(c).model_dump_json())
        for c in _cases()
    }
    httpd, stats = make_server(0.01, answers)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", stats
    httpd.shutdown()
    httpd.server_close()


def _run(url: str, jobs: int, out: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[dict[str, Any]]]:
    from bench.runner import run

    monkeypatch.setenv("REACHBENCH_VERDICT_CACHE", "off")
    options = RunOptions(
        translator=f"openai:model=fake,base_url={url}",
        suite="core",
        limit=N_CASES,
        jobs=jobs,
        cache="off",
        out=out,
        run_id="same",
    )
    result = run(options, progress=False)
    summary = (result.run_dir / "summary.json").read_text()
    records = [json.loads(line) for line in (result.run_dir / "samples.jsonl").read_text().splitlines()]
    for r in records:  # the only things allowed to differ: how long a call took, how often it was tried
        r["translation"].pop("latency_ms")
    return summary, records


def test_jobs_1_and_8_give_the_same_records_and_summary(
    server: tuple[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, stats = server
    one = _run(url, 1, tmp_path / "one", monkeypatch)
    many = _run(url, 8, tmp_path / "many", monkeypatch)
    assert stats.misses == 0 and stats.requests == 2 * N_CASES
    assert stats.max_inflight > 1  # the second run did have calls in flight together
    assert one[0] == many[0]
    assert one[1] == many[1]
    assert len(one[1]) == N_CASES
    assert sum(r["translation"]["status"] == "query" for r in one[1]) > N_CASES // 2  # real answers


def test_each_pool_thread_keeps_one_connection(server: tuple[str, Any]) -> None:
    url, stats = server
    translator = make_translator(f"openai:model=fake,base_url={url}")
    cases = _cases()
    got: dict[str, Translation] = {}
    translate_all(translator, ((c.id, c.input) for c in cases), 4, lambda i, t: got.__setitem__(i, t))
    assert len(got) == N_CASES and all(t.status != "error" for t in got.values())
    assert 1 <= stats.connections <= 4  # kept alive: one per thread, not one per call
    assert stats.requests == N_CASES
    translator.close()
    assert translator._clients == []


class _Instant(Translator):
    name = "instant-test"
    cacheable = False

    def __init__(self) -> None:
        super().__init__()
        self.started = 0
        self.lock = threading.Lock()

    def _translate(self, case_input: CaseInput) -> Translation:
        with self.lock:
            self.started += 1
        query = Query(region="us-east-1", source="i-1", destination="10.0.0.1")
        return Translation(status="query", query=query)


def test_calls_do_not_wait_for_results_to_be_recorded() -> None:
    """A slow ``on_result`` (a run building records) must not hold back the calls: more calls are
    started than results handed over plus the in-flight cap (2 x jobs)."""
    translator = _Instant()
    jobs = 2
    ctx = Context(home_region="us-east-1", account_id="123456789012")
    items = [(f"c{i:03d}", CaseInput(turns=(f"q{i}",), context=ctx)) for i in range(40)]
    ahead: list[int] = []
    order: list[str] = []

    def on_result(case_id: str, translation: Translation) -> None:
        with translator.lock:
            ahead.append(translator.started - len(order))
        order.append(case_id)
        time.sleep(0.02)

    stats = translate_all(translator, items, jobs, on_result, timeout=None)
    assert sorted(order) == [i for i, _ in items] and stats.completed == 40
    assert max(ahead) > 2 * jobs


def test_a_call_past_its_deadline_is_a_timeout_and_the_next_one_answers(server: tuple[str, Any]) -> None:
    """The per-thread clients survive a call abandoned at its deadline: the next call gets its answer."""
    url, _ = server
    translator = make_translator(f"openai:model=fake,base_url={url}")
    ctx = Context(home_region="us-east-1", account_id="123456789012")
    out = translator.translate(CaseInput(turns=("hello",), context=ctx), timeout=0.001)
    assert out.failure_type == "translator:timeout"
    out = translator.translate(CaseInput(turns=("hello",), context=ctx), timeout=30)
    translator.close()
    assert out.status == "abstain" and out.abstain_reason == FALLBACK["abstain_reason"]


def test_prompts_share_a_schema_equal_to_a_fresh_one() -> None:
    builder = PromptBuilder()
    ctx = Context(home_region="us-east-1", account_id="123456789012")
    first = builder.build(CaseInput(turns=("a",), context=ctx))
    second = builder.build(CaseInput(turns=("b",), context=ctx))
    assert first.schema is second.schema and first.schema == answer_schema()
    fresh = answer_schema()
    fresh["mutated"] = True
    assert "mutated" not in answer_schema()


def test_memoised_inventory_rendering_is_per_case_where_it_must_be() -> None:
    """A whole inventory renders once per world; a truncated one still depends on the question."""
    items = tuple(
        InventoryItem(id=f"i-{n:04d}", type="instance", region="us-east-1", name=f"web-{n}") for n in range(5)
    )
    ctx = Context(home_region="us-east-1", account_id="123456789012", inventory=items)
    a = render_case(CaseInput(turns=("can web-1 reach web-2?",), context=ctx), 10)
    b = render_case(CaseInput(turns=("can web-3 reach web-4?",), context=ctx), 10)
    assert a.split("User message:")[0] == b.split("User message:")[0]
    assert a.endswith("can web-1 reach web-2?") and b.endswith("can web-3 reach web-4?")
    other = ctx.model_copy(update={"home_region": "eu-west-1"})
    assert "Console home Region: eu-west-1" in render_case(CaseInput(turns=("x",), context=other), 10)
    small_a = render_case(CaseInput(turns=("i-0001 to i-0002",), context=ctx), 2)
    small_b = render_case(CaseInput(turns=("i-0003 to i-0004",), context=ctx), 2)
    assert "i-0001" in small_a and "i-0001" not in small_b and "i-0003" in small_b


def _spy_gold_worker(monkeypatch: pytest.MonkeyPatch, kill: bool = False) -> list[Any]:
    """Record the run's gold workers (``kill``: kill each child as soon as it is started)."""
    from bench.run import goldwork

    started: list[Any] = []
    real_start = goldwork.start

    def spy(*args: Any, **kwargs: Any) -> Any:
        worker = real_start(*args, **kwargs)
        if worker is not None:
            started.append(worker)
            if kill:
                worker._proc.kill()
        return worker

    monkeypatch.setattr(goldwork, "start", spy)
    return started


def test_gold_worker_on_and_off_give_the_same_records_and_summary(
    server: tuple[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The gold side computed in a child process (``bench.run.goldwork``) changes nothing in the run."""
    monkeypatch.setenv("REACHBENCH_GOLD_WORKER", "off")
    off = _run(server[0], 8, tmp_path / "off", monkeypatch)
    started = _spy_gold_worker(monkeypatch)
    monkeypatch.setenv("REACHBENCH_GOLD_WORKER", "on")
    on = _run(server[0], 8, tmp_path / "on", monkeypatch)
    assert len(started) == 1 and started[0].seeded > N_CASES // 2  # the child did send the gold parts
    assert not started[0].alive and not started[0]._proc.is_alive()  # and was stopped with the run
    assert "gold worker" not in capsys.readouterr().err  # a child that finished is no failure
    assert on[0] == off[0]
    assert on[1] == off[1]


def test_a_gold_worker_that_dies_loses_nothing(
    server: tuple[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("REACHBENCH_GOLD_WORKER", "off")
    off = _run(server[0], 8, tmp_path / "off", monkeypatch)
    started = _spy_gold_worker(monkeypatch, kill=True)
    monkeypatch.setenv("REACHBENCH_GOLD_WORKER", "on")
    dead = _run(server[0], 8, tmp_path / "dead", monkeypatch)
    assert len(started) == 1 and started[0].seeded == 0 and not started[0].alive
    assert capsys.readouterr().err.count("gold worker") == 1  # one warning line, then in-process
    assert dead[0] == off[0]
    assert dead[1] == off[1]


def test_gold_worker_only_when_it_pays(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.run import goldwork
    from bench.run.execute import Executor

    cases = _cases()
    monkeypatch.delenv("REACHBENCH_GOLD_WORKER", raising=False)
    assert goldwork.mode() == "auto" and goldwork.start(Executor(), cases) is None  # 30 < MIN_CASES
    monkeypatch.setenv("REACHBENCH_GOLD_WORKER", "off")
    assert goldwork.start(Executor(), cases * 10) is None
    monkeypatch.setenv("REACHBENCH_GOLD_WORKER", "on")
    assert goldwork.start(Executor(lambda world: None), cases) is None  # stand-in engines: no suite work
