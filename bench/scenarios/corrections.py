"""moto corrections: where moto 5.2.1's state differs from what AWS reports, fix the snapshot here.

Every function below corrects one documented difference (each verified against moto 5.2.1 on this
machine and covered by a test in ``tests/test_scenarios_corrections.py``) so that a built world describes
what AWS itself would report, and the engine never needs to know a world came from moto. They run in
``CORRECTIONS`` order on the raw ``regions`` section after reading; each returns how many things it
changed, recorded in the snapshot's ``provenance.corrections``. A real account's capture is never
corrected. The table in docs/worlds.md lists them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from bench.scenarios.context import BuildContext
from bench.scenarios.corrections_ranges import public_addresses, service_prefix_lists
from bench.scenarios.snapshot_edit import (
    Addresses,
    Regions,
    each,
    fake_id,
    items,
    managed_eni,
    set_address,
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


def nacl_default_denies(regions: Regions, ctx: BuildContext) -> int:
    """moto's custom NACLs lack the ``32767`` deny-all entries AWS lists in every NACL (both directions)."""
    changed = 0
    for _, acl in each(regions, "ec2:DescribeNetworkAcls", "NetworkAcls"):
        for egress in (False, True):
            if not any(e["RuleNumber"] == 32767 and e["Egress"] == egress for e in acl["Entries"]):
                acl["Entries"].append(
                    {
                        "CidrBlock": "0.0.0.0/0",
                        "Egress": egress,
                        "Protocol": "-1",
                        "RuleAction": "deny",
                        "RuleNumber": 32767,
                    }
                )
                changed += 1
        acl["Entries"].sort(key=lambda e: (e["Egress"], e["RuleNumber"]))
    return changed


def nacl_icmp_type_code(regions: Regions, ctx: BuildContext) -> int:
    """moto drops ``IcmpTypeCode`` from NACL entries; restored from what the builder created."""
    changed = 0
    for _, acl in each(regions, "ec2:DescribeNetworkAcls", "NetworkAcls"):
        for e in acl["Entries"]:
            icmp = ctx.icmp.get((acl["NetworkAclId"], e["RuleNumber"], e["Egress"]))
            if e.get("Protocol") == "1" and icmp and "IcmpTypeCode" not in e:
                e["IcmpTypeCode"] = {"Code": icmp[1], "Type": icmp[0]}
                changed += 1
    return changed


def default_sg_self_rule(regions: Regions, ctx: BuildContext) -> int:
    """moto's default security group lacks its inbound rule allowing all traffic from itself."""
    changed = 0
    for _, sg in each(regions, "ec2:DescribeSecurityGroups", "SecurityGroups"):
        if sg.get("GroupName") != "default":
            continue
        if any(
            any(p.get("GroupId") == sg["GroupId"] for p in perm.get("UserIdGroupPairs", []))
            for perm in sg.get("IpPermissions", [])
        ):
            continue
        sg.setdefault("IpPermissions", []).append(
            {
                "IpProtocol": "-1",
                "IpRanges": [],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [{"GroupId": sg["GroupId"], "UserId": sg.get("OwnerId", ctx.account_id)}],
            }
        )
        changed += 1
    return changed


def nat_gateway_interfaces(regions: Regions, ctx: BuildContext) -> int:
    """moto gives a NAT gateway's interface an address outside its subnet and the default group.

    AWS: an in-subnet address (the scenario's fixed one, else the lowest free), no security groups,
    InterfaceType ``nat_gateway``, requester-managed; a deleted NAT gateway's interface is gone.
    """
    changed = 0
    for body in regions.values():
        addrs = Addresses(body)
        enis = {
            e["NetworkInterfaceId"]: e
            for e in items(body, "ec2:DescribeNetworkInterfaces", "NetworkInterfaces")
        }
        for nat in body.get("ec2:DescribeNatGateways", {}).get("NatGateways", []):
            for na in nat.get("NatGatewayAddresses", []):
                eni = enis.get(na.get("NetworkInterfaceId", ""))
                if eni is None:
                    continue
                if nat.get("State") != "available":
                    body["ec2:DescribeNetworkInterfaces"]["NetworkInterfaces"].remove(eni)
                    changed += 1
                    continue
                addrs.taken.discard(eni["PrivateIpAddress"])
                address = addrs.pick(nat["SubnetId"], ctx.fixed_ips.get(nat["NatGatewayId"]))
                set_address(eni, address)
                na["PrivateIp"] = address
                eni.update(
                    {
                        "Description": f"Interface for NAT Gateway {nat['NatGatewayId']}",
                        "Groups": [],
                        "InterfaceType": "nat_gateway",
                        "RequesterManaged": True,
                        "SubnetId": nat["SubnetId"],
                    }
                )
                changed += 1
    return changed


def interface_endpoint_interfaces(regions: Regions, ctx: BuildContext) -> int:
    """moto's interface-endpoint interfaces get an out-of-subnet address and keep stale groups.

    AWS: one interface per endpoint subnet with an in-subnet address, the endpoint's current groups,
    InterfaceType ``vpc_endpoint``; DNS names ``<vpce>-<x>.<service>.<region>.vpce.amazonaws.com``.
    """
    changed = 0
    for region, body in regions.items():
        addrs = Addresses(body)
        enis = {
            e["NetworkInterfaceId"]: e
            for e in items(body, "ec2:DescribeNetworkInterfaces", "NetworkInterfaces")
        }
        for ep in body.get("ec2:DescribeVpcEndpoints", {}).get("VpcEndpoints", []):
            if ep.get("VpcEndpointType") != "Interface":
                continue
            groups = [g["GroupId"] for g in ep.get("Groups", [])]
            ids = []
            for subnet_id in sorted(ep.get("SubnetIds", [])):
                eni_id = fake_id("eni", ep["VpcEndpointId"], subnet_id)
                for old in ep.get("NetworkInterfaceIds", []):
                    if old in enis and enis[old].get("SubnetId") == subnet_id:
                        eni_id = old
                old_eni = enis.pop(eni_id, None)
                if old_eni:
                    body["ec2:DescribeNetworkInterfaces"]["NetworkInterfaces"].remove(old_eni)
                    addrs.taken.discard(old_eni["PrivateIpAddress"])
                eni = managed_eni(
                    body,
                    eni_id,
                    subnet_id,
                    addrs.pick(subnet_id),
                    groups,
                    "vpc_endpoint",
                    f"VPC Endpoint Interface {ep['VpcEndpointId']}",
                    "AROAVPCENDPOINT",
                    ctx.account_id,
                )
                body["ec2:DescribeNetworkInterfaces"]["NetworkInterfaces"].append(eni)
                ids.append(eni_id)
            for stale in set(ep.get("NetworkInterfaceIds", [])) - set(ids):
                if stale in enis:
                    body["ec2:DescribeNetworkInterfaces"]["NetworkInterfaces"].remove(enis[stale])
            ep["NetworkInterfaceIds"] = sorted(ids)
            service = ep["ServiceName"].rsplit(".", 1)[-1]
            tag = hashlib.sha256(ep["VpcEndpointId"].encode()).hexdigest()[:8]
            zone = (
                ep.get("DnsEntries", [{}])[0].get("HostedZoneId", "Z7HUB22UULQXV")
                if ep.get("DnsEntries")
                else "Z7HUB22UULQXV"
            )
            entries = [
                {
                    "DnsName": f"{ep['VpcEndpointId']}-{tag}.{service}.{region}.vpce.amazonaws.com",
                    "HostedZoneId": zone,
                }
            ]
            if ep.get("PrivateDnsEnabled"):
                entries.append({"DnsName": f"{service}.{region}.amazonaws.com", "HostedZoneId": zone})
            ep["DnsEntries"] = entries
            changed += 1
    return changed


def rds_interfaces(regions: Regions, ctx: BuildContext) -> int:
    """moto gives an RDS DB instance no network interface or private address.

    AWS places one requester-managed interface (``RDSNetworkInterface``) in a subnet of the DB subnet
    group with the DB's security groups; its endpoint name resolves to that address (DNS table).
    """
    changed = 0
    for region, body in regions.items():
        addrs = Addresses(body)
        for db in body.get("rds:DescribeDBInstances", {}).get("DBInstances", []):
            name = db["DBInstanceIdentifier"]
            subnet_id = ctx.db_subnets.get(name) or db["DBSubnetGroup"]["Subnets"][0]["SubnetIdentifier"]
            address = addrs.pick(subnet_id, ctx.fixed_ips.get(name))
            groups = [g["VpcSecurityGroupId"] for g in db.get("VpcSecurityGroups", [])]
            eni = managed_eni(
                body,
                fake_id("eni", region, db["DBInstanceArn"]),
                subnet_id,
                address,
                groups,
                "interface",
                "RDSNetworkInterface",
                "amazon-rds",
                ctx.account_id,
            )
            items(body, "ec2:DescribeNetworkInterfaces", "NetworkInterfaces").append(eni)
            db["AvailabilityZone"] = eni["AvailabilityZone"]
            if db.get("Endpoint", {}).get("Address"):
                ctx.dns[db["Endpoint"]["Address"].lower()] = [address]
            changed += 1
    return changed


def lambda_interfaces(regions: Regions, ctx: BuildContext) -> int:
    """moto reports a placeholder ``VpcId`` (vpc-123abc) for a Lambda function in a VPC and no interfaces.

    AWS: the subnets' VPC, and one requester-managed ``lambda`` interface per subnet with its groups.
    """
    changed = 0
    for body in regions.values():
        addrs = Addresses(body)
        for fn in body.get("lambda:ListFunctions", {}).get("Functions", []):
            cfg = fn.get("VpcConfig") or {}
            subnets = sorted(cfg.get("SubnetIds", []))
            if not subnets or subnets[0] not in addrs.subnets:
                continue
            cfg["VpcId"] = addrs.subnets[subnets[0]]["VpcId"]
            for subnet_id in subnets:
                eni = managed_eni(
                    body,
                    fake_id("eni", fn["FunctionArn"], subnet_id),
                    subnet_id,
                    addrs.pick(subnet_id),
                    list(cfg.get("SecurityGroupIds", [])),
                    "lambda",
                    f"AWS Lambda VPC ENI-{fn['FunctionName']}",
                    "AROALAMBDAVPC",
                    ctx.account_id,
                )
                items(body, "ec2:DescribeNetworkInterfaces", "NetworkInterfaces").append(eni)
            changed += 1
    return changed


def asg_placement(regions: Regions, ctx: BuildContext) -> int:
    """moto launches every Auto Scaling instance in the group's first subnet; AWS balances across AZs.

    Members (in instance-id order) are dealt round-robin over the group's subnets; moved instances get
    the lowest free address of their new subnet, on the instance and on its interface.
    """
    changed = 0
    for body in regions.values():
        addrs = Addresses(body)
        instances = {
            i["InstanceId"]: i
            for r in body.get("ec2:DescribeInstances", {}).get("Reservations", [])
            for i in r["Instances"]
        }
        enis = {
            e["NetworkInterfaceId"]: e
            for e in body.get("ec2:DescribeNetworkInterfaces", {}).get("NetworkInterfaces", [])
        }
        for asg in body.get("autoscaling:DescribeAutoScalingGroups", {}).get("AutoScalingGroups", []):
            subnets = [s for s in asg.get("VPCZoneIdentifier", "").split(",") if s in addrs.subnets]
            subnets.sort(key=lambda s: (addrs.subnets[s]["AvailabilityZone"], s))
            members = sorted(asg.get("Instances", []), key=lambda m: m["InstanceId"])
            for n, member in enumerate(members):
                inst = instances.get(member["InstanceId"])
                target = subnets[n % len(subnets)] if subnets else None
                if inst is None or target is None or inst.get("SubnetId") == target:
                    continue
                az = addrs.subnets[target]["AvailabilityZone"]
                address = addrs.pick(target)
                addrs.taken.discard(inst.get("PrivateIpAddress", ""))
                inst.update(
                    {
                        "SubnetId": target,
                        "PrivateIpAddress": address,
                        "PrivateDnsName": f"ip-{address.replace('.', '-')}.ec2.internal",
                    }
                )
                inst.setdefault("Placement", {})["AvailabilityZone"] = az
                member["AvailabilityZone"] = az
                for nic in inst.get("NetworkInterfaces", []):
                    if nic.get("Attachment", {}).get("DeviceIndex", 0) == 0:
                        nic["SubnetId"] = target
                        set_address(nic, address)
                        eni = enis.get(nic["NetworkInterfaceId"])
                        if eni is not None:
                            eni.update({"SubnetId": target, "AvailabilityZone": az})
                            set_address(eni, address)
                changed += 1
    return changed


CORRECTIONS: tuple[Callable[[Regions, BuildContext], int], ...] = (
    remove_default_vpcs,
    tgw_peering_listing,
    tgw_peering_accepter_view,
    tgw_attachment_association,
    tgw_static_route_attachments,
    tgw_propagated_routes,
    vpn_connection_routes,
    vgw_propagated_routes,
    route_blackhole_state,
    nacl_default_denies,
    nacl_icmp_type_code,
    default_sg_self_rule,
    nat_gateway_interfaces,
    interface_endpoint_interfaces,
    rds_interfaces,
    lambda_interfaces,
    asg_placement,
    public_addresses,
    service_prefix_lists,
)


def apply_corrections(regions: Regions, ctx: BuildContext) -> None:
    """Run every correction in order, then restore canonical list order (reader's convention)."""
    from bench.world.reader import clean

    for fix in CORRECTIONS:
        n = fix(regions, ctx)
        if n:
            ctx.corrections.append(f"{fix.__name__}: {n}")
    cleaned = clean(regions)
    regions.clear()
    regions.update(cleaned)
