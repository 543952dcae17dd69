"""moto corrections about VPCs and their route tables (part of ``corrections.CORRECTIONS``).

moto leaves a default VPC in every Region it touches, implements no VPN static routes nor VGW route
propagation, and reports every route ``active`` whatever became of its target. See docs/worlds.md.
"""

from __future__ import annotations

from bench.scenarios.context import BuildContext
from bench.scenarios.snapshot_edit import (
    Regions,
    each,
    items,
)


def remove_default_vpcs(regions: Regions, ctx: BuildContext) -> int:
    """moto gives every Region it touches a default VPC (172.31.0.0/16); scenarios declare all they use.

    Removed with everything in it, so worlds hold exactly the scenario's VPCs (consistently, in every
    Region) and no stray 172.31.0.0/16 answers questions.
    """
    changed = 0
    for body in regions.values():
        vpcs = items(body, "ec2:DescribeVpcs", "Vpcs")
        default = {v["VpcId"] for v in vpcs if v.get("IsDefault")}
        if not default:
            continue
        changed += len(default)
        for key, field in (
            ("ec2:DescribeVpcs", "Vpcs"),
            ("ec2:DescribeSubnets", "Subnets"),
            ("ec2:DescribeRouteTables", "RouteTables"),
            ("ec2:DescribeNetworkAcls", "NetworkAcls"),
            ("ec2:DescribeSecurityGroups", "SecurityGroups"),
            ("ec2:DescribeNetworkInterfaces", "NetworkInterfaces"),
        ):
            found = body.get(key, {}).get(field)
            if found is not None:
                body[key][field] = [i for i in found if i.get("VpcId") not in default]
        igws = body.get("ec2:DescribeInternetGateways", {}).get("InternetGateways", [])
        body.get("ec2:DescribeInternetGateways", {})["InternetGateways"] = [
            g for g in igws if not any(a.get("VpcId") in default for a in g.get("Attachments", []))
        ]
    return changed


def vpn_connection_routes(regions: Regions, ctx: BuildContext) -> int:
    """moto 5.2.1 implements no CreateVpnConnectionRoute; the builder records a VPN's static routes.

    Added as AWS lists them on the connection (``Routes``: destination, ``Source`` static, available).
    """
    changed = 0
    for _, vpn in each(regions, "ec2:DescribeVpnConnections", "VpnConnections"):
        routes = vpn.setdefault("Routes", [])
        for cidr in ctx.vpn_routes.get(vpn["VpnConnectionId"], []):
            if not any(r.get("DestinationCidrBlock") == cidr for r in routes):
                routes.append({"DestinationCidrBlock": cidr, "Source": "Static", "State": "available"})
                changed += 1
    return changed


def vgw_propagated_routes(regions: Regions, ctx: BuildContext) -> int:
    """moto 5.2.1 implements no EnableVgwRoutePropagation (so no ``PropagatingVgws``, no routes).

    The builder records the propagation; here the table gets ``PropagatingVgws`` and AWS's routes:
    the VPN connection's static routes (Origin ``EnableVgwRoutePropagation``); a route the table
    already has for the same destination wins.
    """
    changed = 0
    for body in regions.values():
        vpns = body.get("ec2:DescribeVpnConnections", {}).get("VpnConnections", [])
        for table in body.get("ec2:DescribeRouteTables", {}).get("RouteTables", []):
            for vgw in ctx.vgw_propagation.get(table["RouteTableId"], []):
                if not any(p.get("GatewayId") == vgw for p in table.setdefault("PropagatingVgws", [])):
                    table["PropagatingVgws"].append({"GatewayId": vgw})
                    changed += 1
            have = {r.get("DestinationCidrBlock") for r in table.get("Routes", [])}
            for pv in table.get("PropagatingVgws", []):
                vgw = pv["GatewayId"]
                for vpn in vpns:
                    if vpn.get("VpnGatewayId") != vgw or vpn.get("State", "available") != "available":
                        continue
                    for r in vpn.get("Routes", []):
                        cidr = r.get("DestinationCidrBlock")
                        if cidr and cidr not in have and r.get("State", "available") == "available":
                            have.add(cidr)
                            table["Routes"].append(
                                {
                                    "DestinationCidrBlock": cidr,
                                    "GatewayId": vgw,
                                    "Origin": "EnableVgwRoutePropagation",
                                    "State": "active",
                                }
                            )
                            changed += 1
    return changed


def route_blackhole_state(regions: Regions, ctx: BuildContext) -> int:
    """moto reports every route ``active``; AWS reports ``blackhole`` when the target is gone.

    Gone: a deleted NAT gateway or peering, an IGW/VGW not attached to the VPC, a network interface
    that is deleted or not attached (how FIS's cross-Region routes are built), a stopped or missing
    instance, a TGW with no attachment in the VPC; plus routes a hand fault blackholed.
    """
    changed = 0
    for body in regions.values():
        nats = {n["NatGatewayId"]: n for n in body.get("ec2:DescribeNatGateways", {}).get("NatGateways", [])}
        pcx = {
            p["VpcPeeringConnectionId"]: p
            for p in body.get("ec2:DescribeVpcPeeringConnections", {}).get("VpcPeeringConnections", [])
        }
        igw_vpcs = {
            g["InternetGatewayId"]: {
                a["VpcId"] for a in g.get("Attachments", []) if a.get("State") in ("available", "attached")
            }
            for g in body.get("ec2:DescribeInternetGateways", {}).get("InternetGateways", [])
        }
        vgw_vpcs = {
            g["VpnGatewayId"]: {
                a["VpcId"] for a in g.get("VpcAttachments", []) if a.get("State") == "attached"
            }
            for g in body.get("ec2:DescribeVpnGateways", {}).get("VpnGateways", [])
        }
        enis = {
            e["NetworkInterfaceId"]: e
            for e in body.get("ec2:DescribeNetworkInterfaces", {}).get("NetworkInterfaces", [])
        }
        running = {
            i["InstanceId"]
            for r in body.get("ec2:DescribeInstances", {}).get("Reservations", [])
            for i in r["Instances"]
            if i.get("State", {}).get("Name") == "running"
        }
        tgw_vpcs: dict[str, set[str]] = {}
        for a in body.get("ec2:DescribeTransitGatewayAttachments", {}).get("TransitGatewayAttachments", []):
            if a.get("ResourceType") == "vpc" and a.get("State") == "available":
                tgw_vpcs.setdefault(a["TransitGatewayId"], set()).add(a["ResourceId"])
        for table in body.get("ec2:DescribeRouteTables", {}).get("RouteTables", []):
            vpc = table["VpcId"]
            for route in table.get("Routes", []):
                gw = route.get("GatewayId", "")
                gone = (
                    (
                        "NatGatewayId" in route
                        and nats.get(route["NatGatewayId"], {}).get("State") != "available"
                    )
                    or (
                        "VpcPeeringConnectionId" in route
                        and pcx.get(route["VpcPeeringConnectionId"], {}).get("Status", {}).get("Code")
                        != "active"
                    )
                    or (gw.startswith("igw-") and vpc not in igw_vpcs.get(gw, set()))
                    or (gw.startswith("vgw-") and vpc not in vgw_vpcs.get(gw, set()))
                    or (
                        "NetworkInterfaceId" in route
                        and "Attachment" not in enis.get(route["NetworkInterfaceId"], {})
                    )
                    or ("InstanceId" in route and route["InstanceId"] not in running)
                    or (
                        "TransitGatewayId" in route
                        and vpc not in tgw_vpcs.get(route["TransitGatewayId"], set())
                    )
                    or (table["RouteTableId"], route.get("DestinationCidrBlock")) in ctx.blackholed
                )
                if gone and route.get("State") != "blackhole":
                    route["State"] = "blackhole"
                    changed += 1
    return changed
