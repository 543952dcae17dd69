"""Gateways on the path: internet and NAT gateways, transit gateways and their peerings, VPC peering,
endpoints and VPN gateways. A mixin of ``Walk``, kept apart so each module stays readable."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

from bench.engine.addrset import PUBLIC, AddrSet, ip_int
from bench.engine.index import L4, VGW_UNKNOWN, RouteC, WorldIndex, acl_of
from bench.engine.state import Arrival, Ctx, Hop, NatFrame, Pkt, Target
from bench.world.model import NetworkInterface

if TYPE_CHECKING:
    from bench.engine.state import Blocked, Delivered


class GatewayMixin:
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

    # -- gateways ----------------------------------------------------------------------------------
    def igw_egress(self, igw_id: str, vpc_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        igw = self.ix.world.internet_gateways.get(igw_id)
        if igw is None or vpc_id not in igw.vpc_ids:
            self.block(
                pkt, hops, ctx, igw_id, "internet-gateway", "egress", "BAD_STATE", "not attached to the VPC"
            )
            return
        public = _public_ip(self.ix, ctx.sender)
        if public is None:
            self.block(
                pkt,
                hops,
                ctx,
                igw_id,
                "internet-gateway",
                "egress",
                "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
                "the sender has no public IP",
            )
            return
        hops = self.hop(hops, igw_id, "internet-gateway", "egress", f"source translated to {public}")
        if igw_id in self.target.component_ids:
            self.deliver(pkt, hops, ctx, Arrival("component", igw_id, vpc_id))
            return
        self.internet(pkt.with_src(AddrSet.single(ip_int(public))), hops, ctx.but(sender=None, subnet=None))

    def internet(self, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        if self.done:
            return
        main = pkt.dst & PUBLIC
        odd = pkt.dst & self.ix.odd_public if self.ix.odd_public else AddrSet()
        private = pkt.dst - PUBLIC
        if odd:
            private = private - odd
        if private:
            self.block(
                pkt.with_dst(private),
                hops,
                ctx,
                "internet",
                "internet",
                None,
                "NO_ROUTE_TO_DESTINATION",
                "not a public address",
            )
        if self.target.hosts_matter:
            addrs, owners = self.ix.public_hosts
        else:  # a gateway destination: only that gateway's own ingress can still lead anywhere
            addrs, owners = self.ix.public_hosts_behind(self.target.component_ids)
        hosts: list[tuple[int, NetworkInterface]] = []
        for part in (main, odd):
            if len(part.ranges) > len(addrs):
                found = [k for k, a in enumerate(addrs) if part.contains(a)]
            else:
                found = [
                    k
                    for lo, hi in part.ranges
                    for k in range(bisect_left(addrs, lo), bisect_right(addrs, hi))
                ]
            hosts.extend((addrs[k], owners[k]) for k in found)
            rest = part - AddrSet._raw(tuple((addrs[k], addrs[k]) for k in found)) if found else part
            if not rest:
                continue
            if self.target.any_address:
                detail = self.ix.region_range(rest.min()) or "public Internet"
                self.deliver(
                    pkt.with_dst(rest),
                    self.hop(hops, "internet", "internet", None, detail),
                    ctx,
                    Arrival("internet", "internet"),
                )
                if self.done:
                    return
            else:
                self.block(
                    pkt.with_dst(rest),
                    hops,
                    ctx,
                    "internet",
                    "internet",
                    None,
                    "NO_ROUTE_TO_DESTINATION",
                    "the destination is not behind this path",
                    astray=not self.target.hosts_matter,
                )
        for addr, eni in hosts:
            if self.done:
                return
            self.igw_ingress(eni, addr, pkt.with_dst(AddrSet.single(addr)), hops, ctx)

    def igw_ingress(
        self, eni: NetworkInterface, addr: int, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx
    ) -> None:
        igw_id = self.ix.igw_of_vpc.get(eni.vpc_id)
        if igw_id is None:
            self.block(
                pkt,
                hops,
                ctx,
                eni.vpc_id,
                "vpc",
                "ingress",
                "NO_ROUTE_TO_DESTINATION",
                "the VPC has no internet gateway",
            )
            return
        private = eni.private_ips[0]
        hops = self.hop(hops, igw_id, "internet-gateway", "ingress", f"destination translated to {private}")
        if igw_id in self.target.component_ids:
            self.deliver(pkt, hops, ctx, Arrival("component", igw_id, eni.vpc_id))
            return
        ctx = ctx.but(dst_alias=addr, subnet=None)
        self.enter_subnet(eni.subnet_id, pkt.with_dst(AddrSet.single(ip_int(private))), hops, ctx)

    def nat(self, nat_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        w = self.ix.world
        nat = w.nat_gateways.get(nat_id)
        if nat is None or nat.state != "available":
            self.block(
                pkt,
                hops,
                ctx,
                nat_id,
                "nat-gateway",
                None,
                "BAD_STATE",
                f"state {nat.state}" if nat else "unknown NAT gateway",
            )
            return
        if self.ret or any(f.nat_id == nat_id for f in ctx.nats):
            self.block(
                pkt,
                hops,
                ctx,
                nat_id,
                "nat-gateway",
                None,
                "CANNOT_ROUTE",
                "routing loop or asymmetric return",
            )
            return
        if nat.subnet_id != ctx.subnet:
            kept, hops = self.acl(acl_of(w.subnets[nat.subnet_id]), False, pkt, hops, ctx)
            if kept is None:
                return
            pkt = kept
        hops = self.hop(hops, nat_id, "nat-gateway", None, f"source translated to {nat.private_ip}")
        if nat_id in self.target.component_ids:
            self.deliver(pkt, hops, ctx, Arrival("component", nat_id, nat.vpc_id))
            return
        frame = NatFrame(nat_id, pkt.src, ctx.sender, ctx.subnet)
        eni = w.network_interfaces.get(nat.eni_id)
        ctx = ctx.but(nats=(*ctx.nats, frame), sender=eni, subnet=nat.subnet_id)
        self.leave_subnet(nat.subnet_id, pkt.with_src(AddrSet.single(ip_int(nat.private_ip))), hops, ctx)

    def un_nat(self, nat_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        """Return traffic reaching the NAT is translated back and sent on from the NAT's subnet."""
        nat = self.ix.world.nat_gateways[nat_id]
        frame = ctx.nats[-1]
        hops = self.hop(hops, nat_id, "nat-gateway", None, "destination translated back")
        ctx = ctx.but(
            nats=ctx.nats[:-1],
            sender=self.ix.world.network_interfaces.get(nat.eni_id),
            subnet=nat.subnet_id,
        )
        pkt = pkt.with_dst(frame.src)
        if pkt.l4.proto == "icmp":
            self.leave_subnet(nat.subnet_id, pkt, hops, ctx)
            return
        # The NAT chose its own source port towards the destination; towards the original sender the
        # port is the sender's ephemeral port again: any of them will do.
        for port in self.ix.ephemeral_ports:
            before = len(self.delivered)
            self.leave_subnet(nat.subnet_id, pkt.with_l4(L4(pkt.l4.proto, port)), hops, ctx)
            if len(self.delivered) > before:
                return

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
        subnets = sorted(s for s in w.transit_gateway_attachments[att_id].subnet_ids if s in w.subnets)
        if not subnets:
            return None
        if near is None and addr is not None:
            att = w.transit_gateway_attachments[att_id]
            for lo, hi, sid in self.ix.subnets_in_vpc.get(att.resource_id or "", ()):
                if lo <= addr <= hi:
                    near = sid
                    break
        if near in subnets:
            return near
        az = w.subnets[near].availability_zone if near in w.subnets else None
        same_az = [s for s in subnets if w.subnets[s].availability_zone == az]
        return (same_az or subnets)[0]

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

    def pcx(self, pcx_id: str, vpc_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        w = self.ix.world
        pcx = w.vpc_peering_connections.get(pcx_id)
        if pcx is None or pcx.status != "active":
            self.block(
                pkt,
                hops,
                ctx,
                pcx_id,
                "vpc-peering-connection",
                None,
                "BAD_STATE",
                f"status {pcx.status}" if pcx else "unknown peering connection",
            )
            return
        if vpc_id == pcx.requester_vpc_id:
            peer, here, there, cidrs = (
                pcx.accepter_vpc_id,
                pcx.requester_region,
                pcx.accepter_region,
                pcx.accepter_cidrs,
            )
        else:
            peer, here, there, cidrs = (
                pcx.requester_vpc_id,
                pcx.accepter_region,
                pcx.requester_region,
                pcx.requester_cidrs,
            )
        if not cidrs and peer in w.vpcs:
            cidrs = w.vpcs[peer].cidrs
        inside = pkt.dst & AddrSet.of_cidrs(c for c in cidrs if ":" not in c)
        outside = pkt.dst - inside
        if outside:
            self.block(
                pkt.with_dst(outside),
                hops,
                ctx,
                pcx_id,
                "vpc-peering-connection",
                None,
                "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR",
            )
        if not inside:
            return
        pkt = pkt.with_dst(inside)
        hops = self.hop(hops, pcx_id, "vpc-peering-connection", None, f"to {peer}")
        ctx = ctx.but(crossed_region=ctx.crossed_region or here != there, sender=None, subnet=None)
        if pcx_id in self.target.component_ids:
            self.deliver(pkt, hops, ctx, Arrival("component", pcx_id))
        elif peer not in w.vpcs:
            self.block(
                pkt,
                hops,
                ctx,
                pcx_id,
                "vpc-peering-connection",
                None,
                "NO_POSSIBLE_DESTINATION",
                "the peer VPC is in another account or not in this world",
            )
        else:
            self.local(peer, pkt, hops, ctx)

    def gateway_endpoint(self, vpce_id: str, vpc_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        vpce = self.ix.world.vpc_endpoints.get(vpce_id)
        if vpce is None or vpce.state.lower() != "available":
            self.block(pkt, hops, ctx, vpce_id, "vpc-endpoint", None, "BAD_STATE")
            return
        hops = self.hop(hops, vpce_id, "vpc-endpoint", None, vpce.service_name)
        if vpce_id in self.target.component_ids or self.target.any_address:
            self.deliver(pkt, hops, ctx, Arrival("vpce", vpce_id, vpc_id))
        else:
            self.block(
                pkt,
                hops,
                ctx,
                vpce_id,
                "vpc-endpoint",
                None,
                "NO_ROUTE_TO_DESTINATION",
                "the destination is not behind this endpoint",
                astray=not self.target.hosts_matter,
            )

    def vgw(self, vgw_id: str, vpc_id: str, pkt: Pkt, hops: tuple[Hop, ...], ctx: Ctx) -> None:
        vgw = self.ix.world.vpn_gateways.get(vgw_id)
        if vgw is None or vgw.state != "available" or vpc_id not in vgw.vpc_ids:
            self.block(pkt, hops, ctx, vgw_id, "vpn-gateway", None, "BAD_STATE")
            return
        hops = self.hop(hops, vgw_id, "vpn-gateway", "egress")
        if vgw_id in self.target.component_ids:
            self.deliver(pkt, hops, ctx, Arrival("component", vgw_id, vpc_id))
            return
        remote = self.ix.vgw_remote(vgw_id)
        if not remote:
            # No static VPN route and no propagated prefix in the snapshot (a BGP VPN whose routes were
            # not captured): what is behind is unknown, so any address outside the VPC is taken as
            # behind it, and the hop (hence the verdict's message) says so.
            remote = AddrSet.everything() - self.ix.vpc_set.get(vpc_id, AddrSet())
            hops = (*hops[:-1], (*hops[-1][:3], VGW_UNKNOWN))
        inside = pkt.dst & remote
        if inside and self.target.any_address:
            self.deliver(pkt.with_dst(inside), hops, ctx, Arrival("vgw", vgw_id, vpc_id))
        rest = pkt.dst - inside if self.target.any_address else pkt.dst
        if rest:
            self.block(
                pkt.with_dst(rest),
                hops,
                ctx,
                vgw_id,
                "vpn-gateway",
                "egress",
                "NO_ROUTE_TO_DESTINATION",
                "not a remote network of the VPN",
                astray=not self.target.hosts_matter,
            )


def _public_ip(ix: WorldIndex, sender: NetworkInterface | None) -> str | None:
    if sender is None:
        return None
    nat = ix.nat_by_eni.get(sender.id)
    if nat is not None:
        return nat.public_ip if nat.connectivity_type == "public" else None
    return sender.public_ip
