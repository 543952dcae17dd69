"""Each moto correction: the claim about moto 5.2.1 holds on a real moto build, and the fix gives AWS's view.

One small two-Region world is built in moto once (module fixture) and read *without* corrections; each
test first asserts moto's wrong/missing state (so a moto upgrade that fixes it is noticed), then runs the
correction (after the ones it depends on) and checks the result.
"""

from __future__ import annotations

import copy
import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

from bench.scenarios import corrections as C
from bench.scenarios.context import BuildContext

SCENARIO = {
    "name": "moto-gaps",
    "seed": 5,
    "regions": {
        "us-east-1": {
            "vpcs": [
                {
                    "name": "v",
                    "cidr": "10.8.0.0/16",
                    "internet_gateway": "igw",
                    "vpn_gateway": {"name": "vgw", "remote_cidrs": ["192.168.0.0/16"]},
                    "subnets": [
                        {"name": "pub", "cidr": "10.8.0.0/24", "az": "a", "route_table": "pub-rt"},
                        {"name": "a", "cidr": "10.8.1.0/24", "az": "a", "route_table": "priv-rt"},
                        {"name": "b", "cidr": "10.8.2.0/24", "az": "b", "route_table": "priv-rt"},
                    ],
                    "route_tables": [
                        {"name": "pub-rt", "routes": [{"destination": "0.0.0.0/0", "target": "igw"}]},
                        {
                            "name": "priv-rt",
                            "propagate_from": ["vgw"],
                            "routes": [
                                {"destination": "0.0.0.0/0", "target": "nat"},
                                {"destination": "10.9.0.0/16", "target": "tgw"},
                            ],
                        },
                    ],
                    "network_acls": [
                        {
                            "name": "acl",
                            "subnets": ["a"],
                            "entries": [
                                {
                                    "rule": 10,
                                    "protocol": "icmp",
                                    "icmp_type": 8,
                                    "icmp_code": 0,
                                    "cidr": "10.0.0.0/8",
                                }
                            ],
                        }
                    ],
                    "security_groups": [
                        {"name": "sg", "ingress": [{"protocol": "tcp", "ports": 443, "cidr": "10.0.0.0/8"}]}
                    ],
                    "nat_gateways": [{"name": "nat", "subnet": "pub", "ip": "10.8.0.50"}],
                    "endpoints": [
                        {
                            "name": "sts",
                            "service": "sts",
                            "type": "Interface",
                            "subnets": ["a"],
                            "groups": ["sg"],
                        }
                    ],
                    "db_instances": [
                        {
                            "name": "db",
                            "subnet_group": "db-subnets",
                            "subnets": ["a", "b"],
                            "groups": ["sg"],
                            "ip": "10.8.2.20",
                        }
                    ],
                    "autoscaling_groups": [
                        {"name": "asg", "subnets": ["a", "b"], "desired": 2, "groups": ["sg"]}
                    ],
                    "lambda_functions": [{"name": "fn", "subnets": ["b"], "groups": ["sg"]}],
                }
            ],
            "transit_gateways": [
                {
                    "name": "tgw",
                    "attachments": [{"name": "att", "vpc": "v", "subnets": ["a"]}],
                    "routes": [{"destination": "10.9.0.0/16", "attachment": "peer"}],
                }
            ],
        },
        "ap-northeast-1": {
            "vpcs": [
                {
                    "name": "t",
                    "cidr": "10.9.0.0/16",
                    "subnets": [{"name": "ta", "cidr": "10.9.1.0/24", "az": "a"}],
                }
            ],
            "transit_gateways": [
                {"name": "ttgw", "attachments": [{"name": "tatt", "vpc": "t", "subnets": ["ta"]}]}
            ],
        },
    },
    "tgw_peerings": [{"name": "peer", "requester": "tgw", "accepter": "ttgw"}],
    "faults": {
        "gone": [
            {"delete_nat": {"nat_gateway": "nat"}},
            {
                "fis": {
                    "targets": {
                        "g": {
                            "resourceType": "aws:ec2:transit-gateway",
                            "resourceTags": {"Name": "tgw"},
                            "selectionMode": "ALL",
                        }
                    },
                    "actions": {
                        "cut": {
                            "actionId": "aws:network:transit-gateway-disrupt-cross-region-connectivity",
                            "parameters": {"duration": "PT1M", "region": "ap-northeast-1"},
                            "targets": {"TransitGateways": "g"},
                        }
                    },
                }
            },
        ]
    },
}


def _raw(tmp: Path, fault: str | None) -> tuple[dict[str, Any], BuildContext]:
    from moto import mock_aws
    from moto.moto_api._internal import mock_random

    from bench.scenarios.build import _moto_env
    from bench.scenarios.builder import Builder
    from bench.scenarios.faults import FaultApplier
    from bench.scenarios.spec import load_scenario
    from bench.world.reader import read_account

    path = tmp / "gaps.yaml"
    path.write_text(json.dumps(SCENARIO))
    src = load_scenario(path)
    ctx = BuildContext(scenario="moto-gaps", account_id="123456789012")
    with _moto_env(), mock_aws():
        mock_random.seed(5)
        b = Builder(src, ctx)
        b.build()
        if fault:
            FaultApplier(b).apply(fault)
        return read_account(b.session, sorted(ctx.regions)), ctx


@pytest.fixture(scope="module")
def moto_raw(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], BuildContext]]:
    tmp = tmp_path_factory.mktemp("gaps")
    return {"baseline": _raw(tmp, None), "gone": _raw(tmp, "gone")}


def _fresh(moto_raw, world: str = "baseline", upto: Any = None) -> tuple[dict[str, Any], BuildContext]:
    raw, ctx = moto_raw[world]
    raw, ctx = copy.deepcopy(raw), copy.deepcopy(ctx)
    for fix in C.CORRECTIONS:
        if fix is upto:
            break
        fix(raw, ctx)
    return raw, ctx


def _use(raw, region: str, key: str, field: str) -> list[dict[str, Any]]:
    return raw[region][key][field]


def _ref(ctx: BuildContext, name: str) -> str:
    return ctx.refs[name].id


def test_default_vpcs_removed(moto_raw) -> None:
    raw, ctx = _fresh(moto_raw, upto=C.remove_default_vpcs)
    assert any(v["IsDefault"] for v in _use(raw, "us-east-1", "ec2:DescribeVpcs", "Vpcs"))  # moto's claim
    assert C.remove_default_vpcs(raw, ctx) == 2
    for region in raw:
        assert not [
            v for v in _use(raw, region, "ec2:DescribeVpcs", "Vpcs") if v["CidrBlock"] == "172.31.0.0/16"
        ]
        assert not [
            s
            for s in _use(raw, region, "ec2:DescribeSubnets", "Subnets")
            if s["CidrBlock"].startswith("172.31.")
        ]


def test_peering_listing_and_accepter_view(moto_raw) -> None:
    raw, ctx = _fresh(moto_raw, upto=C.tgw_peering_listing)
    listed = _use(
        raw,
        "ap-northeast-1",
        "ec2:DescribeTransitGatewayPeeringAttachments",
        "TransitGatewayPeeringAttachments",
    )
    assert any("RequesterTgwInfo" not in p for p in listed)  # moto lists VPC attachments too
    C.tgw_peering_listing(raw, ctx)
    assert all(
        "RequesterTgwInfo" in p
        for p in _use(
            raw,
            "ap-northeast-1",
            "ec2:DescribeTransitGatewayPeeringAttachments",
            "TransitGatewayPeeringAttachments",
        )
    )
    peer, ttgw, tgw = _ref(ctx, "peer"), _ref(ctx, "ttgw"), _ref(ctx, "tgw")
    tokyo = {
        a["TransitGatewayAttachmentId"]: a
        for a in _use(
            raw, "ap-northeast-1", "ec2:DescribeTransitGatewayAttachments", "TransitGatewayAttachments"
        )
    }
    assert tokyo[peer]["TransitGatewayId"] == tgw  # moto: the requester's TGW on the accepter side
    assert C.tgw_peering_accepter_view(raw, ctx) == 1
    assert (tokyo[peer]["TransitGatewayId"], tokyo[peer]["ResourceId"]) == (ttgw, tgw)


def test_attachment_association_rebuilt(moto_raw) -> None:
    raw, ctx = _fresh(moto_raw, "gone", upto=C.tgw_attachment_association)
    peer = _ref(ctx, "peer")
    home = {
        a["TransitGatewayAttachmentId"]: a
        for a in _use(raw, "us-east-1", "ec2:DescribeTransitGatewayAttachments", "TransitGatewayAttachments")
    }
    assert "Association" in home[peer]  # moto keeps it after FIS disassociated the peering
    C.tgw_attachment_association(raw, ctx)
    assert "Association" not in home[peer]
    assert home[_ref(ctx, "att")]["Association"]["State"] == "associated"


def test_tgw_static_routes_get_their_attachment(moto_raw) -> None:
    raw, ctx = _fresh(moto_raw, upto=C.tgw_static_route_attachments)
    routes = next(iter(raw["us-east-1"]["ec2:SearchTransitGatewayRoutes"].values()))["Routes"]
    static = next(r for r in routes if r["DestinationCidrBlock"] == "10.9.0.0/16")
    assert static["TransitGatewayAttachments"] == []  # moto's claim
    C.tgw_static_route_attachments(raw, ctx)
    assert static["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"] == _ref(ctx, "peer")
    assert static["TransitGatewayAttachments"][0]["ResourceType"] == "peering"


def test_tgw_propagation_creates_routes(moto_raw) -> None:
    raw, ctx = _fresh(moto_raw, upto=C.tgw_propagated_routes)
    routes = next(iter(raw["us-east-1"]["ec2:SearchTransitGatewayRoutes"].values()))["Routes"]
    assert not [r for r in routes if r.get("Type") == "propagated"]  # moto's claim
    C.tgw_propagated_routes(raw, ctx)
    routes = next(iter(raw["us-east-1"]["ec2:SearchTransitGatewayRoutes"].values()))["Routes"]
    prop = [r for r in routes if r.get("Type") == "propagated"]
    assert [r["DestinationCidrBlock"] for r in prop] == ["10.8.0.0/16"]
    assert prop[0]["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"] == _ref(ctx, "att")


def test_vpn_routes_and_vgw_propagation(moto_raw) -> None:
    raw, ctx = _fresh(moto_raw, upto=C.vpn_connection_routes)
    vpn = _use(raw, "us-east-1", "ec2:DescribeVpnConnections", "VpnConnections")[0]
    assert not vpn.get("Routes")  # moto has no CreateVpnConnectionRoute
    C.vpn_connection_routes(raw, ctx)
    assert vpn["Routes"] == [
        {"DestinationCidrBlock": "192.168.0.0/16", "Source": "Static", "State": "available"}
    ]
    table = next(
        t
        for t in _use(raw, "us-east-1", "ec2:DescribeRouteTables", "RouteTables")
        if t["RouteTableId"] == _ref(ctx, "priv-rt")
    )
    assert not table.get("PropagatingVgws")  # moto has no EnableVgwRoutePropagation
    C.vgw_propagated_routes(raw, ctx)
    assert table["PropagatingVgws"] == [{"GatewayId": _ref(ctx, "vgw")}]
    assert {
        "DestinationCidrBlock": "192.168.0.0/16",
        "GatewayId": _ref(ctx, "vgw"),
        "Origin": "EnableVgwRoutePropagation",
        "State": "active",
    } in table["Routes"]


def test_route_to_deleted_nat_is_blackhole(moto_raw) -> None:
    raw, ctx = _fresh(moto_raw, "gone", upto=C.route_blackhole_state)
    table = next(
        t
        for t in _use(raw, "us-east-1", "ec2:DescribeRouteTables", "RouteTables")
        if t["RouteTableId"] == _ref(ctx, "priv-rt")
    )
    nat_route = next(r for r in table["Routes"] if r.get("NatGatewayId"))
    assert nat_route["State"] == "active"  # moto's claim
    C.route_blackhole_state(raw, ctx)
    assert nat_route["State"] == "blackhole"
    assert next(r for r in table["Routes"] if r.get("TransitGatewayId"))["State"] == "active"
    pub = next(
        t
        for t in _use(raw, "us-east-1", "ec2:DescribeRouteTables", "RouteTables")
        if t["RouteTableId"] == _ref(ctx, "pub-rt")
    )
    assert all(r["State"] == "active" for r in pub["Routes"])


def test_nacl_denies_and_icmp(moto_raw) -> None:
    raw, ctx = _fresh(moto_raw, upto=C.nacl_default_denies)
    acl = next(
        a
        for a in _use(raw, "us-east-1", "ec2:DescribeNetworkAcls", "NetworkAcls")
        if a["NetworkAclId"] == _ref(ctx, "acl")
    )
    assert not [e for e in acl["Entries"] if e["RuleNumber"] == 32767]  # moto's claim
    assert "IcmpTypeCode" not in acl["Entries"][0]  # moto drops it
    C.nacl_default_denies(raw, ctx)
    assert sorted(e["Egress"] for e in acl["Entries"] if e["RuleNumber"] == 32767) == [False, True]
    C.nacl_icmp_type_code(raw, ctx)
    icmp = next(e for e in acl["Entries"] if e["RuleNumber"] == 10)
    assert icmp["IcmpTypeCode"] == {"Code": 0, "Type": 8}


def test_default_sg_self_rule(moto_raw) -> None:
    raw, ctx = _fresh(moto_raw, upto=C.default_sg_self_rule)
    sg = next(
        g
        for g in _use(raw, "us-east-1", "ec2:DescribeSecurityGroups", "SecurityGroups")
        if g["GroupName"] == "default"
    )
    assert sg["IpPermissions"] == []  # moto's claim
    C.default_sg_self_rule(raw, ctx)
    assert sg["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"] == sg["GroupId"]


def test_nat_endpoint_rds_lambda_interfaces(moto_raw) -> None:
    raw, ctx = _fresh(moto_raw, upto=C.nat_gateway_interfaces)
    enis = _use(raw, "us-east-1", "ec2:DescribeNetworkInterfaces", "NetworkInterfaces")
    nat = _use(raw, "us-east-1", "ec2:DescribeNatGateways", "NatGateways")[0]
    nat_eni = next(
        e for e in enis if e["NetworkInterfaceId"] == nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    )
    assert ipaddress.ip_address(nat_eni["PrivateIpAddress"]) not in ipaddress.ip_network(
        "10.8.0.0/24"
    )  # claim
    assert not any(e.get("Description") == "RDSNetworkInterface" for e in enis)  # claim: no RDS ENI
    for fix in (
        C.nat_gateway_interfaces,
        C.interface_endpoint_interfaces,
        C.rds_interfaces,
        C.lambda_interfaces,
    ):
        fix(raw, ctx)
    enis = _use(raw, "us-east-1", "ec2:DescribeNetworkInterfaces", "NetworkInterfaces")
    by_type = {}
    for e in enis:
        by_type.setdefault(
            e["InterfaceType"] if e.get("Description") != "RDSNetworkInterface" else "rds", []
        ).append(e)
    assert (
        by_type["nat_gateway"][0]["PrivateIpAddress"] == "10.8.0.50"
        and by_type["nat_gateway"][0]["Groups"] == []
    )
    ep = by_type["vpc_endpoint"][0]
    assert ipaddress.ip_address(ep["PrivateIpAddress"]) in ipaddress.ip_network("10.8.1.0/24")
    assert [g["GroupId"] for g in ep["Groups"]] == [_ref(ctx, "sg")]
    assert by_type["rds"][0]["PrivateIpAddress"] == "10.8.2.20" and by_type["rds"][0]["SubnetId"] == _ref(
        ctx, "b"
    )
    assert ctx.dns and list(ctx.dns.values()) == [["10.8.2.20"]]
    fn = _use(raw, "us-east-1", "lambda:ListFunctions", "Functions")[0]
    assert fn["VpcConfig"]["VpcId"] == _ref(ctx, "v")
    assert by_type["lambda"][0]["SubnetId"] == _ref(ctx, "b")
    ips = [e["PrivateIpAddress"] for e in enis]
    assert len(ips) == len(set(ips))


def test_asg_instances_spread_over_subnets(moto_raw) -> None:
    raw, ctx = _fresh(moto_raw, upto=C.asg_placement)
    members = [i for r in raw["us-east-1"]["ec2:DescribeInstances"]["Reservations"] for i in r["Instances"]]
    assert len({i["SubnetId"] for i in members}) == 1  # moto's claim: all in the first subnet
    C.asg_placement(raw, ctx)
    assert {i["SubnetId"] for i in members} == {_ref(ctx, "a"), _ref(ctx, "b")}
    for inst in members:
        eni = next(
            e
            for e in raw["us-east-1"]["ec2:DescribeNetworkInterfaces"]["NetworkInterfaces"]
            if e["NetworkInterfaceId"] == inst["NetworkInterfaces"][0]["NetworkInterfaceId"]
        )
        assert eni["SubnetId"] == inst["SubnetId"] and eni["PrivateIpAddress"] == inst["PrivateIpAddress"]
