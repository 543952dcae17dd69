"""Candidate questions of one world, answered by the engine, then chosen to balance the corpus.

A candidate (``Spec``) is a source, a destination and the traffic; the engine answers it under both
profiles once, and its outcome (reachable, the blocking code, or why RA cannot answer it) decides which
stratum it feeds. Selection then fills quotas per stratum (reachable vs unreachable about even, every
blocking code and every resource type represented) with a per-world seeded RNG, so that one world's
cases never depend on another's and a world can be regenerated alone.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.aws.ipranges import shipped_ip_ranges
from bench.aws.regions import region_from_hostname
from bench.cases.gold import Analyzer, compute_gold
from bench.cases.inventory import Endpoint, endpoints
from bench.cases.schema import Gold
from bench.model import Query
from bench.model.resources import ENDPOINT_TYPES, UNSUPPORTED_RESOURCE_TYPES
from bench.world.model import World

SOURCE_TYPES = {t.value for t in ENDPOINT_TYPES} | {t.value for t in UNSUPPORTED_RESOURCE_TYPES}
IPV6_TARGET = "2600:1f18:24e:ab00::10"
INTERNET_IP = "1.1.1.1"
MAX_CANDIDATES = 3000

# Traffic asked about per destination kind: (protocol, port); "ctx" takes the destination's service port.
_TRAFFIC: dict[str, tuple[tuple[str, int | None | str], ...]] = {
    "instance": (
        ("icmp", None),
        ("tcp", 22),
        ("tcp", 8080),
        ("tcp", 443),
        ("tcp", 80),
        ("any", None),
        ("udp", 53),
    ),
    "network-interface": (("icmp", None), ("tcp", 22), ("tcp", 8080), ("any", None), ("udp", 514)),
    "db-instance": (("tcp", "ctx"), ("icmp", None), ("any", None)),
    "ip": (("tcp", 443), ("icmp", None), ("any", None), ("tcp", 80), ("udp", 53)),
    "fqdn": (("tcp", 443), ("icmp", None), ("any", None), ("tcp", 80)),
    "service": (("tcp", 443), ("any", None)),
    "cidr": (("icmp", None), ("tcp", 443), ("tcp", 22), ("any", None), ("udp", 123)),
    "ipv6": (("tcp", 443), ("icmp", None)),
    "nonexistent": (("tcp", 443), ("icmp", None), ("tcp", 22)),
    "other": (("any", None), ("tcp", 443), ("icmp", None)),
}


@dataclass(frozen=True)
class Target:
    """A destination: a resource, or an address, range, hostname, service endpoint, or a missing id."""

    kind: str  # resource | ip | cidr | fqdn | service | ipv6 | nonexistent
    value: str
    endpoint: Endpoint | None = None
    region: str | None = None  # the Region the destination is in or implies
    service: str | None = None
    missing_type: str | None = None

    @property
    def type_key(self) -> str:
        return self.endpoint.type if self.endpoint else self.kind


@dataclass(frozen=True)
class Spec:
    src: Endpoint
    dst: Target
    protocol: str
    port: int | None

    @property
    def traffic(self) -> str:
        """``tcp/5432``, ``icmp/-``: the traffic as one key, for protocol coverage."""
        return f"{self.protocol}/{self.port if self.port is not None else '-'}"

    def query(self) -> Query:
        dst_region = None
        if self.dst.endpoint is not None and self.dst.endpoint.region != self.src.region:
            dst_region = self.dst.endpoint.region
        return Query(
            region=self.src.region,
            source=self.src.id,
            destination=self.dst.value,
            protocol=self.protocol,
            port=self.port,
            destination_region=dst_region,  # type: ignore[arg-type]
        )


@dataclass
class Candidate:
    spec: Spec
    gold: Gold

    @property
    def outcome(self) -> str:
        """Stratum key: ``reachable``, ``code:<CODE>``, or ``unans:<reason>``."""
        g = self.gold
        if not g.answerable:
            return f"unans:{g.abstain_reason}"
        v = g.verdict
        assert v is not None
        return "reachable" if v.reachable else f"code:{v.explanation_code or 'UNKNOWN'}"


@dataclass
class Pool:
    world: World
    endpoints: list[Endpoint]
    candidates: list[Candidate] = field(default_factory=list)

    def outcomes(self) -> set[str]:
        return {c.outcome for c in self.candidates}

    def protos(self) -> set[str]:
        return {c.spec.traffic for c in self.candidates}

    def types(self) -> tuple[set[str], set[str]]:
        return (
            {c.spec.src.type for c in self.candidates},
            {c.spec.dst.type_key for c in self.candidates if c.spec.dst.endpoint},
        )


def _missing_id(world: World, rtype: str) -> str:
    digest = hashlib.sha256(f"{world.name}:{rtype}:missing".encode()).hexdigest()
    prefix = {"instance": "i-0", "db-instance": "orders-db-", "vpc-endpoint": "vpce-0"}.get(rtype, "i-0")
    candidate = prefix + digest[:16]
    return candidate


def targets(world: World, eps: list[Endpoint]) -> list[Target]:
    """Every destination worth asking about in this world."""
    out = [Target("resource", e.id, e, e.region) for e in eps if not e.in_default_vpc]
    ranges = shipped_ip_ranges()
    for name in sorted(world.dns):
        region = region_from_hostname(name)
        svc = name.split(".")[0] if region and name.endswith(".amazonaws.com") else None
        out.append(Target("fqdn", name, None, region))
        if svc:
            out.append(Target("service", name, None, region, service=svc))
        for addr in world.dns[name][:2]:
            if ":" not in addr:
                out.append(Target("ip", addr, None, ranges.region_of(addr)))
    out.append(Target("ip", INTERNET_IP, None, None))
    for vpc in sorted(world.vpcs.values(), key=lambda v: v.id):
        if not vpc.is_default and vpc.cidrs:
            out.append(Target("cidr", vpc.cidrs[0], None, vpc.region))
    out.append(Target("ipv6", IPV6_TARGET, None, None))
    out.append(Target("nonexistent", _missing_id(world, "instance"), None, None, missing_type="instance"))
    seen: set[tuple[str, str]] = set()
    unique = []
    for t in out:
        if (t.kind, t.value) not in seen:
            seen.add((t.kind, t.value))
            unique.append(t)
    return unique


def _traffic(t: Target) -> tuple[tuple[str, int | None], ...]:
    key = t.kind if t.kind != "resource" else (t.endpoint.type if t.endpoint else "other")
    rows = _TRAFFIC.get(key, _TRAFFIC["other"])
    out = []
    for proto, port in rows:
        if port == "ctx":
            port = 5432
            if t.endpoint is not None and t.endpoint.type == "db-instance":
                port = _db_port(t.endpoint)
        out.append((proto, port))  # type: ignore[arg-type]
    return tuple(out)  # type: ignore[return-value]


def _db_port(ep: Endpoint) -> int:
    tags = " ".join([ep.name or "", ep.id, *ep.dns_names]).lower()
    return 3306 if ("mysql" in tags or "maria" in tags or "aurora" in tags) else 5432


def build_pool(
    world: World, engine: Analyzer, seed: int, progress: Callable[[int, int], None] | None = None
) -> Pool:
    """Answer every candidate of the world (capped at ``MAX_CANDIDATES``, sampled with the world's seed)."""
    eps = endpoints(world)
    sources = [e for e in eps if e.type in SOURCE_TYPES and not e.in_default_vpc]
    specs = [
        Spec(s, t, proto, port)
        for s in sources
        for t in targets(world, eps)
        if t.value not in (s.id, *s.private_ips, *s.public_ips, *s.dns_names)
        and not (t.endpoint is not None and t.endpoint.id in (s.eni_id, s.owner_id))
        for proto, port in _traffic(t)
    ]
    rng = random.Random(f"{seed}:{world.name}:pool")
    if len(specs) > MAX_CANDIDATES:
        specs = rng.sample(specs, MAX_CANDIDATES)
    pool = Pool(world, eps)
    for n, spec in enumerate(specs, start=1):
        gold = compute_gold(spec.query(), engine)
        v = gold.verdict
        if gold.answerable and (v is None or v.error or v.reachable is None):
            continue  # an answerable question the engine cannot evaluate is not a benchmark case
        # Unanswerable ones stay even when truth has no verdict either (IPv6, Lambda): the gold is to abstain.
        pool.candidates.append(Candidate(spec, gold))
        if progress is not None and n % 250 == 0:
            progress(n, len(specs))
    return pool


@dataclass(frozen=True)
class Quotas:
    """How many cases one world contributes, per stratum and per resource type."""

    total: int
    per_code: int
    per_type: int
    unanswerable_share: float = 0.3
    # Per coverage key ("src:<type>", "dst:<type>", "traffic:<proto>/<port>"): overrides per_type, so a
    # protocol seen in few worlds gets its share there without inflating every other type.
    minimums: tuple[tuple[str, int], ...] = ()

    def minimum(self, key: str) -> int:
        return dict(self.minimums).get(key, self.per_type)

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "per_code": self.per_code,
            "per_type": self.per_type,
            "unanswerable_share": self.unanswerable_share,
            "minimums": dict(self.minimums),
        }


def select(pool: Pool, quotas: Quotas, seed: int) -> list[Candidate]:
    """Choose candidates to fill the quotas; repeats are allowed (each gets its own phrasing)."""
    rng = random.Random(f"{seed}:{pool.world.name}:select")
    strata: dict[str, list[Candidate]] = defaultdict(list)
    for c in pool.candidates:
        strata[c.outcome].append(c)
    for items in strata.values():
        rng.shuffle(items)
    chosen: list[Candidate] = []
    cursor: dict[str, int] = defaultdict(int)

    def take(key: str, n: int, pick: Callable[[Candidate], bool] | None = None) -> None:
        items = [c for c in strata.get(key, []) if pick is None or pick(c)]
        if not items:
            return
        # Round-robin over (source type, destination type, protocol) so no one pair of types and no one
        # protocol dominates a stratum.
        groups: dict[tuple[str, str, str], list[Candidate]] = defaultdict(list)
        for c in items:
            groups[(c.spec.src.type, c.spec.dst.type_key, c.spec.protocol)].append(c)
        order = sorted(groups)
        for i in range(n):
            g = groups[order[(cursor[key] + i) % len(order)]]
            chosen.append(g[(cursor[key] + i) // len(order) % len(g)])
        cursor[key] += n

    answerable_total = round(quotas.total * (1 - quotas.unanswerable_share))
    codes = sorted(k for k in strata if k.startswith("code:"))
    unreach = max(answerable_total // 2, quotas.per_code * len(codes))
    per_code = max(quotas.per_code, unreach // max(len(codes), 1))
    for key in codes:
        take(key, per_code)
    take("reachable", max(answerable_total // 2, per_code * len(codes)))
    unans = sorted(k for k in strata if k.startswith("unans:"))
    n_unans = round(len(chosen) * quotas.unanswerable_share / (1 - quotas.unanswerable_share))
    for key in unans:
        take(key, max(n_unans // (len(unans) + 1), 8))
    # Resource-type coverage: top up any type seen in the pool but thin in the choice.
    src_types, dst_types = pool.types()
    for attr, types in (("src", src_types), ("dst", dst_types), ("traffic", pool.protos())):
        for rtype in sorted(types):

            def has(c: Candidate, rtype: str = rtype, attr: str = attr) -> bool:
                return _axis(c, attr) == rtype

            have = sum(1 for c in chosen if has(c))
            wanted = quotas.minimum(f"{attr}:{rtype}")
            if have >= wanted:
                continue
            need = wanted - have
            keys = sorted(k for k in strata if any(has(c) for c in strata[k]))
            # Alternate reachable and unreachable outcomes so top-ups keep the balance.
            for i in range(need):
                take(keys[i % len(keys)], 1, has)
    return chosen


def _axis(c: Candidate, attr: str) -> str:
    if attr == "src":
        return c.spec.src.type
    if attr == "dst":
        return c.spec.dst.type_key
    return c.spec.traffic
