"""The synthetic world generator: deterministic, the counts asked for, the on-disk shape, varied verdicts."""

from __future__ import annotations

import pytest

from bench.world.catalog import load_world
from bench.world.normalize import normalize
from bench.world.snapshot import dumps_snapshot, write_snapshot
from bench.world.synthetic import generate_snapshot


@pytest.fixture(scope="module")
def small():
    return generate_snapshot(12, 40, 300, seed=7, regions=("us-east-1", "us-west-2", "eu-west-1"))


def test_deterministic_for_a_seed(small) -> None:
    again = generate_snapshot(12, 40, 300, seed=7, regions=("us-east-1", "us-west-2", "eu-west-1"))
    assert dumps_snapshot(again) == dumps_snapshot(small)
    other = generate_snapshot(12, 40, 300, seed=8, regions=("us-east-1", "us-west-2", "eu-west-1"))
    assert dumps_snapshot(other) != dumps_snapshot(small)


def test_counts_and_links(small) -> None:
    w = normalize(small)
    assert (len(w.vpcs), len(w.subnets), len(w.instances)) == (12, 40, 300)
    assert w.regions == ("eu-west-1", "us-east-1", "us-west-2")
    assert {v.region for v in w.vpcs.values()} == set(w.regions)
    for inst in w.instances.values():
        eni = w.network_interfaces[inst.eni_ids[0]]
        subnet = w.subnets[inst.subnet_id]
        assert eni.attached_to == inst.id and eni.private_ips[0] == inst.private_ip
        assert (inst.public_ip is not None) == subnet.map_public_ip_on_launch
        assert inst.private_ip.rsplit(".", 1)[0] == subnet.cidr.rsplit(".", 1)[0]
    # private subnets ride on the main table (fallback), public ones are explicitly associated
    assert any(not s.route_table_explicit for s in w.subnets.values())
    assert any(s.route_table_explicit for s in w.subnets.values())
    assert all(w.route_tables[s.route_table_id].vpc_id == s.vpc_id for s in w.subnets.values())
    assert len(w.nat_gateways) == len(w.internet_gateways) == 12
    assert {e.kind for e in w.network_interfaces.values()} == {"instance", "nat_gateway", "transit_gateway"}


def test_connectivity_and_variety(small) -> None:
    w = normalize(small)
    assert len(w.transit_gateways) == 3
    peerings = [a for a in w.transit_gateway_attachments.values() if a.resource_type == "peering"]
    assert len(peerings) == 2 and all(a.region == "us-east-1" for a in peerings)
    assert all(a.association_route_table_id for a in w.transit_gateway_attachments.values())
    assert w.vpc_peering_connections and w.vpc_endpoints
    assert all(e.prefix_list_id in w.prefix_lists for e in w.vpc_endpoints.values())
    tgw_routes = [r for t in w.transit_gateway_route_tables.values() for r in t.routes]
    assert {r.route_type for r in tgw_routes} == {"static", "propagated"}
    assert any(r.state == "blackhole" for r in tgw_routes)
    denies = [
        e for n in w.network_acls.values() for e in n.entries if e.action == "deny" and e.rule_number < 32767
    ]
    assert denies
    refs = [g for sg in w.security_groups.values() for r in sg.ingress for g in r.group_ids]
    assert refs and all(g in w.security_groups for g in refs)


def test_blackhole_routes_appear_at_scale() -> None:
    w = normalize(generate_snapshot(40, 80, 80, seed=1, regions=("us-east-1",)))
    assert any(r.state == "blackhole" for t in w.route_tables.values() for r in t.routes)


def test_written_snapshot_loads_like_any_world(tmp_path, small) -> None:
    path = write_snapshot(small, tmp_path / "synthetic.json")
    assert load_world(path).model_dump() == normalize(small).model_dump()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 1, 1), "vpcs must be"),
        ((3, 2, 1), "at least one subnet per VPC"),
        ((1, 300, 1), "subnets per VPC"),
        ((1, 1, 241), "instances per subnet"),
    ],
)
def test_bad_parameters(args, message) -> None:
    with pytest.raises(ValueError, match=message):
        generate_snapshot(*args)


def test_public_addresses_from_the_regions_ec2_ranges(small) -> None:
    import ipaddress

    from bench.aws.public_ips import in_region_ec2

    w = normalize(small)
    public = [(e.region, e.public_ip) for e in w.network_interfaces.values() if e.public_ip]
    public += [(n.region, n.public_ip) for n in w.nat_gateways.values() if n.public_ip]
    assert len(public) > len(w.nat_gateways)
    for region, address in public:
        assert ipaddress.ip_address(address).is_global and in_region_ec2(region, address), (region, address)
    addresses = [a for _, a in public]
    assert len(set(addresses)) == len(addresses)  # no address given twice
