"""How fast the reference engine is: load + index time, verdicts per second, set-query latency per
destination kind and peak memory on synthetic worlds.

Gold generation and every run execute thousands of queries, so the engine's budgets (issue 14) are
>= 5,000 verdicts/s on one core, load + index of the 50,000-instance world under 2 s growing linearly from
1,000 instances, and set destinations under 1 ms on the 10,000-instance world for every kind. The worlds
come from ``bench.world.synthetic`` (written to a temporary snapshot here); each size is then loaded,
indexed and queried in a fresh child process, as the runner loads worlds, so the load is cold and the
peak memory (``VmHWM``) is the world's, not the generator's. The query mix is fixed by a seed: instance ->
instance over the protocols people ask about, instance -> public address, instance -> CIDR, instance ->
gateway; ``kind_mix`` adds ``--per-kind`` queries for each set-destination kind (``SET_KINDS``). Run::

    python -m bench.perf.engine                       # 1k, 10k, 50k instances
    python -m bench.perf.engine --sizes 10000 --queries 20000 --repeat 3
    PYTHONPATH=/other/tree python bench/perf/engine.py    # time another checkout with this harness
    reachbench perf engine --sizes 1000

Times are wall clock in one process (single-threaded); "first" includes the lazy compilation of
security groups, the other columns are the same queries again. "point" queries name one destination
address or an addressed resource (87% of the mix); "set" queries (a CIDR, a gateway) may walk every part
of the set through the whole network when nothing gets through, and are reported as mean milliseconds,
overall and per kind (first time asked / asked again). With ``--repeat N`` every figure is the median of
N child processes. The growth line compares load + index seconds per instance of the largest and the
smallest world (1.00: linear). "GC s" is the time the cyclic collector took in the child (full collections in
brackets): where a full collection falls moves the per-pass rates, so it is reported beside them.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.engine import Engine
from bench.model import Query
from bench.world import catalog
from bench.world.model import World
from bench.world.snapshot import write_snapshot
from bench.world.synthetic import generate_snapshot

SHAPES = {1000: (10, 100), 10000: (100, 1000), 50000: (100, 1000)}  # instances -> (vpcs, subnets)
PROBES = [("tcp", 22), ("tcp", 80), ("tcp", 443), ("tcp", 5432), ("tcp", 8080), ("udp", 53), ("icmp", None)]


def query_mix(world: World, n: int, seed: int = 0) -> list[Query]:
    """A fixed, seeded mix of the queries the benchmark asks (mostly instance to instance)."""
    rnd = random.Random(seed)
    instances = sorted(world.instances.values(), key=lambda i: i.id)
    igws = sorted(world.internet_gateways)
    out = []
    for _ in range(n):
        src = rnd.choice(instances)
        roll = rnd.random()
        proto, port = rnd.choice(PROBES)
        if roll < 0.75:
            dst = rnd.choice(instances).id
        elif roll < 0.87:
            dst = rnd.choice(["8.8.8.8", "35.78.9.203", "52.216.8.1", "1.1.1.1"])
        elif roll < 0.95:
            dst = rnd.choice(["10.0.0.0/8", "0.0.0.0/5", f"10.{rnd.randint(0, 99)}.0.0/16"])
        else:
            dst = rnd.choice(igws) if igws else "8.8.8.8"
        out.append(Query(region=src.region, source=src.id, destination=dst, protocol=proto, port=port))  # type: ignore[arg-type]
    return out


# Destination kinds of the set-query breakdown (``kind_mix``): every kind the engine answers as a set of
# addresses rather than one address (CIDRs, address ranges behind a resource, address-less gateways).
SET_KINDS = (
    "cidr 10.0.0.0/8",
    "cidr 0.0.0.0/5",
    "cidr VPC /16",
    "vpc",
    "subnet",
    "igw",
    "nat",
    "tgw",
    "tgw-attachment",
    "pcx",
    "vpce",
)


def _kind_destinations(world: World, kind: str, rnd: random.Random) -> str | None:
    """One destination of ``kind`` in ``world`` (None when the world has none)."""
    if kind == "cidr 10.0.0.0/8":
        return "10.0.0.0/8"
    if kind == "cidr 0.0.0.0/5":
        return "0.0.0.0/5"
    if kind == "cidr VPC /16":
        vpc = rnd.choice(sorted(world.vpcs))
        return world.vpcs[vpc].cidrs[0]
    pool = {
        "vpc": world.vpcs,
        "subnet": world.subnets,
        "igw": world.internet_gateways,
        "nat": world.nat_gateways,
        "tgw": world.transit_gateways,
        "tgw-attachment": world.transit_gateway_attachments,
        "pcx": world.vpc_peering_connections,
        "vpce": world.vpc_endpoints,
    }[kind]
    return rnd.choice(sorted(pool)) if pool else None


def kind_mix(world: World, per_kind: int, seed: int = 0) -> list[tuple[str, Query]]:
    """``per_kind`` seeded queries for each of ``SET_KINDS`` (instance sources, the usual protocols)."""
    rnd = random.Random(seed)
    instances = sorted(world.instances.values(), key=lambda i: i.id)
    out = []
    for kind in SET_KINDS:
        for _ in range(per_kind):
            dst = _kind_destinations(world, kind, rnd)
            if dst is None:
                break
            src = rnd.choice(instances)
            proto, port = rnd.choice(PROBES)
            query = Query(region=src.region, source=src.id, destination=dst, protocol=proto, port=port)  # type: ignore[arg-type]
            out.append((kind, query))
    return out


def measure_loaded(
    path: Path, instances: int, queries: int, seed: int = 0, per_kind: int = 20
) -> dict[str, Any]:
    """Load and index the snapshot at ``path`` in this process, then time the mixes (see module doc)."""
    catalog.clear_cache()
    gc_time = _GcClock()
    gc.callbacks.append(gc_time)
    t0 = time.perf_counter()
    world = catalog.load_world(path)
    t1 = time.perf_counter()
    engine = Engine(world)
    t2 = time.perf_counter()
    rss_index = _peak_rss_mb()
    mix = query_mix(world, queries, seed)
    t3 = time.perf_counter()
    verdicts = [engine.analyze(q) for q in mix]
    t4 = time.perf_counter()
    digest = hashlib.sha256()
    for v in verdicts:
        digest.update(v.model_dump_json().encode() + b"\n")
    point_s = set_s = 0.0
    n_point = 0
    for q in mix:
        a = time.perf_counter()
        engine.analyze(q)
        b = time.perf_counter()
        if _is_point(q):
            point_s += b - a
            n_point += 1
        else:
            set_s += b - a
    t5 = time.perf_counter()
    errors = sum(v.error is not None for v in verdicts)
    n_set = queries - n_point
    return {
        "instances": instances,
        "vpcs": len(world.vpcs),
        "subnets": len(world.subnets),
        "enis": len(world.network_interfaces),
        "load_s": t1 - t0,
        "index_s": t2 - t1,
        "load_index_s": t2 - t0,
        "first_per_s": queries / (t4 - t3),
        "steady_per_s": queries / (t5 - t4),
        "point_per_s": n_point / point_s if point_s else 0.0,
        "n_point": n_point,
        "set_ms": 1000 * set_s / n_set if n_set else 0.0,
        "n_set": n_set,
        "reachable_share": sum(bool(v.reachable) for v in verdicts) / queries,
        "errors": errors,
        "verdicts_sha256": digest.hexdigest(),
        "kinds": _kind_times(engine, kind_mix(world, per_kind, seed + 1)),
        "rss_index_mb": rss_index,
        "peak_rss_mb": _peak_rss_mb(),
        "gc_s": gc_time.seconds,
        "gc_full": gc_time.full,
    }


class _GcClock:
    """A ``gc.callbacks`` entry adding up the time spent in cyclic collections (and counting full ones):
    where a full collection falls moves the per-pass rates, so the total is reported beside them."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full = 0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start
            self.full += info.get("generation") == 2


def _kind_times(engine: Engine, mix: list[tuple[str, Query]]) -> dict[str, dict[str, float]]:
    """Mean ms per set-destination kind: the first time each query is asked, and asked again."""
    out: dict[str, dict[str, float]] = {}
    for label in ("first_ms", "ms"):
        for kind, q in mix:
            a = time.perf_counter()
            engine.analyze(q)
            cell = out.setdefault(kind, {"n": 0, "first_ms": 0.0, "ms": 0.0})
            cell[label] += 1000 * (time.perf_counter() - a)
            if label == "ms":
                out[kind]["n"] += 1
    for row in out.values():
        row["first_ms"] /= row["n"]
        row["ms"] /= row["n"]
    return out


def _peak_rss_mb() -> float:
    """This process's peak resident set size so far, MB. Linux: ``VmHWM`` of /proc/self/status, the
    high-water mark of this program's memory; ``ru_maxrss`` would also count the parent's, which Linux
    carries across fork and exec (the parent generated the world). Elsewhere ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def measure(
    instances: int,
    queries: int,
    folder: Path,
    seed: int = 0,
    repeat: int = 1,
    per_kind: int = 20,
    tree: Path | None = None,
) -> dict[str, Any]:
    """Generate the world (here), then load, index and query it in ``repeat`` fresh child processes
    (so the load is cold and the peak memory is the world's, not the generator's); per-figure medians.
    ``tree``: the checkout whose engine the children import (default: ``$PYTHONPATH``, else this one)."""
    vpcs, subnets = SHAPES.get(instances, (100, 1000))
    path = write_snapshot(
        generate_snapshot(vpcs, subnets, instances, seed=seed), folder / f"synth-{instances}.json"
    )
    runs = [_child(path, instances, queries, seed, per_kind, tree) for _ in range(repeat)]
    row = {k: _median([r[k] for r in runs]) for k in runs[0]}
    row["kinds"] = {
        kind: {f: statistics.median(r["kinds"][kind][f] for r in runs) for f in cell}
        for kind, cell in runs[0]["kinds"].items()
    }
    row["repeat"] = repeat
    # The verdicts of the fixed mix (first pass, profile truth) must not change between fresh processes.
    row["verdicts_stable"] = len({r["verdicts_sha256"] for r in runs}) == 1
    return row


def _median(values: list[Any]) -> Any:
    """Median of a figure over repeats (a count stays a count: the lower middle value)."""
    if isinstance(values[0], bool) or not isinstance(values[0], int | float):
        return values[0]
    return statistics.median_low(values) if isinstance(values[0], int) else statistics.median(values)


def _child(
    path: Path, instances: int, queries: int, seed: int, per_kind: int, tree: Path | None = None
) -> dict[str, Any]:
    # The child imports ``bench`` from $PYTHONPATH when it is set (so this file can time another tree:
    # ``PYTHONPATH=/old/tree python bench/perf/engine.py``), else from this checkout.
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=str(tree) if tree else os.environ.get("PYTHONPATH") or root)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(path), "--sizes", str(instances)]
    cmd += ["--queries", str(queries), "--seed", str(seed), "--per-kind", str(per_kind)]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _is_point(q: Query) -> bool:
    """One destination address or an addressed resource, as most benchmark questions are."""
    return "/" not in q.destination and not q.destination.startswith("igw-")


def report(rows: list[dict[str, Any]], console: Console) -> None:
    repeat = rows[0].get("repeat", 1) if rows else 1
    note = f"median of {repeat} fresh processes" if repeat > 1 else "one fresh process per size"
    table = Table(title=f"reference engine, one core (verdicts/s; set queries: mean ms; {note})")
    cols = (
        "instances",
        "VPCs",
        "subnets",
        "ENIs",
        "load s",
        "index s",
        "load+index s",
        "all/s (first)",
        "all/s",
        "point/s",
        "set ms",
        "reachable",
        "errors",
        "RSS MB (indexed)",
        "peak RSS MB",
        "GC s (full)",
    )
    for col in cols:
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            f"{r['instances']:,}", str(r["vpcs"]), str(r["subnets"]), f"{r['enis']:,}",
            f"{r['load_s']:.2f}", f"{r['index_s']:.2f}", f"{r['load_index_s']:.2f}",
            f"{r['first_per_s']:,.0f}", f"{r['steady_per_s']:,.0f}", f"{r['point_per_s']:,.0f}",
            f"{r['set_ms']:.2f}", f"{r['reachable_share']:.0%}", str(r["errors"]),
            f"{r['rss_index_mb']:,.0f}", f"{r['peak_rss_mb']:,.0f}", f"{r['gc_s']:.2f} ({r['gc_full']:.0f})",
        )  # fmt: skip
    console.print(table)
    kinds = Table(title="set queries by destination kind: mean ms, first time asked / asked again")
    kinds.add_column("kind")
    for r in rows:
        kinds.add_column(f"{r['instances']:,} inst", justify="right")
    for kind in SET_KINDS:
        cells = []
        for r in rows:
            k = r["kinds"].get(kind)
            cells.append(f"{k['first_ms']:.2f} / {k['ms']:.2f}" if k else "-")
        kinds.add_row(kind, *cells)
    console.print(kinds)
    for r in rows:
        r["growth_per_instance"] = growth(rows[0], r)
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        console.print(
            f"load + index growth, {last['instances']:,} / {first['instances']:,} instances: "
            f"{last['load_index_s'] / first['load_index_s']:.1f}x the time for "
            f"{last['instances'] / first['instances']:.0f}x the instances "
            f"({last['growth_per_instance']:.2f}x per instance; 1.00 = linear)"
        )


def growth(base: dict[str, Any], row: dict[str, Any]) -> float:
    """Load + index seconds per instance of ``row`` over that of ``base`` (1.0: linear growth)."""
    per = row["load_index_s"] / row["instances"]
    per0 = base["load_index_s"] / base["instances"]
    return per / per0 if per0 else 0.0


def run(
    sizes: list[int],
    queries: int,
    seed: int = 0,
    console: Console | None = None,
    repeat: int = 1,
    per_kind: int = 20,
    tree: Path | None = None,
) -> list[dict[str, Any]]:
    console = console or Console()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            with console.status(f"{size:,} instances: generating, loading, indexing, {queries:,} queries"):
                rows.append(measure(size, queries, Path(tmp), seed, repeat, per_kind, tree))
    report(rows, console)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000], help="instance counts")
    parser.add_argument("--queries", type=int, default=10000, help="queries per world")
    parser.add_argument("--per-kind", type=int, default=20, help="queries per set-destination kind")
    parser.add_argument("--repeat", type=int, default=1, help="fresh processes per size (medians)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # measure this snapshot, print JSON
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure_loaded(args.child, args.sizes[0], args.queries, args.seed, args.per_kind)))
        return
    rows = run(args.sizes, args.queries, args.seed, Console(width=200), args.repeat, args.per_kind)
    if args.json:
        print(json.dumps(rows, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
