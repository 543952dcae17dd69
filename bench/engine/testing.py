"""Hand-built worlds for tests and examples: a small builder and the field test's network.

Shipped in the package (like a mock transport) so that the engine's tests, its cross-check and anyone
writing a scorer can build a World in a few lines without a snapshot or moto. The field-test world here
is written from the scenario's description, independently of the moto builder, so pinning verdicts on
both catches a mistake in either.
"""

from __future__ import annotations

from typing import Any

from bench.world.model import (
    Instance,
    InternetGateway,
    IpRange,
    NaclEntry,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    PrefixList,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    TgwRoute,
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRouteTable,
    Vpc,
    VpcEndpoint,
    World,
)


def allow_all_acl(acl_id: str, region: str, vpc_id: str, subnet_ids: tuple[str, ...] = ()) -> NetworkAcl:
    """A default network ACL as AWS creates it: rule 100 allow all, then the 32767 deny."""
    entries = []
    for egress in (False, True):
        entries.append(
            NaclEntry(rule_number=100, egress=egress, protocol="all", cidr="0.0.0.0/0", action="allow")
        )
        entries.append(
            NaclEntry(rule_number=32767, egress=egress, protocol="all", cidr="0.0.0.0/0", action="deny")
        )
    return NetworkAcl(
        id=acl_id,
        region=region,
        vpc_id=vpc_id,
        entries=tuple(entries),
        subnet_ids=subnet_ids,
        is_default=True,
    )


class WorldBuilder:
    """Accumulates resources by kind; ``build()`` returns the frozen World."""

    def __init__(self, name: str = "test", regions: tuple[str, ...] = ("us-east-1",)) -> None:
        self.name = name
        self.regions = regions
        self.kinds: dict[str, dict[str, Any]] = {}
        self.extra: dict[str, Any] = {}

    def add(self, kind: str, *objs: Any) -> WorldBuilder:
        bucket = self.kinds.setdefault(kind, {})
        for obj in objs:
            bucket[obj.id] = obj
        return self

    def instance(
        self,
        iid: str,
        region: str,
        vpc: str,
        subnet: str,
        ip: str,
        groups: tuple[str, ...],
        public_ip: str | None = None,
        name: str | None = None,
    ) -> WorldBuilder:
        eni = f"eni-{iid[2:]}"
        self.add(
            "network_interfaces",
            NetworkInterface(
                id=eni,
                region=region,
                vpc_id=vpc,
                subnet_id=subnet,
                private_ips=(ip,),
                public_ip=public_ip,
                group_ids=groups,
                kind="instance",
                attached_to=iid,
                name=name,
            ),
        )
        return self.add(
            "instances",
            Instance(
                id=iid,
                region=region,
                vpc_id=vpc,
                subnet_id=subnet,
                eni_ids=(eni,),
                private_ip=ip,
                public_ip=public_ip,
                group_ids=groups,
                name=name,
            ),
        )

    def build(self) -> World:
        return World(
            name=self.name, account_id="123456789012", regions=self.regions, **self.kinds, **self.extra
        )


def _sg(gid: str, region: str, vpc: str, name: str, ingress: tuple[SgRule, ...]) -> SecurityGroup:
    return SecurityGroup(
        id=gid,
        region=region,
        vpc_id=vpc,
        group_name=name,
        name=name,
        ingress=ingress,
        egress=(SgRule(protocol="all", cidrs=("0.0.0.0/0",)),),
    )


TOKYO_RANGES = ("35.72.0.0/13", "52.192.0.0/11", "13.112.0.0/14")


def field_test_world(fault: str = "baseline") -> World:
    """The field test's network (issue 3, item 5), with ``fault`` in baseline | nacl-all |
    tokyo-blackhole | tgw-peering-cut | combined applied as the FIS actions would."""
    faults = {"nacl-all", "tokyo-blackhole", "tgw-peering-cut"} if fault == "combined" else {fault}
    va, tk = "us-east-1", "ap-northeast-1"
    b = WorldBuilder(f"field-test__{fault}", (va, tk))
    b.add(
        "vpcs",
        Vpc(id="vpc-lab", region=va, cidrs=("10.0.0.0/16",), name="lab-vpc"),
        Vpc(id="vpc-tokyo", region=tk, cidrs=("10.1.0.0/16",), name="tokyo-vpc"),
    )
    pub, pa, pbb = "subnet-pub", "subnet-pa", "subnet-pb"
    b.add(
        "subnets",
        Subnet(
            id=pub,
            region=va,
            vpc_id="vpc-lab",
            cidr="10.0.0.0/24",
            availability_zone="us-east-1a",
            route_table_id="rtb-pub",
            network_acl_id="acl-lab",
            name="lab-public-a",
        ),
        Subnet(
            id=pa,
            region=va,
            vpc_id="vpc-lab",
            cidr="10.0.1.0/24",
            availability_zone="us-east-1a",
            route_table_id="rtb-priv-fis" if "tokyo-blackhole" in faults else "rtb-priv",
            network_acl_id="acl-lab",
            name="lab-private-a",
        ),
        Subnet(
            id=pbb,
            region=va,
            vpc_id="vpc-lab",
            cidr="10.0.2.0/24",
            availability_zone="us-east-1b",
            route_table_id="rtb-priv-fis" if "tokyo-blackhole" in faults else "rtb-priv",
            network_acl_id="acl-fis" if "nacl-all" in faults else "acl-lab",
            name="lab-private-b",
        ),
        Subnet(
            id="subnet-tk",
            region=tk,
            vpc_id="vpc-tokyo",
            cidr="10.1.1.0/24",
            availability_zone="ap-northeast-1a",
            route_table_id="rtb-tk",
            network_acl_id="acl-tk",
            name="tokyo-private-a",
        ),
    )
    b.add("network_acls", allow_all_acl("acl-lab", va, "vpc-lab"), allow_all_acl("acl-tk", tk, "vpc-tokyo"))
    if "nacl-all" in faults:  # disrupt-connectivity scope all: intra-subnet allowed, everything else denied
        entries = []
        for egress in (False, True):
            entries += [
                NaclEntry(rule_number=100, egress=egress, protocol="all", cidr="10.0.2.0/24", action="allow"),
                NaclEntry(rule_number=200, egress=egress, protocol="all", cidr="0.0.0.0/0", action="deny"),
                NaclEntry(rule_number=32767, egress=egress, protocol="all", cidr="0.0.0.0/0", action="deny"),
            ]
        b.add(
            "network_acls",
            NetworkAcl(
                id="acl-fis",
                region=va,
                vpc_id="vpc-lab",
                entries=tuple(entries),
                subnet_ids=(pbb,),
                tags={"managedByFIS": "true"},
            ),
        )
    b.add(
        "prefix_lists",
        PrefixList(
            id="pl-s3",
            region=va,
            prefix_list_name="com.amazonaws.us-east-1.s3",
            cidrs=("52.216.0.0/15", "3.5.0.0/19"),
            aws_managed=True,
        ),
    )
    priv_routes = (
        Route(destination_cidr="10.0.0.0/16", target_type="local"),
        Route(destination_cidr="0.0.0.0/0", target_type="nat", target_id="nat-lab"),
        Route(destination_cidr="10.1.0.0/16", target_type="tgw", target_id="tgw-lab"),
        Route(destination_prefix_list_id="pl-s3", target_type="vpce", target_id="vpce-s3"),
    )
    b.add(
        "route_tables",
        RouteTable(
            id="rtb-pub",
            region=va,
            vpc_id="vpc-lab",
            subnet_ids=(pub,),
            routes=(
                Route(destination_cidr="10.0.0.0/16", target_type="local"),
                Route(destination_cidr="0.0.0.0/0", target_type="igw", target_id="igw-lab"),
                Route(destination_cidr="10.1.0.0/16", target_type="tgw", target_id="tgw-lab"),
            ),
        ),
        RouteTable(id="rtb-priv", region=va, vpc_id="vpc-lab", subnet_ids=(pa, pbb), routes=priv_routes),
        RouteTable(
            id="rtb-tk",
            region=tk,
            vpc_id="vpc-tokyo",
            subnet_ids=("subnet-tk",),
            routes=(
                Route(destination_cidr="10.1.0.0/16", target_type="local"),
                Route(destination_cidr="10.0.0.0/16", target_type="tgw", target_id="tgw-tokyo"),
            ),
        ),
    )
    if "tokyo-blackhole" in faults:
        holes = tuple(Route(destination_cidr=c, target_type="other", state="blackhole") for c in TOKYO_RANGES)
        b.add(
            "route_tables",
            RouteTable(
                id="rtb-priv-fis",
                region=va,
                vpc_id="vpc-lab",
                subnet_ids=(pa, pbb),
                routes=priv_routes + holes,
                tags={"managedByFIS": "true"},
            ),
        )
    b.add("internet_gateways", InternetGateway(id="igw-lab", region=va, vpc_ids=("vpc-lab",), name="lab-igw"))
    b.add(
        "network_interfaces",
        NetworkInterface(
            id="eni-nat",
            region=va,
            vpc_id="vpc-lab",
            subnet_id=pub,
            private_ips=("10.0.0.100",),
            public_ip="3.210.1.1",
            kind="nat_gateway",
            attached_to="nat-lab",
        ),
    )
    b.add(
        "nat_gateways",
        NatGateway(
            id="nat-lab",
            region=va,
            vpc_id="vpc-lab",
            subnet_id=pub,
            eni_id="eni-nat",
            private_ip="10.0.0.100",
            public_ip="3.210.1.1",
            name="lab-nat",
        ),
    )
    b.add(
        "vpc_endpoints",
        VpcEndpoint(
            id="vpce-s3",
            region=va,
            vpc_id="vpc-lab",
            service_name="com.amazonaws.us-east-1.s3",
            endpoint_type="Gateway",
            route_table_ids=("rtb-priv",),
            prefix_list_id="pl-s3",
        ),
    )
    b.add(
        "security_groups",
        _sg(
            "sg-bastion",
            va,
            "vpc-lab",
            "bastion-sg",
            (SgRule(protocol="tcp", port_from=22, port_to=22, cidrs=("0.0.0.0/0",)),),
        ),
        _sg(
            "sg-app",
            va,
            "vpc-lab",
            "app-sg",
            (
                SgRule(protocol="icmp", port_from=-1, port_to=-1, cidrs=("10.0.0.0/8",)),
                SgRule(protocol="tcp", port_from=22, port_to=22, group_ids=("sg-bastion",)),
                SgRule(protocol="tcp", port_from=8080, port_to=8080, group_ids=("sg-app",)),
            ),
        ),
        _sg(
            "sg-db",
            va,
            "vpc-lab",
            "db-sg",
            (SgRule(protocol="tcp", port_from=5432, port_to=5432, group_ids=("sg-app",)),),
        ),
        _sg(
            "sg-tk",
            tk,
            "vpc-tokyo",
            "tokyo-app-sg",
            (
                SgRule(protocol="icmp", port_from=-1, port_to=-1, cidrs=("10.0.0.0/8",)),
                SgRule(protocol="tcp", port_from=8080, port_to=8080, cidrs=("10.0.0.0/8",)),
            ),
        ),
    )
    b.instance(
        "i-bastion", va, "vpc-lab", pub, "10.0.0.10", ("sg-bastion",), public_ip="54.1.2.3", name="bastion"
    )
    b.instance("i-app1", va, "vpc-lab", pa, "10.0.1.10", ("sg-app",), name="app-1")
    b.instance("i-app2", va, "vpc-lab", pbb, "10.0.2.10", ("sg-app",), name="app-2")
    b.instance("i-tokyo", tk, "vpc-tokyo", "subnet-tk", "10.1.1.10", ("sg-tk",), name="tokyo-app")
    b.add(
        "transit_gateways",
        TransitGateway(id="tgw-lab", region=va, name="lab-tgw"),
        TransitGateway(id="tgw-tokyo", region=tk, name="tokyo-tgw"),
    )
    cut = "tgw-peering-cut" in faults
    b.add(
        "transit_gateway_attachments",
        TransitGatewayAttachment(
            id="tgw-attach-lab",
            region=va,
            transit_gateway_id="tgw-lab",
            resource_type="vpc",
            resource_id="vpc-lab",
            subnet_ids=(pa, pbb),  # one per AZ, as the scenario's lab-vpc-attachment
            association_route_table_id="tgw-rtb-lab",
        ),
        TransitGatewayAttachment(
            id="tgw-attach-tk",
            region=tk,
            transit_gateway_id="tgw-tokyo",
            resource_type="vpc",
            resource_id="vpc-tokyo",
            subnet_ids=("subnet-tk",),
            association_route_table_id="tgw-rtb-tk",
        ),
        TransitGatewayAttachment(
            id="tgw-attach-peer",
            region=va,
            transit_gateway_id="tgw-lab",
            resource_type="peering",
            resource_id="tgw-tokyo",
            peer_transit_gateway_id="tgw-tokyo",
            peer_region=tk,
            association_route_table_id=None if cut else "tgw-rtb-lab",
        ),
    )
    b.add(
        "transit_gateway_route_tables",
        TransitGatewayRouteTable(
            id="tgw-rtb-lab",
            region=va,
            transit_gateway_id="tgw-lab",
            association_attachment_ids=("tgw-attach-lab",) if cut else ("tgw-attach-lab", "tgw-attach-peer"),
            routes=(
                TgwRoute(destination_cidr="10.0.0.0/16", attachment_ids=("tgw-attach-lab",)),
                TgwRoute(destination_cidr="10.1.0.0/16", attachment_ids=("tgw-attach-peer",)),
            ),
        ),
        TransitGatewayRouteTable(
            id="tgw-rtb-tk",
            region=tk,
            transit_gateway_id="tgw-tokyo",
            association_attachment_ids=("tgw-attach-tk", "tgw-attach-peer"),
            routes=(
                TgwRoute(destination_cidr="10.1.0.0/16", attachment_ids=("tgw-attach-tk",)),
                TgwRoute(destination_cidr="10.0.0.0/16", attachment_ids=("tgw-attach-peer",)),
            ),
        ),
    )
    b.extra["dns"] = {"s3.ap-northeast-1.amazonaws.com": ("35.78.9.203", "52.219.0.8")}
    b.extra["ip_ranges"] = tuple(IpRange(prefix=c, region=tk, service="AMAZON") for c in TOKYO_RANGES)
    b.extra["faults"] = tuple(sorted(faults - {"baseline"}))
    return b.build()
