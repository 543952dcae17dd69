"""normalize() on hand-written snapshots shaped exactly like AWS responses (EC2/RDS/ASG/Lambda API docs)."""

from __future__ import annotations

import copy

import pytest
from test_normalize_fixture import ACCOUNT, snapshot

from bench.world.normalize import normalize
from bench.world.snapshot import SnapshotError


@pytest.fixture(scope="module")
def world():
    return normalize(snapshot())


def test_vpc_cidrs_primary_first_and_associated_only(world) -> None:
    v = world.vpcs["vpc-0a1"]
    assert v.cidrs == ("10.0.0.0/16", "100.64.0.0/16")
    assert v.name == "lab-vpc" and v.region == "us-east-1" and v.owner_id == ACCOUNT
    assert world.regions == ("ap-northeast-1", "us-east-1")


def test_subnet_route_table_explicit_else_main(world) -> None:
    assert world.subnets["subnet-pa"].route_table_id == "rtb-priv"
    assert world.subnets["subnet-pa"].route_table_explicit
    # subnet-pub's association to rtb-priv is disassociated -> falls back to the main table
    assert world.subnets["subnet-pub"].route_table_id == "rtb-main"
    assert not world.subnets["subnet-pub"].route_table_explicit
    assert world.subnets["subnet-pb"].route_table_id == "rtb-main"
    assert world.route_tables["rtb-main"].is_main
    assert world.route_tables["rtb-priv"].subnet_ids == ("subnet-pa",)


def test_routes_classified(world) -> None:
    routes = {
        (r.destination_cidr or r.destination_prefix_list_id): r for r in world.route_tables["rtb-priv"].routes
    }
    assert routes["10.0.0.0/16"].target_type == "local" and routes["10.0.0.0/16"].target_id is None
    assert (routes["0.0.0.0/0"].target_type, routes["0.0.0.0/0"].target_id) == ("nat", "nat-1")
    assert (routes["10.1.0.0/16"].target_type, routes["10.1.0.0/16"].target_id) == ("tgw", "tgw-east")
    assert routes["35.72.0.0/13"].state == "blackhole" and routes["35.72.0.0/13"].target_type == "igw"
    assert routes["10.9.0.0/16"].target_type == "pcx"
    assert (routes["192.168.0.0/16"].target_type, routes["192.168.0.0/16"].target_id) == (
        "eni",
        "eni-bastion",
    )
    assert routes["172.16.0.0/12"].target_type == "vgw"
    assert routes["172.16.0.0/12"].origin == "EnableVgwRoutePropagation"
    pl = routes["pl-63a5400a"]
    assert (pl.target_type, pl.target_id, pl.destination_cidr) == ("vpce", "vpce-s3", None)
    assert len(routes) == 8  # the IPv6 route is left out
    assert world.route_tables["rtb-priv"].propagating_vgw_ids == ("vgw-1",)


def test_nacl_association_and_entries(world) -> None:
    assert world.subnets["subnet-pb"].network_acl_id == "acl-fis"
    assert world.subnets["subnet-pub"].network_acl_id == "acl-default"
    entries = {(e.egress, e.rule_number): e for e in world.network_acls["acl-fis"].entries}
    icmp = entries[(False, 90)]
    assert (icmp.protocol, icmp.icmp_type, icmp.icmp_code, icmp.port_from) == ("icmp", 8, -1, None)
    tcp = entries[(False, 95)]
    assert (tcp.protocol, tcp.action, tcp.port_from, tcp.port_to) == ("tcp", "deny", 5432, 5432)
    assert entries[(False, 96)].protocol == "udp"
    assert entries[(False, 97)].protocol == "47"
    assert entries[(False, 32767)].action == "deny" and entries[(True, 32767)].protocol == "all"
    assert (False, 101) not in entries  # IPv6 entry
    ordered = [(e.egress, e.rule_number) for e in world.network_acls["acl-fis"].entries]
    assert ordered == sorted(ordered)
    assert world.network_acls["acl-fis"].tags == {"managedByFIS": "true"}


def test_security_group_rules(world) -> None:
    sg = world.security_groups["sg-app"]
    by_port = {r.port_from: r for r in sg.ingress}
    assert (
        by_port[-1].protocol == "icmp" and by_port[-1].port_to == -1 and by_port[-1].cidrs == ("10.0.0.0/8",)
    )
    assert by_port[22].group_ids == ("sg-bastion",)
    web = by_port[8080]
    assert (web.group_ids, web.prefix_list_ids, web.ipv6_cidrs) == (
        ("sg-app",),
        ("pl-corp",),
        ("2001:db8::/32",),
    )
    assert sg.egress[0].protocol == "all" and sg.egress[0].port_from is None
    assert world.security_groups["sg-db"].egress == ()


def test_enis_kinds_and_owners(world) -> None:
    e = world.network_interfaces
    assert e["eni-bastion"].private_ips == ("10.0.0.10", "10.0.0.11")
    assert e["eni-bastion"].public_ip == "54.1.2.3"
    assert (e["eni-bastion"].kind, e["eni-bastion"].attached_to) == ("instance", "i-bastion")
    assert (e["eni-nat"].kind, e["eni-nat"].attached_to) == ("nat_gateway", "nat-1")
    assert e["eni-nat"].source_dest_check is False
    assert (e["eni-vpce"].kind, e["eni-vpce"].attached_to) == ("vpc_endpoint", "vpce-ssm")
    assert (e["eni-db"].kind, e["eni-db"].attached_to) == ("rds", "orders-db")
    assert (e["eni-db-decoy"].kind, e["eni-db-decoy"].attached_to) == ("rds", None)
    assert (e["eni-fn"].kind, e["eni-fn"].attached_to) == ("lambda", "resize")


def test_instances_and_asg(world) -> None:
    assert set(world.instances) == {"i-bastion"}  # terminated instance dropped
    i = world.instances["i-bastion"]
    assert (i.subnet_id, i.eni_ids, i.private_ip, i.public_ip, i.group_ids) == (
        "subnet-pub",
        ("eni-bastion",),
        "10.0.0.10",
        "54.1.2.3",
        ("sg-app",),
    )
    asg = world.autoscaling_groups["web-asg"]
    assert asg.subnet_ids == ("subnet-pa", "subnet-pb") and asg.instance_ids == ("i-bastion",)
    assert asg.tags == {"team": "web"}


def test_rds_linked_to_its_eni(world) -> None:
    db = world.db_instances["orders-db"]
    assert (db.eni_id, db.subnet_id, db.private_ip) == ("eni-db", "subnet-pb", "10.0.2.20")
    assert db.subnet_ids == ("subnet-pa", "subnet-pb") and db.group_ids == ("sg-db",)
    assert (db.port, db.engine, db.endpoint_address) == (
        5432,
        "postgres",
        "orders-db.abc.us-east-1.rds.amazonaws.com",
    )


def test_rds_linking_without_dns_uses_groups_and_az() -> None:
    raw = snapshot()
    raw["dns"] = {}
    assert normalize(raw).db_instances["orders-db"].eni_id == "eni-db"


def test_rds_without_eni_is_noted() -> None:
    raw = snapshot()
    enis = raw["regions"]["us-east-1"]["ec2:DescribeNetworkInterfaces"]["NetworkInterfaces"]
    enis[:] = [e for e in enis if "RDS" not in e.get("Description", "")]
    w = normalize(raw)
    assert w.db_instances == {}
    assert any("orders-db" in n for n in w.notes)


def test_gateways_nat_endpoints_prefix_lists(world) -> None:
    assert world.internet_gateways["igw-1"].vpc_ids == ("vpc-0a1",)
    assert world.internet_gateways["igw-detached"].vpc_ids == ()
    assert set(world.nat_gateways) == {"nat-1"}
    nat = world.nat_gateways["nat-1"]
    assert (nat.eni_id, nat.private_ip, nat.public_ip) == ("eni-nat", "10.0.0.5", "3.3.3.3")
    s3 = world.vpc_endpoints["vpce-s3"]
    assert (s3.prefix_list_id, s3.route_table_ids) == ("pl-63a5400a", ("rtb-priv",))
    ssm = world.vpc_endpoints["vpce-ssm"]
    assert ssm.eni_ids == ("eni-vpce",) and ssm.group_ids == ("sg-app",) and len(ssm.dns_names) == 2
    assert world.prefix_lists["pl-63a5400a"].cidrs == ("3.5.0.0/19", "52.216.0.0/15", "54.231.0.0/16")
    assert world.prefix_lists["pl-63a5400a"].aws_managed
    corp = world.prefix_lists["pl-corp"]
    assert corp.cidrs == ("192.0.2.0/24",) and not corp.aws_managed and corp.name == "corp"


def test_gateway_endpoint_prefix_list_from_routes_when_service_list_missing() -> None:
    raw = snapshot()
    del raw["regions"]["us-east-1"]["ec2:DescribePrefixLists"]
    del raw["regions"]["us-east-1"]["ec2:DescribeManagedPrefixLists"]
    raw["regions"]["us-east-1"]["ec2:DescribeVpcEndpoints"]["VpcEndpoints"][0]["RouteTableIds"] = []
    s3 = normalize(raw).vpc_endpoints["vpce-s3"]
    assert (s3.prefix_list_id, s3.route_table_ids) == ("pl-63a5400a", ("rtb-priv",))


def test_peering_both_sides_merged(world) -> None:
    assert list(world.vpc_peering_connections) == ["pcx-1"]
    p = world.vpc_peering_connections["pcx-1"]
    assert (p.requester_region, p.accepter_region, p.status, p.region) == (
        "us-east-1",
        "ap-northeast-1",
        "active",
        "us-east-1",
    )
    assert p.requester_cidrs == ("10.0.0.0/16", "100.64.0.0/16")  # united from both Regions' views
    assert p.accepter_cidrs == ("10.1.0.0/16",) and p.name == "east-tokyo"


def test_transit_gateways(world) -> None:
    t = world.transit_gateways["tgw-east"]
    assert (
        t.default_association_route_table_id == "tgw-rtb-e" and t.default_propagation_route_table_id is None
    )
    vpc_att = world.transit_gateway_attachments["tgw-attach-vpc"]
    assert vpc_att.subnet_ids == ("subnet-pa", "subnet-pb")
    assert vpc_att.association_route_table_id == "tgw-rtb-e"
    peer = world.transit_gateway_attachments["tgw-attach-peer"]
    # requester's view kept; its stale Association field is overridden by the authoritative call
    assert (peer.transit_gateway_id, peer.peer_transit_gateway_id, peer.peer_region) == (
        "tgw-east",
        "tgw-tokyo",
        "ap-northeast-1",
    )
    assert peer.association_route_table_id is None
    assert world.transit_gateway_route_tables["tgw-rtb-t"].association_attachment_ids == ("tgw-attach-peer",)
    rtb = world.transit_gateway_route_tables["tgw-rtb-e"]
    assert rtb.association_attachment_ids == ("tgw-attach-vpc",)
    assert rtb.propagation_attachment_ids == ("tgw-attach-vpc",)
    routes = {r.destination_cidr: r for r in rtb.routes}
    assert set(routes) == {"10.0.0.0/16", "10.1.0.0/16", "10.66.0.0/16"}
    assert routes["10.0.0.0/16"].route_type == "propagated"
    assert routes["10.1.0.0/16"].attachment_ids == ("tgw-attach-peer",)
    assert routes["10.66.0.0/16"].state == "blackhole" and routes["10.66.0.0/16"].attachment_ids == ()


def test_tgw_association_falls_back_to_attachment_field() -> None:
    raw = snapshot()
    del raw["regions"]["us-east-1"]["ec2:GetTransitGatewayRouteTableAssociations"]
    w = normalize(raw)
    assert w.transit_gateway_attachments["tgw-attach-peer"].association_route_table_id == "tgw-rtb-e"
    assert w.transit_gateway_route_tables["tgw-rtb-e"].association_attachment_ids == (
        "tgw-attach-peer",
        "tgw-attach-vpc",
    )


def test_vgw_lambda_dns_ipranges_provenance(world) -> None:
    vgw = world.vpn_gateways["vgw-1"]
    assert vgw.vpc_ids == ("vpc-0a1",) and vgw.remote_cidrs == ("172.16.0.0/12",)
    assert set(world.other_resources) == {"resize"}
    fn = world.other_resources["resize"]
    assert (fn.resource_type, fn.eni_ids, fn.private_ips, fn.name) == (
        "lambda-function",
        ("eni-fn",),
        ("10.0.1.60",),
        "resize",
    )
    assert world.dns["s3.ap-northeast-1.amazonaws.com"] == ("35.78.9.203",)
    assert [(r.prefix, r.service) for r in world.ip_ranges] == [
        ("35.72.0.0/13", "AMAZON"),
        ("35.72.0.0/13", "EC2"),
    ]
    assert world.faults == ("nacl-all",) and world.notes == ("hand-written",)
    assert (world.name, world.account_id) == ("fixture", ACCOUNT)


def test_validates_against_model_and_is_deterministic(world) -> None:
    from bench.world.model import World

    dumped = world.model_dump(mode="json")
    assert World.model_validate(dumped).model_dump(mode="json") == dumped  # constructed == validated
    raw = snapshot()
    raw["regions"] = dict(reversed(list(raw["regions"].items())))
    for body in raw["regions"]["us-east-1"].values():
        for value in body.values():
            if isinstance(value, list):
                value.reverse()
    assert normalize(raw).model_dump(mode="json") == dumped


def test_missing_sections_are_empty() -> None:
    w = normalize({"name": "empty", "account_id": ACCOUNT, "regions": {"eu-west-1": {}}})
    assert w.vpcs == {} and w.regions == ("eu-west-1",)


@pytest.mark.parametrize(
    ("mutate", "expect"),
    [
        (
            lambda r: r["regions"]["us-east-1"]["ec2:DescribeSubnets"]["Subnets"][1].pop("VpcId"),
            "regions.us-east-1.ec2:DescribeSubnets: Subnets[1] (subnet-pa): missing field 'VpcId'",
        ),
        (
            lambda r: r["regions"]["us-east-1"].__setitem__("ec2:DescribeVpcs", []),
            "regions.us-east-1.ec2:DescribeVpcs: expected a response object",
        ),
        (
            lambda r: r["regions"]["us-east-1"]["ec2:DescribeNetworkAcls"]["NetworkAcls"][1]["Entries"][
                0
            ].__setitem__("Protocol", "bogus"),
            "NetworkAcls[1] (acl-fis): ValueError",
        ),
        (
            lambda r: r["regions"]["us-east-1"]["ec2:DescribeRouteTables"]["RouteTables"][1]["Routes"][
                1
            ].__setitem__("State", "sideways"),
            "RouteTables[1] (rtb-priv): ValueError: route State 'sideways'",
        ),
        (
            lambda r: r["regions"]["ap-northeast-1"][
                "ec2:GetTransitGatewayRouteTableAssociations"
            ].__setitem__("tgw-rtb-t", []),
            "regions.ap-northeast-1.ec2:GetTransitGatewayRouteTableAssociations",
        ),
    ],
)
def test_malformed_sections_name_file_region_key(mutate, expect) -> None:
    raw = copy.deepcopy(snapshot())
    mutate(raw)
    with pytest.raises(SnapshotError) as err:
        normalize(raw, source="cases/worlds/x.json")
    assert str(err.value).startswith("cases/worlds/x.json: ")
    assert expect in str(err.value)


def test_partial_snapshots_load_with_notes_instead_of_failing() -> None:
    """A subnet without route table or ACL, an IPv6-only subnet: loaded, the gap noted
    (docs/world-model.md, "Partial and newer data")."""
    raw = copy.deepcopy(snapshot())
    raw["regions"]["us-east-1"]["ec2:DescribeRouteTables"]["RouteTables"].pop(0)
    raw["regions"]["us-east-1"].pop("ec2:DescribeNetworkAcls")
    raw["regions"]["us-east-1"]["ec2:DescribeSubnets"]["Subnets"][1].pop("CidrBlock")
    world = normalize(raw, "x.json")
    assert world.subnets["subnet-pub"].route_table_id is None
    assert all(s.network_acl_id is None for s in world.subnets.values())
    assert "subnet-pa" not in world.subnets
    notes = " | ".join(world.notes)
    assert "missing route tables: " in notes and "missing network ACLs" in notes
    assert "subnet-pa (us-east-1) is IPv6-only" in notes
