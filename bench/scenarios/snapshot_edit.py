"""Small helpers for editing a raw snapshot's ``regions`` section (used by ``corrections``).

Kept out of the ``corrections_*`` modules so that they hold only the corrections themselves, one per
moto gap.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterator
from typing import Any

from bench.scenarios.context import free_address

Regions = dict[str, dict[str, Any]]


def items(body: dict[str, Any], key: str, field: str) -> list[dict[str, Any]]:
    return body.setdefault(key, {}).setdefault(field, [])


def each(regions: Regions, key: str, field: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for region, body in regions.items():
        for item in body.get(key, {}).get(field, []):
            yield region, item


def fake_id(prefix: str, *parts: str) -> str:
    """A stable AWS-shaped id for a resource moto never creates (17 hex digits, like EC2's)."""
    return f"{prefix}-{hashlib.sha256('|'.join(parts).encode()).hexdigest()[:17]}"


class Addresses:
    """Addresses in use per subnet, so corrected interfaces get free in-subnet addresses."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.subnets = {s["SubnetId"]: s for s in body.get("ec2:DescribeSubnets", {}).get("Subnets", [])}
        self.taken: set[str] = set()
        for e in body.get("ec2:DescribeNetworkInterfaces", {}).get("NetworkInterfaces", []):
            self.taken.update(p["PrivateIpAddress"] for p in e.get("PrivateIpAddresses", []))

    def pick(self, subnet_id: str, wanted: str | None = None) -> str:
        cidr = self.subnets[subnet_id]["CidrBlock"]
        if wanted and ipaddress.ip_address(wanted) in ipaddress.ip_network(cidr):
            address = wanted
        else:
            address = free_address(cidr, self.taken)
        self.taken.add(address)
        return address


def set_address(eni: dict[str, Any], address: str) -> None:
    eni["PrivateIpAddress"] = address
    eni["PrivateIpAddresses"] = [{"Primary": True, "PrivateIpAddress": address}] + [
        p for p in eni.get("PrivateIpAddresses", []) if not p.get("Primary")
    ]
    eni["PrivateDnsName"] = f"ip-{address.replace('.', '-')}.ec2.internal"
    for p in eni["PrivateIpAddresses"][:1]:
        p["PrivateDnsName"] = eni["PrivateDnsName"]


def group_refs(body: dict[str, Any], ids: list[str]) -> list[dict[str, str]]:
    names = {
        g["GroupId"]: g["GroupName"]
        for g in body.get("ec2:DescribeSecurityGroups", {}).get("SecurityGroups", [])
    }
    return [{"GroupId": g, "GroupName": names.get(g, g)} for g in sorted(ids)]


def managed_eni(
    body: dict[str, Any],
    eni_id: str,
    subnet_id: str,
    address: str,
    groups: list[str],
    interface_type: str,
    description: str,
    requester: str,
    account: str,
) -> dict[str, Any]:
    sub = next(s for s in body["ec2:DescribeSubnets"]["Subnets"] if s["SubnetId"] == subnet_id)
    eni = {
        "AvailabilityZone": sub["AvailabilityZone"],
        "Description": description,
        "Groups": group_refs(body, groups),
        "InterfaceType": interface_type,
        "Ipv6Addresses": [],
        "NetworkInterfaceId": eni_id,
        "OwnerId": account,
        "RequesterId": requester,
        "RequesterManaged": True,
        "SourceDestCheck": True,
        "Status": "in-use",
        "SubnetId": subnet_id,
        "TagSet": [],
        "VpcId": sub["VpcId"],
    }
    set_address(eni, address)
    return eni
