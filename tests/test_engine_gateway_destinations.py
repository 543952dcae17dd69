"""Issue 18's engine rules: address-less gateway destinations, private DNS of interface endpoints, a
detached internet gateway as source, and Aurora cluster endpoints. Each test cites the AWS page it
follows; the field-reported questions run on the committed worlds."""

from __future__ import annotations

from bench.engine import Engine, engine_for
from bench.engine.testing import WorldBuilder, allow_all_acl
from bench.model import Query
from bench.world.catalog import load_world
from bench.world.model import (
    InternetGateway,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    Vpc,
    VpnGateway,
)

R = "us-east-1"


def ask(world: str, source: str, destination: str, profile: str = "truth", **kw: object):  # noqa: ANN201
    q = Query(region=R, source=source, destination=destination, protocol="tcp", port=443, **kw)
    return engine_for(world).analyze(q, profile)


def stop(v) -> tuple[str | None, str | None]:  # noqa: ANN001
    return v.explanation_code, v.blocking_component.id if v.blocking_component else None


# -- Address-less gateway destinations -------------------------------------------------------------
# An internet gateway is reached by traffic leaving the VPC for public addresses
# (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html); a gateway endpoint by
# traffic to its service's prefix list (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html).
# Packets that go elsewhere are no candidates for the blocking component.


def one_vpc(routes: tuple[Route, ...]) -> Engine:
    """vpc-a 10.0.0.0/16, one subnet, app 10.0.1.10 with a public IP, an IGW and a VGW (192.168/16)."""
    b = WorldBuilder("igw-dest", (R,))
    b.add("vpcs", Vpc(id="vpc-a", region=R, cidrs=("10.0.0.0/16",)))
    b.add(
        "security_groups",
        SecurityGroup(
            id="sg-open",
            region=R,
            vpc_id="vpc-a",
            group_name="open",
            ingress=(SgRule(protocol="all", cidrs=("0.0.0.0/0",)),),
            egress=(SgRule(protocol="all", cidrs=("0.0.0.0/0",)),),
        ),
    )
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
    b.add("internet_gateways", InternetGateway(id="igw-a", region=R, vpc_ids=("vpc-a",)))
    b.add(
        "vpn_gateways", VpnGateway(id="vgw-a", region=R, vpc_ids=("vpc-a",), remote_cidrs=("192.168.0.0/16",))
    )
    b.instance("i-app", R, "vpc-a", "subnet-a", "10.0.1.10", ("sg-open",), public_ip="54.1.1.1", name="app")
    return Engine(b.build())


def test_igw_destination_is_reached_by_public_addresses_only() -> None:
    """A blackholed default route stops the public packets at the route table; the private packets that
    go on to the VPN (and get further) cannot reach the internet gateway and are not reported."""
    vpn = Route(destination_cidr="10.0.0.0/8", target_type="vgw", target_id="vgw-a")
    dead = Route(destination_cidr="0.0.0.0/0", target_type="nat", target_id="nat-gone", state="blackhole")
    engine = one_vpc((vpn, dead))
    v = engine.analyze(Query(region=R, source="app", destination="igw-a", protocol="tcp", port=443))
    assert v.reachable is False and stop(v) == ("BAD_STATE_ROUTE", "rtb-a")
    engine = one_vpc((vpn, Route(destination_cidr="0.0.0.0/0", target_type="igw", target_id="igw-a")))
    v = engine.analyze(Query(region=R, source="app", destination="igw-a", protocol="tcp", port=443))
    assert v.reachable is True and v.hops[-1].id == "igw-a"


def test_field_reported_igw_destination_over_transit_gateways() -> None:
    """acme-corp prod-nat-a-deleted: prod app-1 -> prod-igw stops at the blackholed default route of
    prod-app-a-rt, as with --destination-ip 8.8.8.8, and never in Tokyo: the ra profile analyses it."""
    world = "acme-corp__prod-nat-a-deleted"
    src, igw = "i-b0f5b3fc6fce73c4a", "igw-c388e69f6342e5e2a"
    rt = next(t.id for t in load_world(world).route_tables.values() if t.name == "prod-app-a-rt")
    for profile in ("truth", "ra"):
        v = ask(world, src, igw, profile)
        assert v.analysable and v.reachable is False and stop(v) == ("BAD_STATE_ROUTE", rt), v
    assert stop(ask(world, src, igw, destination_ip="8.8.8.8")) == ("BAD_STATE_ROUTE", rt)


def test_field_reported_igw_destination_behind_a_deleted_nat() -> None:
    """web-tier nat-deleted: web-asg -> shop-igw is BAD_STATE_ROUTE on shop-app-rt, not "no route" at
    the VPC (where the VPC-internal packets would end)."""
    world = "web-tier__nat-deleted"
    rt = next(t.id for t in load_world(world).route_tables.values() if t.name == "shop-app-rt")
    v = ask(world, "web-asg", "shop-igw")
    assert v.reachable is False and stop(v) == ("BAD_STATE_ROUTE", rt)


def test_gateway_endpoint_destination_is_reached_by_its_prefix_list_only() -> None:
    """private-endpoints s3-cut / dynamodb-blackhole: the blocked endpoint's own service prefixes stop at
    the subnet's ACL (FIS disrupt-connectivity s3 / dynamodb), not at the other endpoint."""
    for world, endpoint in (
        ("private-endpoints__s3-cut", "vault-s3"),
        ("private-endpoints__dynamodb-blackhole", "vault-dynamodb"),
    ):
        v = ask(world, "batch-worker-1", endpoint)
        assert v.reachable is False and v.blocking_component.type == "network-acl", (world, v)
        assert v.explanation_code == "SUBNET_ACL_RESTRICTION"
    v = ask("acme-corp__batch-s3-cut", "i-1f1fab08fc3dbf0c1", "prod-s3")
    assert v.reachable is False and stop(v)[0] == "SUBNET_ACL_RESTRICTION"
    assert v.blocking_component.type == "network-acl"


def test_gateway_endpoint_destination_is_reachable_through_its_route() -> None:
    v = ask("private-endpoints__baseline", "batch-worker-1", "vault-s3")
    assert v.reachable is True and v.hops[-1].type == "vpc-endpoint"


# -- A detached internet gateway as source -------------------------------------------------------


def test_detached_internet_gateway_source_is_bad_state() -> None:
    """Nothing enters through an internet gateway that is not attached to a VPC: the gateway is "not in a
    functional state", BAD_STATE (https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html),
    even towards an instance with a public IP (IGW_EXPECTS_PUBLIC_ADDRESS would blame the address)."""
    q = Query(region=R, source="shop-igw", destination="shop-bastion", protocol="tcp", port=22)
    v = engine_for("web-tier__igw-detached").analyze(q)
    assert v.reachable is False and v.explanation_code == "BAD_STATE"
    assert v.blocking_component.type == "internet-gateway"
    assert engine_for("web-tier__baseline").analyze(q).reachable is True


# -- Private DNS of interface endpoints ----------------------------------------------------------


def test_private_dns_resolves_the_service_name_to_the_endpoint_inside_its_vpc() -> None:
    """With private DNS enabled, the service's default DNS name resolves inside the endpoint's VPC to the
    endpoint's network interfaces
    (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html); elsewhere
    it keeps the public resolution."""
    world = load_world("acme-corp__baseline")
    ep = next(e for e in world.vpc_endpoints.values() if e.name == "prod-secretsmanager")
    enis = {f"{world.network_interfaces[i].private_ips[0]}/32" for i in ep.eni_ids}
    host = "secretsmanager.us-east-1.amazonaws.com"
    assert host in ep.dns_names
    inside = ask("acme-corp__baseline", "i-b0f5b3fc6fce73c4a", host)
    assert set(inside.destination_set) == enis
    assert inside.reachable is True and inside.witness.dst in {c[:-3] for c in enis}
    stg = next(i.id for i in world.instances.values() if world.subnets[i.subnet_id].vpc_id != ep.vpc_id)
    outside = ask("acme-corp__baseline", stg, host)
    assert outside.destination_set and not set(outside.destination_set) & enis
    sts = ask("private-endpoints__baseline", "batch-worker-1", "sts.us-east-1.amazonaws.com")
    assert all(c.startswith("10.") for c in sts.destination_set) and sts.reachable is True


# -- Aurora cluster endpoints --------------------------------------------------------------------


def test_aurora_cluster_endpoints_are_in_the_dns_table() -> None:
    """The cluster endpoint connects to the writer, the reader endpoint to the Aurora Replicas
    (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Overview.Endpoints.html)."""
    world = load_world("acme-corp__baseline")
    for cluster, writer, reader in (
        ("payments-aurora", "payments-db-1", "payments-db-2"),
        ("point-aurora", "point-db-1", "point-db-2"),
    ):
        names = [n for n in world.dns if n.startswith(f"{cluster}.cluster-")]
        ro = [n for n in names if n.startswith(f"{cluster}.cluster-ro-")]
        rw = [n for n in names if n not in ro]
        assert len(ro) == 1 and len(rw) == 1, names
        assert world.dns[rw[0]] == (world.db_instances[writer].private_ip,)
        assert world.dns[ro[0]] == (world.db_instances[reader].private_ip,)
    name = next(n for n in world.dns if n.startswith("payments-aurora.cluster-ro-"))
    v = engine_for("acme-corp__baseline").analyze(
        Query(region=R, source="i-b0f5b3fc6fce73c4a", destination=name, protocol="tcp", port=5432)
    )
    assert v.error is None and v.destination_set == (f"{world.db_instances['payments-db-2'].private_ip}/32",)


def test_peering_destination_is_reached_by_the_peer_cidrs_only() -> None:
    """shared-services workload-peering-deleted: shared-vpc -> the deleted shared-workload peering stops at
    shared-rt's blackholed route to it (10.110.0.0/16), not at the end of the other, Tokyo-bound peering;
    so the ra profile analyses it (the path never leaves the Region)."""
    world = "shared-services__workload-peering-deleted"
    for profile in ("truth", "ra"):
        q = Query(
            region=R, source="vpc-a771948ab372f1978", destination="pcx-89d365b97d3485a22", protocol="any"
        )
        v = engine_for(world).analyze(q, profile)
        assert v.analysable and stop(v) == ("BAD_STATE_ROUTE", "rtb-c97e86a3180e95e48"), (profile, v)


def test_tgw_attachment_destination_does_not_need_its_own_association() -> None:
    """A TGW attachment's route-table association decides where traffic *entering* the TGW through it
    goes (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html); a packet leaving the
    TGW through it does not use it. field-test tgw-peering-cut removed the peering attachment's
    association at lab-tgw: app-2 still reaches the attachment (w3-036), while the Tokyo ping, whose
    reply enters lab-tgw by that attachment, stops there."""
    engine = engine_for("field-test__tgw-peering-cut")
    q = Query(region=R, source="app-2", destination="lab-tokyo-peering", protocol="any")
    v = engine.analyze(q)
    assert v.reachable is True and v.hops[-1].type == "transit-gateway-attachment"
    ping = engine.analyze(Query(region=R, source="app-1", destination="tokyo-app", protocol="icmp"))
    assert ping.reachable is False and ping.explanation_code == "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION"
