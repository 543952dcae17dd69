"""The parts of a snapshot that are not Describe output: the DNS table and the ip-ranges subset.

The DNS table gives names a question may use (S3 endpoints, RDS endpoints, interface endpoint names) the
addresses the engine checks (the field test's observed ``s3.ap-northeast-1.amazonaws.com -> 35.78.9.203``
comes from its scenario's ``dns``). The ip-ranges subset holds every published prefix of the Regions the
world touches (its own Regions and those its faults name), in ip-ranges.json's shape.
"""

from __future__ import annotations

from typing import Any

from bench.aws.ipranges import shipped_ip_ranges

_SERVICES = {"s3": "S3", "dynamodb": "DYNAMODB"}


def service_dns(regions: list[str], raw: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """``s3.<region>.amazonaws.com`` / ``dynamodb.<region>.amazonaws.com`` -> three addresses each.

    The addresses lie in the Region's published ranges for the service and, when ``raw`` (the snapshot's
    ``regions``) holds the Region's AWS-managed prefix list for it, inside that list too: a gateway
    endpoint routes the list, so a hostname question must land in it.
    """
    from bench.aws.public_ips import service_addresses
    from bench.scenarios.corrections_ranges import prefix_list_cidrs

    dns: dict[str, list[str]] = {}
    for region in regions:
        body = (raw or {}).get(region, {})
        for short, service in _SERVICES.items():
            within = prefix_list_cidrs(body, region, short)
            addresses = service_addresses(region, service, within=within)
            if addresses:
                dns[f"{short}.{region}.amazonaws.com"] = addresses
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
