"""How long a large world takes to load: snapshot size, JSON read, normalize (validated vs constructed),
cached reload, and — when the engine is installed — indexing.

The engine's budget is < 2 s to load and index the 10,000-instance world (100 VPCs, 1,000 subnets),
so reading + normalizing must stay well under that. Run::

    python -m bench.perf.world_load                 # 1k, 10k, 50k instances
    python -m bench.perf.world_load --sizes 10000 --repeat 3

Times are the best of ``--repeat`` runs (wall clock, one process, nothing else cached).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.world import catalog, normalize_common
from bench.world.normalize import normalize
from bench.world.snapshot import read_snapshot, write_snapshot
from bench.world.synthetic import generate_snapshot

SHAPES = {1000: (10, 100), 10000: (100, 1000), 50000: (100, 1000)}  # instances -> (vpcs, subnets)


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _engine_index_time(world: Any, repeat: int) -> float | None:
    try:
        from bench.engine import Engine  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _best(lambda: Engine(world), repeat)[0]


def measure(instances: int, repeat: int, folder: Path) -> dict[str, Any]:
    vpcs, subnets = SHAPES.get(instances, (100, 1000))
    gen_s, raw = _best(lambda: generate_snapshot(vpcs, subnets, instances, seed=0), 1)
    path = write_snapshot(raw, folder / f"synthetic-{instances}.json")
    with catalog._gc_paused():  # as load_world does
        read_s, raw = _best(lambda: read_snapshot(path), repeat)
    saved = normalize_common.VALIDATE
    try:
        with catalog._gc_paused():
            normalize_common.VALIDATE = True
            validated_s, world = _best(lambda: normalize(raw), repeat)
            normalize_common.VALIDATE = False
            constructed_s, _ = _best(lambda: normalize(raw), repeat)
    finally:
        normalize_common.VALIDATE = saved
    catalog.clear_cache()
    cold_s, _ = _best(lambda: (catalog.clear_cache(), catalog.load_world(path))[1], repeat)
    warm_s, _ = _best(lambda: catalog.load_world(path), repeat)
    return {
        "instances": instances, "vpcs": vpcs, "subnets": subnets, "size_mb": path.stat().st_size / 1e6,
        "generate_s": gen_s, "read_s": read_s, "normalize_validated_s": validated_s,
        "normalize_constructed_s": constructed_s, "load_world_cold_s": cold_s, "load_world_cached_s": warm_s,
        "engine_index_s": _engine_index_time(world, repeat), "enis": len(world.network_interfaces),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000], help="instance counts")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs per step")
    args = parser.parse_args(argv)
    console = Console()
    rows = []
    with tempfile.TemporaryDirectory(prefix="reachbench-perf-") as tmp:
        for n in args.sizes:
            with console.status(f"measuring {n} instances…"):
                rows.append(measure(n, args.repeat, Path(tmp)))
    table = Table(title=f"world load, seconds (best of {args.repeat}); read/normalize with the GC paused")
    table.add_column("metric")
    for row in rows:
        table.add_column(f"{row['instances']} inst", justify="right")
    for key in rows[0]:
        table.add_row(key, *("-" if r[key] is None else f"{r[key]:.3f}" if isinstance(r[key], float)
                             else str(r[key]) for r in rows))
    console.print(table)


if __name__ == "__main__":
    main()
