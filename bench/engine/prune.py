"""Walk shortcuts that change time, never verdicts: subnets a set destination need not enter.

A part of the walk is skipped only when nothing it could record would be kept: ``Walk.block`` keeps a
block only if it got further (more hops) than every block recorded so far, and a skipped subnet can
deliver nothing. ``tests/test_engine_pruning.py`` checks verdicts with the shortcuts off; the verdict
hash test (``tests/test_engine_verdict_hash.py``) checks them against the engine before issue 14.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.engine.index import L4, WorldIndex
from bench.engine.state import Pkt, Target

if TYPE_CHECKING:
    from bench.engine.addrset import AddrSet


Makeup = tuple[tuple[tuple[str, ...], ...], tuple[str, ...], tuple[str, ...]]


def subnet_makeup(ix: WorldIndex, subnet_id: str) -> Makeup:
    """(distinct security-group tuples of the plain hosts, NAT gateway ids, transit gateway interface
    ids) of the subnet's interfaces (a transit gateway interface is ``kind == "transit_gateway"``, a NAT
    gateway's is in ``nat_by_eni``): what bounds, for one source address, how far a forward packet
    entering the subnet can get. Remembered per world (``WorldIndex.makeups``)."""
    hit = ix.makeups.get(subnet_id)
    if hit is None:
        groups: dict[tuple[str, ...], None] = {}
        nats: list[str] = []
        tgw_enis: list[str] = []
        for eni in ix.enis_in_subnet.get(subnet_id, ()):
            nat = ix.nat_by_eni.get(eni.id)
            if nat is not None:
                nats.append(nat.id)
            elif eni.kind == "transit_gateway":
                tgw_enis.append(eni.id)
            else:
                groups.setdefault(tuple(eni.group_ids), None)
        hit = (tuple(groups), tuple(nats), tuple(tgw_enis))
        ix.makeups[subnet_id] = hit
    return hit


class PruneMixin:
    ix: WorldIndex
    target: Target
    ret: bool
    furthest: int

    if TYPE_CHECKING:

        def _sg_single(
            self, group_ids: tuple[str, ...], egress: bool, side: AddrSet, l4: L4
        ) -> tuple[AddrSet, bool]: ...

    def _dead_end(self, subnet_id: str, pkt: Pkt, depth: int) -> bool:
        """True when entering ``subnet_id`` can neither deliver nor record anything: every interface of
        the subnet is a plain host whose groups refuse the (one) source outright, so the walk would
        stop at security groups, the ACL or an empty address, all within ``depth`` hops, and a block
        no further than the furthest one recorded is never kept (``block``). Skipping the subnet then
        changes nothing but the time: wide destinations behind a transit gateway walk hundreds of
        subnets that all end this way."""
        if self.ret or depth > self.furthest or not pkt.src.is_single():
            return False
        if subnet_id in self.target.subnet_ids:
            return False
        makeup = subnet_makeup(self.ix, subnet_id)
        if makeup[1] or makeup[2]:  # a NAT or transit gateway interface: not plain hosts
            return False
        for group_ids in makeup[0]:
            if self._sg_single(group_ids, False, pkt.src, pkt.l4)[0]:
                return False
        return True

    def _live_subnets(self, vpc_id: str, pkt: Pkt, depth: int) -> frozenset[str] | None:
        """The VPC's subnets that entering may change the walk's outcome, or None when each must be
        entered. ``depth`` is the deeper of the two entries (with the ACL: ``len(hops) + 2``).

        A forward packet from one source address entering a subnet whose plain hosts' groups all refuse
        that source can record blocks no deeper than ``depth`` (ACL, groups, a NAT gateway refusing
        inbound, "no interface holds the address"), or ``depth + 1`` at a transit gateway's interface
        (not the target: "the address belongs to another interface"), and deliver nothing unless the
        subnet, one of its NAT gateways or one of its transit gateway interfaces is the target. A block
        no deeper than the furthest one recorded is never kept (``block``), so such a subnet is skipped
        when that bound is within ``self.furthest`` -- the rule of ``_dead_end``, applied to a whole VPC
        at once: a wide destination behind a transit gateway walks hundreds of subnets that all end
        this way. Which subnets' hosts refuse the source is remembered per (VPC, source address, L4)."""
        if self.ret or depth > self.furthest or not pkt.src.is_single() or pkt.dst.is_single():
            return None  # (one destination address meets one subnet: nothing to skip)
        key = (vpc_id, pkt.src.min(), pkt.l4)
        memo = self.ix.live_subnets
        hit = memo.get(key)
        if hit is None:
            live: list[str] = []
            gated: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
            for _, _, sid in self.ix.subnets_in_vpc.get(vpc_id, ()):
                makeup = subnet_makeup(self.ix, sid)
                if any(self._sg_single(g, False, pkt.src, pkt.l4)[0] for g in makeup[0]):
                    live.append(sid)
                elif makeup[1] or makeup[2]:
                    gated.append((sid, makeup[1], makeup[2]))
            hit = (frozenset(live), tuple(gated))
            if len(memo) > 200_000:  # bounded, as sg_memo
                memo.clear()
            memo[key] = hit
        live_set, gated_subnets = hit
        target = self.target
        extra = [
            sid
            for sid, nats, tgw_enis in gated_subnets
            if (tgw_enis and depth + 1 > self.furthest)
            or not target.component_ids.isdisjoint(nats)
            or not target.eni_ids.isdisjoint(tgw_enis)
        ]
        if extra:
            live_set = live_set.union(extra)
        return live_set | target.subnet_ids if target.subnet_ids else live_set
