"""Transit gateways: gateways, attachments, route tables with routes, associations and propagations.

Sources, per Region: DescribeTransitGateways, DescribeTransitGatewayAttachments (+ the Vpc/Peering
attachment calls for subnets and the peer's Region), DescribeTransitGatewayRouteTables, and the
per-route-table calls SearchTransitGatewayRoutes, GetTransitGatewayRouteTableAssociations (authoritative
for associations: the attachment's own ``Association`` field can be stale) and
GetTransitGatewayRouteTablePropagations.

A TGW peering attachment has one id that both Regions report, each from its own side. The world keeps
one record, seen from the requester's side (``transit_gateway_id`` = requester TGW); which route table
each side associates it with is in ``TransitGatewayRouteTable.association_attachment_ids`` of that
side's tables.
"""

from __future__ import annotations

from typing import Any

from bench.world.model import TgwRoute, TransitGateway, TransitGatewayAttachment, TransitGatewayRouteTable
from bench.world.normalize_common import Ctx, body_of, build, each, per_resource, res_fields, tags_of

_RESOURCE_TYPES = {
    "vpc": "vpc",
    "peering": "peering",
    "tgw-peering": "peering",
    "vpn": "vpn",
    "vpn-concentrator": "vpn",
    "direct-connect-gateway": "direct-connect-gateway",
    "connect": "connect",
    "network-function": "network-function",
}
_GONE = ("deleted", "deleting", "failed", "rejected")


def transit_gateways(ctx: Ctx, section: dict[str, Any]) -> list[TransitGateway]:
    c = ctx.at("ec2:DescribeTransitGateways")

    def one(t: dict[str, Any]) -> TransitGateway | None:
        state = str(t.get("State", "available"))
        if state in _GONE:
            return None
        opts = t.get("Options") or {}
        return build(
            TransitGateway,
            **res_fields(t["TransitGatewayId"], ctx.region, tags_of(t)),
            state=state,
            default_association_route_table_id=opts.get("AssociationDefaultRouteTableId")
            if opts.get("DefaultRouteTableAssociation", "enable") == "enable"
            else None,
            default_propagation_route_table_id=opts.get("PropagationDefaultRouteTableId")
            if opts.get("DefaultRouteTablePropagation", "enable") == "enable"
            else None,
        )

    return [t for t in each(c, body_of(c, section, c.key), "TransitGateways", one, "TransitGatewayId") if t]


def _peering_sides(ctx: Ctx, section: dict[str, Any]) -> dict[str, dict[str, Any]]:
    c = ctx.at("ec2:DescribeTransitGatewayPeeringAttachments")
    out: dict[str, dict[str, Any]] = {}

    def one(p: dict[str, Any]) -> None:
        out[p["TransitGatewayAttachmentId"]] = {
            "requester": p["RequesterTgwInfo"],
            "accepter": p["AccepterTgwInfo"],
        }

    for _ in each(
        c, body_of(c, section, c.key), "TransitGatewayPeeringAttachments", one, "TransitGatewayAttachmentId"
    ):
        pass
    return out


def _vpc_subnets(ctx: Ctx, section: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    c = ctx.at("ec2:DescribeTransitGatewayVpcAttachments")
    out: dict[str, tuple[str, ...]] = {}

    def one(a: dict[str, Any]) -> None:
        out[a["TransitGatewayAttachmentId"]] = tuple(sorted(a.get("SubnetIds") or []))

    for _ in each(
        c, body_of(c, section, c.key), "TransitGatewayVpcAttachments", one, "TransitGatewayAttachmentId"
    ):
        pass
    return out


def attachments(ctx: Ctx, section: dict[str, Any]) -> list[tuple[TransitGatewayAttachment, bool]]:
    """Attachments as this Region sees them, each with ``True`` when this Region is the requester side
    of a peering (or the attachment is not a peering), so the caller can keep the requester's view."""
    c = ctx.at("ec2:DescribeTransitGatewayAttachments")
    peers = _peering_sides(ctx, section)
    subnets = _vpc_subnets(ctx, section)

    def one(a: dict[str, Any]) -> tuple[TransitGatewayAttachment, bool] | None:
        state = str(a.get("State", "available"))
        kind = _RESOURCE_TYPES.get(str(a["ResourceType"]), "other")  # a type newer than this model
        if state in _GONE:
            return None
        aid, tgw = a["TransitGatewayAttachmentId"], a["TransitGatewayId"]
        peer_tgw = peer_region = None
        requester_side = True
        if kind == "peering":
            sides = peers.get(aid)
            peer_tgw = a.get("ResourceId")
            if sides:
                req, acc = sides["requester"], sides["accepter"]
                requester_side = req.get("TransitGatewayId") == tgw
                other = acc if requester_side else req
                peer_tgw, peer_region = other.get("TransitGatewayId", peer_tgw), other.get("Region")
        assoc = a.get("Association") or {}
        return build(
            TransitGatewayAttachment,
            **res_fields(aid, ctx.region, tags_of(a)),
            transit_gateway_id=tgw,
            resource_type=kind,
            resource_id=a.get("ResourceId"),
            state=state,
            subnet_ids=subnets.get(aid, ()),
            peer_transit_gateway_id=peer_tgw,
            peer_region=peer_region,
            peer_attachment_id=None,
            association_route_table_id=assoc.get("TransitGatewayRouteTableId")
            if assoc.get("State", "associated") == "associated"
            else None,
        ), requester_side

    found = each(
        c, body_of(c, section, c.key), "TransitGatewayAttachments", one, "TransitGatewayAttachmentId"
    )
    return [x for x in found if x is not None]


def _route(r: dict[str, Any]) -> TgwRoute | None:
    state = str(r.get("State", "active"))
    if state not in ("active", "blackhole"):
        return None  # pending / deleting / deleted routes carry no traffic
    if not r.get("DestinationCidrBlock") and not r.get("PrefixListId"):
        raise KeyError("DestinationCidrBlock")
    if ":" in str(r.get("DestinationCidrBlock") or ""):
        return None  # IPv6
    return build(
        TgwRoute,
        destination_cidr=r.get("DestinationCidrBlock"),
        prefix_list_id=r.get("PrefixListId"),
        attachment_ids=tuple(
            sorted({x["TransitGatewayAttachmentId"] for x in r.get("TransitGatewayAttachments") or []})
        ),
        route_type="propagated" if r.get("Type") == "propagated" else "static",
        state=state,
    )


def route_tables(ctx: Ctx, section: dict[str, Any]) -> tuple[list[TransitGatewayRouteTable], bool]:
    """TGW route tables; the flag says whether GetTransitGatewayRouteTableAssociations was captured
    (then it is the authority on associations)."""
    c = ctx.at("ec2:DescribeTransitGatewayRouteTables")
    routes = per_resource(ctx, section, "ec2:SearchTransitGatewayRoutes") or {}
    assocs = per_resource(ctx, section, "ec2:GetTransitGatewayRouteTableAssociations")
    props = per_resource(ctx, section, "ec2:GetTransitGatewayRouteTablePropagations") or {}
    cr = ctx.at("ec2:SearchTransitGatewayRoutes")
    ca = ctx.at("ec2:GetTransitGatewayRouteTableAssociations")
    cp = ctx.at("ec2:GetTransitGatewayRouteTablePropagations")

    def one(t: dict[str, Any]) -> TransitGatewayRouteTable | None:
        if str(t.get("State", "available")) in _GONE:
            return None
        rid = t["TransitGatewayRouteTableId"]
        rts = [x for x in each(cr.at(f"{cr.key}.{rid}"), routes.get(rid), "Routes", _route) if x]
        rts.sort(
            key=lambda r: (r.destination_cidr or "", r.prefix_list_id or "", r.route_type, r.attachment_ids)
        )
        assoc_ids = [
            x["TransitGatewayAttachmentId"]
            for x in each(ca.at(f"{ca.key}.{rid}"), (assocs or {}).get(rid), "Associations", lambda x: x)
            if x.get("State", "associated") == "associated"
        ]
        prop_ids = [
            x["TransitGatewayAttachmentId"]
            for x in each(
                cp.at(f"{cp.key}.{rid}"), props.get(rid), "TransitGatewayRouteTablePropagations", lambda x: x
            )
            if x.get("State", "enabled") == "enabled"
        ]
        return build(
            TransitGatewayRouteTable,
            **res_fields(rid, ctx.region, tags_of(t)),
            transit_gateway_id=t["TransitGatewayId"],
            routes=tuple(rts),
            association_attachment_ids=tuple(sorted(set(assoc_ids))),
            propagation_attachment_ids=tuple(sorted(set(prop_ids))),
        )

    found = each(
        c, body_of(c, section, c.key), "TransitGatewayRouteTables", one, "TransitGatewayRouteTableId"
    )
    return [t for t in found if t is not None], assocs is not None
