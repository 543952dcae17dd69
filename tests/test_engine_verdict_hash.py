"""Issue 14, item 5: the engine's speed-ups change no verdict.

The verdicts (``Verdict.model_dump_json``, profiles ``truth`` and ``ra``) of a fixed, seeded query set on
synthetic worlds of two sizes are hashed and compared with sha256 digests computed on the tree *before*
the large-world work (GC frozen after load and index, lazy / memoised indexes, memoised route
partitions, per-VPC interface maps, the subnet skips of ``bench.engine.prune``). The set is
``bench.perf.engine.query_mix`` (instance -> instance, public address, CIDR, IGW) plus ``kind_mix``
(every set-destination kind: CIDRs, VPC, subnet, IGW, NAT, TGW, TGW attachment, peering, endpoint).
The same digest must come out

- from a fresh engine on a freshly loaded world (memos cold) and from the same engine asked again
  (every memo warm),
- with the cyclic GC running throughout (load and index built with collections, no freeze).

To recompute the expected digests on another tree (they change only if a verdict, the query mix or the
synthetic generator changes)::

    cd /tmp && PYTHONPATH=/path/to/tree python /path/to/this/checkout/tests/test_engine_verdict_hash.py
"""

from __future__ import annotations

import gc
import hashlib
import importlib.util
import sys
import tempfile
from pathlib import Path
from typing import Any

SIZES = {200: (4, 20), 1000: (10, 100)}  # instances -> (vpcs, subnets)
N_MIX = 300  # query_mix queries per world
PER_KIND = 12  # kind_mix queries per set-destination kind

# Computed on the tree before issue 14's large-world work (commit faca7bd).
EXPECTED = {
    200: "ebb106b2327dd9d1c3afab54d68f66fcc103ff29fce9661dd2df11e5aafd1a29",
    1000: "e70f96b3d7f265435d69350f7f3dbcbb41e5efbeb63cb0e9eea69883f8a653a6",
}


def _perf_engine() -> Any:
    """``bench.perf.engine`` of *this* checkout (the mix), whichever ``bench`` is imported."""
    path = Path(__file__).resolve().parents[1] / "bench" / "perf" / "engine.py"
    spec = importlib.util.spec_from_file_location("_verdict_hash_mix", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def queries(world: Any) -> list[Any]:
    perf = _perf_engine()
    return [*perf.query_mix(world, N_MIX, seed=0), *(q for _, q in perf.kind_mix(world, PER_KIND, seed=0))]


def verdict_hash(engine: Any, mix: list[Any]) -> str:
    digest = hashlib.sha256()
    for q in mix:
        for profile in ("truth", "ra"):
            digest.update(engine.analyze(q, profile=profile).model_dump_json().encode() + b"\n")
    return digest.hexdigest()


def snapshot(folder: Path, instances: int) -> Path:
    from bench.world.snapshot import write_snapshot
    from bench.world.synthetic import generate_snapshot

    vpcs, subnets = SIZES[instances]
    return write_snapshot(generate_snapshot(vpcs, subnets, instances, seed=0), folder / f"w{instances}.json")


def fresh_hash(path: Path) -> tuple[str, Any, list[Any]]:
    from bench.engine import Engine
    from bench.world import catalog

    catalog.clear_cache()
    engine = Engine(catalog.load_world(path))
    mix = queries(engine.world)
    return verdict_hash(engine, mix), engine, mix


class _GcAlwaysOn:
    """Stands in for ``gc`` in the loader and the engine: pausing and freezing do nothing, and every
    pause point collects, so the world and its index are built with the collector running."""

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

    @staticmethod
    def unfreeze() -> None:
        pass

    @staticmethod
    def collect(generation: int = 2) -> int:
        return gc.collect(generation)


if __name__ != "__main__":
    import pytest

    @pytest.fixture(scope="module")
    def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
        folder = tmp_path_factory.mktemp("verdict-hash")
        return {n: snapshot(folder, n) for n in SIZES}

    @pytest.mark.parametrize("instances", sorted(SIZES))
    def test_verdicts_hash_as_before_cold_and_warm(worlds: dict[int, Path], instances: int) -> None:
        cold, engine, mix = fresh_hash(worlds[instances])
        assert len(mix) > N_MIX  # the set kinds are in
        assert cold == EXPECTED[instances]
        assert verdict_hash(engine, mix) == cold  # every memo warm
        assert verdict_hash(engine, list(reversed(mix))) != cold  # the digest does see the order

    @pytest.mark.parametrize("instances", sorted(SIZES))
    def test_verdicts_hash_as_before_with_the_gc_running(
        worlds: dict[int, Path], instances: int, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import bench.engine.engine as engine_module
        from bench.world import catalog

        monkeypatch.setattr(engine_module, "gc", _GcAlwaysOn)
        monkeypatch.setattr(catalog, "gc", _GcAlwaysOn)
        running, _, _ = fresh_hash(worlds[instances])
        assert running == EXPECTED[instances]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted(SIZES):
            digest, _, mix = fresh_hash(snapshot(Path(tmp), n))
            print(n, len(mix), digest, file=sys.stdout)
