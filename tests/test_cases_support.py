"""Hand-made inputs for the case-corpus tests: a small field-test-shaped World and a toy analyzer.

The toy analyzer is a test double with a handful of fixed rules (not a reachability engine): it lets
the generator, gold and validation be tested for their own logic without depending on the reference
engine. Tests that need real verdicts use ``bench.engine`` and the built worlds, and skip when absent.
"""

from __future__ import annotations

from bench.model import BlockingComponent, Packet, Query, Verdict
from bench.world.model import (
    DbInstance,
    Instance,
    InternetGateway,
    NatGateway,
    NetworkInterface,
    Subnet,
    TransitGateway,
    Vpc,
    World,
)


def _subnet(sid: str, vpc: str, cidr: str, region: str, name: str) -> Subnet:
    return Subnet(
        id=sid,
        region=region,
        name=name,
        vpc_id=vpc,
        cidr=cidr,
        availability_zone=region + "a",
        route_table_id="rtb-" + sid[7:],
        network_acl_id="acl-" + sid[7:],
    )


def _instance(
    iid: str, name: str, subnet: Subnet, ip: str, public: str | None = None
) -> tuple[Instance, NetworkInterface]:
    eni = "eni-" + iid[2:]
    return (
        Instance(
            id=iid,
            region=subnet.region,
            name=name,
            vpc_id=subnet.vpc_id,
            subnet_id=subnet.id,
            eni_ids=(eni,),
            private_ip=ip,
            public_ip=public,
        ),
        NetworkInterface(
            id=eni,
            region=subnet.region,
            vpc_id=subnet.vpc_id,
            subnet_id=subnet.id,
            private_ips=(ip,),
            public_ip=public,
            attached_to=iid,
        ),
    )


def mini_world(name: str = "mini__nacl") -> World:
    pub = _subnet("subnet-0pub", "vpc-0lab", "10.0.0.0/24", "us-east-1", "lab-public-a")
    pa = _subnet("subnet-0pra", "vpc-0lab", "10.0.1.0/24", "us-east-1", "lab-private-a")
    pb = _subnet("subnet-0prb", "vpc-0lab", "10.0.2.0/24", "us-east-1", "lab-private-b")
    tk = _subnet("subnet-0tka", "vpc-0tok", "10.1.1.0/24", "ap-northeast-1", "tokyo-private-a")
    pairs = [
        _instance("i-0bastion", "bastion", pub, "10.0.0.10", "54.10.0.10"),
        _instance("i-0app1", "app-1", pa, "10.0.1.10"),
        _instance("i-0app2", "app-2", pb, "10.0.2.10"),
        _instance("i-0tokyo", "tokyo-app", tk, "10.1.1.10"),
    ]
    return World(
        name=name,
        account_id="123456789012",
        regions=("ap-northeast-1", "us-east-1"),
        vpcs={
            "vpc-0lab": Vpc(id="vpc-0lab", region="us-east-1", name="lab-vpc", cidrs=("10.0.0.0/16",)),
            "vpc-0tok": Vpc(id="vpc-0tok", region="ap-northeast-1", name="tokyo-vpc", cidrs=("10.1.0.0/16",)),
        },
        subnets={s.id: s for s in (pub, pa, pb, tk)},
        instances={i.id: i for i, _ in pairs},
        network_interfaces={e.id: e for _, e in pairs}
        | {
            "eni-0db": NetworkInterface(
                id="eni-0db",
                region="us-east-1",
                vpc_id="vpc-0lab",
                subnet_id=pb.id,
                private_ips=("10.0.2.20",),
                kind="rds",
                attached_to="orders-db",
            )
        },
        db_instances={
            "orders-db": DbInstance(
                id="orders-db",
                region="us-east-1",
                vpc_id="vpc-0lab",
                subnet_ids=(pa.id, pb.id),
                subnet_id=pb.id,
                eni_id="eni-0db",
                private_ip="10.0.2.20",
                port=5432,
                engine="postgres",
                endpoint_address="orders-db.abc123.us-east-1.rds.amazonaws.com",
            )
        },
        internet_gateways={
            "igw-0lab": InternetGateway(
                id="igw-0lab", region="us-east-1", name="lab-igw", vpc_ids=("vpc-0lab",)
            )
        },
        nat_gateways={
            "nat-0lab": NatGateway(
                id="nat-0lab",
                region="us-east-1",
                name="lab-nat",
                vpc_id="vpc-0lab",
                subnet_id=pub.id,
                eni_id="eni-0nat",
                private_ip="10.0.0.50",
                public_ip="54.10.0.50",
            )
        },
        transit_gateways={"tgw-0lab": TransitGateway(id="tgw-0lab", region="us-east-1", name="lab-tgw")},
        dns={"s3.ap-northeast-1.amazonaws.com": ("35.78.9.203",)},
    )


class ToyAnalyzer:
    """Fixed rules: unknown ids error; cross-Region, IPv6 not analysable under ra; pings into
    lab-private-b stopped by its ACL; 35.78.9.203 blackholed; everything else reachable."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.calls = 0

    def _known(self, ident: str) -> str | None:
        w = self.world
        for table in (
            w.instances,
            w.network_interfaces,
            w.db_instances,
            w.internet_gateways,
            w.nat_gateways,
            w.transit_gateways,
            w.vpcs,
            w.subnets,
        ):
            if ident in table:
                return table[ident].region
        return None

    def analyze(self, query: Query, profile: str = "truth") -> Verdict:
        self.calls += 1
        src_region = self._known(query.source)
        kind = query.destination_kind.value
        dst_region = self._known(query.destination) if kind == "resource" else None
        if src_region is None or (kind == "resource" and dst_region is None):
            return Verdict(profile=profile, error="engine:unknown_resource")  # type: ignore[arg-type]
        if profile == "ra":
            if ":" in query.destination:
                return Verdict(profile="ra", analysable=False, reason="ipv6")
            if dst_region and dst_region != src_region:
                return Verdict(profile="ra", analysable=False, reason="cross_region")
        dst = query.destination
        in_b = dst in ("i-0app2", "eni-0app2", "orders-db", "10.0.2.10", "subnet-0prb")
        if in_b and query.protocol == "icmp":
            return Verdict(
                profile=profile,
                reachable=False,
                explanation_code="SUBNET_ACL_RESTRICTION",  # type: ignore[arg-type]
                blocking_component=BlockingComponent(id="acl-0prb", type="network-acl", direction="ingress"),
            )
        if dst in ("35.78.9.203", "s3.ap-northeast-1.amazonaws.com") or ":" in dst:
            return Verdict(
                profile=profile,
                reachable=False,
                explanation_code="BAD_STATE_ROUTE",  # type: ignore[arg-type]
                blocking_component=BlockingComponent(id="rtb-0pra", type="route-table", direction="egress"),
            )
        proto = query.protocol if query.protocol != "any" else "tcp"
        return Verdict(
            profile=profile,
            reachable=True,  # type: ignore[arg-type]
            witness=Packet(src="10.0.1.10", dst="10.0.0.10", protocol=proto, port=query.port),
        )
