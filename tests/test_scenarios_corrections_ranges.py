"""Public-address and service prefix-list corrections: moto's claim first, then AWS's view.

A small us-east-1 world (a public instance, a NAT gateway, an S3 gateway endpoint) is built in moto once
and read without corrections.
"""

from __future__ import annotations

import copy
import ipaddress
import json
from typing import Any

import pytest

from bench.aws.public_ips import collapsed, ec2_only_nets, in_region_ec2, region_ec2_nets
from bench.scenarios import corrections as C
from bench.scenarios.context import BuildContext
from bench.scenarios.worldinfo import service_dns

REGION = "us-east-1"
SCENARIO = {
    "name": "moto-public",
    "seed": 9,
    "regions": {
        REGION: {
            "vpcs": [
                {
                    "name": "v",
                    "cidr": "10.8.0.0/16",
                    "internet_gateway": "igw",
                    "subnets": [
                        {
                            "name": "pub",
                            "cidr": "10.8.0.0/24",
                            "az": "a",
                            "public": True,
                            "route_table": "pub-rt",
                        },
                        {"name": "priv", "cidr": "10.8.1.0/24", "az": "a", "route_table": "priv-rt"},
                    ],
                    "route_tables": [
                        {"name": "pub-rt", "routes": [{"destination": "0.0.0.0/0", "target": "igw"}]},
                        {"name": "priv-rt", "routes": [{"destination": "0.0.0.0/0", "target": "nat"}]},
                    ],
                    "instances": [{"name": "web", "subnet": "pub", "ip": "10.8.0.10", "public_ip": True}],
                    "nat_gateways": [{"name": "nat", "subnet": "pub", "ip": "10.8.0.50"}],
                    "endpoints": [
                        {"name": "s3", "service": "s3", "type": "Gateway", "route_tables": ["priv-rt"]}
                    ],
                }
            ]
        }
    },
}


@pytest.fixture(scope="module")
def moto_raw(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], BuildContext]:
    from moto import mock_aws
    from moto.moto_api._internal import mock_random

    from bench.scenarios.build import _moto_env
    from bench.scenarios.builder import Builder
    from bench.scenarios.spec import load_scenario
    from bench.world.reader import read_account

    path = tmp_path_factory.mktemp("public") / "public.yaml"
    path.write_text(json.dumps(SCENARIO))
    ctx = BuildContext(scenario="moto-public", account_id="123456789012")
    with _moto_env(), mock_aws():
        mock_random.seed(9)
        b = Builder(load_scenario(path), ctx)
        b.build()
        return read_account(b.session, [REGION]), ctx


def _fresh(moto_raw, upto: Any) -> tuple[dict[str, Any], BuildContext]:
    raw, ctx = copy.deepcopy(moto_raw[0]), copy.deepcopy(moto_raw[1])
    for fix in C.CORRECTIONS:
        if fix is upto:
            break
        fix(raw, ctx)
    return raw, ctx


def _parts(raw: dict[str, Any]) -> tuple[dict, dict, dict, dict]:
    body = raw[REGION]
    nat = body["ec2:DescribeNatGateways"]["NatGateways"][0]
    inst = body["ec2:DescribeInstances"]["Reservations"][0]["Instances"][0]
    enis = {e["NetworkInterfaceId"]: e for e in body["ec2:DescribeNetworkInterfaces"]["NetworkInterfaces"]}
    nat_eni = enis[nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]]
    inst_eni = enis[inst["NetworkInterfaces"][0]["NetworkInterfaceId"]]
    return nat, inst, nat_eni, inst_eni


def test_public_addresses(moto_raw) -> None:
    raw, ctx = _fresh(moto_raw, upto=C.public_addresses)
    nat, inst, nat_eni, inst_eni = _parts(raw)
    # moto's claim: the NAT's Elastic IP is a loopback address, the instance's a us-west-2 one.
    moto_nat = nat["NatGatewayAddresses"][0]["PublicIp"]
    assert ipaddress.ip_address(moto_nat) in ipaddress.ip_network("127.0.0.0/8")
    assert nat_eni["Association"]["PublicIp"] == moto_nat
    assert not in_region_ec2(REGION, inst["PublicIpAddress"])
    assert in_region_ec2("us-west-2", inst["PublicIpAddress"])

    assert C.public_addresses(raw, ctx) >= 4
    nat, inst, nat_eni, inst_eni = _parts(raw)
    only = ec2_only_nets(REGION)
    nat_ip = nat["NatGatewayAddresses"][0]["PublicIp"]
    inst_ip = inst["PublicIpAddress"]
    assert nat_ip != inst_ip
    for ip in (nat_ip, inst_ip):
        assert ipaddress.ip_address(ip).is_global and any(ipaddress.ip_address(ip) in n for n in only)
    # the same address everywhere it appears, with its public DNS name
    assert nat_eni["Association"]["PublicIp"] == nat_ip
    assert nat_eni["PrivateIpAddresses"][0].get("Association", {"PublicIp": nat_ip})["PublicIp"] == nat_ip
    assert inst_eni["Association"]["PublicIp"] == inst_ip
    assert inst["NetworkInterfaces"][0]["Association"]["PublicIp"] == inst_ip
    assert inst["PublicDnsName"] == f"ec2-{inst_ip.replace('.', '-')}.compute-1.amazonaws.com"
    assert (
        nat_eni["Association"]["PublicDnsName"] == f"ec2-{nat_ip.replace('.', '-')}.compute-1.amazonaws.com"
    )
    assert moto_nat not in json.dumps(raw)
    # idempotent, and deterministic (the old address, fixed by the seed, picks the new one)
    assert C.public_addresses(raw, ctx) == 0
    again, ctx2 = _fresh(moto_raw, upto=C.public_addresses)
    C.public_addresses(again, ctx2)
    assert _parts(again)[0]["NatGatewayAddresses"][0]["PublicIp"] == nat_ip


def test_service_prefix_lists_and_dns(moto_raw) -> None:
    raw, ctx = _fresh(moto_raw, upto=C.service_prefix_lists)
    body = raw[REGION]
    lists = {p["PrefixListName"]: p["PrefixListId"] for p in body["ec2:DescribePrefixLists"]["PrefixLists"]}
    s3_id = lists[f"com.amazonaws.{REGION}.s3"]
    moto_cidrs = {e["Cidr"] for e in body["ec2:GetManagedPrefixListEntries"][s3_id]["Entries"]}
    assert moto_cidrs != set(collapsed(REGION, "S3"))  # moto's claim: a stale, partial copy
    # ... so the addresses we used to give s3.us-east-1 (1.178.4.10: the first S3 prefix) fell outside it
    assert not any(ipaddress.ip_address("1.178.4.10") in ipaddress.ip_network(c) for c in moto_cidrs)

    assert C.service_prefix_lists(raw, ctx) == 2
    for service, name in (("S3", "s3"), ("DYNAMODB", "dynamodb")):
        pl_id = lists[f"com.amazonaws.{REGION}.{name}"]
        cidrs = [e["Cidr"] for e in body["ec2:GetManagedPrefixListEntries"][pl_id]["Entries"]]
        assert cidrs == collapsed(REGION, service) and cidrs
        described = next(
            p for p in body["ec2:DescribePrefixLists"]["PrefixLists"] if p["PrefixListId"] == pl_id
        )
        assert described["Cidrs"] == cidrs
    dns = service_dns([REGION], raw)
    entries = [
        ipaddress.ip_network(e["Cidr"]) for e in body["ec2:GetManagedPrefixListEntries"][s3_id]["Entries"]
    ]
    ec2 = region_ec2_nets(REGION)
    for address in dns[f"s3.{REGION}.amazonaws.com"]:
        ip = ipaddress.ip_address(address)
        assert any(ip in n for n in entries)
        assert not any(ip in n for n in ec2)  # an S3 front end, not an EC2 block also listed as S3
    assert len(dns[f"s3.{REGION}.amazonaws.com"]) == 3 and len(dns[f"dynamodb.{REGION}.amazonaws.com"]) >= 1
