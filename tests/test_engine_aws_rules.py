"""One test per AWS routing/filtering rule the engine implements beyond the basics, each citing the AWS
documentation page it follows. Small hand-built worlds (``bench.engine.testing``), plus the two gateway
source questions of issue 17 on the committed worlds."""

from __future__ import annotations

import ipaddress

import pytest

from bench.aws.endpoints import service_prefixes
from bench.engine import Engine, engine_for
from bench.engine.testing import WorldBuilder, allow_all_acl
from bench.model import Query
from bench.world.model import (
    InternetGateway,
    NaclEntry,
    NetworkAcl,
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
    VpnGateway,
    World,
)

R = "us-east-1"
OPEN = SecurityGroup(
    id="sg-open",
    region=R,
    vpc_id="vpc-a",
    group_name="open",
    ingress=(SgRule(protocol="all", cidrs=("0.0.0.0/0",)),),
    egress=(SgRule(protocol="all", cidrs=("0.0.0.0/0",)),),
)
PROP = "EnableVgwRoutePropagation"


def vpc_world(
    routes: tuple[Route, ...],
    *,
    remote: tuple[str, ...] = ("192.168.0.0/16",),
    prefix_lists: tuple[PrefixList, ...] = (),
) -> World:
    """vpc-a 10.0.0.0/16, one subnet, app 10.0.1.10 and peer 10.0.1.20; a VGW (remote ``remote``)."""
    b = WorldBuilder("rules", (R,))
    b.add("vpcs", Vpc(id="vpc-a", region=R, cidrs=("10.0.0.0/16",)))
    b.add("security_groups", OPEN)
    b.add("network_acls", allow_all_acl("acl-a", R, "vpc-a", ("subnet-a",)))
    b.add(
        "route_tables",
        RouteTable(
            id="rtb-a",
            region=R,
            vpc_id="vpc-a",
            subnet_ids=("subnet-a",),
            routes=(Route(destination_cidr="10.0.0.0/16", target_type="local"), *routes),
        ),
    )
    b.add(
        "subnets",
        Subnet(
            id="subnet-a",
            region=R,
            vpc_id="vpc-a",
            cidr="10.0.1.0/24",
            availability_zone="us-east-1a",
            route_table_id="rtb-a",
            network_acl_id="acl-a",
        ),
    )
    b.add("vpn_gateways", VpnGateway(id="vgw-a", region=R, vpc_ids=("vpc-a",), remote_cidrs=remote))
    b.add("internet_gateways", InternetGateway(id="igw-a", region=R, vpc_ids=("vpc-a",)))
    if prefix_lists:
        b.add("prefix_lists", *prefix_lists)
    b.instance("i-app", R, "vpc-a", "subnet-a", "10.0.1.10", ("sg-open",), name="app")
    b.instance("i-peer", R, "vpc-a", "subnet-a", "10.0.1.20", ("sg-open",), name="peer")
    return b.build()


def ask(world: World, dst: str, src: str = "app", **kw: object):  # noqa: ANN201
    return Engine(world).analyze(Query(region=R, source=src, destination=dst, protocol="tcp", port=443, **kw))


def route_hop(verdict) -> str:  # noqa: ANN001
    return next(h.detail for h in verdict.hops if h.type == "route-table")


# -- VPC route priority: https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html ---


def test_static_route_beats_a_propagated_route_of_the_same_prefix() -> None:
    """route-tables-priority: "If the destination of a propagated route is identical to the destination
    of a static route, the static route takes priority" (its example: igw over vgw for 172.31.0.0/24)."""
    world = vpc_world(
        (
            Route(destination_cidr="172.31.0.0/24", target_type="vgw", target_id="vgw-a", origin=PROP),
            Route(destination_cidr="172.31.0.0/24", target_type="igw", target_id="igw-x", state="blackhole"),
        ),
        remote=(),
    )
    v = ask(world, "172.31.0.5")
    assert v.reachable is False and v.explanation_code == "BAD_STATE_ROUTE"
    # Without the static route the propagated one carries the packet to the VPN.
    world = vpc_world(
        (Route(destination_cidr="172.31.0.0/24", target_type="vgw", target_id="vgw-a", origin=PROP),),
        remote=(),
    )
    assert ask(world, "172.31.0.5").reachable is True


def test_prefix_list_route_beats_propagated_and_loses_to_static() -> None:
    """route-tables-priority, "Route priority for prefix lists": a prefix-list route wins over a
    propagated route of the same destination, a static CIDR route over the prefix-list route."""
    pl = PrefixList(id="pl-corp", region=R, prefix_list_name="corp", cidrs=("172.20.0.0/16",))
    propagated = Route(destination_cidr="172.20.0.0/16", target_type="vgw", target_id="vgw-a", origin=PROP)
    via_pl = Route(
        destination_prefix_list_id="pl-corp", target_type="igw", target_id="igw-x", state="blackhole"
    )
    world = vpc_world((propagated, via_pl), remote=(), prefix_lists=(pl,))
    v = ask(world, "172.20.1.1")
    assert v.explanation_code == "BAD_STATE_ROUTE"
    static = Route(destination_cidr="172.20.0.0/16", target_type="vgw", target_id="vgw-a")
    world = vpc_world((via_pl, static), remote=("172.20.0.0/16",), prefix_lists=(pl,))
    v = ask(world, "172.20.1.1")
    assert v.reachable is True and route_hop(v) == "172.20.0.0/16 -> vgw-a"


def test_same_prefix_choice_does_not_depend_on_target_names() -> None:
    """The tie between a static and a propagated route is decided by the kind of route, not by sorting
    target types or by the order the table lists them: a static route to the VGW wins over a
    propagated route listed first (which sorts first by target type, too)."""
    world = vpc_world(
        (
            Route(destination_cidr="172.31.0.0/24", target_type="igw", target_id="igw-a", origin=PROP),
            Route(destination_cidr="172.31.0.0/24", target_type="vgw", target_id="vgw-a"),
        ),
        remote=("172.31.0.0/24",),
    )
    v = ask(world, "172.31.0.5")
    assert v.reachable is True and route_hop(v) == "172.31.0.0/24 -> vgw-a"


def test_local_route_beats_a_more_specific_propagated_route() -> None:
    """route-tables-priority / https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html
    (route priority): a propagated route inside the VPC's CIDR never takes traffic from the local
    route, even when more specific; longest prefix still decides among routes outside it."""
    world = vpc_world(
        (Route(destination_cidr="10.0.1.0/24", target_type="vgw", target_id="vgw-a", origin=PROP),),
        remote=("10.0.1.0/24",),
    )
    v = Engine(world).analyze(Query(region=R, source="app", destination="peer", protocol="tcp", port=443))
    assert v.reachable is True and all(h.type != "vpn-gateway" for h in v.hops)
    world = vpc_world(
        (
            Route(destination_cidr="172.16.5.0/24", target_type="vgw", target_id="vgw-a", origin=PROP),
            Route(destination_cidr="172.16.0.0/16", target_type="igw", target_id="igw-x", state="blackhole"),
        ),
        remote=(),
    )
    assert ask(world, "172.16.5.9").reachable is True  # the more specific propagated route wins
    assert ask(world, "172.16.6.9").explanation_code == "BAD_STATE_ROUTE"


# -- VPN remote prefixes: https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html ----------


def test_vgw_networks_include_bgp_propagated_prefixes() -> None:
    """VPNRoutingTypes: with dynamic (BGP) routing the customer gateway advertises its prefixes, which
    appear as propagated routes; they are reachable behind the VGW like the VPN's static routes."""
    world = vpc_world(
        (Route(destination_cidr="172.30.0.0/16", target_type="vgw", target_id="vgw-a", origin=PROP),),
        remote=("192.168.0.0/16",),
    )
    assert ask(world, "172.30.4.4").reachable is True
    # The same prefix is a source behind the VPN, as the static one is.
    v = Engine(world).analyze(
        Query(region=R, source="172.30.4.4", destination="app", protocol="tcp", port=443)
    )
    assert v.reachable is True and v.hops[1].id == "vgw-a"
    assert ask(world, "172.29.0.1").explanation_code == "NO_ROUTE_TO_DESTINATION"


# -- Transit gateways ----------------------------------------------------------------------------------


def tgw_world(
    *,
    tgw_routes: tuple[TgwRoute, ...] = (),
    propagations: tuple[str, ...] = (),
    sender_az: str = "us-east-1a",
    attach_subnet_of_sender: bool = False,
    attach_acl: NetworkAcl | None = None,
) -> World:
    """vpc-a (10.0.0.0/16) and vpc-b (10.1.0.0/16) on tgw-1. The sender app (10.0.1.10) is in
    subnet-a1 (``sender_az``); the attachment of vpc-a sits in subnet-a0 (us-east-1a), or in subnet-a1
    itself with ``attach_subnet_of_sender``."""
    b = WorldBuilder("tgw", (R,))
    b.add(
        "vpcs",
        Vpc(id="vpc-a", region=R, cidrs=("10.0.0.0/16",)),
        Vpc(id="vpc-b", region=R, cidrs=("10.1.0.0/16",)),
    )
    b.add("security_groups", OPEN, OPEN.model_copy(update={"id": "sg-b", "vpc_id": "vpc-b"}))
    b.add("network_acls", allow_all_acl("acl-a", R, "vpc-a"), allow_all_acl("acl-b", R, "vpc-b"))
    if attach_acl is not None:
        b.add("network_acls", attach_acl)
    for vpc, other, rtb in (("vpc-a", "10.1.0.0/16", "rtb-a"), ("vpc-b", "10.0.0.0/16", "rtb-b")):
        b.add(
            "route_tables",
            RouteTable(
                id=rtb,
                region=R,
                vpc_id=vpc,
                routes=(
                    Route(
                        destination_cidr="10.0.0.0/16" if vpc == "vpc-a" else "10.1.0.0/16",
                        target_type="local",
                    ),
                    Route(destination_cidr=other, target_type="tgw", target_id="tgw-1"),
                ),
            ),
        )
    acl0 = attach_acl.id if attach_acl is not None else "acl-a"
    subnets = (
        ("subnet-a0", "vpc-a", "10.0.0.0/24", "us-east-1a", "rtb-a", acl0),
        (
            "subnet-a1",
            "vpc-a",
            "10.0.1.0/24",
            sender_az,
            "rtb-a",
            acl0 if attach_subnet_of_sender else "acl-a",
        ),
        ("subnet-b0", "vpc-b", "10.1.0.0/24", "us-east-1a", "rtb-b", "acl-b"),
    )
    for sid, vpc, cidr, az, rtb, acl in subnets:
        b.add(
            "subnets",
            Subnet(
                id=sid,
                region=R,
                vpc_id=vpc,
                cidr=cidr,
                availability_zone=az,
                route_table_id=rtb,
                network_acl_id=acl,
            ),
        )
    b.instance("i-app", R, "vpc-a", "subnet-a1", "10.0.1.10", ("sg-open",), name="app")
    b.instance("i-db", R, "vpc-b", "subnet-b0", "10.1.0.10", ("sg-b",), name="db")
    b.add("transit_gateways", TransitGateway(id="tgw-1", region=R))
    b.add(
        "transit_gateway_attachments",
        TransitGatewayAttachment(
            id="att-a",
            region=R,
            transit_gateway_id="tgw-1",
            resource_type="vpc",
            resource_id="vpc-a",
            subnet_ids=("subnet-a1" if attach_subnet_of_sender else "subnet-a0",),
        ),
        TransitGatewayAttachment(
            id="att-b",
            region=R,
            transit_gateway_id="tgw-1",
            resource_type="vpc",
            resource_id="vpc-b",
            subnet_ids=("subnet-b0",),
        ),
    )
    default = (
        TgwRoute(destination_cidr="10.0.0.0/16", attachment_ids=("att-a",), route_type="propagated"),
        TgwRoute(destination_cidr="10.1.0.0/16", attachment_ids=("att-b",), route_type="propagated"),
    )
    b.add(
        "transit_gateway_route_tables",
        TransitGatewayRouteTable(
            id="tgw-rtb",
            region=R,
            transit_gateway_id="tgw-1",
            routes=tgw_routes if (tgw_routes or propagations) else default,
            association_attachment_ids=("att-a", "att-b"),
            propagation_attachment_ids=propagations,
        ),
    )
    return b.build()


def to_db(world: World):  # noqa: ANN201
    return Engine(world).analyze(Query(region=R, source="app", destination="db", protocol="tcp", port=5432))


def test_tgw_propagations_install_routes_when_none_were_captured() -> None:
    """https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html ("Route propagation"): a VPC
    attachment propagating into a route table installs its VPC's CIDRs there. A table with
    propagations but no captured routes routes by them."""
    assert to_db(tgw_world(propagations=("att-a", "att-b"))).reachable is True
    v = to_db(tgw_world(propagations=("att-a",), tgw_routes=()))
    assert v.explanation_code == "TGW_RTB_CANNOT_ROUTE"


def test_tgw_static_route_beats_propagated_route() -> None:
    """https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html ("Route evaluation
    order"): for one destination, static routes before propagated ones; a static blackhole wins."""
    routes = (
        TgwRoute(destination_cidr="10.0.0.0/16", attachment_ids=("att-a",), route_type="propagated"),
        TgwRoute(destination_cidr="10.1.0.0/16", attachment_ids=("att-b",), route_type="propagated"),
        TgwRoute(destination_cidr="10.1.0.0/16", state="blackhole"),
    )
    v = to_db(tgw_world(tgw_routes=routes))
    assert v.explanation_code == "BAD_STATE_ROUTE" and v.blocking_component.id == "tgw-rtb"
    # A propagation does not add a route for a CIDR the table already lists (the static one).
    v = to_db(tgw_world(tgw_routes=routes[1:], propagations=("att-a", "att-b")))
    assert v.explanation_code == "BAD_STATE_ROUTE"


def test_no_attachment_in_the_senders_availability_zone() -> None:
    """https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html (Limits): "any resources in
    Availability Zones where there is no transit gateway attachment cannot reach the transit gateway"."""
    assert to_db(tgw_world(sender_az="us-east-1a")).reachable is True
    v = to_db(tgw_world(sender_az="us-east-1b"))
    assert v.reachable is False and v.explanation_code == "CANNOT_ROUTE"
    assert v.blocking_component.id == "att-a" and "us-east-1b" in v.hops[-1].detail


def test_acl_of_the_attachment_subnet_applies_to_a_sender_beside_the_attachment() -> None:
    """https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html: with instances and the transit gateway
    attachment in one subnet, traffic from the instances to the TGW is checked by the subnet ACL's
    outbound rules (destination address) and inbound rules (source address)."""
    deny_in = NetworkAcl(
        id="acl-att",
        region=R,
        vpc_id="vpc-a",
        entries=(
            NaclEntry(rule_number=90, egress=False, protocol="all", cidr="10.0.1.10/32", action="deny"),
            NaclEntry(rule_number=100, egress=False, protocol="all", cidr="0.0.0.0/0", action="allow"),
            NaclEntry(rule_number=100, egress=True, protocol="all", cidr="0.0.0.0/0", action="allow"),
        ),
    )
    v = to_db(tgw_world(attach_subnet_of_sender=True, attach_acl=deny_in))
    assert v.explanation_code == "SUBNET_ACL_RESTRICTION"
    assert v.blocking_component.id == "acl-att" and v.blocking_component.direction == "ingress"
    assert to_db(tgw_world(attach_subnet_of_sender=True)).reachable is True


# -- Gateway sources: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkInsightsPath.html


def test_igw_source_is_every_internet_address_narrowed_by_source_ip() -> None:
    """RA's IGW source with SourceIp (https://docs.aws.amazon.com/vpc/latest/reachability/how-reachability-analyzer-works.html
    uses "internet gateway as the source ... SSH" as its example): shop-bastion-sg admits 22 from
    198.51.100.0/24, so some Internet packet gets in, and 198.51.100.7 does; 8.8.8.8 does not."""
    engine = engine_for("web-tier__baseline")
    q = {"region": R, "source": "shop-igw", "destination": "shop-bastion", "protocol": "tcp", "port": 22}
    v = engine.analyze(Query(**q))
    assert v.reachable is True and ipaddress.ip_address(v.witness.src) in ipaddress.ip_network(
        "198.51.100.0/24"
    )
    v = engine.analyze(Query(**q, source_ip="198.51.100.7"))
    assert v.reachable is True and v.witness.src == "198.51.100.7"
    v = engine.analyze(Query(**q, source_ip="8.8.8.8"))
    assert v.reachable is False and v.explanation_code == "ENI_SG_RULES_MISMATCH"
    v = engine.analyze(Query(**q, source_ip="10.60.0.7"))  # inside the VPC: cannot come from the Internet
    assert v.error == "engine:bad_query"


def test_vgw_source_ip_is_checked_by_the_acl_that_denies_it() -> None:
    """vpn-branch office-ssh-denied: the NACL entry denying 192.168.0.0/16 stops the office address."""
    engine = engine_for("vpn-branch__office-ssh-denied")
    v = engine.analyze(
        Query(
            region=R,
            source="branch-vgw",
            source_ip="192.168.10.25",
            destination="erp-app",
            protocol="tcp",
            port=22,
        )
    )
    assert v.reachable is False and v.explanation_code == "SUBNET_ACL_RESTRICTION"
    assert v.blocking_component.type == "network-acl" and v.blocking_component.direction == "ingress"


# -- Service hostnames: botocore endpoint data + https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html


@pytest.mark.parametrize(
    ("host", "service", "region"),
    [
        ("s3.ap-northeast-2.amazonaws.com", "S3", "ap-northeast-2"),
        ("orders-bucket.s3.ap-northeast-2.amazonaws.com", "S3", "ap-northeast-2"),
        ("dynamodb.eu-west-1.amazonaws.com", "DYNAMODB", "eu-west-1"),
        ("sts.us-east-1.amazonaws.com", "AMAZON", "us-east-1"),
        ("s3-fips.us-east-1.amazonaws.com", "S3", "us-east-1"),  # botocore's FIPS variant
        ("s3.dualstack.eu-west-1.amazonaws.com", "S3", "eu-west-1"),  # and its dual-stack one
    ],
)
def test_service_hostnames_resolve_to_the_services_published_prefixes(
    host: str, service: str, region: str
) -> None:
    from bench.aws.ipranges import shipped_ip_ranges

    world = vpc_world((Route(destination_cidr="0.0.0.0/0", target_type="igw", target_id="igw-a"),))
    engine = Engine(world)
    q = Query(region=R, source="app", destination=host, protocol="tcp", port=443)
    expected = {ipaddress.ip_network(p.prefix) for p in shipped_ip_ranges().for_region(region, [service])}
    got = [ipaddress.ip_network(c) for c in engine.destination_set(q)]
    assert got and all(any(n.subnet_of(e) or e.subnet_of(n) for e in expected) for n in got)
    assert service_prefixes(host) is not None
    v = engine.analyze(q)
    assert v.error is None and v.explanation_code == "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"


def test_unknown_hostnames_stay_unknown() -> None:
    world = vpc_world(())
    for host in (
        "intranet.example.com",
        "s3.mars-north-9.amazonaws.com",
        "notaservice.us-east-1.amazonaws.com",
    ):
        assert ask(world, host).error == "engine:unknown_resource"
