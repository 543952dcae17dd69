"""moto corrections about transit gateways (part of ``corrections.CORRECTIONS``).

moto's TGW peering listings, accepter view, attachment associations, static-route attachments and
propagated routes differ from what AWS reports; see docs/worlds.md.
"""

from __future__ import annotations

from typing import Any

from bench.scenarios.context import BuildContext
from bench.scenarios.snapshot_edit import (
    Regions,
)


def tgw_peering_listing(regions: Regions, ctx: BuildContext) -> int:
    """moto lists every TGW attachment under DescribeTransitGatewayPeeringAttachments; keep peerings only."""
    changed = 0
    for body in regions.values():
        items = body.get("ec2:DescribeTransitGatewayPeeringAttachments", {}).get(
            "TransitGatewayPeeringAttachments"
        )
        if items is None:
            continue
        kept = [p for p in items if "RequesterTgwInfo" in p]
        changed += len(items) - len(kept)
        body["ec2:DescribeTransitGatewayPeeringAttachments"]["TransitGatewayPeeringAttachments"] = kept
    return changed


def tgw_peering_accepter_view(regions: Regions, ctx: BuildContext) -> int:
    """On the accepter side moto reports the requester's TGW as the attachment's own TGW.

    AWS shows each side its own TGW as ``TransitGatewayId`` and the peer as ``ResourceId`` (in
    DescribeTransitGatewayAttachments and in route-table associations/propagations).
    """
    changed = 0
    for body in regions.values():
        own = {
            g["TransitGatewayId"]
            for g in body.get("ec2:DescribeTransitGateways", {}).get("TransitGateways", [])
        }
        peer_of: dict[str, str] = {}
        for att in body.get("ec2:DescribeTransitGatewayAttachments", {}).get("TransitGatewayAttachments", []):
            if (
                att.get("ResourceType") == "peering"
                and att["TransitGatewayId"] not in own
                and att["ResourceId"] in own
            ):
                att["TransitGatewayId"], att["ResourceId"] = att["ResourceId"], att["TransitGatewayId"]
                peer_of[att["TransitGatewayAttachmentId"]] = att["ResourceId"]
                changed += 1
        for key, field in (
            ("ec2:GetTransitGatewayRouteTableAssociations", "Associations"),
            ("ec2:GetTransitGatewayRouteTablePropagations", "TransitGatewayRouteTablePropagations"),
        ):
            for resp in body.get(key, {}).values():
                for item in resp.get(field, []):
                    if item.get("TransitGatewayAttachmentId") in peer_of:
                        item["ResourceId"] = peer_of[item["TransitGatewayAttachmentId"]]
    return changed


def tgw_attachment_association(regions: Regions, ctx: BuildContext) -> int:
    """moto's attachment ``Association`` field is stale (kept after disassociation, wrong on the accepter).

    Rebuilt from GetTransitGatewayRouteTableAssociations, which moto keeps right; removed when the
    attachment is associated with no route table, as AWS does.
    """
    changed = 0
    for body in regions.values():
        assoc: dict[str, str] = {}
        for rtb, resp in body.get("ec2:GetTransitGatewayRouteTableAssociations", {}).items():
            for a in resp.get("Associations", []):
                assoc[a["TransitGatewayAttachmentId"]] = rtb
        for att in body.get("ec2:DescribeTransitGatewayAttachments", {}).get("TransitGatewayAttachments", []):
            want = (
                {
                    "State": "associated",
                    "TransitGatewayRouteTableId": assoc[att["TransitGatewayAttachmentId"]],
                }
                if att["TransitGatewayAttachmentId"] in assoc
                else None
            )
            if att.get("Association") != want:
                changed += 1
                if want is None:
                    att.pop("Association", None)
                else:
                    att["Association"] = want
    return changed


def _attachment_index(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    atts = body.get("ec2:DescribeTransitGatewayAttachments", {}).get("TransitGatewayAttachments", [])
    return {a["TransitGatewayAttachmentId"]: a for a in atts}


def _route_attachment(att: dict[str, Any]) -> dict[str, str]:
    return {
        "ResourceId": att["ResourceId"],
        "ResourceType": att["ResourceType"],
        "TransitGatewayAttachmentId": att["TransitGatewayAttachmentId"],
    }


def tgw_static_route_attachments(regions: Regions, ctx: BuildContext) -> int:
    """moto's TGW static routes come back with an empty ``TransitGatewayAttachments`` list.

    Filled from what the builder created; a static route whose attachment is gone is a blackhole.
    """
    changed = 0
    for body in regions.values():
        atts = _attachment_index(body)
        for rtb, resp in body.get("ec2:SearchTransitGatewayRoutes", {}).items():
            for route in resp.get("Routes", []):
                att_id = ctx.tgw_static.get((rtb, route.get("DestinationCidrBlock", "")))
                if route.get("Type") != "static" or route.get("TransitGatewayAttachments") or not att_id:
                    continue
                changed += 1
                att = atts.get(att_id)
                if att is None or att.get("State") != "available":
                    route["State"] = "blackhole"
                    route.pop("TransitGatewayAttachments", None)
                else:
                    route["TransitGatewayAttachments"] = [_route_attachment(att)]
    return changed


def tgw_propagated_routes(regions: Regions, ctx: BuildContext) -> int:
    """moto records TGW route propagations but creates no routes; AWS propagates the VPC's CIDRs.

    A static route for the same CIDR takes precedence (AWS keeps the static one).
    """
    changed = 0
    for body in regions.values():
        atts = _attachment_index(body)
        vpcs = {v["VpcId"]: v for v in body.get("ec2:DescribeVpcs", {}).get("Vpcs", [])}
        for rtb, resp in body.get("ec2:GetTransitGatewayRouteTablePropagations", {}).items():
            routes = body.setdefault("ec2:SearchTransitGatewayRoutes", {}).setdefault(rtb, {"Routes": []})[
                "Routes"
            ]
            have = {r.get("DestinationCidrBlock") for r in routes}
            for prop in resp.get("TransitGatewayRouteTablePropagations", []):
                att = atts.get(prop["TransitGatewayAttachmentId"])
                if prop.get("State") != "enabled" or att is None or att.get("State") != "available":
                    continue
                vpc = vpcs.get(att["ResourceId"]) if att["ResourceType"] == "vpc" else None
                if vpc is None:
                    continue
                cidrs = [
                    a["CidrBlock"]
                    for a in vpc.get("CidrBlockAssociationSet", [])
                    if a.get("CidrBlockState", {}).get("State", "associated") == "associated"
                ] or [vpc["CidrBlock"]]
                for cidr in cidrs:
                    if cidr in have:
                        continue
                    have.add(cidr)
                    routes.append(
                        {
                            "DestinationCidrBlock": cidr,
                            "State": "active",
                            "Type": "propagated",
                            "TransitGatewayAttachments": [_route_attachment(att)],
                        }
                    )
                    changed += 1
            routes.sort(key=lambda r: (r.get("DestinationCidrBlock", ""), r.get("Type", "")))
    return changed
