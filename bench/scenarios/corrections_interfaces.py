"""moto corrections about network interfaces of managed resources (part of ``corrections.CORRECTIONS``).

NAT gateways, interface endpoints, RDS instances, Lambda functions and Auto Scaling instances get
interfaces, addresses and placement from moto that AWS would never report (outside their subnet,
missing, or all in one subnet). See docs/worlds.md.
"""

from __future__ import annotations

import hashlib

from bench.scenarios.context import BuildContext
from bench.scenarios.snapshot_edit import (
    Addresses,
    Regions,
    fake_id,
    items,
    managed_eni,
    set_address,
)


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
