"""Which AWS service and Region an endpoint hostname names, and the public prefixes it resolves into.

``s3.ap-northeast-2.amazonaws.com`` is S3 in Seoul: botocore's endpoint data names every service's
hostname per Region (and the ``{service}.{region}.{dnsSuffix}`` default), and ip-ranges.json lists each
service's prefixes per Region (https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html).
The engine uses this when a world's DNS table does not name a hostname: the name then stands for every
address the service publishes in that Region (services ip-ranges.json does not list on their own are in
the ``AMAZON`` set, which contains every AWS address).
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from bench.aws.ipranges import IpRanges, shipped_ip_ranges
from bench.aws.regions import _endpoints, all_regions

# botocore endpoint prefix -> ip-ranges.json service, where ip-ranges lists the service on its own.
IP_RANGES_SERVICE = {
    "s3": "S3",
    "s3-control": "S3",
    "dynamodb": "DYNAMODB",
    "ec2": "EC2",
    "execute-api": "API_GATEWAY",
    "apigateway": "API_GATEWAY",
    "kinesisvideo": "KINESIS_VIDEO_STREAMS",
    "codebuild": "CODEBUILD",
    "ebs": "EBS",
    "elasticfilesystem": "EFS",
    "cloud9": "CLOUD9",
    "ec2-instance-connect": "EC2_INSTANCE_CONNECT",
    "appflow": "AMAZON_APPFLOW",
    "connect": "AMAZON_CONNECT",
    "dsql": "AURORA_DSQL",
    "workspaces": "WORKSPACES_GATEWAYS",
}
_PATTERN = re.compile(
    r"^(?:.+\.)?([a-z0-9-]+)\.([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d)\.(amazonaws\.com(?:\.cn)?|api\.aws)$"
)


@lru_cache(maxsize=1)
def _hosts() -> dict[str, tuple[str, str]]:
    """Every hostname botocore's endpoint data names -> (service endpoint prefix, Region): the default
    hostname and its variants (FIPS, dual-stack), per endpoint, per service and per partition."""
    out: dict[str, tuple[str, str]] = {}
    for part in _endpoints()["partitions"]:
        suffix = part["dnsSuffix"]
        defaults = part.get("defaults", {})
        default_host = defaults.get("hostname", "{service}.{region}.{dnsSuffix}")
        regions = set(part["regions"])
        for service, svc in sorted(part["services"].items()):
            templates = [
                (v["hostname"], v.get("dnsSuffix", suffix))
                for v in (*defaults.get("variants", ()), *svc.get("defaults", {}).get("variants", ()))
                if v.get("hostname")
            ]
            for region, ep in sorted(svc.get("endpoints", {}).items()):
                if region not in regions:
                    continue
                names = [
                    ep.get("hostname")
                    or default_host.format(service=service, region=region, dnsSuffix=suffix)
                ]
                names += [v["hostname"] for v in ep.get("variants", ()) if v.get("hostname")]
                names += [t.format(service=service, region=region, dnsSuffix=d) for t, d in templates]
                for host in names:
                    out.setdefault(host.lower(), (service, region))
    return out


@lru_cache(maxsize=1)
def _services() -> frozenset[str]:
    return frozenset(s for part in _endpoints()["partitions"] for s in part["services"])


def service_of_hostname(hostname: str) -> tuple[str, str] | None:
    """(botocore service endpoint prefix, Region) of an AWS endpoint hostname, or None.

    Exact botocore hostnames first; then ``[anything.]{service}.{region}.amazonaws.com`` (bucket-style
    and other virtual-host names included) when ``service`` is a botocore endpoint prefix."""
    host = hostname.strip().lower().rstrip(".")
    hit = _hosts().get(host)
    if hit is not None:
        return hit
    m = _PATTERN.match(host)
    if m and m.group(2) in all_regions() and m.group(1) in _services():
        return m.group(1), m.group(2)
    return None


def service_prefixes(
    hostname: str, ranges: IpRanges | None = None
) -> tuple[str, str, tuple[str, ...]] | None:
    """(service, Region, collapsed IPv4 prefixes) an AWS endpoint hostname resolves into, or None."""
    found = service_of_hostname(hostname)
    if found is None:
        return None
    service, region = found
    table = ranges or shipped_ip_ranges()
    wanted = IP_RANGES_SERVICE.get(service, "AMAZON")
    nets = {ipaddress.ip_network(p.prefix) for p in table.for_region(region, [wanted])}
    if not nets and wanted != "AMAZON":
        nets = {ipaddress.ip_network(p.prefix) for p in table.for_region(region, ["AMAZON"])}
    if not nets:
        return None
    return service, region, tuple(str(n) for n in ipaddress.collapse_addresses(sorted(nets)))  # type: ignore[arg-type]
