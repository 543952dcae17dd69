"""SQLite response cache for translators, safe with concurrent writers.

Paid or slow backends should be called once per (translator, version, settings, input): a rerun, a
resumed run or a second scorer pass replays the stored Translation. Keys are the sha256 the translator
computes (``Translator.cache_key``). The database runs in WAL mode with a busy timeout, one connection per
thread and per process, and writes are ``INSERT OR REPLACE`` of a whole row, so threads of a pool and
several processes (sharded runs) can share one file.

A cache file that is corrupt, not SQLite, or some other program's database is reported once (``problem``,
a logged warning, ``stats()`` in ``run.json``) and bypassed: the run goes on uncached, never crashes. A
row that no longer validates as a Translation is a miss (recomputed and overwritten).

Modes mirror the CLI flags: ``use`` (read and write), ``refresh`` (``--refresh-cache``: never read,
overwrite), ``off`` (``--no-cache``: neither).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bench.model.translation import Translation

log = logging.getLogger("bench.translators.cache")

CacheMode = Literal["use", "refresh", "off"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    key TEXT PRIMARY KEY,
    translator TEXT NOT NULL,
    version TEXT NOT NULL,
    value TEXT NOT NULL
)
"""


# Cache keys (``Translator.cache_key``): a world's inventory is serialised once, then spliced in.
INVENTORY_MARK = "\x00reachbench:inventory\x00"
INVENTORY_MARK_JSON = json.dumps(INVENTORY_MARK)
_INVENTORY_JSON: dict[tuple[int, ...], tuple[tuple[object, ...], str]] = {}
_INVENTORY_LOCK = threading.Lock()


def inventory_json(inventory: tuple[Any, ...]) -> str:
    """Canonical JSON of an inventory, memoised on the identity of its items (cases of one world share
    them; the memo holds the items, so an id is never reused while it is in the memo)."""
    key = tuple(map(id, inventory))
    found = _INVENTORY_JSON.get(key)
    if found is None:
        text = json.dumps(
            [item.model_dump(mode="json") for item in inventory],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        with _INVENTORY_LOCK:
            if len(_INVENTORY_JSON) > 4096:
                _INVENTORY_JSON.clear()
            _INVENTORY_JSON[key] = found = (tuple(inventory), text)
    return found[1]



def default_cache_path() -> Path:
    """``$REACHBENCH_CACHE`` or ``~/.cache/reachbench/translations.sqlite`` (read when called)."""
    env = os.environ.get("REACHBENCH_CACHE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "reachbench" / "translations.sqlite"


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    writes: int
    mode: str
    path: str
    problem: str | None = None
    invalid: int = 0

    def as_dict(self) -> dict[str, object]:
        total = self.hits + self.misses
        extra: dict[str, object] = {}
        if self.problem:
            extra["problem"] = self.problem
        if self.invalid:
            extra["invalid_rows"] = self.invalid
        return {
            **extra,
            "mode": self.mode,
            "path": self.path,
            "hits": self.hits,
            "misses": self.misses,
            "writes": self.writes,
            "hit_rate": round(self.hits / total, 4) if total else None,
        }


class TranslationCache:
    """Translation cache on one SQLite file; ``stats()`` goes into ``run.json``."""

    def __init__(self, path: str | Path | None = None, mode: CacheMode = "use") -> None:
        if mode not in ("use", "refresh", "off"):
            raise ValueError(f"cache mode must be use, refresh or off, not {mode!r}")
        self.path = Path(path) if path is not None else default_cache_path()
        self.mode: CacheMode = mode
        self._local = threading.local()
        self._lock = threading.Lock()
        self._hits = self._misses = self._writes = self._invalid = 0
        #: Why the cache is bypassed (a corrupt or foreign file), reported once; None when healthy.
        self.problem: str | None = None
        if mode != "off":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = self._conn()
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
                columns = [row[1] for row in conn.execute("PRAGMA table_info(translations)")]
                if columns != ["key", "translator", "version", "value"]:
                    raise sqlite3.DatabaseError(f"table 'translations' has columns {columns}, not a cache's")
            except (sqlite3.Error, OSError) as exc:
                self._disable(exc)

    def _disable(self, exc: BaseException) -> None:
        """Report once and bypass: the run continues without the cache."""
        with self._lock:
            if self.problem is None:
                self.problem = f"{self.path}: unusable translation cache ({exc}); running without it"
                log.warning("%s", self.problem)
            self.mode = "off"

    @classmethod
    def from_flags(cls, path: str | Path | None = None, *, no_cache: bool = False, refresh: bool = False
                   ) -> TranslationCache:
        """Map ``--no-cache`` / ``--refresh-cache`` to a mode (``--no-cache`` wins)."""
        return cls(path, mode="off" if no_cache else "refresh" if refresh else "use")

    def _conn(self) -> sqlite3.Connection:
        # sqlite3 connections must not cross threads or forks: one per (thread, pid).
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=True)
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            self._local.pid = os.getpid()
        return conn

    def get(self, key: str) -> Translation | None:
        if self.mode != "use":
            if self.mode == "refresh":
                self._count("misses")
            return None
        try:
            row = self._conn().execute("SELECT value FROM translations WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self._disable(exc)
            return None
        if row is None:
            self._count("misses")
            return None
        try:
            value = Translation.model_validate_json(row[0])
        except ValueError:  # a row written by another version, or damaged: recompute it
            self._count("invalid")
            self._count("misses")
            return None
        self._count("hits")
        return value

    def get_many(self, keys: list[str]) -> dict[str, Translation]:
        """The entries of many keys, read in batches of 500 (hits counted; misses are counted by the
        ``get`` that follows for each of them). Empty unless the mode is ``use``."""
        if self.mode != "use":
            return {}
        out: dict[str, Translation] = {}
        rows: list[tuple[str, str]] = []
        try:
            conn = self._conn()
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, value FROM translations WHERE key IN ({marks})"
                rows += conn.execute(query, chunk).fetchall()
        except sqlite3.Error as exc:
            self._disable(exc)
            return {}
        for key, value in rows:
            try:
                out[key] = Translation.model_validate_json(value)
            except ValueError:  # damaged or foreign: left to ``get``, which counts it and recomputes
                continue
        with self._lock:
            self._hits += len(out)
        return out

    def put(self, key: str, value: Translation, *, translator: str = "", version: str = "") -> None:
        if self.mode == "off":
            return
        doc = value.model_copy(update={"cached": False}).model_dump_json()
        try:
            self._conn().execute(
                "INSERT OR REPLACE INTO translations (key, translator, version, value) VALUES (?, ?, ?, ?)",
                (key, translator, version, doc),
            )
        except sqlite3.Error as exc:
            self._disable(exc)
            return
        self._count("writes")

    def __len__(self) -> int:
        if self.mode == "off":
            return 0
        return int(self._conn().execute("SELECT COUNT(*) FROM translations").fetchone()[0])

    def clear(self, translator: str | None = None) -> int:
        """Delete entries (of one translator, or all); returns how many."""
        if self.mode == "off":
            return 0
        if translator is None:
            cur = self._conn().execute("DELETE FROM translations")
        else:
            cur = self._conn().execute("DELETE FROM translations WHERE translator = ?", (translator,))
        return cur.rowcount

    def _count(self, what: str) -> None:
        with self._lock:
            setattr(self, f"_{what}", getattr(self, f"_{what}") + 1)

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                self._hits, self._misses, self._writes, self.mode, str(self.path), self.problem, self._invalid
            )

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
