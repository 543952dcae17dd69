"""What a walk carries and produces: packet classes, walk state, targets, outcomes."""

from __future__ import annotations

from dataclasses import dataclass

from bench.engine.addrset import AddrSet
from bench.engine.index import L4
from bench.world.model import NetworkInterface

MAX_HOPS = 64
# A hop as the walk records it (id, type, direction, detail); turned into ``Hop`` models only for the
# path that ends up in a verdict, because most branches are discarded.
Hop = tuple[str, str, "str | None", str]


@dataclass(frozen=True, slots=True)
class Pkt:
    src: AddrSet
    dst: AddrSet
    l4: L4


@dataclass(frozen=True, slots=True)
class NatFrame:
    nat_id: str
    src: AddrSet
    sender: NetworkInterface | None
    subnet: str | None


@dataclass(frozen=True, slots=True)
class Ctx:
    """Walk state besides the packet: who is sending, where, and what the path has crossed."""

    sender: NetworkInterface | None = None
    subnet: str | None = None
    nats: tuple[NatFrame, ...] = ()
    crossed_region: bool = False
    dst_alias: int | None = None  # the public address the destination was reached by, before IGW NAT
    origin: int | None = None  # the source address before any NAT (set when the walk starts)
    seen: frozenset[object] = frozenset()


@dataclass(frozen=True)
class Target:
    """What counts as delivered."""

    eni_ids: frozenset[str] = frozenset()
    component_ids: frozenset[str] = frozenset()
    subnet_ids: frozenset[str] = frozenset()
    any_address: bool = False  # an address/CIDR/FQDN destination: any host or network that owns it


@dataclass(frozen=True)
class Arrival:
    kind: str  # eni | internet | subnet | vpc | component
    ident: str
    vpc_id: str | None = None


@dataclass
class Delivered:
    pkt: Pkt
    hops: tuple[Hop, ...]
    ctx: Ctx
    arrival: Arrival


@dataclass
class Blocked:
    pkt: Pkt
    hops: tuple[Hop, ...]
    ctx: Ctx
    component: str
    ctype: str
    direction: str | None
    code: str
