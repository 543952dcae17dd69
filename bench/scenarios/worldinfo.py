"""The parts of a snapshot that are not Describe output: the DNS table and the ip-ranges subset.

The DNS table gives names a question may use (S3 endpoints, RDS endpoints, interface endpoint names) the
addresses the engine checks; ``s3.ap-northeast-1.amazonaws.com -> 35.78.9.203`` is the address seen in
the field test. The ip-ranges subset holds every published prefix of the Regions the world touches (its
own Regions and those its faults name), in ip-ranges.json's shape.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from bench.aws.ipranges import shipped_ip_ranges

FIELD_TEST_S3_TOKYO = "35.78.9.203"


def _sample_addresses(region: str, service: str, n: int = 3) -> list[str]:
    """``n`` stable addresses from the Region's ranges of ``service`` (the 11th address of each prefix)."""
    prefixes = sorted(
        (ipaddress.ip_network(p.prefix) for p in shipped_ip_ranges().for_region(region, [service])),
        key=lambda net: (int(net.network_address), net.prefixlen),
    )
    return [str(net.network_address + 10) for net in prefixes[:n] if net.num_addresses > 16]


def service_dns(regions: list[str]) -> dict[str, list[str]]:
    dns: dict[str, list[str]] = {}
    for region in regions:
        s3 = _sample_addresses(region, "S3")
        if region == "ap-northeast-1":
            s3 = [FIELD_TEST_S3_TOKYO] + [a for a in s3 if a != FIELD_TEST_S3_TOKYO]
        if s3:
            dns[f"s3.{region}.amazonaws.com"] = s3
        ddb = _sample_addresses(region, "DYNAMODB")
        if ddb:
            dns[f"dynamodb.{region}.amazonaws.com"] = ddb
    return dns


def resource_dns(regions_raw: dict[str, Any]) -> dict[str, list[str]]:
    """Interface endpoint DNS names -> their private addresses (RDS names come from corrections)."""
    dns: dict[str, list[str]] = {}
    for body in regions_raw.values():
        enis = body.get("ec2:DescribeNetworkInterfaces", {}).get("NetworkInterfaces", [])
        by_id = {e["NetworkInterfaceId"]: e for e in enis}
        for ep in body.get("ec2:DescribeVpcEndpoints", {}).get("VpcEndpoints", []):
            if ep.get("VpcEndpointType") != "Interface":
                continue
            ips = sorted(
                by_id[i]["PrivateIpAddress"] for i in ep.get("NetworkInterfaceIds", []) if i in by_id
            )
            for entry in ep.get("DnsEntries", []):
                # Only the endpoint's own names: its private-DNS name (sts.<region>.amazonaws.com) resolves
                # to these addresses inside its VPC only, and the table is not per VPC.
                if ips and ".vpce.amazonaws.com" in entry.get("DnsName", ""):
                    dns[entry["DnsName"].lower()] = ips
    return dns


def ip_ranges_subset(regions: set[str]) -> dict[str, Any]:
    ranges = shipped_ip_ranges()
    prefixes = [
        {
            "ip_prefix": p.prefix,
            "region": p.region,
            "service": p.service,
            "network_border_group": p.network_border_group,
        }
        for p in ranges.prefixes
        if p.region in regions
    ]
    prefixes.sort(key=lambda p: (p["region"], p["ip_prefix"], p["service"]))
    return {"syncToken": ranges.sync_token, "createDate": ranges.create_date, "prefixes": prefixes}
