"""The engine's shortcuts change time, never verdicts.

``Walk._dead_end`` skips subnets whose hosts all refuse the one source at their security groups when no
block there could be the reported one; ``Walk._live_subnets`` does the same for a whole VPC at once and
also skips subnets holding NAT gateway and transit gateway interfaces when nothing they could record
would be kept (issue 14); the ra profile reuses the truth search of the same query. All are checked
against the engine with the shortcuts off, field by field (the JSON of the verdict), on random small
worlds with wide destinations, where the shortcuts fire.
"""

from __future__ import annotations

import random

import pytest
from test_crosscheck import R, random_world, sources

from bench.engine import Engine
from bench.engine.walk import Walk
from bench.model import Query

PROBES = [("tcp", 22), ("tcp", 443), ("udp", 53), ("icmp", None), ("tcp", None), ("any", None)]


def wide_destinations(world) -> list[str]:  # type: ignore[no-untyped-def]
    out = ["10.0.0.0/8", "0.0.0.0/0", "0.0.0.0/5"]
    out += sorted(s.cidr for s in world.subnets.values())
    out += sorted(c for v in world.vpcs.values() for c in v.cidrs)
    return out


def queries(seed: int) -> tuple[Engine, list[Query]]:
    world = random_world(seed)
    rnd = random.Random(seed)
    qs = []
    for src in sources(world):
        for dst in wide_destinations(world):
            proto, port = rnd.choice(PROBES)
            qs.append(Query(region=R, source=src, destination=dst, protocol=proto, port=port))  # type: ignore[arg-type]
    return Engine(world), qs


@pytest.mark.parametrize("seed", range(0, 40 * 7919, 7919))
def test_dead_end_pruning_keeps_every_verdict(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    engine, qs = queries(seed)
    fast = [engine.analyze(q).model_dump_json() for q in qs]
    monkeypatch.setattr(Walk, "_dead_end", lambda self, *args: False)
    monkeypatch.setattr(Walk, "_live_subnets", lambda self, *args: None)
    slow = [Engine(engine.world).analyze(q).model_dump_json() for q in qs]
    assert fast == slow


def test_the_vpc_wide_skip_fires_on_some_world(monkeypatch: pytest.MonkeyPatch) -> None:
    skipped = 0
    original = Walk._live_subnets

    def spy(self, vpc_id, *args):  # type: ignore[no-untyped-def]
        nonlocal skipped
        out = original(self, vpc_id, *args)
        if out is not None:
            skipped += len(self.ix.subnets_in_vpc.get(vpc_id, ())) - len(out)
        return out

    monkeypatch.setattr(Walk, "_live_subnets", spy)
    for seed in range(0, 40 * 7919, 7919):
        engine, qs = queries(seed)
        for q in qs:
            engine.analyze(q)
    assert skipped > 0


def test_the_pruning_fires_on_some_world(monkeypatch: pytest.MonkeyPatch) -> None:
    fired = 0
    original = Walk._dead_end

    def spy(self, *args):  # type: ignore[no-untyped-def]
        nonlocal fired
        out = original(self, *args)
        fired += out
        return out

    monkeypatch.setattr(Walk, "_dead_end", spy)
    for seed in range(0, 40 * 7919, 7919):
        engine, qs = queries(seed)
        for q in qs:
            engine.analyze(q)
    assert fired > 0


@pytest.mark.parametrize("seed", [3, 17, 101])
def test_ra_after_truth_equals_ra_alone(seed: int) -> None:
    engine, qs = queries(seed)
    shared = [(engine.analyze(q).model_dump_json(), engine.analyze(q, "ra").model_dump_json()) for q in qs]
    alone = []
    for q in qs:
        truth = Engine(engine.world).analyze(q).model_dump_json()
        ra = Engine(engine.world).analyze(q, "ra").model_dump_json()
        alone.append((truth, ra))
    assert shared == alone
