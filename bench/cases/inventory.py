"""What a console assistant sees of a world: the inventory in a case's context, and the endpoints.

The inventory is deliberately what the AWS console shows for a resource (id, type, Name tag, Region,
VPC, subnet, addresses, DNS names) and never the rules (security groups, ACLs, routes): a translator
must resolve names and addresses to resources, not decide reachability. It spans every Region of the
account, because a console user's question can name a resource anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.aws.public_ips import public_dns_name
from bench.cases.schema import InventoryItem
from bench.model import ResourceType
from bench.world.model import World


def private_dns_name(ip: str, region: str) -> str:
    """The EC2 private IP DNS name AWS assigns (``ip-10-0-1-10.ec2.internal`` in us-east-1)."""
    host = "ip-" + ip.replace(".", "-")
    return f"{host}.ec2.internal" if region == "us-east-1" else f"{host}.{region}.compute.internal"


@dataclass(frozen=True)
class Endpoint:
    """One resource a question can name, with everything needed to refer to it in several ways."""

    id: str
    type: str
    region: str
    name: str | None = None
    vpc_id: str | None = None
    subnet_id: str | None = None
    private_ips: tuple[str, ...] = ()
    public_ips: tuple[str, ...] = ()
    dns_names: tuple[str, ...] = ()
    eni_id: str | None = None  # the primary ENI of an instance / the DB's ENI
    owner_id: str | None = None  # for an ENI: the instance it is the primary interface of
    in_default_vpc: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    def item(self) -> InventoryItem:
        return InventoryItem(
            id=self.id,
            type=self.type,
            name=self.name,
            region=self.region,
            vpc_id=self.vpc_id,
            subnet_id=self.subnet_id,
            private_ips=self.private_ips,
            public_ips=self.public_ips,
            dns_names=self.dns_names,
            tags=dict(sorted(self.tags.items())),
        )


def _default_vpcs(world: World) -> set[str]:
    return {v.id for v in world.vpcs.values() if v.is_default}


def endpoints(world: World) -> list[Endpoint]:
    """Every nameable resource of the world, sorted by (Region, type, id) so that order is stable."""
    dflt = _default_vpcs(world)
    out: list[Endpoint] = []
    primary_eni = {i.eni_ids[0]: i.id for i in world.instances.values() if i.eni_ids}

    def add(res: Any, rtype: ResourceType | str, **kw: Any) -> None:
        """One endpoint of ``res``: its id, Region, Name tag and tags, plus the fields given."""
        vpc = kw.get("vpc_id")
        kind = rtype.value if isinstance(rtype, ResourceType) else rtype
        out.append(
            Endpoint(
                id=res.id,
                type=kind,
                region=res.region,
                name=res.name,
                tags=res.tags,
                in_default_vpc=vpc in dflt,
                **kw,
            )
        )

    for i in world.instances.values():
        pub = (i.public_ip,) if i.public_ip else ()
        dns = (private_dns_name(i.private_ip, i.region),) + tuple(public_dns_name(i.region, p) for p in pub)
        add(
            i,
            ResourceType.INSTANCE,
            vpc_id=i.vpc_id,
            subnet_id=i.subnet_id,
            private_ips=(i.private_ip,),
            public_ips=pub,
            dns_names=dns,
            eni_id=i.eni_ids[0] if i.eni_ids else None,
        )
    for e in world.network_interfaces.values():
        add(
            e,
            ResourceType.NETWORK_INTERFACE,
            vpc_id=e.vpc_id,
            subnet_id=e.subnet_id,
            private_ips=e.private_ips,
            public_ips=(e.public_ip,) if e.public_ip else (),
            owner_id=primary_eni.get(e.id),
        )
    for d in world.db_instances.values():
        add(
            d,
            ResourceType.DB_INSTANCE,
            vpc_id=d.vpc_id,
            subnet_id=d.subnet_id,
            private_ips=(d.private_ip,),
            dns_names=(d.endpoint_address,) if d.endpoint_address else (),
            eni_id=d.eni_id,
        )
    for a in world.autoscaling_groups.values():
        vpc = (
            world.subnets[a.subnet_ids[0]].vpc_id
            if a.subnet_ids and a.subnet_ids[0] in world.subnets
            else None
        )
        add(a, ResourceType.AUTOSCALING_GROUP, vpc_id=vpc)
    for g in world.internet_gateways.values():
        add(g, ResourceType.INTERNET_GATEWAY, vpc_id=g.vpc_ids[0] if g.vpc_ids else None)
    for n in world.nat_gateways.values():
        add(
            n,
            ResourceType.NAT_GATEWAY,
            vpc_id=n.vpc_id,
            subnet_id=n.subnet_id,
            private_ips=(n.private_ip,),
            public_ips=(n.public_ip,) if n.public_ip else (),
        )
    for t in world.transit_gateways.values():
        add(t, ResourceType.TRANSIT_GATEWAY)
    for a in world.transit_gateway_attachments.values():
        add(
            a,
            ResourceType.TRANSIT_GATEWAY_ATTACHMENT,
            vpc_id=a.resource_id if a.resource_type == "vpc" else None,
        )
    for v in world.vpn_gateways.values():
        add(v, ResourceType.VPN_GATEWAY, vpc_id=v.vpc_ids[0] if v.vpc_ids else None)
    for v in world.vpcs.values():
        add(v, ResourceType.VPC, vpc_id=v.id)
    for e in world.vpc_endpoints.values():
        add(e, ResourceType.VPC_ENDPOINT, vpc_id=e.vpc_id, dns_names=e.dns_names)
    for p in world.vpc_peering_connections.values():
        add(p, ResourceType.VPC_PEERING_CONNECTION, vpc_id=p.requester_vpc_id)
    for s in world.subnets.values():
        add(s, ResourceType.SUBNET, vpc_id=s.vpc_id, subnet_id=s.id)
    for o in world.other_resources.values():
        add(
            o,
            o.resource_type,
            vpc_id=o.vpc_id,
            subnet_id=o.subnet_ids[0] if o.subnet_ids else None,
            private_ips=o.private_ips,
        )
    out.sort(key=lambda e: (e.region, e.type, e.id))
    return out


def inventory(world: World) -> tuple[InventoryItem, ...]:
    """The context inventory of a world: every endpoint as the console shows it."""
    return tuple(e.item() for e in endpoints(world))


def home_region(world: World) -> str:
    """The Region the console is open in: the one with most instances (ties: first by name)."""
    counts = {r: 0 for r in world.regions}
    for i in world.instances.values():
        counts[i.region] = counts.get(i.region, 0) + 1
    if not counts:
        return "us-east-1"
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def equivalents_of(ep: Endpoint) -> tuple[str, ...]:
    """Other ids naming the same endpoint, where a reviewer would accept either (instance <-> its ENI)."""
    if ep.type == ResourceType.INSTANCE.value and ep.eni_id:
        return (ep.eni_id,)
    if ep.type == ResourceType.NETWORK_INTERFACE.value and ep.owner_id:
        return (ep.owner_id,)
    if ep.type == ResourceType.DB_INSTANCE.value and ep.eni_id:
        return (ep.eni_id,)
    return ()
