"""Issue 14: caching and GC changes keep verdicts and summaries byte-identical.

- the verdicts of a fixed, seeded query set on synthetic worlds of two sizes hash the same whether the
  world and the engine's index are built with the cyclic GC paused (as they are) or running;
- a small run gives the same summary and the same records (bar the ``cached`` flag of translations)
  with the verdict cache off, cold and warm, and the warm run executes nothing (every verdict a hit);
- with the record cache, the second run reuses every stored line and writes the same bytes; other code,
  other world bytes or other translations are never answered from it;
- the batched bootstrap percentiles are the floats of one call per metric; the collector settings of a
  run are restored after it.
"""

from __future__ import annotations

import gc
import hashlib
import json
from pathlib import Path

import pytest

from bench.engine import Engine
from bench.perf.engine import query_mix
from bench.world import catalog
from bench.world.snapshot import write_snapshot
from bench.world.synthetic import generate_snapshot
from tests.test_engine_verdict_hash import _GcAlwaysOn

SIZES = {200: (4, 20), 1000: (10, 100)}  # instances -> (vpcs, subnets)


def _verdict_hash(engine: Engine, n: int = 300) -> str:
    digest = hashlib.sha256()
    for q in query_mix(engine.world, n, seed=0):
        for profile in ("truth", "ra"):
            v = engine.analyze(q, profile=profile)
            digest.update(json.dumps(v.model_dump(mode="json"), sort_keys=True).encode() + b"\n")
    return digest.hexdigest()


@pytest.mark.parametrize("instances", sorted(SIZES))
def test_verdicts_do_not_depend_on_the_garbage_collector(
    tmp_path: Path, instances: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bench.engine.engine as engine_module

    vpcs, subnets = SIZES[instances]
    path = write_snapshot(generate_snapshot(vpcs, subnets, instances, seed=0), tmp_path / "w.json")
    catalog.clear_cache()
    paused = _verdict_hash(Engine(catalog.load_world(path)))
    monkeypatch.setattr(engine_module, "gc", _GcAlwaysOn)
    catalog.clear_cache()
    running = _verdict_hash(Engine(catalog.load_world(path)))
    assert paused == running


def _run(
    tmp_path: Path,
    name: str,
    cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    verdicts: bool,
    records: bool = True,
    translator: str = "rules",
    suite: str = "core",
):
    from bench.run.options import RunOptions
    from bench.runner import run

    monkeypatch.setenv("REACHBENCH_VERDICT_CACHE", "on" if verdicts else "off")
    monkeypatch.setenv("REACHBENCH_RECORD_CACHE", "on" if records else "off")
    options = RunOptions(
        translator=translator,
        suite=suite,
        limit=40,
        out=tmp_path / "runs",
        run_id=name,
        cache_path=cache_dir / "translations.sqlite",
        n_resamples=50,
        jobs=2,
    )
    return run(options, progress=False)


def _records(run_dir: Path, latency: bool = True) -> list[dict]:
    """Records bar the ``cached`` flag (and the translation's latency unless ``latency``: a new call)."""
    out = []
    for line in (run_dir / "samples.jsonl").read_text().splitlines():
        record = json.loads(line)
        record["translation"].pop("cached")
        if not latency:
            record["translation"].pop("latency_ms")
        out.append(record)
    return out


def _summary(result) -> str:
    return (result.run_dir / "summary.json").read_text().replace(result.run_dir.name, "RUN")


def test_verdict_cache_keeps_runs_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    plain = _run(tmp_path, "plain", cache, monkeypatch, verdicts=False)
    cold = _run(tmp_path, "cold", cache, monkeypatch, verdicts=True, records=False)
    warm = _run(tmp_path, "warm", cache, monkeypatch, verdicts=True, records=False)
    assert "verdict_cache" not in plain.meta and "record_cache" not in plain.meta
    assert "record_cache" not in warm.meta  # REACHBENCH_RECORD_CACHE=off
    assert cold.meta["verdict_cache"]["writes"] > 0
    assert warm.meta["verdict_cache"]["misses"] == 0 and warm.meta["verdict_cache"]["hits"] > 0
    assert warm.meta["pool"]["cached"] == 40  # all answers from the batched look-up
    assert _summary(plain) == _summary(cold) == _summary(warm)
    assert _records(plain.run_dir) == _records(cold.run_dir) == _records(warm.run_dir)


def test_record_cache_keeps_runs_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first run with cached translations stores every record line; the next one reuses them all
    (no verdict is even looked up) and writes the same bytes; both equal a run without any cache."""
    cache = tmp_path / "cache"
    plain = _run(tmp_path, "plain", cache, monkeypatch, verdicts=False)
    cold = _run(tmp_path, "cold", cache, monkeypatch, verdicts=True)
    warm = _run(tmp_path, "warm", cache, monkeypatch, verdicts=True)
    # The filling run's translations were not cached: its lines are reused too (the flag is not keyed).
    assert plain.meta["pool"]["cached"] == 0 and cold.meta["pool"]["cached"] == 40
    assert cold.meta["record_cache"] == {"hits": 0, "misses": 40, "writes": 40}
    assert warm.meta["record_cache"] == {"hits": 40, "misses": 0, "writes": 0}
    assert warm.meta["verdict_cache"]["hits"] == 0 and warm.meta["verdict_cache"]["misses"] == 0
    assert _summary(plain) == _summary(cold) == _summary(warm)
    assert (cold.run_dir / "samples.jsonl").read_bytes() == (warm.run_dir / "samples.jsonl").read_bytes()
    assert _records(plain.run_dir) == _records(warm.run_dir)


def _record_scopes(cache: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(cache / "verdicts.sqlite") as conn:
        rows = conn.execute("SELECT DISTINCT scope FROM verdicts WHERE scope LIKE 'record:%'").fetchall()
    return sorted(r[0] for r in rows)


def test_record_cache_is_invalidated_by_code_worlds_and_translations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other engine/scorer code, other world bytes, another translator's answers: never a stored line."""
    import bench.run.recordcache as rc

    cache = tmp_path / "cache"
    _run(tmp_path, "fill", cache, monkeypatch, verdicts=True)
    first = _run(tmp_path, "first", cache, monkeypatch, verdicts=True)
    assert first.meta["record_cache"]["hits"] == 40
    [old_scope] = _record_scopes(cache)

    # Other code (the engine's or a scorer's): another scope, every case rebuilt, the old scope dropped.
    monkeypatch.setattr(rc, "code_fingerprint", lambda: "0" * 64)
    recoded = _run(tmp_path, "recoded", cache, monkeypatch, verdicts=True)
    assert recoded.meta["record_cache"] == {"hits": 0, "misses": 40, "writes": 40}
    assert _record_scopes(cache) != [old_scope] and len(_record_scopes(cache)) == 1
    assert _summary(recoded) == _summary(first)

    # Other bytes of one world: its cases (and those whose test suite includes it) are rebuilt.
    samples = [json.loads(line) for line in (first.run_dir / "samples.jsonl").read_text().splitlines()]
    target = samples[0]["world"]
    real = rc.world_digest
    monkeypatch.setattr(
        rc, "world_digest", lambda n, store=None: real(n, store) + ("!" if n == target else "")
    )
    touched = sum(1 for r in samples if r["world"].split("__")[0] == target.split("__")[0])
    reworld = _run(tmp_path, "reworld", cache, monkeypatch, verdicts=True)
    assert reworld.meta["record_cache"]["misses"] == touched
    assert reworld.meta["record_cache"]["hits"] == 40 - touched
    monkeypatch.setattr(rc, "world_digest", real)

    # Another translator on the same cases: its own answers are scored, as with no cache at all.
    other = _run(tmp_path, "other", cache, monkeypatch, verdicts=True, translator="naive")
    assert other.meta["record_cache"]["hits"] == 0 and other.meta["pool"]["cached"] == 0
    again = _run(tmp_path, "again", cache, monkeypatch, verdicts=True, translator="naive")
    assert again.meta["record_cache"]["hits"] == 40
    alone = _run(tmp_path, "alone", tmp_path / "none", monkeypatch, verdicts=False, translator="naive")
    assert _records(again.run_dir) != _records(first.run_dir)
    assert _records(again.run_dir) == _records(other.run_dir)
    assert _records(again.run_dir, latency=False) == _records(alone.run_dir, latency=False)
    assert _summary(again) == _summary(alone) != _summary(first)

    # A translator whose answers are not cached (latency differs in every run) stores no line.
    oracle = _run(tmp_path, "oracle", cache, monkeypatch, verdicts=True, translator="oracle")
    assert "record_cache" not in oracle.meta


def test_record_cache_follows_the_engine_fingerprint_and_the_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another engine fingerprint is another code fingerprint; an edited case (another suite hash) is
    rebuilt, and its record says what the edited case says."""
    import shutil

    import bench.run.recordcache as rc
    from bench.cases.loader import suite_dir

    before = rc.code_fingerprint()
    rc.code_fingerprint.cache_clear()
    monkeypatch.setattr(rc, "engine_fingerprint", lambda: "f" * 64)
    try:
        assert rc.code_fingerprint() != before
    finally:
        rc.code_fingerprint.cache_clear()
        monkeypatch.undo()
    assert rc.code_fingerprint() == before

    copy = tmp_path / "suite"
    shutil.copytree(suite_dir("core"), copy)
    cache = tmp_path / "cache"
    _run(tmp_path, "fill", cache, monkeypatch, verdicts=True, suite=str(copy))
    warm = _run(tmp_path, "warm", cache, monkeypatch, verdicts=True, suite=str(copy))
    assert warm.meta["record_cache"]["hits"] == 40
    first = json.loads((warm.run_dir / "samples.jsonl").read_text().splitlines()[0])
    lines = (copy / "test.jsonl").read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if json.loads(line)["id"] == first["case_id"])
    case = json.loads(lines[at])
    case["input"]["turns"] = ["edited: " + case["input"]["turns"][0]]
    lines[at] = json.dumps(case, ensure_ascii=False) + "\n"
    (copy / "test.jsonl").write_text("".join(lines))
    edited = _run(tmp_path, "edited", cache, monkeypatch, verdicts=True, suite=str(copy))
    assert edited.meta["record_cache"]["hits"] == 0  # another suite hash: another scope
    record = json.loads((edited.run_dir / "samples.jsonl").read_text().splitlines()[0])
    assert record["case_id"] == first["case_id"] and record["input"]["turns"][0].startswith("edited: ")


def test_record_cache_keys() -> None:
    """The key moves with the case, the translation (bar its ``cached`` flag) and the worlds; the scope
    with the suite's content and the code."""
    from bench.run.recordcache import RecordCache
    from bench.run.verdicts import VerdictStore

    store = VerdictStore(":memory:")
    a = RecordCache(store, "s", "hash-a", 4, 1)
    b = RecordCache(store, "s", "hash-b", 4, 1)
    assert a.scope != b.scope and a.scope.startswith("record:s:")
    world = catalog.list_worlds()[0]
    t = {"status": "query", "query": {"source": "i-1"}, "cached": False, "raw": "x"}
    k = a.key("c1", world, t)
    assert k is not None and k == a.key("c1", world, {**t, "cached": True})
    assert k != a.key("c2", world, t)
    assert k != a.key("c1", world, {**t, "raw": "y"})
    assert k != a.key("c1", catalog.list_worlds()[1], t)
    assert k != RecordCache(store, "s", "hash-a", 5, 1).key("c1", world, t)  # test-suite variants
    assert a.key("c1", "no-such-world", t) is None  # an uncatalogued world is never cached


def test_framed_lines_equal_plain_serialisation() -> None:
    from bench.run.recordcache import frame
    from bench.run.records import Framed, dump_line, dump_parts

    record = {
        "case_id": "c",
        "diagnosis": {"b": [1, 2.5], "a": None},
        "failure_type": None,
        "gold": {"ü": 'é\n"x"', "n": 1e-7},
        "scores": {},
        "tags": ["z", "a"],
        "translation": {"cached": True, "raw": '{"scores": {}}'},
        "world": "w",
    }
    line, parts = dump_parts(record)
    assert line == json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    head, middle, tail = frame(record, parts)
    translation = json.dumps(record["translation"], sort_keys=True, separators=(",", ":"))
    framed = Framed(head, middle + translation + tail, record)
    record["scores"] = {"m": 0.5}
    assert dump_line(record, framed) == dump_line(record)
    record["failure_type"] = "query:region_mismatch"  # changed after framing: serialised afresh
    assert dump_line(record, framed) == dump_line(record)
    assert dump_line({**record, "gold": {}}, parts) == dump_line({**record, "gold": {}})


def test_bootstrap_intervals_equal_one_percentile_per_metric() -> None:
    """The batched percentiles are the floats of one ``np.percentile`` call per metric."""
    import numpy as np

    from scorers.aggregate import ComponentMatrix, _distributions, _intervals
    from scorers.registry import metrics, reduce_sums

    registry = metrics()
    width = sum(m.spec.width for m in registry.values())
    rng = np.random.default_rng(0)
    columns, start = {}, 0
    for name, m in registry.items():
        columns[name] = slice(start, start + m.spec.width)
        start += m.spec.width
    boot = rng.integers(0, 4, size=(500, width)).astype(np.float64)
    boot[:, rng.integers(0, width, size=5)] = 0.0  # empty denominators: non-finite values to drop
    boot[::7, columns[next(iter(registry))]] = 0.0
    matrix = ComponentMatrix(np.zeros((1, width)), np.zeros((1, len(registry)), bool), columns, [])
    counts = np.ones(len(registry), dtype=int)
    counts[3] = 0
    [found] = _intervals([_distributions(matrix, registry, boot, counts)])
    for j, (name, m) in enumerate(registry.items()):
        dist = reduce_sums(m.spec.aggregation, boot[:, columns[name]])
        dist = dist[np.isfinite(dist)]
        if not counts[j] or not dist.size:
            assert name not in found
            continue
        low, high = np.percentile(dist, [2.5, 97.5])
        assert found[name][0].tobytes() == low.tobytes() and found[name][1].tobytes() == high.tobytes()


def test_relaxed_gc_is_restored() -> None:
    from bench.run.gctune import relaxed_gc, settle

    before = gc.get_threshold()
    with relaxed_gc():
        assert gc.get_threshold()[0] >= 50_000
        with relaxed_gc():  # a run inside a run leaves the settings to the outer one
            settle()
        assert gc.get_threshold()[0] >= 50_000 and gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_relaxed_gc_freezes_the_heap_at_exit() -> None:
    """A process that ran a run freezes its heap at exit (interpreter shutdown's collections would
    traverse it all); a process that never ran one does not."""
    import subprocess
    import sys

    program = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n"  # runs after the hook
        "from bench.run.gctune import relaxed_gc\n"
        "if sys.argv[1] == 'run':\n"
        "    with relaxed_gc():\n"
        "        pass\n"
        "print('after', gc.get_freeze_count())\n"
    )
    for mode, expected in (("run", "frozen True"), ("none", "frozen False")):
        done = subprocess.run(
            [sys.executable, "-c", program, mode], capture_output=True, text=True, check=True,
            cwd=Path(__file__).resolve().parents[1],
        )  # fmt: skip
        assert done.stdout.split("\n")[:2] == ["after 0", expected]


def test_verdict_cache_is_keyed_by_world_bytes(tmp_path: Path) -> None:
    from bench.run.verdicts import VerdictStore, engine_fingerprint, world_digest

    store = VerdictStore(tmp_path / "v.sqlite")
    store.put("exec:x", "q", "v")
    store.close()
    again = VerdictStore(tmp_path / "v.sqlite")
    assert again.get("exec:x", "q") == "v" and again.get("exec:y", "q") is None
    assert len(engine_fingerprint()) == 64
    path = write_snapshot(generate_snapshot(2, 4, 10, seed=0), tmp_path / "a.json")
    first = world_digest(str(path), again)
    path.write_text(path.read_text().replace("  ", " "))  # other bytes: another digest
    assert world_digest(str(path), again) != first
    bad = tmp_path / "not-a-db.sqlite"
    bad.write_text("garbage")
    broken = VerdictStore(bad)
    assert broken.problem and broken.get("s", "k") is None  # unusable: computed, never a crash


def test_fast_case_parsing_equals_the_validating_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines parsed by pydantic's JSON parser (inventory put in afterwards) are the cases that
    ``json.loads``, inventory expansion and validation give: same models, same fields set."""
    import bench.cases.loader as loader

    used = []
    fast = loader._parse_valid_line
    monkeypatch.setattr(loader, "_parse_valid_line", lambda t, i: used.append(1) or fast(t, i))
    quick = loader.load_suite("natural", splits=["test"])
    monkeypatch.setattr(loader, "_parse_valid_line", lambda t, i: None)
    slow = loader.load_suite("natural", splits=["test"])
    assert len(used) == len(quick.cases) > 100 and quick.cases == slow.cases
    for a, b in zip(quick.cases, slow.cases, strict=True):
        assert a.input.context.model_fields_set == b.input.context.model_fields_set
        assert loader.dump_case(a) == loader.dump_case(b)


def test_verdict_store_is_usable_from_another_thread(tmp_path: Path) -> None:
    """A run may record its cases on another thread than the one that opened the store."""
    import threading

    from bench.run.verdicts import VerdictStore

    store = VerdictStore(tmp_path / "v.sqlite")
    store.put("exec:a", "q", "v")
    store.flush()
    seen = []
    worker = threading.Thread(
        target=lambda: seen.append((store.get("exec:a", "q"), dict(store.scope("exec:b"))))
    )
    worker.start()
    worker.join()
    store.put("exec:b", "k", "w")
    closer = threading.Thread(target=store.close)
    closer.start()
    closer.join()
    assert seen == [("v", {})]
    assert store.problem is None
    assert VerdictStore(tmp_path / "v.sqlite").get("exec:b", "k") == "w"
