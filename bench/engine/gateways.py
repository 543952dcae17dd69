"""Gateways on the path: internet and NAT gateways, VPC peering, endpoints and VPN gateways (transit
gateways: ``transit.py``). A mixin of ``Walk``, kept apart so each module stays readable."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from bench.engine.addrset import PUBLIC, AddrSet, ip_int
from bench.engine.index import L4, VGW_UNKNOWN, WorldIndex, acl_of
from bench.engine.state import Arrival, Ctx, Hop, NatFrame, Pkt
from bench.engine.transit import TransitMixin
from bench.world.model import NetworkInterface


class GatewayMixin(TransitMixin):
    """Internet and NAT gateways, VPC peering, gateway endpoints and VPN gateways."""

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
