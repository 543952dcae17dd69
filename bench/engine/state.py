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


class Pkt:
    """A packet class: every source in ``src`` to every destination in ``dst`` with header ``l4``.

    Plain slotted classes rather than frozen dataclasses because the walk creates them by the thousand;
    they are never mutated after construction."""

    __slots__ = ("src", "dst", "l4")

    def __init__(self, src: AddrSet, dst: AddrSet, l4: L4) -> None:
        self.src, self.dst, self.l4 = src, dst, l4

    def with_dst(self, dst: AddrSet) -> Pkt:
        return Pkt(self.src, dst, self.l4)

    def with_src(self, src: AddrSet) -> Pkt:
        return Pkt(src, self.dst, self.l4)

    def with_l4(self, l4: L4) -> Pkt:
        return Pkt(self.src, self.dst, l4)


@dataclass(frozen=True, slots=True)
class NatFrame:
    nat_id: str
    src: AddrSet
    sender: NetworkInterface | None
    subnet: str | None


class Ctx:
    """Walk state besides the packet: who is sending, where, and what the path has crossed."""

    __slots__ = ("sender", "subnet", "nats", "crossed_region", "dst_alias", "origin", "seen")

    def __init__(
        self,
        sender: NetworkInterface | None = None,
        subnet: str | None = None,
        nats: tuple[NatFrame, ...] = (),
        crossed_region: bool = False,
        dst_alias: int | None = None,  # the public address the destination was reached by (IGW NAT)
        origin: int | None = None,  # the source address before any NAT (set when the walk starts)
        seen: frozenset[object] = frozenset(),
    ) -> None:
        self.sender, self.subnet, self.nats = sender, subnet, nats
        self.crossed_region, self.dst_alias, self.origin, self.seen = crossed_region, dst_alias, origin, seen

    def but(self, **changes: object) -> Ctx:
        new = Ctx(
            self.sender, self.subnet, self.nats, self.crossed_region, self.dst_alias, self.origin, self.seen
        )
        for key, value in changes.items():
            setattr(new, key, value)
        return new


@dataclass(frozen=True)
class Target:
    """What counts as delivered."""

    eni_ids: frozenset[str] = frozenset()
    component_ids: frozenset[str] = frozenset()
    subnet_ids: frozenset[str] = frozenset()
    any_address: bool = False  # an address/CIDR/FQDN destination: any host or network that owns it
    nat_subnets: frozenset[str] = frozenset()  # subnets of NAT gateways among component_ids
    subnet_of_enis: frozenset[str] = frozenset()  # subnets holding the eni_ids
    # A gateway destination in the source's Region: a packet that crossed into another Region went
    # elsewhere (it is no candidate for the blocking component, see ``Blocked.astray``).
    stay_in_region: bool = False

    @property
    def hosts_matter(self) -> bool:
        """False for gateway destinations: a packet delivered to a host can go no further."""
        return bool(self.eni_ids or self.subnet_ids or self.any_address)


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
    # For an address-less (gateway) destination: the packet went somewhere that cannot lead to the
    # destination (delivered to a host or a VPC, out through another gateway, into another Region).
    # Such a part is no candidate for the blocking component while any other part is
    # (docs/semantics.md section 4).
    astray: bool = False


def furthest(best: Blocked | None, blocks: list[Blocked]) -> Blocked | None:
    """The part that got furthest; a part that went astray (``Blocked.astray``) only when every part did."""
    for b in blocks:
        if (
            best is None
            or (best.astray and not b.astray)
            or (b.astray == best.astray and len(b.hops) > len(best.hops))
        ):
            best = b
    return best
