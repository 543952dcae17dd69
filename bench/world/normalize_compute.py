"""Things with addresses: ENIs (and what owns them), EC2 instances, RDS, Auto Scaling groups, Lambda.

ENI kind rule (first match wins; documented in docs/world-model.md):
1. ``InterfaceType`` names the owner: nat_gateway, vpc_endpoint / gateway_load_balancer_endpoint,
   lambda, transit_gateway.
2. ``Description`` written by the owning service: "RDSNetworkInterface" -> rds; "Interface for NAT
   Gateway nat-…" -> nat_gateway; "VPC Endpoint Interface vpce-…" -> vpc_endpoint; "AWS Lambda VPC ENI…"
   -> lambda; "Network Interface for Transit Gateway Attachment tgw-attach-…" -> transit_gateway;
   "arn:aws:ecs:…" / "… ecs …attachment" -> ecs.
3. ``RequesterId`` "amazon-rds" -> rds.
4. Attached to an instance (``Attachment.InstanceId``) -> instance; anything else -> other.
The owner id (``attached_to``) comes from the description or attachment here and is overwritten by the
owning resource's own record (NAT gateway addresses, endpoint ENI list, RDS link) in ``normalize``.
"""

from __future__ import annotations

import re
from typing import Any

from bench.world.model import AutoScalingGroup, Instance, NetworkInterface
from bench.world.normalize_common import Ctx, body_of, build, each, res_fields, tags_of

_TYPE_KIND = {
    "nat_gateway": "nat_gateway",
    "vpc_endpoint": "vpc_endpoint",
    "gateway_load_balancer_endpoint": "vpc_endpoint",
    "lambda": "lambda",
    "transit_gateway": "transit_gateway",
}
_DESCRIPTION_KIND = (
    (re.compile(r"^RDSNetworkInterface", re.I), "rds"),
    (re.compile(r"^Interface for NAT Gateway (nat-[0-9a-f]+)", re.I), "nat_gateway"),
    (re.compile(r"^VPC Endpoint Interface (vpce-[0-9a-f]+)", re.I), "vpc_endpoint"),
    (re.compile(r"^AWS Lambda VPC ENI-?(.*?)(?:-[0-9a-f]{8}-[0-9a-f-]{27})?$", re.I), "lambda"),
    (
        re.compile(r"^Network Interface for Transit Gateway Attachment (tgw-attach-[0-9a-f]+)", re.I),
        "transit_gateway",
    ),
    (re.compile(r"^arn:aws[\w-]*:ecs:", re.I), "ecs"),
    (re.compile(r"\becs\b.*attachment", re.I), "ecs"),
)


def eni_kind(e: dict[str, Any]) -> tuple[str, str | None]:
    """(kind, owner id when the ENI record itself names it)."""
    instance_id = (e.get("Attachment") or {}).get("InstanceId")
    description = str(e.get("Description") or "")
    kind = _TYPE_KIND.get(str(e.get("InterfaceType") or ""))
    for pattern, desc_kind in _DESCRIPTION_KIND if description else ():  # no pattern matches ""
        m = pattern.search(description)
        if m and (kind is None or kind == desc_kind):
            owner = m.group(1) if m.groups() and m.group(1) else None
            return desc_kind, owner
    if kind:
        return kind, None
    if e.get("RequesterId") == "amazon-rds":
        return "rds", None
    if instance_id:
        return "instance", instance_id
    return "other", None


def network_interfaces(ctx: Ctx, section: dict[str, Any]) -> list[NetworkInterface]:
    c = ctx.at("ec2:DescribeNetworkInterfaces")

    def one(e: dict[str, Any]) -> NetworkInterface | None:
        primary = e.get("PrivateIpAddress")
        ips = [primary] if primary else []
        for a in e.get("PrivateIpAddresses") or []:
            ip = a.get("PrivateIpAddress")
            if ip and ip not in ips:
                ips.append(ip)
        if not ips and e.get("Ipv6Addresses"):
            return None  # an IPv6-only interface (IPv6-only subnet): the engine analyses IPv4
        if not ips:
            raise KeyError("PrivateIpAddress")
        kind, owner = eni_kind(e)
        return build(
            NetworkInterface,
            **res_fields(e["NetworkInterfaceId"], ctx.region, tags_of(e, "TagSet")),
            vpc_id=e["VpcId"],
            subnet_id=e["SubnetId"],
            private_ips=tuple(ips),
            public_ip=(e.get("Association") or {}).get("PublicIp"),
            group_ids=tuple(sorted({g["GroupId"] for g in e.get("Groups") or []})),
            kind=kind,
            attached_to=owner,
            source_dest_check=bool(e.get("SourceDestCheck", True)),
        )

    found = each(c, body_of(c, section, c.key), "NetworkInterfaces", one, "NetworkInterfaceId")
    return [e for e in found if e is not None]


_GONE = ("terminated", "shutting-down")


def instances(ctx: Ctx, section: dict[str, Any]) -> list[Instance]:
    """Instances from ``Reservations[].Instances[]``; terminated ones (no VPC any more) are dropped."""
    c = ctx.at("ec2:DescribeInstances")
    out: list[Instance] = []

    def one(i: dict[str, Any]) -> Instance | None:
        state = str((i.get("State") or {}).get("Name", "running"))
        if state in _GONE or not i.get("VpcId"):
            return None
        enis = sorted(
            i.get("NetworkInterfaces") or [],
            key=lambda n: (int((n.get("Attachment") or {}).get("DeviceIndex", 0)), n["NetworkInterfaceId"]),
        )
        private_ip = i.get("PrivateIpAddress") or (enis[0].get("PrivateIpAddress") if enis else None)
        if not private_ip and (i.get("Ipv6Address") or any(n.get("Ipv6Addresses") for n in enis)):
            return None  # an IPv6-only instance
        if not private_ip:
            raise KeyError("PrivateIpAddress")
        return build(
            Instance,
            **res_fields(i["InstanceId"], ctx.region, tags_of(i)),
            vpc_id=i["VpcId"],
            subnet_id=i["SubnetId"],
            eni_ids=tuple(n["NetworkInterfaceId"] for n in enis),
            private_ip=private_ip,
            public_ip=i.get("PublicIpAddress"),
            state=state,
            group_ids=tuple(sorted({g["GroupId"] for g in i.get("SecurityGroups") or []})),
        )

    def reservation(r: dict[str, Any]) -> None:
        sub = Ctx(c.source, c.region, f"{c.key}: Reservation {r.get('ReservationId', '?')}")
        out.extend(x for x in each(sub, r, "Instances", one, "InstanceId") if x is not None)

    for _ in each(c, body_of(c, section, c.key), "Reservations", reservation, "ReservationId"):
        pass
    return out


def autoscaling_groups(ctx: Ctx, section: dict[str, Any]) -> list[AutoScalingGroup]:
    c = ctx.at("autoscaling:DescribeAutoScalingGroups")

    def one(g: dict[str, Any]) -> AutoScalingGroup:
        tags = {str(t["Key"]): str(t.get("Value", "")) for t in g.get("Tags") or []}
        subnets = {s.strip() for s in str(g.get("VPCZoneIdentifier") or "").split(",") if s.strip()}
        members = {
            i["InstanceId"]
            for i in g.get("Instances") or []
            if not str(i.get("LifecycleState", "InService")).startswith("Terminat")
        }
        return build(
            AutoScalingGroup,
            **res_fields(g["AutoScalingGroupName"], ctx.region, dict(sorted(tags.items()))),
            instance_ids=tuple(sorted(members)),
            subnet_ids=tuple(sorted(subnets)),
        )

    return list(each(c, body_of(c, section, c.key), "AutoScalingGroups", one, "AutoScalingGroupName"))


def db_instances_raw(ctx: Ctx, section: dict[str, Any]) -> list[dict[str, Any]]:
    """RDS DB instances before their ENI is linked (see ``normalize_link.link_rds``)."""
    c = ctx.at("rds:DescribeDBInstances")

    def one(d: dict[str, Any]) -> dict[str, Any] | None:
        if str(d.get("DBInstanceStatus", "available")) in ("deleting", "deleted"):
            return None
        group = d.get("DBSubnetGroup") or {}
        endpoint = d.get("Endpoint") or {}
        return {
            **res_fields(d["DBInstanceIdentifier"], ctx.region, tags_of(d, "TagList")),
            "vpc_id": group["VpcId"],
            "subnet_ids": tuple(sorted({s["SubnetIdentifier"] for s in group.get("Subnets") or []})),
            "endpoint_address": endpoint.get("Address"),
            "port": endpoint.get("Port"),
            "engine": d.get("Engine"),
            "group_ids": tuple(
                sorted(
                    {
                        g["VpcSecurityGroupId"]
                        for g in d.get("VpcSecurityGroups") or []
                        if g.get("Status", "active") == "active"
                    }
                )
            ),
            "_az": d.get("AvailabilityZone"),
        }

    found = each(c, body_of(c, section, c.key), "DBInstances", one, "DBInstanceIdentifier")
    return [d for d in found if d is not None]


def db_clusters_raw(ctx: Ctx, section: dict[str, Any]) -> list[dict[str, Any]]:
    """Aurora clusters' endpoints: the writer endpoint (``Endpoint``) and the reader endpoint
    (``ReaderEndpoint``) with the member instances behind each (``normalize_link.cluster_dns``)."""
    c = ctx.at("rds:DescribeDBClusters")

    def one(d: dict[str, Any]) -> dict[str, Any] | None:
        if str(d.get("Status", "available")) in ("deleting", "deleted"):
            return None
        members = d.get("DBClusterMembers") or []
        return {
            "id": d["DBClusterIdentifier"],
            "endpoint": d.get("Endpoint"),
            "reader_endpoint": d.get("ReaderEndpoint"),
            "writers": sorted(m["DBInstanceIdentifier"] for m in members if m.get("IsClusterWriter")),
            "readers": sorted(m["DBInstanceIdentifier"] for m in members if not m.get("IsClusterWriter")),
        }

    found = each(c, body_of(c, section, c.key), "DBClusters", one, "DBClusterIdentifier")
    return [d for d in found if d is not None]


def lambda_functions_raw(ctx: Ctx, section: dict[str, Any]) -> list[dict[str, Any]]:
    """Lambda functions attached to a VPC (others have no network presence in the world)."""
    c = ctx.at("lambda:ListFunctions")

    def one(f: dict[str, Any]) -> dict[str, Any] | None:
        vpc = f.get("VpcConfig") or {}
        if not vpc.get("VpcId"):
            return None
        return {
            **res_fields(f["FunctionName"], ctx.region, {}),
            "resource_type": "lambda-function",
            "vpc_id": vpc["VpcId"],
            "subnet_ids": tuple(sorted(vpc.get("SubnetIds") or [])),
            "_groups": tuple(sorted(vpc.get("SecurityGroupIds") or [])),
        }

    found = each(c, body_of(c, section, c.key), "Functions", one, "FunctionName")
    return [f for f in found if f is not None]
