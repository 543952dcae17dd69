"""Where a query's packets start: the start functions of sources (interfaces, subnets, gateways,
outside addresses) and the address sets gateway sources stand for.

A gateway as source is the whole set of addresses that can arrive through it (an internet gateway: the
Internet's sources; a VGW: the networks behind the VPN; a peering connection: the peer VPC; a TGW VPC
attachment: anything outside the VPC), narrowed by the query's ``source_ip`` in ``Engine._source_of``
(Reachability Analyzer's SourceIp). ``gaps`` turns the stand-ins of a partial snapshot on a reported
path into the verdict's message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.engine.addrset import INTERNET_SOURCES, PUBLIC, AddrSet
from bench.engine.index import LOCAL_ONLY, NO_ACL, VGW_UNKNOWN, WorldIndex
from bench.engine.resolve import QueryError, Resolved
from bench.engine.walk import Ctx, Pkt, Walk
from bench.model.resources import ResourceType
from bench.model.verdict import Hop

Start = tuple[AddrSet, Callable[[Walk, Pkt, Ctx], None]]


def outside_source(ix: WorldIndex, res: Resolved) -> list[Start]:
    """An address outside every interface: on the Internet, or behind a VGW (static or propagated
    prefixes); else unknown."""
    value = res.address.min()  # type: ignore[union-attr]
    head = ((res.ident, "address", "egress", ""),)
    if ix.public_set.contains(value) or INTERNET_SOURCES.contains(value):
        return [(res.address, lambda walk, pkt, ctx: walk.internet(pkt, head, ctx))]  # type: ignore[list-item]
    for vgw in sorted(ix.world.vpn_gateways.values(), key=lambda g: g.id):
        if ix.vgw_remote(vgw.id).contains(value) and vgw.vpc_ids:
            return [(res.address, vgw_start(vgw.id, vgw.vpc_ids[0], head))]  # type: ignore[list-item]
    raise QueryError("unknown_resource", f"{res.ident} is not an address of any network in the world")


def gateway_starts(ix: WorldIndex, res: Resolved, head: tuple) -> list[Start]:
    """A gateway as source: the whole set of addresses that can arrive through it, one start per VPC
    it leads into (the walk splits the set wherever a rule does; the query's ``source_ip`` narrows
    it, see ``_source_of``)."""
    w, rt, obj = ix.world, res.rtype, res.obj
    if rt == ResourceType.INTERNET_GATEWAY:
        inside = AddrSet()
        for vpc in obj.vpc_ids:
            inside = inside | ix.vpc_set.get(vpc, AddrSet())
        src = INTERNET_SOURCES - inside
        if not obj.vpc_ids:
            # A detached internet gateway carries nothing into any VPC: the component is not in a
            # functional state (BAD_STATE, https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html),
            # which is the cause, rather than the destination's address (IGW_EXPECTS_PUBLIC_ADDRESS).

            def detached(walk: Walk, pkt: Pkt, ctx: Ctx) -> None:
                walk.block(
                    pkt,
                    head,
                    ctx,
                    obj.id,
                    "internet-gateway",
                    "ingress",
                    "BAD_STATE",
                    "not attached to a VPC",
                )

            return [(src, detached)]
        return [(src, lambda walk, pkt, ctx: igw_source(walk, obj.id, obj.vpc_ids, pkt, head, ctx))]
    if rt == ResourceType.VPN_GATEWAY:
        starts = []
        for vpc in sorted(obj.vpc_ids):
            outside = AddrSet.everything() - ix.vpc_set.get(vpc, AddrSet())
            src = (ix.vgw_remote(obj.id) & outside) or outside
            starts.append((src, vgw_start(obj.id, vpc, ())))
        return starts  # type: ignore[return-value]
    if rt == ResourceType.VPC_PEERING_CONNECTION:
        here_is_acc = obj.accepter_region == res.region or obj.requester_vpc_id not in w.vpcs
        vpc = obj.accepter_vpc_id if here_is_acc else obj.requester_vpc_id
        other = obj.requester_vpc_id if here_is_acc else obj.accepter_vpc_id
        src = ix.vpc_set.get(other) or AddrSet.of_cidrs(
            obj.requester_cidrs if here_is_acc else obj.accepter_cidrs
        )
        crossed = obj.accepter_region != obj.requester_region
        if obj.status != "active":  # nothing arrives through a peering that is not active

            def closed(walk: Walk, pkt: Pkt, ctx: Ctx) -> None:
                walk.block(
                    pkt,
                    head,
                    ctx,
                    obj.id,
                    "vpc-peering-connection",
                    None,
                    "BAD_STATE",
                    f"status {obj.status}",
                )

            return [(src, closed)]
        return [(src, lambda walk, pkt, ctx: walk.local(vpc, pkt, head, ctx.but(crossed_region=crossed)))]
    if rt == ResourceType.VPC_ENDPOINT:
        src = AddrSet.of_cidrs(ix.pl_cidrs.get(obj.prefix_list_id or "", ())) or PUBLIC
        return [(src, lambda walk, pkt, ctx: walk.local(obj.vpc_id, pkt, head, ctx))]
    if rt == ResourceType.TRANSIT_GATEWAY:
        atts = sorted(
            a.id
            for a in w.transit_gateway_attachments.values()
            if a.transit_gateway_id == obj.id and a.resource_type == "vpc"
        )
        return [(outside_vpc(ix, a), tgw_att_start(a, head)) for a in atts]
    if rt == ResourceType.TRANSIT_GATEWAY_ATTACHMENT:
        if obj.resource_type == "vpc":
            return [(outside_vpc(ix, obj.id), tgw_att_start(obj.id, head))]
        return [
            (
                AddrSet.everything(),
                lambda walk, pkt, ctx: walk.tgw_enter(obj.transit_gateway_id, obj.id, pkt, (), ctx),
            )
        ]
    if rt == ResourceType.NAT_GATEWAY:
        raise QueryError("bad_query", f"{obj.id} has no network interface in the snapshot")
    raise QueryError("unsupported_type", f"{res.ident} ({rt}) cannot be a source")


def gateway_candidates(ix: WorldIndex, res: Resolved) -> AddrSet:
    """The packets that can reach an address-less gateway destination (without ``destination_ip``).

    Only these are tried, so the blocking component is where *they* stop, never the end of a path that
    cannot lead to the gateway (docs/semantics.md section 1): an internet gateway is reached by public
    addresses outside every VPC of the world (what leaves a VPC through it,
    https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html); a gateway endpoint by
    its service's prefix list (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html);
    a peering connection by the CIDRs of its two VPCs; a transit gateway (or one of its attachments)
    by the addresses some VPC route table of the world routes to it (or to the peer transit gateway).
    Everything else (NAT and VPN gateways), or when nothing is known: any address."""
    w, rt, obj = ix.world, res.rtype, res.obj
    if rt == ResourceType.INTERNET_GATEWAY:
        inside = AddrSet()
        for cidrs in ix.vpc_set.values():
            inside = inside | cidrs
        return ((PUBLIC | ix.odd_public) if ix.odd_public else PUBLIC) - inside
    if rt == ResourceType.VPC_ENDPOINT and not obj.eni_ids:
        pl = obj.prefix_list_id or next(
            (
                p.id
                for p in sorted(w.prefix_lists.values(), key=lambda p: p.id)
                if p.prefix_list_name == obj.service_name
            ),
            "",
        )
        return AddrSet.of_cidrs(c for c in ix.pl_cidrs.get(pl, ()) if ":" not in c) or AddrSet.everything()
    if rt == ResourceType.VPC_PEERING_CONNECTION:
        out = AddrSet()
        for vpc, cidrs in (
            (obj.requester_vpc_id, obj.requester_cidrs),
            (obj.accepter_vpc_id, obj.accepter_cidrs),
        ):
            out = out | (AddrSet.of_cidrs(c for c in cidrs if ":" not in c) or ix.vpc_set.get(vpc, AddrSet()))
        return out or AddrSet.everything()
    if rt in (ResourceType.TRANSIT_GATEWAY, ResourceType.TRANSIT_GATEWAY_ATTACHMENT):
        tgws = (
            {obj.id}
            if rt == ResourceType.TRANSIT_GATEWAY
            else {t for t in (obj.transit_gateway_id, obj.peer_transit_gateway_id) if t}
        )
        # A transit gateway is also reached through the transit gateways peered with it: routes to any
        # of them count.
        grew = True
        while grew:
            grew = False
            for att in w.transit_gateway_attachments.values():
                pair = {att.transit_gateway_id, att.peer_transit_gateway_id} - {None}
                if att.resource_type == "peering" and pair & tgws and not pair <= tgws:
                    tgws |= pair  # type: ignore[arg-type]
                    grew = True
        out = AddrSet()
        for table in w.route_tables.values():
            for r in table.routes:
                if r.target_type == "tgw" and r.target_id in tgws:
                    cidrs = (
                        (r.destination_cidr,)
                        if r.destination_cidr
                        else ix.pl_cidrs.get(r.destination_prefix_list_id or "", ())
                    )
                    out = out | AddrSet.of_cidrs(c for c in cidrs if ":" not in c)
        return out or AddrSet.everything()
    return AddrSet.everything()


def outside_vpc(ix: WorldIndex, att_id: str) -> AddrSet:
    """What can arrive through a TGW VPC attachment: any address outside the attached VPC."""
    vpc = ix.world.transit_gateway_attachments[att_id].resource_id or ""
    return AddrSet.everything() - ix.vpc_set.get(vpc, AddrSet())


def gaps(hops: tuple[Hop, ...]) -> str | None:
    """What a partial snapshot lacked on the reported path, and what was assumed instead
    (``index.LOCAL_ONLY``, ``index.NO_ACL``, ``index.VGW_UNKNOWN``; docs/world-model.md)."""
    missing: list[str] = []
    for h in hops:
        if h.id.endswith(LOCAL_ONLY):
            text = f"the route table of {h.id[: -len(LOCAL_ONLY)]}'s subnet (only the local route assumed)"
        elif h.id.endswith(NO_ACL):
            text = f"the network ACL of {h.id[: -len(NO_ACL)]} (none applied)"
        elif h.type == "vpn-gateway" and h.detail.endswith(VGW_UNKNOWN):
            text = f"the networks behind {h.id} (any address outside the VPC assumed)"
        else:
            continue
        if text not in missing:
            missing.append(text)
    return "partial snapshot, not captured on this path: " + "; ".join(missing) if missing else None


def eni_start(eni: Any, head: tuple) -> Callable[[Walk, Pkt, Ctx], None]:
    return lambda walk, pkt, ctx: walk.start_eni(eni, pkt, head, ctx)


def subnet_start(subnet_id: str, head: tuple) -> Callable[[Walk, Pkt, Ctx], None]:
    return lambda walk, pkt, ctx: walk.leave_subnet(subnet_id, pkt, head, ctx.but(subnet=subnet_id))


def vgw_start(vgw_id: str, vpc_id: str, head: tuple) -> Callable[[Walk, Pkt, Ctx], None]:
    hops = (*head, (vgw_id, "vpn-gateway", "ingress", ""))
    return lambda walk, pkt, ctx: walk.local(vpc_id, pkt, hops, ctx)


def tgw_att_start(att_id: str, head: tuple) -> Callable[[Walk, Pkt, Ctx], None]:
    hops = (*head, (att_id, "transit-gateway-attachment", "egress", ""))
    return lambda walk, pkt, ctx: walk.tgw_into_vpc(att_id, pkt, hops, ctx)


def igw_source(walk: Walk, igw_id: str, vpc_ids: tuple[str, ...], pkt: Pkt, head: tuple, ctx: Ctx) -> None:
    rest = pkt.dst
    for addr, eni in sorted(walk.ix.eni_by_public.items()):
        if eni.vpc_id in vpc_ids and rest.contains(addr):
            walk.igw_ingress(eni, addr, pkt.with_dst(AddrSet.single(addr)), head, ctx)
            rest = rest.cut(addr, addr)
    if rest:
        walk.block(
            pkt.with_dst(rest),
            head,
            ctx,
            igw_id,
            "internet-gateway",
            "ingress",
            "IGW_EXPECTS_PUBLIC_ADDRESS",
            "only public addresses of interfaces enter through the gateway",
        )
