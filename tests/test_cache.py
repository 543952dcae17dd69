"""Translation cache: modes, stats, and concurrent writers (threads and processes) on one file."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from bench.model import Translation
from bench.translators.cache import TranslationCache, default_cache_path


def _t(i: int) -> Translation:
    return Translation(status="abstain", abstain_reason=f"r{i}")


def _writer(path: str, start: int, n: int) -> None:
    cache = TranslationCache(path)
    for i in range(start, start + n):
        cache.put(f"k{i}", _t(i), translator="w", version="1")


def test_modes_and_stats(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    cache = TranslationCache(path)
    assert cache.get("a") is None
    cache.put("a", _t(1).model_copy(update={"cached": True}), translator="x", version="1")
    got = cache.get("a")
    assert got == _t(1) and not got.cached  # stored without the cached flag
    assert cache.stats().as_dict() | {"path": ""} == {
        "mode": "use", "path": "", "hits": 1, "misses": 1, "writes": 1, "hit_rate": 0.5}

    refresh = TranslationCache(path, mode="refresh")
    assert refresh.get("a") is None  # never read ...
    refresh.put("a", _t(2))
    assert TranslationCache(path).get("a") == _t(2)  # ... but overwritten

    off = TranslationCache.from_flags(tmp_path / "nothing" / "c.sqlite", no_cache=True, refresh=True)
    assert off.mode == "off"
    off.put("b", _t(3))
    assert off.get("b") is None and not (tmp_path / "nothing").exists()
    assert TranslationCache.from_flags(path, refresh=True).mode == "refresh"
    assert cache.clear("x") == 0 and cache.clear() == 1 and len(cache) == 0
    with pytest.raises(ValueError):
        TranslationCache(path, mode="maybe")  # type: ignore[arg-type]


def test_wal_mode(tmp_path: Path) -> None:
    cache = TranslationCache(tmp_path / "c.sqlite")
    assert cache._conn().execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_concurrent_threads_and_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite")
    TranslationCache(path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, 1000 * p, 100)) for p in range(2)]
    for p in procs:
        p.start()
    shared = TranslationCache(path)
    threads = [threading.Thread(target=lambda s=s: [shared.put(f"t{s}-{i}", _t(i)) for i in range(100)])
               for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert len(shared) == 600
    assert shared.get("k1099") == _t(1099) and shared.get("t3-99") == _t(99)


def test_default_path_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REACHBENCH_CACHE", str(tmp_path / "x.sqlite"))
    assert default_cache_path() == tmp_path / "x.sqlite"
