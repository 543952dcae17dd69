"""The path walk: one class of packets (a set of sources x a set of destinations, one L4 header) pushed
through the network, split wherever a component treats parts of it differently.

Every filter looks at one side only (egress ACL/SG rules and routes at the destination, ingress rules at
the source), so a packet class stays a product of two address sets and each split is interval
arithmetic. The walk records every part that is delivered (with where it arrived, so the return path can
be walked from there) and every part that is stopped (with the component, direction and code). The same
walk runs the return path with ``ret=True``: security groups are stateful and skipped, ACLs and routes
are not.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.engine.addrset import AddrSet, cidr_range
from bench.engine.gateways import GatewayMixin
from bench.engine.index import L4, LOCAL_ONLY, NO_ACL, RouteC, WorldIndex, acl_allowed, acl_first_rule, acl_of
from bench.engine.prune import PruneMixin
from bench.engine.state import MAX_HOPS, Arrival, Blocked, Ctx, Delivered, Hop, Pkt, Target
from bench.world.model import NetworkInterface

__all__ = ["Arrival", "Blocked", "Ctx", "Delivered", "Pkt", "Target", "Walk"]


@dataclass
class Walk(PruneMixin, GatewayMixin):
    ix: WorldIndex
    target: Target
    ret: bool = False
    # Called on every delivery; returning True ends the walk (an existential answer has been found).
    on_deliver: Callable[[Delivered], bool] | None = None
    delivered: list[Delivered] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    done: bool = False
    furthest: int = 0  # hops of the furthest block recorded so far
    furthest_astray: int = 0  # the same for parts that went astray (``Blocked.astray``)

    # -- bookkeeping -------------------------------------------------------------------------------
    def hop(
        self, hops: tuple[Hop, ...], ident: str, htype: str, direction: str | None = None, detail: str = ""
    ) -> tuple[Hop, ...]:
        if self.ret:
            detail = f"return path{': ' + detail if detail else ''}"
        return (*hops, (ident, htype, direction, detail))

    def block(
        self,
        pkt: Pkt,
        hops: tuple[Hop, ...],
        ctx: Ctx,
        ident: str,
        ctype: str,
        direction: str | None,
        code: str,
        detail: str = "",
        astray: bool = False,
    ) -> None:
        # Only the part that got furthest is ever reported (the first one, on ties), so a block that
        # got no further than one already recorded is not kept. Parts that went astray (a gateway
        # destination they can no longer reach) rank below every other part, so they are counted apart.
        if self.ret:
            astray = False
        elif self.target.stay_in_region and ctx.crossed_region:
            astray = True
        if astray:
            if len(hops) + 1 <= self.furthest_astray:
                return
            self.furthest_astray = len(hops) + 1
        else:
            if len(hops) + 1 <= self.furthest:
                return
            self.furthest = len(hops) + 1
        hops = self.hop(hops, ident, ctype, direction, detail)
        self.blocked.append(Blocked(pkt, hops, ctx, ident, ctype, direction, code, astray))

    def deliver(self, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx, arrival: Arrival) -> None:
        found = Delivered(pkt, hops, ctx, arrival)
        self.delivered.append(found)
        if self.on_deliver is not None and self.on_deliver(found):
            self.done = True

    # -- filters -----------------------------------------------------------------------------------
    def acl(
        self, acl_id: str, egress: bool, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx
    ) -> tuple[Pkt | None, tuple[Hop, ...]]:
        """Stateless ACL: first matching rule by number wins; no match is the implicit deny."""
        direction = "egress" if egress else "ingress"
        if acl_id.endswith(NO_ACL):  # a partial snapshot: the subnet's ACL is unknown, none is applied
            return pkt, self.hop(hops, acl_id, "network-acl", direction, "not in the snapshot: assumed open")
        rules = self.ix.acl.get((acl_id, egress), ())
        side = pkt.dst if egress else pkt.src
        allowed, first = acl_allowed(rules, side, pkt.l4)
        denied = side - allowed if allowed != side else AddrSet()
        if denied:
            part = pkt.with_dst(denied) if egress else pkt.with_src(denied)
            rule = acl_first_rule(rules, denied.min(), pkt.l4)
            self.block(
                part,
                hops,
                ctx,
                acl_id,
                "network-acl",
                direction,
                "SUBNET_ACL_RESTRICTION",
                f"rule {rule.number} deny" if rule else "no rule matches (implicit deny)",
            )
        if not allowed:
            return None, hops
        kept = pkt.with_dst(allowed) if egress else pkt.with_src(allowed)
        return kept, self.hop(hops, acl_id, "network-acl", direction, f"rule {first} allow")

    def sg(
        self, eni: NetworkInterface, egress: bool, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx
    ) -> tuple[Pkt | None, tuple[Hop, ...]]:
        """Stateful security groups: the union of every allow rule of every group on the interface."""
        groups = sorted(eni.group_ids)
        side = pkt.dst if egress else pkt.src
        direction = "egress" if egress else "ingress"
        if side.is_single():  # the common case, remembered across walks and queries
            allowed, any_rules = self._sg_single(eni.group_ids, egress, side, pkt.l4)
        else:
            allowed, any_rules = self._sg_allowed(groups, egress, side, pkt.l4)
        gid = groups[0] if groups else eni.id
        gtype = "security-group" if groups else "network-interface"
        denied = side - allowed
        if denied:
            part = pkt.with_dst(denied) if egress else pkt.with_src(denied)
            code = "ENI_SG_RULES_MISMATCH" if any_rules else "SG_HAS_NO_RULES"
            self.block(part, hops, ctx, gid, gtype, direction, code, ", ".join(groups))
        if not allowed:
            return None, hops
        kept = pkt.with_dst(allowed) if egress else pkt.with_src(allowed)
        return kept, self.hop(hops, gid, gtype, direction, ", ".join(groups))

    def _sg_single(
        self, group_ids: tuple[str, ...], egress: bool, side: AddrSet, l4: L4
    ) -> tuple[AddrSet, bool]:
        """The groups' decision on one address, remembered (bounded) in the index."""
        key = (group_ids, egress, side.min(), l4)
        hit = self.ix.sg_memo.get(key)
        if hit is None:
            hit = self._sg_allowed(sorted(group_ids), egress, side, l4)
            if len(self.ix.sg_memo) > 200_000:  # bounded: a long run must not grow without end
                self.ix.sg_memo.clear()
            self.ix.sg_memo[key] = hit
        return hit

    def _sg_allowed(self, groups: list[str], egress: bool, side: AddrSet, l4: L4) -> tuple[AddrSet, bool]:
        allowed = AddrSet()
        any_rules = False
        for g in groups:
            for rule in self.ix.sg_rules(g, egress):
                any_rules = True
                if rule.matches(l4):
                    allowed = allowed | (side & rule.peers)
        return allowed, any_rules

    # -- hosts and subnets -------------------------------------------------------------------------
    def start_eni(self, eni: NetworkInterface, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        hops = self.hop(hops, eni.id, "network-interface", "egress", eni.attached_to or "")
        ctx = ctx.but(sender=eni, subnet=eni.subnet_id)
        if (
            not self.ret
            and eni.kind not in ("nat_gateway", "transit_gateway")
            and eni.id not in self.ix.nat_by_eni
        ):
            kept, hops = self.sg(eni, True, pkt, hops, ctx)
            if kept is None:
                return
            pkt = kept
        self.leave_subnet(eni.subnet_id, pkt, hops, ctx)

    def leave_subnet(self, subnet_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        if self.done:
            return
        if len(hops) > MAX_HOPS:
            self.block(pkt, hops, ctx, subnet_id, "subnet", None, "CANNOT_ROUTE", "routing loop")
            return
        subnet = self.ix.world.subnets[subnet_id]
        lo, hi = cidr_range(subnet.cidr)
        inside = pkt.dst.clip(lo, hi)
        if inside:  # traffic within a subnet never meets its ACL or route table
            self.enter_subnet(subnet_id, pkt.with_dst(inside), hops, ctx, acl=False)
            rest = pkt.dst.cut(lo, hi)
            if not rest:
                return
            pkt = pkt.with_dst(rest)
        kept, hops = self.acl(acl_of(subnet), True, pkt, hops, ctx)
        if kept is not None:
            self.route(subnet.vpc_id, subnet.route_table_id or subnet.vpc_id + LOCAL_ONLY, kept, hops, ctx)

    def route(self, vpc_id: str, rtb_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        if self.done:
            return
        index = self.ix.routes.get(rtb_id)
        if index is None:
            self.block(pkt, hops, ctx, rtb_id, "route-table", None, "NO_ROUTE_TO_DESTINATION", "unknown")
            return
        parts, rest = index.partition(pkt.dst)
        if rest:
            self.block(pkt.with_dst(rest), hops, ctx, rtb_id, "route-table", None, "NO_ROUTE_TO_DESTINATION")
        if len(parts) > 1:  # lowest addresses first: the order in which set members are tried
            parts.sort(key=lambda p: p[0].min())
        for part, rc in parts:
            if self.done:
                return
            self.follow(vpc_id, rtb_id, rc, pkt.with_dst(part), hops, ctx)

    def follow(self, vpc_id: str, rtb_id: str, rc: RouteC, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        if self.done:
            return
        r = rc.route
        target = r.target_id or r.target_type  # type: ignore[union-attr]
        if r.state == "blackhole":
            self.block(
                pkt,
                hops,
                ctx,
                rtb_id,
                "route-table",
                None,
                "BAD_STATE_ROUTE",
                f"{rc.label} -> {target} (blackhole)",
            )
            return
        hops = self.hop(hops, rtb_id, "route-table", None, f"{rc.label} -> {target}")
        kind = r.target_type  # type: ignore[union-attr]
        tid = r.target_id or ""  # type: ignore[union-attr]
        if kind == "local":
            self.local(vpc_id, pkt, hops, ctx)
        elif kind == "igw":
            self.igw_egress(tid, vpc_id, pkt, hops, ctx)
        elif kind == "nat":
            self.nat(tid, pkt, hops, ctx)
        elif kind == "tgw":
            self.tgw_from_vpc(tid, vpc_id, pkt, hops, ctx)
        elif kind == "pcx":
            self.pcx(tid, vpc_id, pkt, hops, ctx)
        elif kind == "vpce":
            self.gateway_endpoint(tid, vpc_id, pkt, hops, ctx)
        elif kind == "vgw":
            self.vgw(tid, vpc_id, pkt, hops, ctx)
        elif kind in ("eni", "instance"):
            self.appliance(tid, pkt, hops, ctx)
        else:
            self.block(pkt, hops, ctx, tid or rtb_id, kind, None, "UNSUPPORTED_COMPONENT")

    def local(self, vpc_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        if self.done:
            return
        if not self.target.hosts_matter and not any(
            self.ix.world.subnets[s].vpc_id == vpc_id for s in self.target.nat_subnets
        ):  # a gateway destination: whatever is delivered inside this VPC goes no further
            self.block(
                pkt,
                hops,
                ctx,
                vpc_id,
                "vpc",
                None,
                "NO_ROUTE_TO_DESTINATION",
                "delivered inside the VPC, not to the destination",
                astray=True,
            )
            return
        rest = pkt.dst
        live = self._live_subnets(vpc_id, pkt, len(hops) + 2)
        for lo, hi, sid in self.ix.subnets_in_vpc.get(vpc_id, ()):
            if live is not None and sid not in live:  # a dead end: only what it takes from the rest
                rest = rest.cut(lo, hi)
                if not rest:
                    return
                continue
            part = rest.clip(lo, hi)
            if part:
                self.enter_subnet(sid, pkt.with_dst(part), hops, ctx, acl=sid != ctx.subnet)
                rest = rest.cut(lo, hi)
                if not rest:
                    return
        if rest:
            self.block(
                pkt.with_dst(rest),
                hops,
                ctx,
                vpc_id,
                "vpc",
                None,
                "NO_ROUTE_TO_DESTINATION",
                "no subnet holds the address",
            )

    def enter_subnet(
        self, subnet_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx, acl: bool = True
    ) -> None:
        if self.done or self._dead_end(subnet_id, pkt, len(hops) + (2 if acl else 1)):
            return
        subnet = self.ix.world.subnets[subnet_id]
        if acl:
            kept, hops = self.acl(acl_of(subnet), False, pkt, hops, ctx)
            if kept is None:
                return
            pkt = kept
        ctx = ctx.but(subnet=subnet_id)
        if subnet_id in self.target.subnet_ids:
            self.deliver(
                pkt,
                self.hop(hops, subnet_id, "subnet", "ingress"),
                ctx,
                Arrival("subnet", subnet_id, subnet.vpc_id),
            )
            return
        rest = pkt.dst
        if not self.target.hosts_matter and subnet_id not in self.target.nat_subnets:
            self.block(
                pkt,
                hops,
                ctx,
                subnet_id,
                "subnet",
                "ingress",
                "NO_ROUTE_TO_DESTINATION",
                "delivered to this subnet, not to the destination",
                astray=True,
            )
            return
        if rest.is_single():
            eni = self.ix.eni_by_private.get((subnet.vpc_id, rest.min()))
            if eni is not None and eni.subnet_id == subnet_id:
                self.arrive(eni, pkt, hops, ctx)
                return
        else:
            # Interfaces that every rule treats alike (same groups, kind, owner state, target or not)
            # form one class: the walk goes on once per class with all their addresses.
            if self.target.eni_ids and subnet_id in self.target.subnet_of_enis:
                addrs, owners = self.ix.subnet_hosts(subnet_id)
                classes: dict[tuple, tuple[NetworkInterface, list[int]]] = {}
                for lo, hi in rest.ranges:
                    for k in range(bisect_left(addrs, lo), bisect_right(addrs, hi)):
                        eni = owners[k]
                        key = self.ix.eni_class(eni, eni.id in self.target.eni_ids)
                        classes.setdefault(key, (eni, []))[1].append(addrs[k])
                groups = [(lead, AddrSet((v, v) for v in values)) for lead, values in classes.values()]
            else:
                groups = [(lead, rest & members) for lead, members in self.ix.subnet_classes(subnet_id)]
            for lead, part in groups:
                if self.done:
                    return
                if part:
                    self.arrive(lead, pkt.with_dst(part), hops, ctx)
            rest = rest - self.ix.subnet_host_set(subnet_id)
            if not rest:
                return
        self.block(
            pkt.with_dst(rest),
            hops,
            ctx,
            subnet_id,
            "subnet",
            "ingress",
            "NO_ROUTE_TO_DESTINATION",
            "no network interface holds the address",
        )

    def arrive(self, eni: NetworkInterface, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        if self.done:
            return
        nat = self.ix.nat_by_eni.get(eni.id)
        if (
            not self.ret
            and not self.target.hosts_matter
            and (nat is None or nat.id not in self.target.component_ids)
        ):  # a gateway destination: another interface of a NAT gateway's subnet
            self.block(
                pkt,
                hops,
                ctx,
                eni.id,
                "network-interface",
                "ingress",
                "NO_ROUTE_TO_DESTINATION",
                "delivered to another interface, not to the destination",
                astray=True,
            )
            return
        if nat is not None:
            if self.ret and ctx.nats and ctx.nats[-1].nat_id == nat.id:
                self.un_nat(nat.id, pkt, hops, ctx)
            elif nat.id in self.target.component_ids:
                self.deliver(
                    pkt,
                    self.hop(hops, nat.id, "nat-gateway", "ingress"),
                    ctx,
                    Arrival("component", nat.id, nat.vpc_id),
                )
            else:
                self.block(
                    pkt,
                    hops,
                    ctx,
                    nat.id,
                    "nat-gateway",
                    "ingress",
                    "CANNOT_ROUTE",
                    "a NAT gateway accepts no inbound connections",
                )
            return
        if not self.ret and eni.kind != "transit_gateway":
            kept, hops = self.sg(eni, False, pkt, hops, ctx)
            if kept is None:
                return
            pkt = kept
        hops = self.hop(hops, eni.id, "network-interface", "ingress", eni.attached_to or "")
        if eni.id in self.target.eni_ids or (self.target.any_address and eni.kind != "transit_gateway"):
            instance = self.ix.world.instances.get(eni.attached_to or "")
            if instance is not None and instance.state != "running":
                self.block(
                    pkt,
                    hops,
                    ctx,
                    instance.id,
                    "instance",
                    "ingress",
                    "BAD_STATE",
                    f"instance is {instance.state}",
                )
                return
            self.deliver(pkt, hops, ctx, Arrival("eni", eni.id, eni.vpc_id))
        else:
            self.block(
                pkt,
                hops,
                ctx,
                eni.id,
                "network-interface",
                "ingress",
                "NO_ROUTE_TO_DESTINATION",
                "the address belongs to another interface",
            )

    def appliance(self, target_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        """A route to an ENI or instance: the packet goes through it (a firewall, a NAT instance)."""
        w = self.ix.world
        eni_id = w.instances[target_id].eni_ids[0] if target_id in w.instances else target_id
        eni = w.network_interfaces.get(eni_id)
        if eni is None or eni.id in ctx.seen:
            self.block(pkt, hops, ctx, target_id, "network-interface", None, "CANNOT_ROUTE")
            return
        if eni.source_dest_check:
            self.block(
                pkt,
                hops,
                ctx,
                eni.id,
                "network-interface",
                "ingress",
                "CANNOT_ROUTE",
                "source/destination check is enabled",
            )
            return
        ctx = ctx.but(seen=ctx.seen | {eni.id})
        if eni.subnet_id != ctx.subnet:
            kept, hops = self.acl(acl_of(w.subnets[eni.subnet_id]), False, pkt, hops, ctx)
            if kept is None:
                return
            pkt = kept
        hops = self.hop(hops, eni.id, "network-interface", None, "forwarding appliance")
        self.leave_subnet(eni.subnet_id, pkt, hops, ctx.but(subnet=eni.subnet_id))
