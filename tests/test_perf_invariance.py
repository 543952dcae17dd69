"""Issue 14: caching and GC changes keep verdicts and summaries byte-identical.

- the verdicts of a fixed, seeded query set on synthetic worlds of two sizes hash the same whether the
  world and the engine's index are built with the cyclic GC paused (as they are) or running;
- a small run gives the same summary and the same records (bar the ``cached`` flag of translations)
  with the verdict cache off, cold and warm, and the warm run executes nothing (every verdict a hit).
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

SIZES = {200: (4, 20), 1000: (10, 100)}  # instances -> (vpcs, subnets)


def _verdict_hash(engine: Engine, n: int = 300) -> str:
    digest = hashlib.sha256()
    for q in query_mix(engine.world, n, seed=0):
        for profile in ("truth", "ra"):
            v = engine.analyze(q, profile=profile)
            digest.update(json.dumps(v.model_dump(mode="json"), sort_keys=True).encode() + b"\n")
    return digest.hexdigest()


class _GcAlwaysOn:
    """Stands in for ``gc`` in the engine module: pausing does nothing, so the index is built with the
    collector running, as before issue 14."""

    @staticmethod
    def isenabled() -> bool:
        return True

    @staticmethod
    def disable() -> None:
        gc.collect()

    @staticmethod
    def enable() -> None:
        gc.collect()

    @staticmethod
    def freeze() -> None:
        gc.collect()


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


def _run(tmp_path: Path, name: str, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, verdicts: bool):
    from bench.run.options import RunOptions
    from bench.runner import run

    monkeypatch.setenv("REACHBENCH_VERDICT_CACHE", "on" if verdicts else "off")
    options = RunOptions(
        translator="rules",
        suite="core",
        limit=40,
        out=tmp_path / "runs",
        run_id=name,
        cache_path=cache_dir / "translations.sqlite",
        n_resamples=50,
        jobs=2,
    )
    return run(options, progress=False)


def _records(run_dir: Path) -> list[dict]:
    out = []
    for line in (run_dir / "samples.jsonl").read_text().splitlines():
        record = json.loads(line)
        record["translation"].pop("cached")
        out.append(record)
    return out


def test_verdict_cache_keeps_runs_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    plain = _run(tmp_path, "plain", cache, monkeypatch, verdicts=False)
    cold = _run(tmp_path, "cold", cache, monkeypatch, verdicts=True)
    warm = _run(tmp_path, "warm", cache, monkeypatch, verdicts=True)
    assert "verdict_cache" not in plain.meta
    assert cold.meta["verdict_cache"]["writes"] > 0
    assert warm.meta["verdict_cache"]["misses"] == 0 and warm.meta["verdict_cache"]["hits"] > 0
    assert warm.meta["pool"]["cached"] == 40  # all answers from the batched look-up
    texts = {
        r.run_dir.name: (r.run_dir / "summary.json").read_text().replace(r.run_dir.name, "RUN")
        for r in (plain, cold, warm)
    }
    assert texts["plain"] == texts["cold"] == texts["warm"]
    assert _records(plain.run_dir) == _records(cold.run_dir) == _records(warm.run_dir)


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
