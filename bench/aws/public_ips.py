"""Public addresses a world may hold, drawn from the shipped AWS ip-ranges of the world's Region.

AWS gives instances, Elastic IPs and NAT gateways addresses from the Region's EC2 ranges, and resolves
``s3.<region>.amazonaws.com`` to addresses in the Region's S3 ranges (the ones its gateway-endpoint prefix
list holds). moto hands out 127.x.x.x and 54.214.x.x (a us-west-2 block) instead, and the synthetic
generator needs realistic addresses too, so both draw from here. Pools avoid EC2 prefixes that also belong
to another service (an S3 or CloudFront block listed under EC2 as well): a NAT gateway's address must not
sit inside the S3 prefix list, or a question about it would be answered through the S3 endpoint.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from functools import cache, lru_cache

from bench.aws.ipranges import shipped_ip_ranges

_GENERIC = {"AMAZON", "EC2"}

Net = ipaddress.IPv4Network


def _nets(region: str, services: Iterable[str]) -> list[Net]:
    nets = {
        ipaddress.ip_network(p.prefix)
        for p in shipped_ip_ranges().for_region(region, list(services))
        if ":" not in p.prefix
    }
    return sorted(nets, key=lambda n: (int(n.network_address), n.prefixlen))  # type: ignore[arg-type,return-value]


@lru_cache(maxsize=1)
def _other_service_nets() -> tuple[Net, ...]:
    """Every IPv4 prefix published for a specific service (not the AMAZON/EC2 catch-alls), any Region."""
    nets = {
        ipaddress.ip_network(p.prefix)
        for p in shipped_ip_ranges().prefixes
        if p.service not in _GENERIC and ":" not in p.prefix
    }
    return tuple(sorted(nets, key=lambda n: (int(n.network_address), n.prefixlen)))  # type: ignore[arg-type]


@cache
def region_ec2_nets(region: str) -> tuple[Net, ...]:
    """All of the Region's published EC2 prefixes (what "an address of this Region" means)."""
    return tuple(_nets(region, ["EC2"]))


@cache
def ec2_only_nets(region: str) -> tuple[Net, ...]:
    """The Region's EC2 prefixes that overlap no other service's prefix; all EC2 prefixes if none do."""
    ec2 = region_ec2_nets(region)
    if not ec2:
        raise ValueError(f"the shipped ip-ranges have no EC2 prefixes for Region {region!r}")
    others = _other_service_nets()
    clean = tuple(n for n in ec2 if not any(n.overlaps(o) for o in others))
    return clean or ec2


def in_region_ec2(region: str, address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in n for n in region_ec2_nets(region))


def public_dns_name(region: str, address: str) -> str:
    """The public DNS name EC2 gives an address (``compute-1`` in us-east-1, else ``<region>.compute``)."""
    dashed = address.replace(".", "-")
    if region == "us-east-1":
        return f"ec2-{dashed}.compute-1.amazonaws.com"
    return f"ec2-{dashed}.{region}.compute.amazonaws.com"


class PublicPool:
    """Usable public addresses of one Region's EC2-only prefixes, indexable and drawn without repeats.

    Addresses ending in .0 or .255 are skipped (valid, but no one would call them typical).
    """

    def __init__(self, region: str, used: Iterable[str] = ()) -> None:
        self.region = region
        self.nets = ec2_only_nets(region)
        self.size = sum(n.num_addresses for n in self.nets)
        self.used = set(used)

    def _at(self, index: int) -> str:
        index %= self.size
        for net in self.nets:
            if index < net.num_addresses:
                return str(net.network_address + index)
            index -= net.num_addresses
        raise AssertionError("unreachable")  # pragma: no cover

    def take(self, index: int) -> str:
        """The first free usable address at or after ``index`` (wrapping), marked used."""
        for step in range(self.size):
            address = self._at(index + step)
            if address.endswith((".0", ".255")) or address in self.used:
                continue
            self.used.add(address)
            return address
        raise ValueError(f"no free public address left in {self.region}'s EC2 ranges")

    def for_key(self, key: str) -> str:
        """A stable address for ``key`` (the same key gives the same address in every build)."""
        digest = hashlib.sha256(f"{self.region}|{key}".encode()).digest()
        return self.take(int.from_bytes(digest[:8], "big"))


def service_addresses(
    region: str, service: str, n: int = 3, within: Iterable[str] | None = None
) -> list[str]:
    """``n`` stable addresses of ``service`` (S3, DYNAMODB) in ``region``, as its hostname resolves.

    Drawn from the service's prefixes that are not EC2 blocks too (AWS's S3 front ends sit in
    52.216.0.0/15, 54.231.0.0/16, ...) and, given ``within`` (a prefix list's CIDRs), inside it: a
    hostname must resolve into the list its gateway endpoint routes. Largest prefixes first, the 11th
    address of each.
    """
    nets = _nets(region, [service])
    if within is not None:
        allowed = [ipaddress.ip_network(c) for c in within if ":" not in c]
        nets = [net for net in nets if any(net.subnet_of(a) for a in allowed)]  # type: ignore[arg-type]
    ec2 = region_ec2_nets(region)
    preferred = [net for net in nets if not any(net.overlaps(e) for e in ec2)] or nets
    preferred = [net for net in preferred if net.num_addresses > 16] or preferred
    preferred.sort(key=lambda net: (net.prefixlen, int(net.network_address)))
    return [str(net.network_address + min(10, net.num_addresses - 2)) for net in preferred[:n]]


def collapsed(region: str, service: str) -> list[str]:
    """The Region's prefixes of ``service``, collapsed and sorted (an AWS-managed prefix list's entries)."""
    return [str(n) for n in ipaddress.collapse_addresses(_nets(region, [service]))]
