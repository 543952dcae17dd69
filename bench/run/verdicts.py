"""On-disk cache of executed verdicts, so that a rerun whose translations are all cached executes nothing.

A run executes every translated query on its world (both profiles) and, for test-suite scoring, the gold
and the prediction on every world of the case's scenario and its path-cutting variants
(``bench.run.crossworld``). All of it is a pure function of the engine's code, the world snapshots and the
query, so it is cached on one SQLite file beside the translation cache (``verdicts.sqlite``):

- a *scope* names what the answers depend on: ``exec`` scopes the engine fingerprint (a hash of the
  source of ``bench/engine``, ``bench/model``, ``bench/world``, ``bench/aws``, ``bench/data`` and the
  executing modules of ``bench/run``) and the sha256 of the world's snapshot file; ``cross`` scopes the
  engine fingerprint, the test-suite configuration (variants, seed) and the names and hashes of every
  world of the scenario. A changed engine or world is a new scope: nothing stale is ever read;
- a scope's entries are read in one query the first time it is asked for (a batch, not a look-up per
  case), and new entries are written in batches at the end of the run (``flush``).

A damaged or locked file never fails a run: the store falls back to memory and says why (``problem``).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Folders and files of the package whose code decides a verdict (relative to ``bench/``).
ENGINE_SOURCES = (
    "engine",
    "model",
    "world",
    "aws",
    "data",
    "run/crossworld.py",
    "run/execute.py",
    "run/goldwork.py",  # carries gold verdicts computed in a child process into the caches
    "run/verdicts.py",
)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS verdicts (scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
    "PRIMARY KEY (scope, key)) WITHOUT ROWID"
)

_DIGESTS = (
    "CREATE TABLE IF NOT EXISTS digests (path TEXT NOT NULL, mtime_ns INTEGER NOT NULL, "
    "size INTEGER NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (path, mtime_ns, size)) WITHOUT ROWID"
)


def default_verdict_path(translation_cache: Path | None = None) -> Path:
    """``verdicts.sqlite`` beside the translation cache (``$REACHBENCH_CACHE``'s folder, else
    ``~/.cache/reachbench``)."""
    if translation_cache is not None:
        return Path(translation_cache).parent / "verdicts.sqlite"
    from bench.translators.cache import default_cache_path

    return default_cache_path().parent / "verdicts.sqlite"


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """sha256 of the code that decides verdicts (file names and bytes), and the pydantic version
    (it serialises them). Computed once per process (~100 small files)."""
    import pydantic

    digest = hashlib.sha256(f"pydantic={pydantic.VERSION}\0".encode())
    hash_sources(digest, Path(__file__).resolve().parent.parent, ENGINE_SOURCES, (".py", ".json", ".yaml"))
    return digest.hexdigest()


def hash_sources(digest: Any, root: Path, sources: Iterable[str], suffixes: tuple[str, ...]) -> None:
    """Feed ``digest`` the name (relative to ``root``) and bytes of every file with one of ``suffixes``
    under each of ``sources`` (a folder, searched recursively, or a file), in sorted order."""
    for rel in sources:
        path = root / rel
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in files:
            if f.is_file() and f.suffix in suffixes and "__pycache__" not in f.parts:
                digest.update(f.relative_to(root).as_posix().encode() + b"\0")
                digest.update(f.read_bytes() + b"\0")


def env_switch(name: str) -> bool:
    """False when environment variable ``name`` says off (``off``, ``0``, ``no``), else True."""
    return os.environ.get(name, "").lower() not in ("off", "0", "no")


_WORLD_DIGESTS: dict[tuple[str, int, int], str] = {}


def world_digest(name: str, store: VerdictStore | None = None) -> str:
    """sha256 of a catalogued world's snapshot file, memoised on its path, mtime and size (in the process,
    and in ``store`` across processes: hashing the ~200 world files of a run costs ~0.6 s)."""
    from bench.world.catalog import resolve

    path = resolve(name)
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    found = _WORLD_DIGESTS.get(key)
    if found is None and store is not None:
        found = store.get_digest(key)
    if found is None:
        found = hashlib.sha256(path.read_bytes()).hexdigest()
        if store is not None:
            store.put_digest(key, found)
    _WORLD_DIGESTS[key] = found
    return found


class VerdictStore:
    """Scoped key -> JSON text, read a scope at a time, written in batches."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_verdict_path()
        self.problem: str | None = None
        self.hits = self.misses = self.writes = 0
        self._scopes: dict[str, dict[str, str]] = {}
        self._pending: list[tuple[str, str, str]] = []
        self._conn: sqlite3.Connection | None = None
        self._digests: dict[tuple[str, int, int], str] = {}
        self._new_digests: list[tuple[str, int, int, str]] = []
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One thread at a time uses a store, but not always the one that opened it (a run may
            # record its cases on another thread than the one that prepared it).
            conn = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)
            columns = [row[1] for row in conn.execute("PRAGMA table_info(verdicts)")]
            if columns != ["scope", "key", "value"]:
                raise sqlite3.DatabaseError(f"unexpected columns {columns}")
            conn.execute(_DIGESTS)
            self._digests = {
                (p, m, z): d
                for p, m, z, d in conn.execute("SELECT path, mtime_ns, size, sha256 FROM digests")
            }
            self._conn = conn
        except (sqlite3.Error, OSError) as exc:
            self.problem = f"{self.path}: verdict cache unusable ({exc}); verdicts are computed"

    def scope(self, scope: str) -> dict[str, str]:
        """Every stored entry of ``scope`` (one query, then memory)."""
        found = self._scopes.get(scope)
        if found is None:
            found = {}
            if self._conn is not None:
                try:
                    rows = self._conn.execute("SELECT key, value FROM verdicts WHERE scope = ?", (scope,))
                    found = dict(rows.fetchall())
                except sqlite3.Error as exc:
                    self._fail(exc)
            self._scopes[scope] = found
        return found

    def get(self, scope: str, key: str) -> str | None:
        value = self.scope(scope).get(key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, scope: str, key: str, value: str) -> None:
        self.scope(scope)[key] = value
        self._pending.append((scope, key, value))
        if len(self._pending) >= 5000:
            self.flush()

    def drop_scopes(self, prefix: str, keep: str) -> None:
        """Delete every entry whose scope starts with ``prefix``, but those of scope ``keep``."""
        self.flush()
        if self._conn is None:
            return
        try:
            with self._conn:
                self._conn.execute(
                    "DELETE FROM verdicts WHERE scope >= ? AND scope < ? AND scope != ?",
                    (prefix, prefix + "\uffff", keep),
                )
        except sqlite3.Error as exc:
            self._fail(exc)
        self._scopes = {s: v for s, v in self._scopes.items() if s == keep or not s.startswith(prefix)}

    def get_digest(self, key: tuple[str, int, int]) -> str | None:
        return self._digests.get(key)

    def put_digest(self, key: tuple[str, int, int], digest: str) -> None:
        self._digests[key] = digest
        self._new_digests.append((*key, digest))

    def flush(self) -> None:
        """Write the new entries (one transaction)."""
        pending, self._pending = self._pending, []
        digests, self._new_digests = self._new_digests, []
        if not (pending or digests) or self._conn is None:
            return
        try:
            with self._conn:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO verdicts (scope, key, value) VALUES (?, ?, ?)", pending
                )
                self._conn.executemany(
                    "INSERT OR REPLACE INTO digests (path, mtime_ns, size, sha256) VALUES (?, ?, ?, ?)",
                    digests,
                )
            self.writes += sum(1 for scope, _, _ in pending if not scope.startswith("record:"))
        except sqlite3.Error as exc:
            self._fail(exc)

    def close(self) -> None:
        self.flush()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _fail(self, exc: Exception) -> None:
        self.problem = f"{self.path}: verdict cache unusable ({exc}); verdicts are computed"
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def stats(self) -> dict[str, Any]:
        total = self.hits + self.misses
        out: dict[str, Any] = {
            "path": str(self.path),
            "hits": self.hits,
            "misses": self.misses,
            "writes": self.writes,
            "hit_rate": round(self.hits / total, 4) if total else None,
        }
        if self.problem:
            out["problem"] = self.problem
        return out


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def store_for(
    cache_mode: str, translation_cache: Path | None, *, stand_in: bool = False
) -> VerdictStore | None:
    """The verdict cache of a run with the real engines; None with ``--no-cache`` (mode ``off``), a
    stand-in engine or ``REACHBENCH_VERDICT_CACHE=off``."""
    if stand_in or cache_mode == "off" or not verdict_cache_enabled():
        return None
    return VerdictStore(default_verdict_path(translation_cache))


def verdict_cache_enabled() -> bool:
    """``REACHBENCH_VERDICT_CACHE=off`` turns the cache off (measuring the engine, debugging it)."""
    return env_switch("REACHBENCH_VERDICT_CACHE")


__all__ = [
    "ENGINE_SOURCES",
    "store_for",
    "VerdictStore",
    "default_verdict_path",
    "dumps",
    "engine_fingerprint",
    "env_switch",
    "hash_sources",
    "verdict_cache_enabled",
    "world_digest",
]
