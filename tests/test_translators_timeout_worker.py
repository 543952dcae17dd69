"""Calls with a timeout run on a reused worker thread: same answers, a timed-out worker is replaced,
and the call's context (deadline, case id) reaches the backend as before."""

from __future__ import annotations

import threading
import time

from bench.cases.schema import CaseInput, Context
from bench.model import Query, Translation
from bench.translators import Translator
from bench.translators.base import current_deadline

INPUT = CaseInput(
    turns=("can app-1 reach db-1 on 5432?",),
    context=Context(home_region="us-east-1", account_id="123456789012"),
)


class Sometimes(Translator):
    """Hangs on the turn "hang" (until released), answers at once otherwise; records its thread."""

    name = "sometimes-test"
    release = threading.Event()
    threads: list[int] = []
    deadlines: list[float | None] = []

    def _translate(self, case_input: CaseInput) -> Translation:
        type(self).threads.append(threading.get_ident())
        type(self).deadlines.append(current_deadline())
        if case_input.turns[0] == "hang":
            type(self).release.wait(5)
        return Translation(
            status="query", query=Query(region="us-east-1", source="i-1", destination="10.0.0.1")
        )


def test_worker_is_reused_and_replaced_after_a_timeout() -> None:
    t = Sometimes()
    Sometimes.threads.clear()
    Sometimes.deadlines.clear()
    for _ in range(5):
        assert t.translate(INPUT, timeout=5).status == "query"
    assert len(set(Sometimes.threads)) == 1  # one worker for every call from this thread
    assert threading.get_ident() not in Sometimes.threads  # ... and not the caller's thread
    assert all(d is not None and d > time.monotonic() for d in Sometimes.deadlines)

    hang = INPUT.model_copy(update={"turns": ("hang",)})
    started = time.monotonic()
    out = t.translate(hang, timeout=0.2)
    assert out.failure_type == "translator:timeout" and time.monotonic() - started < 2
    stuck = Sometimes.threads[-1]
    assert t.translate(INPUT, timeout=5).status == "query"  # a new worker, not the stuck one
    assert Sometimes.threads[-1] != stuck
    Sometimes.release.set()


def test_calls_without_timeout_run_in_the_callers_thread() -> None:
    t = Sometimes()
    Sometimes.threads.clear()
    Sometimes.deadlines.clear()
    assert t.translate(INPUT, timeout=None).status == "query"
    # timeout=None means the class default (120 s): still a worker, with a deadline.
    assert Sometimes.deadlines[-1] is not None
