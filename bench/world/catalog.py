"""Where worlds live and how they are loaded: by name from ``cases/worlds`` or by path.

Loading parses the raw snapshot and normalizes it; both are done once per process per file version
(the cache key is the resolved path and its mtime/size), because the runner and the case generator ask
for the same world thousands of times.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import corpus_dir
from bench.world.model import World
from bench.world.normalize import normalize
from bench.world.snapshot import SnapshotError, read_snapshot

ENV_VAR = "REACHBENCH_WORLDS"
SUFFIX = ".json"

_cache: dict[tuple[str, int, int], World] = {}
_lock = threading.Lock()


def world_dir() -> Path:
    """``$REACHBENCH_WORLDS`` if set, else the repository's ``cases/worlds`` (found from this source file)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return corpus_dir() / "worlds"


def list_worlds() -> list[str]:
    """Names (file stems) of the snapshots in ``world_dir()``, sorted; empty when the folder is absent."""
    folder = world_dir()
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(SUFFIX)] for p in folder.glob(f"*{SUFFIX}") if p.is_file())


def resolve(name_or_path: str | os.PathLike[str]) -> Path:
    """A world name (``field-test__baseline``) or a path to a snapshot file -> the file's path."""
    text = os.fspath(name_or_path)
    candidate = Path(text).expanduser()
    looks_like_path = candidate.suffix == SUFFIX or os.sep in text or "/" in text
    if looks_like_path or candidate.is_file():
        if not candidate.is_file():
            raise SnapshotError(f"{candidate}: no such world snapshot")
        return candidate.resolve()
    path = world_dir() / f"{text}{SUFFIX}"
    if not path.is_file():
        known = list_worlds()
        hint = ""
        if known:
            import difflib

            close = difflib.get_close_matches(text, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; known worlds: {', '.join(known)}"
        raise SnapshotError(f"{path}: no world named {text!r} in {world_dir()}{hint}")
    return path.resolve()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while a snapshot is parsed: loading allocates millions of acyclic objects,
    and the collections they trigger cost about as much as the parse itself (measured ~0.9 s of a
    1.8 s cold load of the 10k-instance world; bench/perf/world_load.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_world(name_or_path: str | os.PathLike[str]) -> World:
    """The normalized world, cached per process; errors are ``SnapshotError`` naming the file."""
    path = resolve(name_or_path)
    try:
        st = path.stat()
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read: {exc.strerror}") from None
    key = (str(path), st.st_mtime_ns, st.st_size)
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    with _gc_paused():
        world = normalize(read_snapshot(path), source=str(path))
        # The world lives as long as the process (cached): move it out of the collector's generations,
        # so that collections after this one never traverse its millions of objects again (the first
        # one after a 50,000-instance load would otherwise scan them all). Its objects are acyclic:
        # reference counting still frees them when the cache lets go.
        gc.freeze()
    with _lock:
        for old in [k for k in _cache if k[0] == key[0]]:
            del _cache[old]  # an older version of the same file
        _cache[key] = world
    return world


def clear_cache() -> None:
    """Forget loaded worlds (tests, long-lived processes after a rebuild)."""
    with _lock:
        _cache.clear()
