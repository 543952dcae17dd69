"""The cyclic garbage collector during a run: fewer, cheaper collections (issue 14).

A run allocates hundreds of thousands of small objects that live until its end (the suite's cases, their
pydantic models, records, facts). With CPython's default thresholds (700, 10, 10) every 700 allocations
start a young collection and the full collections that follow traverse all of them again: ~1.2 s of a
4 s cached rerun of ``core``, for almost nothing collected. During a run the collector therefore

- starts a young collection every ``YOUNG`` allocations instead of 700 (cycles are still collected, a
  long run with a real translator does not grow without bound);
- freezes what is alive when the run starts, and again once the suite is loaded (``settle``): frozen
  objects are never traversed again.

Both are undone when the run ends (thresholds restored, frozen objects handed back to the collector).
Nothing here changes a result: the collector only decides *when* unreachable cycles are freed.

A process that ran a run also freezes everything at exit (``atexit``, before the interpreter tears its
modules down): the full collections of interpreter shutdown would otherwise traverse the whole heap of a
large run (engines, worlds, records) several times, ~1.7 s after a ``core`` run had written its last file
(``python -m bench.perf.jobs``). Only unreachable cycles still alive at exit are affected: they are freed
with the process instead of by the collector (the run's files are closed by then).
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG = 50_000

_depth = 0
_exit_hook = False


@contextmanager
def relaxed_gc(young: int = YOUNG) -> Iterator[None]:
    """Raise the young threshold and freeze the live objects for the ``with`` block (re-entrant: an
    inner block, a run started inside another, leaves the settings to the outer one)."""
    global _depth, _exit_hook
    if _depth:
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
        return
    if not _exit_hook:
        atexit.register(gc.freeze)
        _exit_hook = True
    old = gc.get_threshold()
    _depth = 1
    gc.freeze()
    gc.set_threshold(max(old[0], young), old[1], old[2])
    try:
        yield
    finally:
        _depth = 0
        gc.set_threshold(*old)
        gc.unfreeze()


def settle() -> None:
    """Freeze what is alive now (the loaded suite) inside a ``relaxed_gc`` block; no-op outside one."""
    if _depth:
        gc.freeze()
