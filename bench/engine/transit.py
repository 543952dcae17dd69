"""Transit gateways on the path: entering from a VPC (the attachment subnet of the sender's AZ and its
ACL), the TGW route table associated with the attachment the packet entered by, leaving by a VPC or a
peering attachment. A mixin of ``Walk`` (through ``GatewayMixin``), kept apart so each module stays
readable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.engine.index import RouteC, WorldIndex, acl_of
from bench.engine.state import Arrival, Ctx, Hop, Pkt, Target

if TYPE_CHECKING:
    from bench.engine.state import Blocked, Delivered


class TransitMixin:
    ix: WorldIndex
    target: Target
    ret: bool
    delivered: list[Delivered]
    blocked: list[Blocked]
    done: bool

    if TYPE_CHECKING:

        def hop(
            self,
            hops: tuple[Hop, ...],
            ident: str,
            htype: str,
            direction: str | None = None,
            detail: str = "",
        ) -> tuple[Hop, ...]: ...
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
        ) -> None: ...
        def deliver(self, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx, arrival: Arrival) -> None: ...
        def acl(
            self, acl_id: str, egress: bool, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx
        ) -> tuple[Pkt | None, tuple[Hop, ...]]: ...
        def leave_subnet(self, subnet_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None: ...
        def enter_subnet(
            self, subnet_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx, acl: bool = True
        ) -> None: ...
        def local(self, vpc_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None: ...

    def tgw_from_vpc(self, tgw_id: str, vpc_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        att_id = self.ix.tgw_vpc_attachment.get((tgw_id, vpc_id))
        if att_id is None:
            self.block(
                pkt,
                hops,
                ctx,
                tgw_id,
                "transit-gateway",
                None,
                "CANNOT_ROUTE",
                "the VPC has no attachment to this transit gateway",
            )
            return
        w = self.ix.world
        subnets = sorted(s for s in w.transit_gateway_attachments[att_id].subnet_ids if s in w.subnets)
        if subnets:
            # "Resources in Availability Zones where there is no transit gateway attachment cannot reach
            # the transit gateway" (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html):
            # the packet reaches the TGW's interface in the attachment subnet of its own AZ, or nowhere.
            here = w.subnets.get(ctx.subnet or "")
            az = here.availability_zone if here is not None else None
            same_az = [s for s in subnets if s == ctx.subnet] or [
                s for s in subnets if w.subnets[s].availability_zone == az
            ]
            if not same_az:
                self.block(
                    pkt,
                    hops,
                    ctx,
                    att_id,
                    "transit-gateway-attachment",
                    "ingress",
                    "CANNOT_ROUTE",
                    f"no attachment subnet in {az}",
                )
                return
            # That subnet's ACL applies inbound, also when the sender is in the attachment subnet itself
            # (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html: from instances to the TGW in
            # one subnet, outbound rules use the destination, inbound rules the source).
            kept, hops = self.acl(acl_of(w.subnets[same_az[0]]), False, pkt, hops, ctx)
            if kept is None:
                return
            pkt = kept
        self.tgw_enter(tgw_id, att_id, pkt, hops, ctx)

    def attachment_subnet(self, att_id: str, near: str | None, addr: int | None = None) -> str | None:
        """The attachment subnet serving a subnet (same subnet, else same AZ, else the first by id)."""
        w = self.ix.world
        if near is None and addr is not None:
            att = w.transit_gateway_attachments[att_id]
            for lo, hi, sid in self.ix.subnets_in_vpc.get(att.resource_id or "", ()):
                if lo <= addr <= hi:
                    near = sid
                    break
        key = (att_id, near)  # the answer depends on nothing else: remembered per world
        memo = self.ix.attachment_subnets
        if key in memo:
            return memo[key]
        subnets = sorted(s for s in w.transit_gateway_attachments[att_id].subnet_ids if s in w.subnets)
        if not subnets:
            found = None
        elif near in subnets:
            found = near
        else:
            az = w.subnets[near].availability_zone if near in w.subnets else None
            same_az = [s for s in subnets if w.subnets[s].availability_zone == az]
            found = (same_az or subnets)[0]
        memo[key] = found
        return found

    def tgw_enter(self, tgw_id: str, att_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        if self.done:
            return
        w = self.ix.world
        att = w.transit_gateway_attachments.get(att_id)
        if att is None or att.state != "available":
            self.block(
                pkt,
                hops,
                ctx,
                att_id,
                "transit-gateway-attachment",
                "ingress",
                "BAD_STATE_ATTACHMENT",
                f"state {att.state}" if att else "unknown attachment",
            )
            return
        hops = self.hop(hops, att_id, "transit-gateway-attachment", "ingress")
        tgw = w.transit_gateways.get(tgw_id)
        if tgw is None or tgw.state != "available":
            self.block(pkt, hops, ctx, tgw_id, "transit-gateway", None, "BAD_STATE")
            return
        if (tgw_id, att_id) in ctx.seen:
            self.block(pkt, hops, ctx, tgw_id, "transit-gateway", None, "CANNOT_ROUTE", "routing loop")
            return
        ctx = ctx.but(seen=ctx.seen | {(tgw_id, att_id)})
        hops = self.hop(hops, tgw_id, "transit-gateway")
        if att_id in self.target.component_ids or tgw_id in self.target.component_ids:
            self.deliver(pkt, hops, ctx, Arrival("component", tgw_id))
            return
        rtb_id = self.ix.tgw_assoc.get((tgw_id, att_id))
        if rtb_id is None:
            self.block(
                pkt,
                hops,
                ctx,
                att_id,
                "transit-gateway-attachment",
                "ingress",
                "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION",
                f"no route table associated at {tgw_id}",
            )
            return
        index = self.ix.tgw_routes.get(rtb_id)
        parts, rest = index.partition(pkt.dst) if index else ([], pkt.dst)
        if rest:
            self.block(
                pkt.with_dst(rest),
                hops,
                ctx,
                rtb_id,
                "transit-gateway-route-table",
                None,
                "TGW_RTB_CANNOT_ROUTE",
            )
        for part, rc in parts:
            self.tgw_out(tgw_id, rtb_id, rc, pkt.with_dst(part), hops, ctx)

    def tgw_out(
        self, tgw_id: str, rtb_id: str, rc: RouteC, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx
    ) -> None:
        if self.done:
            return
        w = self.ix.world
        r = rc.route
        if r.state == "blackhole" or not r.attachment_ids:  # type: ignore[union-attr]
            self.block(
                pkt,
                hops,
                ctx,
                rtb_id,
                "transit-gateway-route-table",
                None,
                "BAD_STATE_ROUTE",
                f"{rc.label} -> blackhole",
            )
            return
        out_id = sorted(r.attachment_ids)[0]  # type: ignore[union-attr]
        hops = self.hop(hops, rtb_id, "transit-gateway-route-table", None, f"{rc.label} -> {out_id}")
        att = w.transit_gateway_attachments.get(out_id)
        if att is None or att.state != "available":
            self.block(
                pkt,
                hops,
                ctx,
                out_id,
                "transit-gateway-attachment",
                "egress",
                "TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT",
            )
            return
        if att.resource_type == "vpc" and att.resource_id in w.vpcs:
            hops = self.hop(hops, out_id, "transit-gateway-attachment", "egress")
            if out_id in self.target.component_ids:
                self.deliver(pkt, hops, ctx, Arrival("component", out_id, att.resource_id))
                return
            self.tgw_into_vpc(out_id, pkt, hops, ctx)
        elif att.resource_type == "peering":
            peer_tgw = (
                att.peer_transit_gateway_id if att.transit_gateway_id == tgw_id else att.transit_gateway_id
            )
            if not peer_tgw or peer_tgw == tgw_id or peer_tgw not in w.transit_gateways:
                self.block(
                    pkt,
                    hops,
                    ctx,
                    out_id,
                    "transit-gateway-attachment",
                    "egress",
                    "NO_POSSIBLE_DESTINATION",
                    "the peer transit gateway is not in this world",
                )
                return
            hops = self.hop(hops, out_id, "transit-gateway-attachment", "egress", f"peering to {peer_tgw}")
            if out_id in self.target.component_ids:
                self.deliver(pkt, hops, ctx, Arrival("component", out_id))
                return
            here = w.transit_gateways[tgw_id].region
            there = w.transit_gateways[peer_tgw].region
            in_id = (
                att.peer_attachment_id if att.peer_attachment_id in w.transit_gateway_attachments else out_id
            )
            ctx = ctx.but(crossed_region=ctx.crossed_region or here != there)
            self.tgw_enter(peer_tgw, in_id, pkt, hops, ctx)
        else:
            self.block(
                pkt,
                hops,
                ctx,
                out_id,
                "transit-gateway-attachment",
                "egress",
                "UNSUPPORTED_COMPONENT",
                f"{att.resource_type} attachment",
            )

    def tgw_into_vpc(self, att_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        """From the TGW into an attached VPC: out of the attachment subnet (its ACL and route table)."""
        w = self.ix.world
        att = w.transit_gateway_attachments[att_id]
        sub = self.attachment_subnet(att_id, None, pkt.dst.min())
        if sub is None:
            self.local(att.resource_id or "", pkt, hops, ctx.but(sender=None, subnet=None))
        else:
            self.leave_subnet(sub, pkt, hops, ctx.but(sender=None, subnet=sub))
