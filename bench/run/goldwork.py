"""The gold side of a run's per-case work, computed in a child process while the translator is called.

Recording a case executes its predicted query and computes its ``denotation`` and ``test_suite`` fields
(``bench.run.crossworld``): the gold's verdicts on every world of the case's test suite, the prediction's
on the same worlds. About three quarters of that CPU is the gold's side, which does not depend on the
translator. With a slow translator and many calls in flight the run's main thread (which records) and
the pool threads (which make the calls) share one interpreter lock, and that work is what keeps the run
from the speed-up ``--jobs`` promises (``python -m bench.perf.jobs``).

So for a run with enough cases to execute (``MIN_CASES``; and not when the verdict cache already holds
them) a child process (``spawn``: a fresh interpreter that loads the worlds itself) computes, for the
cases in the order they are submitted to the translator, each gold's executed verdicts (truth and ra) and
its ``CrossWorld.gold_part``; the run puts them into its caches (``Executor.seed_gold``) before it
records the case, waiting for the child when it is behind. A prediction equal to its gold then costs
nothing more, any other prediction is computed as before. Results are functions of the world and the
query only, so records are byte for byte the same with the child or without it.

The child is an optimisation only: if it cannot start, dies, raises or sends nothing for ``PATIENCE``
seconds, the run says so in one warning line and computes everything in-process; nothing is lost. It
ignores Ctrl-C (the run stops it) and is a daemon (it never outlives the run's process).

``REACHBENCH_GOLD_WORKER``: ``off`` (never), ``on`` (whenever there are cases with a gold query), or
unset / ``auto`` (the rule above).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

MIN_CASES = 200
PATIENCE = 60.0  # seconds without a word from the child while a case waits for it
_CHUNKS = (4, 16)  # cases per message: small first (the first answers), then larger


def mode() -> str:
    value = os.environ.get("REACHBENCH_GOLD_WORKER", "auto").strip().lower()
    if value in ("off", "0", "no", "false"):
        return "off"
    return "on" if value in ("on", "1", "yes", "true", "always") else "auto"


def start(executor: Any, cases: list[Any], console: Any = None) -> GoldWorker | None:
    """A ``GoldWorker`` for ``cases`` (in the order they will be translated), or None when it would not
    pay (or is off, or the engines are stand-ins)."""
    which = mode()
    if which == "off" or not executor.cross_enabled:
        return None
    items = [
        (c.id, c.world, c.gold.query.model_dump(mode="json"), bool(c.gold.answerable))
        for c in cases
        if getattr(c.gold, "query", None) is not None
    ]
    if not items or (which == "auto" and (len(items) < MIN_CASES or executor.warm(c.world for c in cases))):
        return None
    cross = executor.cross()
    try:
        return GoldWorker(executor, items, cross.variants, cross.seed, console)
    except Exception as exc:  # noqa: BLE001 - an optimisation that cannot start is skipped
        _warn(console, f"could not start ({type(exc).__name__}: {exc})")
        return None


class GoldWorker:
    """The child process and what it has sent so far (see the module docstring)."""

    def __init__(self, executor: Any, items: list[tuple[str, str, Any, bool]], variants: int, seed: int,
                 console: Any = None) -> None:  # fmt: skip
        import multiprocessing

        self._executor = executor
        self._console = console
        self._world = {case_id: world for case_id, world, _, _ in items}
        self._pending = set(self._world)  # cases whose gold part has not arrived
        ctx = multiprocessing.get_context("spawn")
        self._conn, child_end = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(
            target=_child, args=(child_end, variants, seed, items), name="reachbench-gold", daemon=True
        )
        self._proc.start()
        child_end.close()  # the child holds the only writing end: its death is an EOF here
        self.alive = True
        self.seeded = 0

    def ready(self, case_id: str) -> None:
        """Put everything the child sent into the caches; wait for ``case_id``'s part if it is due."""
        if not self.alive:
            return
        try:
            while self.alive and self._conn.poll():
                self._take(self._conn.recv())
            waited = time.monotonic()
            while case_id in self._pending and self.alive:
                if self._conn.poll(0.25):
                    self._take(self._conn.recv())
                    waited = time.monotonic()
                elif not self._proc.is_alive() and not self._conn.poll():
                    self._fail(f"exited (code {self._proc.exitcode})")
                elif time.monotonic() - waited > PATIENCE:
                    self._fail(f"sent nothing for {PATIENCE:.0f} s")
        except (EOFError, OSError) as exc:
            self._fail(f"died ({type(exc).__name__})")

    def _take(self, message: Any) -> None:
        if isinstance(message, BaseException):
            self._fail(f"raised {type(message).__name__}: {message}")
            return
        if message is None:  # the child is done (and closes its end); anything still pending is ours
            self._pending.clear()
            self.alive = False
            return
        for case_id, qkey, verdicts, part in message:
            self._pending.discard(case_id)
            if qkey is not None:
                self._executor.seed_gold(self._world[case_id], qkey, verdicts, part)
                self.seeded += 1

    def _fail(self, why: str) -> None:
        _warn(self._console, why)
        self.close()

    def close(self) -> None:
        """Stop the child (done or not) and free the pipe."""
        self.alive = False
        self._pending.clear()
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join(timeout=5)
        self._conn.close()


def _warn(console: Any, why: str) -> None:
    line = f"gold worker {why}; computing the test-suite verdicts in-process"
    if console is not None:
        console.print(f"[yellow]warning[/]: {line}")
    else:
        print(f"warning: {line}", file=sys.stderr)


def _child(conn: Any, variants: int, seed: int, items: list[tuple[str, str, Any, bool]]) -> None:
    """The child process: each case's gold part, in order, in messages of a few cases; then None (or
    the exception that stopped it)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the run stops us
    try:
        from bench.engine import engine_for
        from bench.model import Query
        from bench.run.crossworld import CrossWorld, query_key
        from bench.run.execute import execute_query

        cross = CrossWorld(variants, seed)
        batch: list[tuple[str, str | None, Any, Any]] = []
        size = _CHUNKS[0]
        for case_id, world, gold_json, answerable in items:
            try:
                gold = Query.model_validate(gold_json)
                verdicts = execute_query(engine_for(world), gold)
                batch.append((case_id, query_key(gold), verdicts, cross.gold_part(world, gold, answerable)))
            except Exception:  # noqa: BLE001 - this case is computed in the run's process, as without us
                batch.append((case_id, None, None, None))
            if len(batch) >= size:
                conn.send(batch)
                batch, size = [], _CHUNKS[1]
        if batch:
            conn.send(batch)
        conn.send(None)
    except (BrokenPipeError, EOFError, OSError):
        pass  # the run is gone or stopped listening
    except BaseException as exc:  # noqa: BLE001 - reported to the run, which carries on without us
        try:
            conn.send(RuntimeError(f"{type(exc).__name__}: {exc}"))
        except Exception:  # noqa: BLE001
            pass
    finally:
        conn.close()


__all__ = ["MIN_CASES", "GoldWorker", "mode", "start"]
