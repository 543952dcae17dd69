"""What a query's endpoints denote in a world: the thing named, whatever the spelling.

An endpoint can be written many ways. An instance, its network interfaces, their private and public
addresses and a hostname that resolves to them all name one host; an RDS instance, its interface, its
address and its endpoint hostname all name one database. ``denote`` resolves a query slot (a resource id
or Name tag, an address, a CIDR or a hostname, with the optional ``*_ip`` narrowing) to a
``Denotation``:

- ``key`` is the identity two spellings share when they name the same endpoint:
  ``enis:<id,...>`` for anything that sends or receives through interfaces (instance, ENI, RDS instance,
  Auto Scaling group, interface endpoint, NAT gateway, and an address or hostname held by interfaces),
  ``addresses:<cidr,...>`` for an address set no interface holds (an outside address, a CIDR, a hostname
  of the Internet, a subnet or a VPC: these are their address ranges), ``component:<id>`` for a gateway
  given without an address (internet, virtual private and transit gateways, attachments, peering
  connections, gateway endpoints), ``service:<host>`` for an AWS service hostname the world's DNS table
  does not list, and ``unresolved:<text>`` for what the world does not have;
- ``addresses`` is the address set (sorted CIDRs; empty for an address-less gateway), which the scorers
  compare for the destination scope (equal / wider / narrower / overlapping / disjoint);
- ``region`` is where the endpoint is (the resource's Region, the interface holding the address, the
  Region of an AWS endpoint hostname or published address).

The rules follow the documentation of each resource: an instance's interfaces and their addresses
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html), an RDS instance's endpoint that
resolves to the address of its interface in the VPC
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html), a NAT
gateway's interface and Elastic IP (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html),
an interface endpoint's interfaces (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html)
and a Reachability Analyzer path to a gateway narrowed by a destination address
(https://docs.aws.amazon.com/vpc/latest/reachability/how-reachability-analyzer-works.html).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from bench.engine.addrset import AddrSet, ip_int
from bench.engine.index import WorldIndex
from bench.engine.resolve import QueryError, find_resource, resolve_address
from bench.model.query import DestinationKind, Query, destination_kind
from bench.model.resources import ResourceType

# Types denoted by the interfaces they send and receive through.
_HOST_TYPES = frozenset(
    {
        ResourceType.INSTANCE,
        ResourceType.NETWORK_INTERFACE,
        ResourceType.DB_INSTANCE,
        ResourceType.AUTOSCALING_GROUP,
        ResourceType.NAT_GATEWAY,
        ResourceType.VPC_ENDPOINT,
    }
)
# Types denoted by their address ranges.
_RANGE_TYPES = frozenset({ResourceType.SUBNET, ResourceType.VPC})


@dataclass(frozen=True)
class Denotation:
    """What one endpoint slot denotes (see the module docstring for the key forms)."""

    key: str
    kind: str  # the resource type, or "address", "cidr", "hostname", "unresolved"
    addresses: tuple[str, ...] = ()
    region: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind, "addresses": list(self.addresses), "region": self.region}


def _eni_key(eni_ids: set[str] | frozenset[str]) -> str:
    return "enis:" + ",".join(sorted(eni_ids))


def _addr_key(addresses: AddrSet) -> str:
    return "addresses:" + ",".join(addresses.cidrs())


def _addresses_of_enis(ix: WorldIndex, enis: list[Any]) -> AddrSet:
    vals: list[int] = []
    for e in enis:
        vals.extend(ip_int(a) for a in e.private_ips if ":" not in a)
        nat = ix.nat_by_eni.get(e.id)
        public = nat.public_ip if nat is not None and nat.public_ip else e.public_ip
        if public:
            vals.append(ip_int(public))
    return AddrSet((v, v) for v in vals)


def _published_region(ix: WorldIndex, value: int) -> str | None:
    found = ix.region_range(value)
    if found is None:
        return None
    region = found.split()[1]
    return None if region == "GLOBAL" else region


def _of_addresses(ix: WorldIndex, values: list[int], region: str, kind: str) -> Denotation:
    """A set of single addresses: the interfaces holding them when all are held, else the addresses."""
    enis: set[str] = set()
    regions: set[str] = set()
    held = True
    for v in values:
        res = resolve_address(ix, _int_ip(v), region)
        if res.enis:
            enis.add(res.enis[0].id)
            if res.region:
                regions.add(res.region)
        else:
            held = False
            published = _published_region(ix, v)
            if published:
                regions.add(published)
    addresses = AddrSet((v, v) for v in values)
    the_region = sorted(regions)[0] if len(regions) == 1 else None
    if held and enis:
        return Denotation(_eni_key(enis), kind, addresses.cidrs(), the_region)
    return Denotation(_addr_key(addresses), kind, addresses.cidrs(), the_region)


def _int_ip(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


def denote(ix: WorldIndex, text: str, ip: str | None, region: str) -> Denotation:
    """The denotation of one endpoint slot (``text`` plus its optional ``*_ip`` narrowing); never raises."""
    try:
        return _denote(ix, text.strip(), ip.strip() if ip else None, region)
    except (QueryError, ValueError):
        return Denotation(f"unresolved:{text.strip().lower()}|{ip or ''}", "unresolved", (), None)


def _denote(ix: WorldIndex, text: str, ip: str | None, region: str) -> Denotation:
    if ip is not None and ":" not in ip:
        # A resource narrowed to one of its addresses (or a gateway narrowed to an address beyond it)
        # denotes that address.
        inner = _denote(ix, text, None, region)
        value = ip_int(ip)
        if inner.addresses and not AddrSet.of_cidrs(inner.addresses).contains(value):
            return Denotation(f"unresolved:{text.lower()}|{ip}", "unresolved", (), None)
        return _of_addresses(ix, [value], region, inner.kind)
    kind = destination_kind(text)
    if kind is DestinationKind.IP and ":" not in text:
        return _of_addresses(ix, [ip_int(text)], region, "address")
    if kind is DestinationKind.CIDR and ":" not in text:
        net = ipaddress.ip_network(text, strict=False)
        if net.num_addresses == 1:
            return _of_addresses(ix, [int(net.network_address)], region, "address")
        addresses = AddrSet.of_cidrs([str(net)])
        published = _published_region(ix, int(net.network_address))
        return Denotation(_addr_key(addresses), "cidr", addresses.cidrs(), published)
    if kind is DestinationKind.FQDN and not _is_resource(ix, text):
        return _hostname(ix, text, region)
    if kind in (DestinationKind.IP, DestinationKind.CIDR):  # IPv6: not modelled, compared as written
        return Denotation(f"addresses:{ipaddress.ip_network(text, strict=False)}", "address", (), None)
    res = find_resource(ix, text, region)
    rtype = ResourceType(res.rtype)
    if rtype in _HOST_TYPES and res.enis:
        addresses = _addresses_of_enis(ix, res.enis)
        return Denotation(_eni_key({e.id for e in res.enis}), str(rtype), addresses.cidrs(), res.region)
    if rtype in _RANGE_TYPES:
        if rtype is ResourceType.SUBNET:
            addresses = AddrSet.of_cidrs([res.obj.cidr])
        else:
            addresses = ix.vpc_set.get(res.ident, AddrSet())
        return Denotation(_addr_key(addresses), str(rtype), addresses.cidrs(), res.region)
    ids = {res.ident}
    if rtype is ResourceType.TRANSIT_GATEWAY_ATTACHMENT and getattr(res.obj, "peer_attachment_id", None):
        ids.add(res.obj.peer_attachment_id)
    return Denotation("component:" + ",".join(sorted(ids)), str(rtype), (), res.region)


def _is_resource(ix: WorldIndex, text: str) -> bool:
    try:
        find_resource(ix, text, "")
        return True
    except QueryError:
        return False


def _hostname(ix: WorldIndex, text: str, region: str) -> Denotation:
    name = text.lower().rstrip(".")
    addrs = ix.dns.get(name)
    if addrs is None:
        from bench.aws.regions import region_from_hostname

        service_region = region_from_hostname(name)
        if service_region is not None:
            # An AWS service endpoint the world's DNS table does not list: known by name only.
            return Denotation(f"service:{name}", "hostname", (), service_region)
        return Denotation(f"unresolved:{name}|", "unresolved", (), None)
    values = [ip_int(a) for a in addrs if ":" not in a]
    if not values:
        return Denotation(f"unresolved:{name}|", "unresolved", (), None)
    found = _of_addresses(ix, values, region, "hostname")
    if found.region is None:
        from bench.aws.regions import region_from_hostname

        found = Denotation(found.key, found.kind, found.addresses, region_from_hostname(name))
    return found


def query_denotation(ix: WorldIndex, query: Query) -> dict[str, Denotation]:
    """``{"source": ..., "destination": ...}`` for one query in one world."""
    return {
        "source": denote(ix, query.source, query.source_ip, query.region),
        "destination": denote(ix, query.destination, query.destination_ip, query.region),
    }


__all__ = ["Denotation", "denote", "query_denotation"]
