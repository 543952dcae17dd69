"""moto corrections about public address space (part of ``corrections.CORRECTIONS``; see docs/worlds.md).

moto draws Elastic IP / NAT gateway addresses from 127.0.0.0/8 and auto-assigned instance addresses
from 54.214.0.0/16 (a us-west-2 block) whatever the Region, and ships a stale copy of the AWS-managed
S3/DynamoDB prefix lists. A reachability engine reading those would see a NAT gateway translating to a
loopback address and an S3 hostname outside the S3 list; these corrections give the snapshot the
addresses AWS would report, from the shipped ip-ranges.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from bench.aws.public_ips import PublicPool, collapsed, in_region_ec2, public_dns_name
from bench.scenarios.context import BuildContext
from bench.scenarios.snapshot_edit import Regions

_SERVICE_LISTS = {"s3": "S3", "dynamodb": "DYNAMODB"}


def _public_slots(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every mapping in a Region's responses carrying a public address (``PublicIp``/``PublicIpAddress``)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "PublicIp" in node or "PublicIpAddress" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for key in (
        "ec2:DescribeInstances",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeNatGateways",
        "ec2:DescribeAddresses",
    ):
        walk(body.get(key, {}))
    return found


def public_addresses(regions: Regions, ctx: BuildContext) -> int:
    """moto's public addresses are 127.x (EIPs, NAT gateways) or 54.214.x (instances) in every Region.

    AWS assigns them from the Region's EC2 ranges. Each address outside the Region's published EC2
    prefixes is replaced by a stable one from the Region's EC2-only prefixes (hashed from the old address,
    which the seed fixes, so every world of a scenario agrees) wherever it appears: instance
    ``PublicIpAddress``, interface ``Association.PublicIp`` (also per private address),
    ``NatGatewayAddresses``, ``DescribeAddresses``; ``PublicDnsName`` follows (``ec2-a-b-c-d...``).
    """
    changed = 0
    for region, body in sorted(regions.items()):
        slots = _public_slots(body)
        olds = {s.get("PublicIp") or s.get("PublicIpAddress") for s in slots} - {None, ""}
        keep = {a for a in olds if in_region_ec2(region, a)}
        pool = PublicPool(region, used=keep)
        mapping = {old: pool.for_key(old) for old in sorted(olds - keep)}
        for slot in slots:
            for field in ("PublicIp", "PublicIpAddress"):
                old = slot.get(field)
                if old in mapping:
                    slot[field] = mapping[old]
                    changed += 1
                    if "PublicDnsName" in slot:
                        slot["PublicDnsName"] = public_dns_name(region, mapping[old])
    return changed


def service_prefix_lists(regions: Regions, ctx: BuildContext) -> int:
    """moto's AWS-managed ``com.amazonaws.<region>.s3`` / ``.dynamodb`` lists hold a stale, partial copy.

    AWS's list is the Region's published ranges of the service; the entries (GetManagedPrefixListEntries,
    and ``Cidrs`` in DescribePrefixLists, where AWS reports them too) become the Region's S3/DynamoDB
    prefixes from the shipped ip-ranges, collapsed — the same set FIS's ``s3``/``dynamodb`` scopes deny
    and the service hostnames resolve into.
    """
    changed = 0
    for region, body in regions.items():
        for pl in body.get("ec2:DescribePrefixLists", {}).get("PrefixLists", []):
            name = pl.get("PrefixListName", "")
            service = _SERVICE_LISTS.get(name.removeprefix(f"com.amazonaws.{region}."))
            if not service or not name.startswith(f"com.amazonaws.{region}."):
                continue
            cidrs = collapsed(region, service)
            if not cidrs:
                continue
            pl["Cidrs"] = cidrs
            entries = body.setdefault("ec2:GetManagedPrefixListEntries", {})
            entries[pl["PrefixListId"]] = {"Entries": [{"Cidr": c} for c in cidrs]}
            changed += 1
    return changed


def prefix_list_cidrs(body: dict[str, Any], region: str, service: str) -> list[str] | None:
    """The entries of the Region's AWS-managed list for ``service`` in a corrected body (None: no list)."""
    name = f"com.amazonaws.{region}.{service}"
    for pl in body.get("ec2:DescribePrefixLists", {}).get("PrefixLists", []):
        if pl.get("PrefixListName") == name:
            got = body.get("ec2:GetManagedPrefixListEntries", {}).get(pl["PrefixListId"], {})
            cidrs = [e["Cidr"] for e in got.get("Entries", [])] or list(pl.get("Cidrs", []))
            return [c for c in cidrs if ipaddress.ip_network(c).version == 4]
    return None
