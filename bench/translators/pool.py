"""Run a translator over many cases: N calls in flight, rate limits, retries, results as they arrive.

Hosted models throttle and fail transiently; a benchmark run of thousands of cases must neither hammer
them nor die on the first 429. The pool keeps ``jobs`` calls in flight on threads (backends are I/O
bound), waits on per-translator request and token budgets (token buckets), retries ``RetryableError``
with exponential backoff and jitter drawn from a per-case seeded RNG (so reruns wait the same), and hands
each result to ``on_result`` *on the calling thread* as soon as it is ready -- the runner writes it to
disk there, so an interrupted run keeps everything finished and resumes by skipping those ids.
"""

from __future__ import annotations

import heapq
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from bench.cases.schema import CaseInput
from bench.model.translation import Translation
from bench.translators.base import RetryableError, Translator


@dataclass(frozen=True)
class RateLimit:
    """Budgets per minute; None means unlimited. ``burst_seconds`` of budget may be spent at once."""

    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    burst_seconds: float = 1.0

    @classmethod
    def from_translator(cls, translator: Translator) -> RateLimit:
        """Limits a translator declares in its options (``requests_per_minute``, ``tokens_per_minute``)."""
        opts = translator.options

        def num(key: str) -> float | None:
            value = opts.get(key)
            return float(value) if value not in (None, "") else None

        return cls(num("requests_per_minute"), num("tokens_per_minute"))


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: ``base * 2**attempt`` capped at ``max_delay``, times a jitter in [1-j, 1+j]."""

    max_retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    jitter: float = 0.5
    seed: int = 0

    def delay(self, case_id: str, attempt: int, retry_after: float | None = None) -> float:
        rng = random.Random(f"{self.seed}:{case_id}:{attempt}")
        backoff = min(self.max_delay, self.base_delay * (2**attempt))
        backoff *= 1 + self.jitter * (2 * rng.random() - 1)
        if retry_after is not None:
            backoff = max(backoff, min(retry_after, self.max_delay))
        return max(0.0, backoff)


class TokenBucket:
    """Thread-safe token bucket refilled at ``per_minute / 60`` a second; may go into debt."""

    def __init__(self, per_minute: float, burst_seconds: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0:
            raise ValueError("a rate limit must be positive")
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate * burst_seconds)
        self.tokens = self.capacity
        self._clock = clock
        self._last = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._last) * self.rate)
        self._last = now

    def acquire(self, amount: float = 1.0) -> float:
        """Block until ``amount`` can be spent (an oversized amount waits for a full bucket); returns the
        seconds waited."""
        need = min(amount, self.capacity)
        waited = 0.0
        while True:
            with self._lock:
                self._refill()
                if self.tokens >= need:
                    self.tokens -= amount
                    return waited
                pause = (need - self.tokens) / self.rate
            time.sleep(pause)
            waited += pause

    def charge(self, amount: float) -> None:
        """Adjust after the fact (actual tokens used minus the estimate); negative refunds."""
        with self._lock:
            self._refill()
            self.tokens = min(self.capacity, self.tokens - amount)


@dataclass
class PoolStats:
    submitted: int = 0
    completed: int = 0
    errors: int = 0
    cached: int = 0
    retries: int = 0
    rate_limited_s: float = 0.0
    elapsed_s: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self.__dict__.items()}


class _Limiter:
    def __init__(self, limit: RateLimit) -> None:
        self.requests = TokenBucket(limit.requests_per_minute, limit.burst_seconds) \
            if limit.requests_per_minute else None
        self.tokens = TokenBucket(limit.tokens_per_minute, max(limit.burst_seconds, 60.0)) \
            if limit.tokens_per_minute else None


def translate_all(
    translator: Translator,
    items: Iterable[tuple[str, CaseInput]],
    jobs: int,
    on_result: Callable[[str, Translation], None],
    *,
    timeout: float | None = None,
    rate_limit: RateLimit | None = None,
    retry: RetryPolicy | None = None,
    stop: threading.Event | None = None,
) -> PoolStats:
    """Translate every ``(case_id, input)``; ``on_result(case_id, translation)`` as each finishes.

    Results arrive as calls finish (of those waiting, the smallest case id first), on the calling
    thread; calls do not wait for ``on_result`` (up to 4 x jobs finished results wait for it). Every case
    gets exactly one result (a failure when retries run out). An exception from ``on_result`` or a
    KeyboardInterrupt stops the run: calls not started are cancelled, running ones are abandoned (on
    Ctrl-C the finished ones are handed over first), the exception propagates. Setting ``stop`` ends the
    run early after the calls in flight and the finished ones.
    """
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    limit = rate_limit if rate_limit is not None else RateLimit.from_translator(translator)
    policy = retry or RetryPolicy()
    limiter = _Limiter(limit)
    stats = PoolStats()
    stats_lock = threading.Lock()
    translator.set_concurrency(jobs)
    started = time.monotonic()

    def run_one(case_id: str, case_input: CaseInput) -> Translation:
        estimate = translator.estimate_tokens(case_input) if limiter.tokens else 0

        def before_call() -> None:
            waited = 0.0
            if limiter.requests:
                waited += limiter.requests.acquire(1)
            if limiter.tokens:
                waited += limiter.tokens.acquire(estimate)
            if waited:
                with stats_lock:
                    stats.rate_limited_s += waited

        attempt = 0
        while True:
            try:
                out = translator.translate(
                    case_input, timeout=timeout, case_id=case_id, before_call=before_call
                )
            except RetryableError as exc:
                if attempt >= policy.max_retries or (stop is not None and stop.is_set()):
                    return Translation.failure(
                        "translator:retries_exhausted",
                        raw=f"{attempt + 1} attempts; last: {exc}",
                        extra={"attempts": attempt + 1},
                    )
                with stats_lock:
                    stats.retries += 1
                time.sleep(policy.delay(case_id, attempt, exc.retry_after))
                attempt += 1
                continue
            if limiter.tokens and out.usage is not None and not out.cached:
                used = (out.usage.input_tokens or 0) + (out.usage.output_tokens or 0)
                if used:
                    limiter.tokens.charge(used - estimate)
            if attempt:
                out = out.model_copy(update={"extra": {**out.extra, "attempts": attempt + 1}})
            return out

    source: Iterator[tuple[str, CaseInput]] = iter(items)
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix=f"pool-{translator.name}")
    pending: dict[Future[Translation], str] = {}  # submitted, result not handed to on_result yet
    # Finished calls queue themselves here: waiting on one queue costs the same with 64 calls pending
    # as with one (``concurrent.futures.wait`` locks and hooks every pending future on each wake-up).
    finished: queue.SimpleQueue[Future[Translation]] = queue.SimpleQueue()
    ready: list[tuple[str, int, Future[Translation]]] = []  # finished, not handed over (a heap by id)
    exhausted = False
    handing = False

    def hand_over(case_id: str, _: int, fut: Future[Translation]) -> None:
        nonlocal handing
        pending.pop(fut)
        out = fut.result()
        stats.completed += 1
        stats.errors += out.status == "error"
        stats.cached += out.cached
        handing = True
        on_result(case_id, out)
        handing = False

    def collect() -> None:
        while True:
            try:
                fut = finished.get_nowait()
            except queue.Empty:
                return
            heapq.heappush(ready, (pending[fut], id(fut), fut))

    try:
        while True:
            # Calls in flight are topped up before each result is handed over, and a finished call frees
            # its slot at once: the calls do not wait for on_result (records, engine work) to catch up,
            # up to a backlog of 4 x jobs finished results (what a stop or Ctrl-C still hands over).
            while (
                not exhausted
                and len(pending) - len(ready) < jobs * 2
                and len(ready) < jobs * 4
                and not (stop is not None and stop.is_set())
            ):
                try:
                    case_id, case_input = next(source)
                except StopIteration:
                    exhausted = True
                    break
                fut = pool.submit(run_one, case_id, case_input)
                pending[fut] = case_id
                fut.add_done_callback(finished.put)
                stats.submitted += 1
            collect()
            if not ready:
                if not pending:
                    break
                fut = _next_finished(finished)
                heapq.heappush(ready, (pending[fut], id(fut), fut))
                continue
            hand_over(*heapq.heappop(ready))  # the smallest case id of those finished
    except KeyboardInterrupt:
        # Ctrl-C loses at most the calls in flight: the finished ones are handed over first (not after
        # an exception from on_result itself, which stops the run as it is).
        if not handing:
            collect()
            while ready:
                hand_over(*heapq.heappop(ready))
        raise
    finally:
        pool.shutdown(wait=not pending, cancel_futures=True)
        if not pending:
            translator.pool_finished()
        stats.elapsed_s = time.monotonic() - started
    return stats


def _next_finished(finished: queue.SimpleQueue[Future[Translation]]) -> Future[Translation]:
    """The next finished call; waits in short slices so that Ctrl-C is seen promptly."""
    while True:
        try:
            return finished.get(timeout=0.5)
        except queue.Empty:
            continue
