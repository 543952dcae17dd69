"""EC2 VPC responses -> world models: VPCs, subnets, route tables, NACLs, security groups, gateways.

Each function reads one Region's response bodies exactly as AWS returns them (see the AWS EC2 API
reference for each Describe call) and returns models; linking across sections (subnet -> main route
table, ENI -> owner) happens in ``normalize.py``.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from bench.world.model import (
    InternetGateway,
    NaclEntry,
    NatGateway,
    NetworkAcl,
    PrefixList,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
    VpnGateway,
)
from bench.world.normalize_common import (
    Ctx,
    body_of,
    build,
    each,
    is_ipv4_cidr,
    opt_int,
    per_resource,
    protocol,
    res_fields,
    tags_of,
)


def vpcs(ctx: Ctx, section: dict[str, Any]) -> list[Vpc]:
    c = ctx.at("ec2:DescribeVpcs")

    def one(v: dict[str, Any]) -> Vpc:
        primary = v["CidrBlock"]
        extra = sorted(
            a["CidrBlock"]
            for a in v.get("CidrBlockAssociationSet") or []
            if a.get("CidrBlock") != primary
            and (a.get("CidrBlockState") or {}).get("State", "associated") == "associated"
        )
        return build(
            Vpc,
            **res_fields(v["VpcId"], ctx.region, tags_of(v)),
            cidrs=(primary, *extra),
            is_default=bool(v.get("IsDefault", False)),
            owner_id=v.get("OwnerId"),
        )

    return list(each(c, body_of(c, section, c.key), "Vpcs", one, "VpcId"))


def subnets_raw(ctx: Ctx, section: dict[str, Any]) -> list[dict[str, Any]]:
    """Subnet facts before the route-table / NACL links are known."""
    c = ctx.at("ec2:DescribeSubnets")

    def one(s: dict[str, Any]) -> dict[str, Any]:
        return {
            **res_fields(s["SubnetId"], ctx.region, tags_of(s)),
            "vpc_id": s["VpcId"],
            "cidr": s.get("CidrBlock"),  # None: an IPv6-only subnet (left out, noted)
            "availability_zone": s["AvailabilityZone"],
            "map_public_ip_on_launch": bool(s.get("MapPublicIpOnLaunch", False)),
        }

    return list(each(c, body_of(c, section, c.key), "Subnets", one, "SubnetId"))


_GATEWAY_PREFIXES = (("igw-", "igw"), ("vgw-", "vgw"), ("vpce-", "vpce"))
# Route fields naming a target, in precedence order (ENI before instance: AWS fills both for instance routes).
_TARGET_FIELDS = (
    ("NatGatewayId", "nat"),
    ("TransitGatewayId", "tgw"),
    ("VpcPeeringConnectionId", "pcx"),
    ("EgressOnlyInternetGatewayId", "eigw"),
    ("NetworkInterfaceId", "eni"),
    ("InstanceId", "instance"),
    ("CarrierGatewayId", "cgw"),
)


def route_target(r: dict[str, Any]) -> tuple[str, str | None]:
    """Classify a route target; an ENI id wins over an instance id (AWS reports both for instance routes)."""
    gw = r.get("GatewayId")
    if gw == "local":
        return "local", None
    for key, kind in _TARGET_FIELDS:
        if r.get(key):
            return kind, r[key]
    if gw:
        for prefix, kind in _GATEWAY_PREFIXES:
            if gw.startswith(prefix):
                return kind, gw
        return "other", gw
    other = r.get("LocalGatewayId") or r.get("CoreNetworkArn")
    return "other", other


def _route(r: dict[str, Any]) -> Route | None:
    if r.get("DestinationIpv6CidrBlock") and not r.get("DestinationCidrBlock"):
        return None  # IPv6 routes: the engine is IPv4 only (as Reachability Analyzer)
    dest, pl = r.get("DestinationCidrBlock"), r.get("DestinationPrefixListId")
    if not dest and not pl:
        raise ValueError("route has neither DestinationCidrBlock nor DestinationPrefixListId")
    if dest:
        try:
            ipaddress.IPv4Network(dest, strict=False)
        except ValueError:
            raise ValueError(f"DestinationCidrBlock {dest!r} is not an IPv4 CIDR block") from None
    kind, target = route_target(r)
    state = str(r.get("State", "active")).lower()
    if state not in ("active", "blackhole"):
        raise ValueError(f"route State {r.get('State')!r} is not active|blackhole")
    return build(
        Route,
        destination_cidr=dest,
        destination_prefix_list_id=pl,
        target_type=kind,
        target_id=target,
        state=state,
        origin=r.get("Origin"),
    )


def _associated(a: dict[str, Any]) -> bool:
    return (a.get("AssociationState") or {}).get("State", "associated") == "associated"


def route_tables(ctx: Ctx, section: dict[str, Any]) -> list[RouteTable]:
    c = ctx.at("ec2:DescribeRouteTables")

    def one(t: dict[str, Any]) -> RouteTable:
        routes = [x for x in (_route(r) for r in t.get("Routes") or []) if x is not None]
        routes.sort(
            key=lambda r: (
                r.destination_cidr or "",
                r.destination_prefix_list_id or "",
                r.target_type,
                r.target_id or "",
            )
        )
        assocs = [a for a in t.get("Associations") or [] if _associated(a)]
        return build(
            RouteTable,
            **res_fields(t["RouteTableId"], ctx.region, tags_of(t)),
            vpc_id=t["VpcId"],
            routes=tuple(routes),
            subnet_ids=tuple(sorted(a["SubnetId"] for a in assocs if a.get("SubnetId"))),
            gateway_ids=tuple(sorted(a["GatewayId"] for a in assocs if a.get("GatewayId"))),
            is_main=any(bool(a.get("Main")) for a in assocs),
            propagating_vgw_ids=tuple(sorted(p["GatewayId"] for p in t.get("PropagatingVgws") or [])),
        )

    return list(each(c, body_of(c, section, c.key), "RouteTables", one, "RouteTableId"))


def _nacl_entry(e: dict[str, Any]) -> NaclEntry | None:
    cidr = e.get("CidrBlock")
    if not cidr:
        if e.get("Ipv6CidrBlock"):
            return None  # IPv6 entries: out of the IPv4 engine's scope
        raise KeyError("CidrBlock")
    action = str(e["RuleAction"]).lower()
    if action not in ("allow", "deny"):
        raise ValueError(f"RuleAction {e['RuleAction']!r} is not allow|deny")
    ports = e.get("PortRange") or {}
    icmp = e.get("IcmpTypeCode") or {}
    return build(
        NaclEntry,
        rule_number=int(e["RuleNumber"]),
        egress=bool(e["Egress"]),
        protocol=protocol(e["Protocol"]),
        cidr=cidr,
        action=action,
        port_from=opt_int(ports.get("From")),
        port_to=opt_int(ports.get("To")),
        icmp_type=opt_int(icmp.get("Type")),
        icmp_code=opt_int(icmp.get("Code")),
    )


def network_acls(ctx: Ctx, section: dict[str, Any]) -> list[NetworkAcl]:
    c = ctx.at("ec2:DescribeNetworkAcls")

    def one(n: dict[str, Any]) -> NetworkAcl:
        entries = [x for x in (_nacl_entry(e) for e in n.get("Entries") or []) if x is not None]
        entries.sort(key=lambda e: (e.egress, e.rule_number, e.cidr))
        return build(
            NetworkAcl,
            **res_fields(n["NetworkAclId"], ctx.region, tags_of(n)),
            vpc_id=n["VpcId"],
            entries=tuple(entries),
            subnet_ids=tuple(sorted({a["SubnetId"] for a in n.get("Associations") or []})),
            is_default=bool(n.get("IsDefault", False)),
        )

    return list(each(c, body_of(c, section, c.key), "NetworkAcls", one, "NetworkAclId"))


def sg_rule(p: dict[str, Any]) -> SgRule:
    proto = protocol(p["IpProtocol"])
    whole = proto == "all"
    return build(
        SgRule,
        protocol=proto,
        port_from=None if whole else opt_int(p.get("FromPort")),
        port_to=None if whole else opt_int(p.get("ToPort")),
        cidrs=tuple(sorted({r["CidrIp"] for r in p.get("IpRanges") or []})),
        ipv6_cidrs=tuple(sorted({r["CidrIpv6"] for r in p.get("Ipv6Ranges") or []})),
        prefix_list_ids=tuple(sorted({r["PrefixListId"] for r in p.get("PrefixListIds") or []})),
        group_ids=tuple(sorted({g["GroupId"] for g in p.get("UserIdGroupPairs") or []})),
    )


def _rule_key(r: SgRule) -> tuple[Any, ...]:
    return (
        r.protocol,
        r.port_from if r.port_from is not None else -2,
        r.port_to if r.port_to is not None else -2,
        r.cidrs,
        r.ipv6_cidrs,
        r.prefix_list_ids,
        r.group_ids,
    )


def security_groups(ctx: Ctx, section: dict[str, Any]) -> list[SecurityGroup]:
    c = ctx.at("ec2:DescribeSecurityGroups")

    def one(g: dict[str, Any]) -> SecurityGroup:
        return build(
            SecurityGroup,
            **res_fields(g["GroupId"], ctx.region, tags_of(g)),
            vpc_id=g["VpcId"],
            group_name=g["GroupName"],
            ingress=tuple(sorted((sg_rule(p) for p in g.get("IpPermissions") or []), key=_rule_key)),
            egress=tuple(sorted((sg_rule(p) for p in g.get("IpPermissionsEgress") or []), key=_rule_key)),
        )

    return list(each(c, body_of(c, section, c.key), "SecurityGroups", one, "GroupId"))


def internet_gateways(ctx: Ctx, section: dict[str, Any]) -> list[InternetGateway]:
    c = ctx.at("ec2:DescribeInternetGateways")

    def one(g: dict[str, Any]) -> InternetGateway:
        vpc_ids = {
            a["VpcId"]
            for a in g.get("Attachments") or []
            if a.get("State", "available") in ("available", "attached")
        }
        return build(
            InternetGateway,
            **res_fields(g["InternetGatewayId"], ctx.region, tags_of(g)),
            vpc_ids=tuple(sorted(vpc_ids)),
        )

    return list(each(c, body_of(c, section, c.key), "InternetGateways", one, "InternetGatewayId"))


def nat_gateways(ctx: Ctx, section: dict[str, Any]) -> list[NatGateway]:
    """NAT gateways that still exist; ``deleted``/``failed`` ones (AWS lists them for a while) are dropped."""
    c = ctx.at("ec2:DescribeNatGateways")

    def one(n: dict[str, Any]) -> NatGateway | None:
        state = str(n.get("State", "available")).lower()
        addrs = n.get("NatGatewayAddresses") or []
        if state in ("deleted", "deleting", "failed") or not addrs:
            return None
        primary = next((a for a in addrs if a.get("IsPrimary")), addrs[0])
        return build(
            NatGateway,
            **res_fields(n["NatGatewayId"], ctx.region, tags_of(n)),
            vpc_id=n["VpcId"],
            subnet_id=n["SubnetId"],
            eni_id=primary["NetworkInterfaceId"],
            private_ip=primary["PrivateIp"],
            public_ip=primary.get("PublicIp"),
            connectivity_type=n.get("ConnectivityType", "public"),
            state=state,
        )

    found = each(c, body_of(c, section, c.key), "NatGateways", one, "NatGatewayId")
    return [n for n in found if n is not None]


def vpc_endpoints(
    ctx: Ctx, section: dict[str, Any], service_prefix_lists: dict[str, str]
) -> list[VpcEndpoint]:
    """Endpoints; a Gateway endpoint's prefix list comes from the service's list (DescribePrefixLists or
    managed lists named after the service), else from the routes it owns (filled in by the caller)."""
    c = ctx.at("ec2:DescribeVpcEndpoints")

    def one(e: dict[str, Any]) -> VpcEndpoint:
        kind = e.get("VpcEndpointType", "Gateway")
        if kind not in ("Gateway", "Interface", "GatewayLoadBalancer", "Resource", "ServiceNetwork"):
            kind = "Other"
        dns = sorted({d["DnsName"] for d in e.get("DnsEntries") or [] if d.get("DnsName")})
        return build(
            VpcEndpoint,
            **res_fields(e["VpcEndpointId"], ctx.region, tags_of(e)),
            vpc_id=e["VpcId"],
            service_name=e.get("ServiceName")
            or e.get("ServiceNetworkArn")
            or e.get("ResourceConfigurationArn")
            or "",
            endpoint_type=kind,
            state=str(e.get("State", "available")).lower(),
            route_table_ids=tuple(sorted(e.get("RouteTableIds") or [])),
            prefix_list_id=service_prefix_lists.get(e.get("ServiceName", "")) if kind == "Gateway" else None,
            subnet_ids=tuple(sorted(e.get("SubnetIds") or [])),
            eni_ids=tuple(sorted(e.get("NetworkInterfaceIds") or [])),
            group_ids=tuple(sorted({g["GroupId"] for g in e.get("Groups") or []})),
            dns_names=tuple(dns),
        )

    return list(each(c, body_of(c, section, c.key), "VpcEndpoints", one, "VpcEndpointId"))


def _side(info: dict[str, Any]) -> tuple[str, str | None, str | None, tuple[str, ...]]:
    cidrs = {b["CidrBlock"] for b in info.get("CidrBlockSet") or []}
    if info.get("CidrBlock"):
        cidrs.add(info["CidrBlock"])
    return info["VpcId"], info.get("Region"), info.get("OwnerId"), tuple(sorted(cidrs))


def peering_connections(ctx: Ctx, section: dict[str, Any]) -> list[VpcPeeringConnection]:
    c = ctx.at("ec2:DescribeVpcPeeringConnections")

    def one(p: dict[str, Any]) -> VpcPeeringConnection:
        r_vpc, r_region, r_owner, r_cidrs = _side(p["RequesterVpcInfo"])
        a_vpc, a_region, a_owner, a_cidrs = _side(p["AccepterVpcInfo"])
        return build(
            VpcPeeringConnection,
            **res_fields(p["VpcPeeringConnectionId"], r_region or ctx.region, tags_of(p)),
            requester_vpc_id=r_vpc,
            requester_region=r_region or ctx.region,
            requester_owner_id=r_owner,
            requester_cidrs=r_cidrs,
            accepter_vpc_id=a_vpc,
            accepter_region=a_region or ctx.region,
            accepter_owner_id=a_owner,
            accepter_cidrs=a_cidrs,
            status=str((p.get("Status") or {}).get("Code", "active")),
        )

    return list(each(c, body_of(c, section, c.key), "VpcPeeringConnections", one, "VpcPeeringConnectionId"))


def vpn_gateways(ctx: Ctx, section: dict[str, Any]) -> list[VpnGateway]:
    """VGWs; ``remote_cidrs`` are the static routes of the VPN connections that end on the gateway."""
    cv = ctx.at("ec2:DescribeVpnConnections")
    remote: dict[str, set[str]] = {}

    def conn(v: dict[str, Any]) -> None:
        if str(v.get("State", "available")) in ("deleted", "deleting") or not v.get("VpnGatewayId"):
            return
        cidrs = remote.setdefault(v["VpnGatewayId"], set())
        for r in v.get("Routes") or []:
            if r.get("State", "available") == "available" and is_ipv4_cidr(r.get("DestinationCidrBlock")):
                cidrs.add(r["DestinationCidrBlock"])
        remote_net = (v.get("Options") or {}).get("RemoteIpv4NetworkCidr")
        if remote_net and remote_net != "0.0.0.0/0":
            cidrs.add(remote_net)

    for _ in each(cv, body_of(cv, section, cv.key), "VpnConnections", conn, "VpnConnectionId"):
        pass

    c = ctx.at("ec2:DescribeVpnGateways")

    def one(g: dict[str, Any]) -> VpnGateway | None:
        state = str(g.get("State", "available"))
        if state in ("deleted", "deleting"):
            return None
        vpc_ids = {a["VpcId"] for a in g.get("VpcAttachments") or [] if a.get("State") == "attached"}
        return build(
            VpnGateway,
            **res_fields(g["VpnGatewayId"], ctx.region, tags_of(g)),
            vpc_ids=tuple(sorted(vpc_ids)),
            state=state,
            remote_cidrs=tuple(sorted(remote.get(g["VpnGatewayId"], ()))),
        )

    found = each(c, body_of(c, section, c.key), "VpnGateways", one, "VpnGatewayId")
    return [g for g in found if g is not None]


def prefix_lists(ctx: Ctx, section: dict[str, Any]) -> tuple[list[PrefixList], dict[str, str]]:
    """Managed prefix lists with their entries, merged with DescribePrefixLists (the AWS service lists).

    Returns the lists and ``service name -> prefix list id`` for gateway endpoints. IPv4 entries only.
    """
    found: dict[str, dict[str, Any]] = {}
    cm = ctx.at("ec2:DescribeManagedPrefixLists")
    entries = per_resource(ctx, section, "ec2:GetManagedPrefixListEntries") or {}

    def managed(p: dict[str, Any]) -> None:
        pid, name = p["PrefixListId"], p["PrefixListName"]
        cidrs = {
            e["Cidr"] for e in (entries.get(pid) or {}).get("Entries") or [] if is_ipv4_cidr(e.get("Cidr"))
        }
        tags = tags_of(p)
        found[pid] = {
            **res_fields(pid, ctx.region, tags),
            "prefix_list_name": name,
            "cidrs": cidrs,
            "aws_managed": p.get("OwnerId") == "AWS" or name.startswith("com.amazonaws."),
        }

    for _ in each(cm, body_of(cm, section, cm.key), "PrefixLists", managed, "PrefixListId"):
        pass

    cp = ctx.at("ec2:DescribePrefixLists")

    def service(p: dict[str, Any]) -> None:
        pid, name = p["PrefixListId"], p["PrefixListName"]
        entry = found.setdefault(
            pid,
            {
                **res_fields(pid, ctx.region, {}),
                "prefix_list_name": name,
                "cidrs": set(),
                "aws_managed": True,
            },
        )
        entry["cidrs"] |= {x for x in p.get("Cidrs") or [] if is_ipv4_cidr(x)}

    for _ in each(cp, body_of(cp, section, cp.key), "PrefixLists", service, "PrefixListId"):
        pass

    lists = [build(PrefixList, **{**v, "cidrs": tuple(sorted(v["cidrs"]))}) for v in found.values()]
    by_service = {v["prefix_list_name"]: pid for pid, v in sorted(found.items()) if v["aws_managed"]}
    return lists, by_service
