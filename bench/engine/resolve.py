"""Turning the strings of a query into things in the world.

Resources are named the way users and translators name them: by id (EC2 ids, an RDS
DBInstanceIdentifier, an Auto Scaling group name, a Lambda/ECS ARN) or, when no id matches, by an exact
Name tag. A Name tag that several resources share is resolved in the query's Region first, then by type
(instance before interface before the rest) and id, so the choice is deterministic; the CLI needs names
because that is what people type.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from bench.aws.endpoints import service_prefixes
from bench.engine.addrset import PUBLIC, AddrSet, ip_int
from bench.engine.index import WorldIndex
from bench.model.resources import ResourceType, resource_type_of_id
from bench.world.model import NetworkInterface

# World mapping -> the query language's resource type, in Name-tag preference order.
KIND_TYPES: tuple[tuple[str, ResourceType], ...] = (
    ("instances", ResourceType.INSTANCE),
    ("network_interfaces", ResourceType.NETWORK_INTERFACE),
    ("db_instances", ResourceType.DB_INSTANCE),
    ("autoscaling_groups", ResourceType.AUTOSCALING_GROUP),
    ("internet_gateways", ResourceType.INTERNET_GATEWAY),
    ("nat_gateways", ResourceType.NAT_GATEWAY),
    ("transit_gateways", ResourceType.TRANSIT_GATEWAY),
    ("transit_gateway_attachments", ResourceType.TRANSIT_GATEWAY_ATTACHMENT),
    ("vpn_gateways", ResourceType.VPN_GATEWAY),
    ("vpcs", ResourceType.VPC),
    ("vpc_endpoints", ResourceType.VPC_ENDPOINT),
    ("vpc_peering_connections", ResourceType.VPC_PEERING_CONNECTION),
    ("subnets", ResourceType.SUBNET),
)
_KIND_ORDER = {k: i for i, (k, _) in enumerate(KIND_TYPES)}
_TYPE_OF_KIND = dict(KIND_TYPES)


class QueryError(Exception):
    """A query the engine cannot evaluate; ``reason`` becomes ``Verdict.error = engine:<reason>``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class Resolved:
    """One endpoint of a query: a resource (with its interfaces) or an address."""

    rtype: str  # a ResourceType value, or "address"
    ident: str
    region: str | None
    obj: Any = None
    enis: list[NetworkInterface] = field(default_factory=list)
    address: AddrSet | None = None


def is_ipv6(text: str | None) -> bool:
    if not text or ":" not in text:
        return False
    try:
        return ipaddress.ip_network(text.strip(), strict=False).version == 6
    except ValueError:
        return False


def find_resource(ix: WorldIndex, text: str, region: str) -> Resolved:
    """Resolve an id (or exact Name tag) to a resource; QueryError when unknown or unsupported."""
    w = ix.world
    for kind, rtype in KIND_TYPES:
        obj = getattr(w, kind).get(text)
        if obj is not None:
            return _resolved(ix, rtype, obj)
    other = w.other_resources.get(text)
    announced = resource_type_of_id(text)
    if other is not None or announced in (ResourceType.LAMBDA_FUNCTION, ResourceType.ECS_TASK):
        rtype = other.resource_type if other is not None else str(announced)
        raise QueryError(
            "unsupported_type", f"{text} is a {rtype}, which reachability analysis does not cover"
        )
    if announced is not None and announced not in {t for _, t in KIND_TYPES}:
        raise QueryError("unsupported_type", f"{text} is a {announced}, not a source or destination")
    hits = ix.names.get(text, [])
    if hits:
        hits = sorted(hits, key=lambda h: (h[0] != region, _KIND_ORDER.get(h[1], 99), h[2]))
        _, kind, ident = hits[0]
        if kind == "other_resources":
            raise QueryError("unsupported_type", f"{text} names a {w.other_resources[ident].resource_type}")
        return _resolved(ix, _TYPE_OF_KIND[kind], getattr(w, kind)[ident])
    raise QueryError("unknown_resource", f"no resource with id or Name tag {text!r} in world {w.name}")


def _resolved(ix: WorldIndex, rtype: ResourceType, obj: Any) -> Resolved:
    w = ix.world
    enis: list[NetworkInterface] = []
    if rtype is ResourceType.INSTANCE:
        enis = [w.network_interfaces[e] for e in obj.eni_ids if e in w.network_interfaces]
        if not enis:
            enis = [
                _virtual_eni(
                    obj.id,
                    obj.region,
                    obj.vpc_id,
                    obj.subnet_id,
                    obj.private_ip,
                    obj.group_ids,
                    obj.public_ip,
                    "instance",
                )
            ]
    elif rtype is ResourceType.NETWORK_INTERFACE:
        enis = [obj]
    elif rtype is ResourceType.DB_INSTANCE:
        eni = w.network_interfaces.get(obj.eni_id)
        enis = (
            [eni]
            if eni
            else [
                _virtual_eni(
                    obj.id, obj.region, obj.vpc_id, obj.subnet_id, obj.private_ip, obj.group_ids, None, "rds"
                )
            ]
        )
    elif rtype is ResourceType.AUTOSCALING_GROUP:
        for iid in sorted(obj.instance_ids):
            inst = w.instances.get(iid)
            if inst is not None:
                enis.extend(w.network_interfaces[e] for e in inst.eni_ids if e in w.network_interfaces)
    elif rtype is ResourceType.NAT_GATEWAY:
        eni = w.network_interfaces.get(obj.eni_id)
        enis = [eni] if eni else []
    elif rtype is ResourceType.VPC_ENDPOINT and obj.endpoint_type == "Interface":
        enis = [w.network_interfaces[e] for e in obj.eni_ids if e in w.network_interfaces]
    elif rtype is ResourceType.SUBNET:
        enis = [e for e in ix.enis_in_subnet.get(obj.id, ()) if _is_host(e)]
    elif rtype is ResourceType.VPC:
        enis = [e for e in ix.enis_in_vpc.get(obj.id, ()) if _is_host(e)]
    return Resolved(str(rtype), obj.id, obj.region, obj, enis)


def _is_host(eni: NetworkInterface) -> bool:
    return eni.kind in ("instance", "rds", "other", "vpc_endpoint")


def _virtual_eni(
    owner: str,
    region: str,
    vpc: str,
    subnet: str,
    ip: str,
    groups: tuple[str, ...],
    public: str | None,
    kind: str,
) -> NetworkInterface:
    """An interface for a resource whose snapshot lacks one (moto gives RDS none)."""
    return NetworkInterface(
        id=f"{owner}:eni",
        region=region,
        vpc_id=vpc,
        subnet_id=subnet,
        private_ips=(ip,),
        public_ip=public,
        group_ids=groups,
        kind=kind,
        attached_to=owner,
    )  # type: ignore[arg-type]


def resolve_address(ix: WorldIndex, text: str, region: str) -> Resolved:
    """An IPv4 address as an endpoint: the interface holding it in the Region, or an outside address."""
    value = ip_int(text)
    owners = sorted(ix.enis_by_ip.get(value, ()), key=lambda e: (e.region != region, e.vpc_id, e.id))
    if owners:
        eni = owners[0]
        return Resolved("address", text, eni.region, eni, [eni], AddrSet.single(value))
    eni = ix.eni_by_public.get(value)
    if eni is not None:
        return Resolved("address", text, eni.region, eni, [eni], AddrSet.single(value))
    return Resolved("address", text, None, None, [], AddrSet.single(value))


def resolve_fqdn(ix: WorldIndex, name: str) -> AddrSet:
    """A hostname's addresses: the world's DNS table, else, for an AWS service endpoint
    (``{service}.{region}.amazonaws.com`` and the other forms in botocore's endpoint data), every prefix
    ip-ranges.json publishes for that service in that Region (``bench.aws.endpoints``)."""
    addrs = ix.dns.get(name.strip().lower().rstrip("."))
    if addrs is None:
        found = service_prefixes(name)
        if found is not None:
            return AddrSet.of_cidrs(found[2])
        raise QueryError("unknown_resource", f"hostname {name!r} is not in the world's DNS table")
    v4 = [a for a in addrs if ":" not in a]
    if not v4:
        raise QueryError("ipv6_not_modelled", f"hostname {name!r} has only IPv6 addresses")
    return AddrSet((ip_int(a), ip_int(a)) for a in v4)


def private_dns(ix: WorldIndex, name: str, vpc_ids: set[str]) -> AddrSet | None:
    """The addresses of ``name`` as resolved inside ``vpc_ids`` when an interface endpoint there has
    private DNS for it, else None (the public resolution applies).

    With private DNS enabled, the service's default hostname (``sts.us-east-1.amazonaws.com``) resolves,
    inside the endpoint's VPC, to the endpoint's network interfaces
    (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html, "Private
    DNS"). The snapshot lists that hostname among the endpoint's DNS entries (the endpoint's own names
    end in ``.vpce.amazonaws.com``); a leading ``*.`` entry covers the names below it. A source in
    several VPCs resolves per VPC: every VPC's answer counts (existential), the public one for VPCs
    without such an endpoint."""
    host = name.strip().lower().rstrip(".")
    found: dict[str, AddrSet] = {}
    for ep in ix.world.vpc_endpoints.values():
        if ep.endpoint_type != "Interface" or ep.vpc_id not in vpc_ids or not ep.eni_ids:
            continue
        for entry in ep.dns_names:
            entry = entry.lower().rstrip(".")
            if entry.endswith(".vpce.amazonaws.com"):
                continue
            if entry == host or (entry.startswith("*.") and host.endswith(entry[1:])):
                enis = [
                    ix.world.network_interfaces[e] for e in ep.eni_ids if e in ix.world.network_interfaces
                ]
                addrs = AddrSet((ip_int(a), ip_int(a)) for e in enis for a in e.private_ips if ":" not in a)
                found[ep.vpc_id] = found.get(ep.vpc_id, AddrSet()) | addrs
                break
    if not found:
        return None
    out = AddrSet()
    for addrs in found.values():
        out = out | addrs
    if set(found) != vpc_ids:
        try:
            out = out | resolve_fqdn(ix, name)
        except QueryError:
            pass
    return out


def private_dns_for(ix: WorldIndex, q: Any, subnets: frozenset[str]) -> AddrSet | None:
    """``q.destination`` (a hostname) as the source's subnets' VPCs resolve it (``private_dns``), narrowed
    by ``q.destination_ip``; None keeps the world's DNS table / public resolution."""
    vpcs = {ix.world.subnets[s].vpc_id for s in subnets if s in ix.world.subnets}
    if not vpcs:
        return None
    try:
        find_resource(ix, q.destination, "")
        return None  # a resource's name, not a hostname
    except QueryError:
        pass
    found = private_dns(ix, q.destination, vpcs)
    if found is not None and q.destination_ip:
        found = found & AddrSet.single(ip_int(q.destination_ip))
        if not found:
            raise QueryError("bad_query", f"{q.destination_ip} is not an address of {q.destination}")
    return found


def eni_addresses(enis: list[NetworkInterface], ix: WorldIndex) -> AddrSet:
    vals: list[int] = []
    for e in enis:
        vals.extend(ip_int(a) for a in e.private_ips if ":" not in a)
        pub = e.public_ip
        nat = ix.nat_by_eni.get(e.id)
        if nat is not None and nat.public_ip:
            pub = nat.public_ip
        if pub:
            vals.append(ip_int(pub))
    return AddrSet((v, v) for v in vals)


__all__ = [
    "private_dns",
    "private_dns_for",
    "PUBLIC",
    "QueryError",
    "Resolved",
    "eni_addresses",
    "find_resource",
    "is_ipv6",
    "resolve_address",
    "resolve_fqdn",
]
