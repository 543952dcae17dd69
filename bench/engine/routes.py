"""Route tables compiled for lookups: longest prefix first, then AWS's priority among routes of one
prefix (VPC route tables and transit gateway route tables), as interval lists."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bench.engine.addrset import AddrSet
from bench.world.model import Route, TgwRoute


@dataclass(frozen=True, slots=True)
class RouteC:
    lo: int
    hi: int
    plen: int
    route: Route | TgwRoute
    label: str  # the destination as written (CIDR or prefix list id)
    rank: int = 0  # among routes of one prefix, the lowest rank wins (see ``vpc_route_rank``)


# VPC route tables, routes of one prefix (https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html):
# static routes, then prefix-list routes, then propagated routes. Inside a VPC route table every propagated
# route targets the VPC's one virtual private gateway, so the order among propagated kinds (Direct Connect
# BGP, VPN static, VPN BGP: https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html#vpn-route-priority)
# is the gateway's choice of connection, which the engine does not model.
PROPAGATED_ORIGIN = "EnableVgwRoutePropagation"


def vpc_route_rank(route: Route) -> int:
    if route.origin == PROPAGATED_ORIGIN:
        return 2
    return 1 if route.destination_prefix_list_id and not route.destination_cidr else 0


# Transit gateway route tables, routes of one prefix ("Route evaluation order",
# https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html): static, prefix-list
# referenced, then propagated from VPC, Direct Connect gateway, Connect, VPN, peering attachments.
TGW_PROPAGATED_RANK = {"vpc": 2, "direct-connect-gateway": 3, "connect": 4, "vpn": 5, "peering": 6}


def prefix_len(lo: int, hi: int) -> int:
    return 32 - (hi - lo + 1).bit_length() + 1


class RouteIndex:
    """Longest-prefix match over one route table's routes (prefix-list routes expanded)."""

    def __init__(self, routes: list[RouteC]) -> None:
        # Longest prefix first; among equal prefixes the route of lowest rank (static, prefix list,
        # propagated), then the destination as written, so the choice never depends on target names.
        self.routes = sorted(routes, key=lambda r: (-r.plen, r.lo, r.rank, r.label))
        by_len: dict[int, dict[int, RouteC]] = defaultdict(dict)
        for r in self.routes:
            by_len[r.plen].setdefault(r.lo, r)
        self.lengths = sorted(by_len, reverse=True)
        self.by_len = dict(by_len)
        # Set destinations meet the same tables again and again (every query for 10.0.0.0/8 splits it
        # by the same TGW route table): the split of a set, by its ranges, is remembered (bounded).
        self._parts: dict[tuple[tuple[int, int], ...], tuple[tuple[tuple[AddrSet, RouteC], ...], AddrSet]]
        self._parts = {}

    def lookup(self, addr: int) -> RouteC | None:
        for plen in self.lengths:
            mask = ((1 << 32) - 1) ^ ((1 << (32 - plen)) - 1) if plen else 0
            hit = self.by_len[plen].get(addr & mask)
            if hit is not None:
                return hit
        return None

    def partition(self, dst: AddrSet) -> tuple[list[tuple[AddrSet, RouteC]], AddrSet]:
        """Split ``dst`` by the route that wins for each part; the remainder has no route."""
        if dst.is_single():
            hit = self.lookup(dst.min())
            return ([(dst, hit)], AddrSet()) if hit else ([], dst)
        key = dst.ranges
        memo = self._parts.get(key)
        if memo is not None:
            return list(memo[0]), memo[1]  # a fresh list: callers may sort theirs
        out: list[tuple[AddrSet, RouteC]] = []
        rest = dst
        for r in self.routes:
            if not rest:
                break
            part = rest.clip(r.lo, r.hi)
            if part:
                out.append((part, r))
                rest = rest.cut(r.lo, r.hi)
        if len(self._parts) >= 4096:
            self._parts.clear()
        self._parts[key] = (tuple(out), rest)
        return out, rest
