"""Worker pool: jobs in flight, rate limits, seeded retries, results on the calling thread, stop/resume."""

from __future__ import annotations

import threading
import time

import pytest

from bench.cases.schema import CaseInput, Context
from bench.model import Query, Translation, Usage
from bench.translators import RetryableError, Translator
from bench.translators.pool import RateLimit, RetryPolicy, TokenBucket, translate_all


def _input(i: int) -> CaseInput:
    return CaseInput(turns=(f"question {i}",), context=Context(home_region="us-east-1", account_id="1" * 12))


ITEMS = [(f"c{i:03d}", _input(i)) for i in range(12)]


class Fake(Translator):
    """A backend that sleeps, counts concurrency, and throttles the first ``fail_first`` calls per case."""

    name = "fake-pool"

    def __init__(self, delay: float = 0.02, fail_first: int = 0, tokens: int = 0) -> None:
        super().__init__()
        self.delay, self.fail_first, self.tokens = delay, fail_first, tokens
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0
        self.calls: dict[str, int] = {}
        self.call_times: list[float] = []

    def _translate(self, case_input: CaseInput) -> Translation:
        key = case_input.turns[0]
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.calls[key] = self.calls.get(key, 0) + 1
            n = self.calls[key]
            self.call_times.append(time.monotonic())
        try:
            time.sleep(self.delay)
            if n <= self.fail_first:
                raise RetryableError("HTTP 429 Too Many Requests")
            q = Query(region="us-east-1", source="i-1", destination="10.0.0." + key.split()[-1])
            usage = Usage(input_tokens=self.tokens, output_tokens=0) if self.tokens else None
            return Translation(status="query", query=q, usage=usage)
        finally:
            with self.lock:
                self.in_flight -= 1


def test_jobs_in_flight_and_callback_on_calling_thread() -> None:
    fake = Fake(delay=0.05)
    seen: dict[str, Translation] = {}
    threads: set[str] = set()

    def on_result(case_id: str, out: Translation) -> None:
        threads.add(threading.current_thread().name)
        seen[case_id] = out

    stats = translate_all(fake, ITEMS, jobs=4, on_result=on_result)
    assert sorted(seen) == [c for c, _ in ITEMS]
    assert all(t.status == "query" for t in seen.values())
    assert seen["c007"].query.destination == "10.0.0.7"
    assert fake.max_in_flight == 4
    assert threads == {threading.current_thread().name}
    assert stats.completed == 12 and stats.errors == 0


def test_requests_per_minute_limit_spaces_calls() -> None:
    fake = Fake(delay=0.0)
    started = time.monotonic()
    translate_all(fake, ITEMS[:6], jobs=6, on_result=lambda *_: None,
                  rate_limit=RateLimit(requests_per_minute=600, burst_seconds=0.1))
    elapsed = time.monotonic() - started
    # 10 requests/s with a burst of 1: six calls need at least 0.5 s, whatever the parallelism.
    assert elapsed >= 0.45
    gaps = [b - a for a, b in zip(sorted(fake.call_times), sorted(fake.call_times)[1:], strict=False)]
    assert min(gaps) >= 0.07


def test_tokens_per_minute_limit_charges_reported_usage() -> None:
    bucket = TokenBucket(per_minute=6000, burst_seconds=1.0)  # 100 tokens/s, capacity 100
    assert bucket.acquire(100) == 0.0
    started = time.monotonic()
    bucket.acquire(20)
    assert time.monotonic() - started >= 0.15
    bucket.charge(50)  # the call used 50 more than estimated: the next one waits longer
    started = time.monotonic()
    bucket.acquire(10)
    assert time.monotonic() - started >= 0.5


def test_retries_with_seeded_backoff_then_success() -> None:
    fake = Fake(delay=0.0, fail_first=2)
    results: dict[str, Translation] = {}
    policy = RetryPolicy(max_retries=3, base_delay=0.01, max_delay=0.05, seed=7)
    stats = translate_all(fake, ITEMS[:4], jobs=2, on_result=results.__setitem__, retry=policy)
    assert all(r.status == "query" and r.extra["attempts"] == 3 for r in results.values())
    assert stats.retries == 8 and all(n == 3 for n in fake.calls.values())
    # Same seed, same case, same attempt -> the same pause; the jitter differs across cases.
    assert policy.delay("c001", 1) == RetryPolicy(seed=7, base_delay=0.01, max_delay=0.05).delay("c001", 1)
    assert policy.delay("c001", 1) != policy.delay("c002", 1)
    assert RetryPolicy(base_delay=1, jitter=0).delay("x", 3) == 8
    assert RetryPolicy(base_delay=1, jitter=0, max_delay=60).delay("x", 0, retry_after=5) == 5


def test_retries_exhausted_is_a_scored_failure() -> None:
    fake = Fake(delay=0.0, fail_first=99)
    results: dict[str, Translation] = {}
    translate_all(fake, ITEMS[:2], jobs=2, on_result=results.__setitem__,
                  retry=RetryPolicy(max_retries=2, base_delay=0.001))
    assert {r.failure_type for r in results.values()} == {"translator:retries_exhausted"}
    assert all(n == 3 for n in fake.calls.values())


def test_timeouts_do_not_stop_the_run() -> None:
    fake = Fake(delay=1.0)
    results: dict[str, Translation] = {}
    started = time.monotonic()
    translate_all(fake, ITEMS[:4], jobs=4, on_result=results.__setitem__, timeout=0.1)
    assert time.monotonic() - started < 0.9
    assert {r.failure_type for r in results.values()} == {"translator:timeout"}


def test_stop_then_resume_gives_the_same_results() -> None:
    # Enough cases that a stop after five results always leaves some: up to 2 x jobs calls in flight and
    # 4 x jobs finished ones waiting to be handed over may still come in after it.
    items = [(f"c{i:03d}", _input(i)) for i in range(60)]
    full: dict[str, Translation] = {}
    translate_all(Fake(delay=0.0), items, jobs=3, on_result=full.__setitem__)

    stop = threading.Event()
    partial: dict[str, Translation] = {}

    def on_result(case_id: str, out: Translation) -> None:
        partial[case_id] = out
        if len(partial) == 5:
            stop.set()  # as if the run were killed after five samples were written

    translate_all(Fake(delay=0.0), items, jobs=3, on_result=on_result, stop=stop)
    assert 5 <= len(partial) <= 5 + 6 + 12 < len(items)
    remaining = [(c, i) for c, i in items if c not in partial]
    translate_all(Fake(delay=0.0), remaining, jobs=3, on_result=partial.__setitem__)
    assert {c: t.query for c, t in partial.items()} == {c: t.query for c, t in full.items()}


def test_callback_error_stops_the_run() -> None:
    def on_result(case_id: str, out: Translation) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        translate_all(Fake(delay=0.0), ITEMS, jobs=2, on_result=on_result)


def test_rate_limit_read_from_translator_options() -> None:
    class Limited(Fake):
        pass

    t = Limited()
    t.options = {"requests_per_minute": "120", "tokens_per_minute": 1000}
    assert RateLimit.from_translator(t) == RateLimit(120.0, 1000.0)
