"""Endpoint denotation (bench/engine/denote.py): one test per resource type, on the catalogued worlds.

Each rule follows the AWS documentation cited in the module docstring: an instance and its interfaces
and addresses (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html), an RDS endpoint
resolving to its interface's address
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html), a NAT
gateway's interface and Elastic IP (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html),
an interface endpoint's interfaces and endpoint-specific DNS names
(https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html), a gateway
narrowed to an address (https://docs.aws.amazon.com/vpc/latest/reachability/how-reachability-analyzer-works.html).
"""

from __future__ import annotations

import pytest

from bench.engine import engine_for
from bench.engine.denote import denote, query_denotation
from bench.model import Query
from scorers.facts import scope_relation


def ix(world: str):  # type: ignore[no-untyped-def]
    return engine_for(world).ix


def key(world: str, text: str, ip: str | None = None, region: str = "us-east-1") -> str:
    return denote(ix(world), text, ip, region).key


FT = "field-test__baseline"
WT = "web-tier__baseline"
PE = "private-endpoints__baseline"


def test_instance_its_interface_and_its_private_address_denote_one_host() -> None:
    w = ix(FT).world
    inst = next(i for i in w.instances.values() if len(i.eni_ids) == 1)
    region = inst.region
    d = denote(ix(FT), inst.id, None, region)
    assert d.key == f"enis:{inst.eni_ids[0]}" and d.kind == "instance" and d.region == region
    assert key(FT, inst.eni_ids[0], region=region) == d.key
    assert key(FT, inst.private_ip, region=region) == d.key
    assert key(FT, f"{inst.private_ip}/32", region=region) == d.key  # a one-address CIDR is the address
    if inst.name:
        assert key(FT, inst.name, region=region) == d.key  # Name tag


def test_public_address_denotes_the_instance_holding_it() -> None:
    w = ix(WT).world
    inst = next(i for i in w.instances.values() if i.public_ip)
    d = denote(ix(WT), inst.id, None, inst.region)
    assert key(WT, inst.public_ip, region=inst.region) == d.key
    assert f"{inst.public_ip}/32" in d.addresses and f"{inst.private_ip}/32" in d.addresses


def test_autoscaling_group_denotes_the_interfaces_of_its_instances() -> None:
    w = ix(WT).world
    asg = next(iter(w.autoscaling_groups.values()))
    enis = sorted(e for i in asg.instance_ids for e in w.instances[i].eni_ids)
    assert key(WT, asg.id) == "enis:" + ",".join(enis)


def test_rds_instance_interface_address_and_endpoint_hostname_are_one_database() -> None:
    w = ix(FT).world
    db = next(iter(w.db_instances.values()))
    d = denote(ix(FT), db.id, None, db.region)
    assert d.key == f"enis:{db.eni_id}" and d.kind == "db-instance"
    assert key(FT, db.eni_id) == key(FT, db.private_ip) == key(FT, db.endpoint_address) == d.key
    assert denote(ix(FT), db.endpoint_address, None, "us-east-1").kind == "hostname"


def test_nat_gateway_denotes_its_interface_and_both_its_addresses() -> None:
    w = ix(FT).world
    nat = next(iter(w.nat_gateways.values()))
    d = denote(ix(FT), nat.id, None, nat.region)
    assert d.key == f"enis:{nat.eni_id}" and d.kind == "nat-gateway"
    assert key(FT, nat.private_ip) == key(FT, nat.public_ip) == d.key


def test_interface_endpoint_is_its_interfaces_and_its_endpoint_hostname() -> None:
    w = ix(PE).world
    vpce = next(v for v in w.vpc_endpoints.values() if v.endpoint_type == "Interface" and len(v.eni_ids) == 2)
    d = denote(ix(PE), vpce.id, None, vpce.region)
    assert d.key == "enis:" + ",".join(sorted(vpce.eni_ids)) and len(d.addresses) == 2
    specific = next(n for n in w.dns if n.startswith(vpce.id))
    assert key(PE, specific) == d.key
    # One of its two interfaces is not the endpoint.
    assert key(PE, vpce.eni_ids[0]) != d.key


@pytest.mark.parametrize(
    ("world", "kind"),
    [
        (FT, "internet_gateways"),
        ("hub-spoke__baseline", "transit_gateways"),
        ("hub-spoke__baseline", "transit_gateway_attachments"),
        ("vpn-branch__baseline", "vpn_gateways"),
        ("peering-mesh__baseline", "vpc_peering_connections"),
    ],
)
def test_a_gateway_without_an_address_is_the_component_itself(world: str, kind: str) -> None:
    obj = next(iter(getattr(ix(world).world, kind).values()))
    d = denote(ix(world), obj.id, None, obj.region)
    assert d.key == f"component:{obj.id}" and d.addresses == () and d.region == obj.region


def test_gateway_endpoint_is_a_component() -> None:
    vpce = next(v for v in ix(PE).world.vpc_endpoints.values() if v.endpoint_type == "Gateway")
    assert key(PE, vpce.id) == f"component:{vpce.id}"


def test_a_gateway_narrowed_by_destination_ip_denotes_that_address() -> None:
    igw = next(iter(ix(FT).world.internet_gateways.values()))
    d = denote(ix(FT), igw.id, "35.78.9.203", "us-east-1")
    assert d.key == key(FT, "35.78.9.203") == "addresses:35.78.9.203/32"
    assert d.kind == "internet-gateway" and d.region == "ap-northeast-1"  # Tokyo's published range


def test_resource_narrowed_to_one_of_its_addresses_is_that_address() -> None:
    inst = next(i for i in ix(WT).world.instances.values() if i.public_ip)
    assert key(WT, inst.id, inst.public_ip) == key(WT, inst.public_ip)
    assert key(WT, inst.id, "10.255.255.255").startswith("unresolved:")  # not one of its addresses


def test_hostname_of_the_world_dns_table_is_its_address_set() -> None:
    d = denote(ix(FT), "S3.ap-northeast-1.amazonaws.com.", None, "us-east-1")
    assert d.kind == "hostname" and d.region == "ap-northeast-1"
    assert "35.78.9.203/32" in d.addresses and d.key == "addresses:" + ",".join(d.addresses)


def test_aws_service_hostname_outside_the_dns_table_is_known_by_name_and_region() -> None:
    d = denote(ix(FT), "s3.eu-west-1.amazonaws.com", None, "us-east-1")
    assert d.key == "service:s3.eu-west-1.amazonaws.com" and d.region == "eu-west-1"


def test_cidr_and_outside_address() -> None:
    d = denote(ix(FT), "10.0.0.7/5", None, "us-east-1")
    assert d.key == "addresses:8.0.0.0/5" and d.kind == "cidr"
    outside = denote(ix(FT), "35.78.9.203", None, "us-east-1")
    assert outside.key == "addresses:35.78.9.203/32" and outside.region == "ap-northeast-1"


def test_subnet_and_vpc_are_their_address_ranges() -> None:
    w = ix(FT).world
    subnet = next(iter(w.subnets.values()))
    assert key(FT, subnet.id) == key(FT, subnet.cidr) == f"addresses:{subnet.cidr}"
    vpc = next(iter(w.vpcs.values()))
    assert key(FT, vpc.id) == "addresses:" + ",".join(sorted(vpc.cidrs))


def test_unknown_names_are_unresolved_and_never_raise() -> None:
    assert key(FT, "no-such-thing").startswith("unresolved:")
    assert key(FT, "nowhere.example.com").startswith("unresolved:")
    assert key(FT, "arn:aws:lambda:us-east-1:123456789012:function:f").startswith("unresolved:")


def test_query_denotation_has_both_endpoints() -> None:
    inst = next(iter(ix(FT).world.instances.values()))
    q = Query(region=inst.region, source=inst.id, destination="35.78.9.203", protocol="tcp", port=443)
    d = query_denotation(ix(FT), q)
    assert d["source"].key.startswith("enis:") and d["destination"].key == "addresses:35.78.9.203/32"


@pytest.mark.parametrize(
    ("gold", "pred", "relation"),
    [
        (("10.0.0.10/32",), ("10.0.0.10/32",), "equal"),
        (("10.0.0.10/32",), ("10.0.0.0/24",), "wider"),
        (("10.0.0.0/24",), ("10.0.0.10/32",), "narrower"),
        (("10.0.0.0/25", "10.0.1.0/24"), ("10.0.0.0/24",), "overlapping"),
        (("35.78.9.203/32",), ("0.0.0.0/5",), "disjoint"),
    ],
)
def test_destination_scope_relations_on_denoted_address_sets(
    gold: tuple[str, ...], pred: tuple[str, ...], relation: str
) -> None:
    assert scope_relation(gold, pred) == relation


def test_scope_relation_of_real_denotations() -> None:
    s3 = denote(ix(FT), "s3.ap-northeast-1.amazonaws.com", None, "us-east-1").addresses
    one = denote(ix(FT), "35.78.9.203", None, "us-east-1").addresses
    assert scope_relation(one, s3) == "wider" and scope_relation(s3, one) == "narrower"
    assert scope_relation(one, denote(ix(FT), "0.0.0.0/5", None, "us-east-1").addresses) == "disjoint"
