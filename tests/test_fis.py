"""FIS templates: validation errors name template and field; targets resolve like FIS; effects on worlds."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest

from bench.scenarios import fis
from bench.world.snapshot import read_snapshot

REPO = Path(__file__).resolve().parents[1]
WORLDS = REPO / "cases" / "worlds"
# The team's shared data folder sits beside the checkout (``../shared``); tests that need it skip without it.
SHARED_TEMPLATE = (
    REPO.parent / "shared" / "data" / "fis-templates"
    / "aws-samples-dynamodb-traffic-blackhole-region-impairment.json"
)
OUR_COPY = REPO / "cases" / "scenarios" / "fis" / SHARED_TEMPLATE.name


def _template(**action_overrides) -> fis.Template:
    action = {
        "actionId": fis.DISRUPT,
        "parameters": {"duration": "PT5M", "scope": "all"},
        "targets": {"Subnets": "s"},
    }
    action.update(action_overrides)
    doc = {
        "targets": {
            "s": {"resourceType": "aws:ec2:subnet", "resourceTags": {"Tier": "app"}, "selectionMode": "ALL"}
        },
        "actions": {"a": action},
    }
    return fis.Template("t.json", doc)


@pytest.mark.parametrize(
    ("override", "field", "reason"),
    [
        ({"actionId": "aws:network:disrupt-conectivity"}, "actions.a.actionId", "did you mean"),
        ({"parameters": {"scope": "all"}}, "actions.a.parameters.duration", "required"),
        ({"parameters": {"duration": "10 minutes"}}, "actions.a.parameters.duration", "ISO 8601"),
        (
            {"parameters": {"duration": "PT5M", "scope": "everything"}},
            "actions.a.parameters.scope",
            "not one of",
        ),
        ({"parameters": {"duration": "PT5M", "scope": "prefix-list"}}, "prefixListIdentifier", "required"),
        (
            {"parameters": {"duration": "PT5M", "color": "red"}},
            "actions.a.parameters.color",
            "not a parameter",
        ),
        ({"targets": {"Subnets": "missing"}}, "actions.a.targets.Subnets", "not defined"),
        (
            {"actionId": fis.RT_CROSS, "parameters": {"duration": "PT5M", "region": "ap-northeast-9"}},
            "actions.a.parameters.region",
            "unknown Region",
        ),
        (
            {
                "actionId": fis.TGW_CROSS,
                "parameters": {"duration": "PT5M", "region": "us-west-2"},
                "targets": {"TransitGateways": "s"},
            },
            "targets.s.resourceType",
            "aws:ec2:transit-gateway",
        ),
    ],
)
def test_bad_templates_name_template_and_field(override: dict, field: str, reason: str) -> None:
    with pytest.raises(fis.FisTemplateError) as err:
        fis.validate(_template(**override))
    assert "t.json" in str(err.value) and field in str(err.value) and reason in str(err.value)


def test_selection_modes_are_deterministic_like_fis() -> None:
    cands = [
        (
            f"arn:aws:ec2:us-east-1:1:subnet/subnet-{i}",
            {"Tags": [{"Key": "Tier", "Value": "app"}], "AvailabilityZone": f"us-east-1{'ab'[i % 2]}"},
        )
        for i in range(5)
    ]
    cands.append(("arn:aws:ec2:us-east-1:1:subnet/subnet-x", {"Tags": []}))
    t = _template()
    assert len(fis.select(t, "s", cands)) == 5
    t.doc["targets"]["s"]["selectionMode"] = "COUNT(2)"
    assert fis.select(t, "s", cands) == [cands[0][0], cands[1][0]]
    t.doc["targets"]["s"]["selectionMode"] = "PERCENT(50)"
    assert len(fis.select(t, "s", cands)) == 3
    t.doc["targets"]["s"]["selectionMode"] = "ALL"
    t.doc["targets"]["s"]["filters"] = [{"path": "AvailabilityZone", "values": ["us-east-1b"]}]
    assert [a[-1] for a in fis.select(t, "s", cands)] == ["1", "3"]
    t.doc["targets"]["s"] = {
        "resourceType": "aws:ec2:subnet",
        "selectionMode": "ALL",
        "resourceArns": ["arn:aws:ec2:us-east-1:1:subnet/subnet-nope"],
    }
    with pytest.raises(fis.FisTemplateError, match=r"targets.s.resourceArns\[0\]"):
        fis.select(t, "s", cands)


def test_shared_aws_template_is_used_unmodified() -> None:
    if SHARED_TEMPLATE.exists():
        assert OUR_COPY.read_bytes() == SHARED_TEMPLATE.read_bytes()
    t = fis.load_template(str(OUR_COPY), REPO, "unused")
    planned = {p.name: p for p in fis.validate(t)}
    assert planned["blockDynamoDBTraffic"].modelled and not planned["pauseReplication"].modelled
    assert fis.empty_mode(t) == "skip"
    world = read_snapshot(WORLDS / "private-endpoints__dynamodb-blackhole.json")
    notes = world["provenance"]["notes"]
    assert any("pauseReplication" in n and "not modelled" in n for n in notes)
    acls = world["regions"]["us-east-1"]["ec2:DescribeNetworkAcls"]["NetworkAcls"]
    fis_acls = [a for a in acls if {"Key": "managedByFIS", "Value": "true"} in a.get("Tags", [])]
    assert len(fis_acls) == 2  # both FIS-Ready=True subnets
    ddb = ipaddress.ip_address(world["dns"]["dynamodb.us-east-1.amazonaws.com"][0])
    for acl in fis_acls:
        denies = [e for e in acl["Entries"] if e["RuleAction"] == "deny" and e["RuleNumber"] < 32767]
        assert any(ddb in ipaddress.ip_network(e["CidrBlock"]) for e in denies if not e["Egress"])
        assert any(ddb in ipaddress.ip_network(e["CidrBlock"]) for e in denies if e["Egress"])


def _names(world: dict) -> dict[str, str]:
    return world["provenance"]["names"]


def _region(world: dict, region: str = "us-east-1") -> dict:
    return world["regions"][region]


def test_disrupt_connectivity_all_clones_nacl_and_swaps_association() -> None:
    base, hit = (read_snapshot(WORLDS / f"field-test__{w}.json") for w in ("baseline", "nacl-all"))
    subnet = _names(hit)["lab-private-b"]
    acls = _region(hit)["ec2:DescribeNetworkAcls"]["NetworkAcls"]
    now = next(a for a in acls if any(s["SubnetId"] == subnet for s in a["Associations"]))
    before = next(
        a
        for a in _region(base)["ec2:DescribeNetworkAcls"]["NetworkAcls"]
        if any(s["SubnetId"] == subnet for s in a["Associations"])
    )
    assert now["NetworkAclId"] != before["NetworkAclId"]
    assert {"Key": "managedByFIS", "Value": "true"} in now["Tags"]
    for egress in (False, True):
        rules = sorted((e for e in now["Entries"] if e["Egress"] == egress), key=lambda e: e["RuleNumber"])
        assert rules[0]["CidrBlock"] == "10.0.2.0/24" and rules[0]["RuleAction"] == "allow"  # intra-subnet
        assert rules[1]["CidrBlock"] == "0.0.0.0/0" and rules[1]["RuleAction"] == "deny"
        # The original entries are kept after the FIS entries.
        assert any(e["RuleNumber"] == 100 and e["RuleAction"] == "allow" for e in rules)
    old = next(a for a in acls if a["NetworkAclId"] == before["NetworkAclId"])
    assert subnet not in {s["SubnetId"] for s in old["Associations"]}


def test_cross_region_action_blackholes_the_field_test_address() -> None:
    world = read_snapshot(WORLDS / "field-test__tokyo-blackhole.json")
    target = ipaddress.ip_address(world["dns"]["s3.ap-northeast-1.amazonaws.com"][0])
    assert str(target) == "35.78.9.203"
    tables = _region(world)["ec2:DescribeRouteTables"]["RouteTables"]
    for name in ("lab-private-a", "lab-private-b"):
        subnet = _names(world)[name]
        table = next(t for t in tables if any(a.get("SubnetId") == subnet for a in t["Associations"]))
        assert {"Key": "managedByFIS", "Value": "true"} in table["Tags"]
        covering = [
            r
            for r in table["Routes"]
            if "DestinationCidrBlock" in r and target in ipaddress.ip_network(r["DestinationCidrBlock"])
        ]
        best = max(covering, key=lambda r: ipaddress.ip_network(r["DestinationCidrBlock"]).prefixlen)
        assert best["State"] == "blackhole" and best["DestinationCidrBlock"] != "0.0.0.0/0"
        # The subnet's other routes (NAT default, TGW to Tokyo's VPC, S3 endpoint) are kept.
        assert any(r.get("TransitGatewayId") for r in table["Routes"])
        assert any(r.get("DestinationPrefixListId") for r in table["Routes"])
    assert {p["region"] for p in world["ip_ranges"]["prefixes"]} == {"us-east-1", "ap-northeast-1"}


def test_tgw_action_leaves_peering_attachment_without_association() -> None:
    world = read_snapshot(WORLDS / "field-test__tgw-peering-cut.json")
    peering = _names(world)["lab-tokyo-peering"]
    home = _region(world)
    att = next(
        a
        for a in home["ec2:DescribeTransitGatewayAttachments"]["TransitGatewayAttachments"]
        if a["TransitGatewayAttachmentId"] == peering
    )
    assert "Association" not in att
    assocs = [
        a["TransitGatewayAttachmentId"]
        for r in home["ec2:GetTransitGatewayRouteTableAssociations"].values()
        for a in r["Associations"]
    ]
    assert peering not in assocs and _names(world)["lab-vpc-attachment"] in assocs
    tokyo = _region(world, "ap-northeast-1")["ec2:DescribeTransitGatewayAttachments"][
        "TransitGatewayAttachments"
    ]
    assert any(a["TransitGatewayAttachmentId"] == peering and "Association" in a for a in tokyo)


def test_disrupt_vpc_endpoint_replaces_groups_with_a_ruleless_group() -> None:
    world = read_snapshot(WORLDS / "private-endpoints__sts-endpoint-disrupted.json")
    body = _region(world)
    ep = next(
        e
        for e in body["ec2:DescribeVpcEndpoints"]["VpcEndpoints"]
        if e["VpcEndpointId"] == _names(world)["vault-sts"]
    )
    assert len(ep["Groups"]) == 1
    sg = next(
        g
        for g in body["ec2:DescribeSecurityGroups"]["SecurityGroups"]
        if g["GroupId"] == ep["Groups"][0]["GroupId"]
    )
    assert sg["IpPermissions"] == [] and sg["IpPermissionsEgress"] == []
    assert {"Key": "managedByFIS", "Value": "true"} in sg["Tags"]
    enis = [
        e
        for e in body["ec2:DescribeNetworkInterfaces"]["NetworkInterfaces"]
        if e["NetworkInterfaceId"] in ep["NetworkInterfaceIds"]
    ]
    assert enis and all(e["Groups"] == ep["Groups"] for e in enis)


def test_every_scope_builds_its_deny_entries(tmp_path: Path) -> None:
    from bench.scenarios import build_world, load_scenario

    scopes = ["all", "availability-zone", "dynamodb", "prefix-list", "s3", "s3express", "vpc"]
    targets, actions, subnets = {}, {}, []
    for n, scope in enumerate(scopes):
        params = {"duration": "PT1M", "scope": scope}
        if scope == "prefix-list":
            params["prefixListIdentifier"] = "blocked"
        targets[f"t{n}"] = {
            "resourceType": "aws:ec2:subnet",
            "resourceTags": {"Name": scope},
            "selectionMode": "ALL",
        }
        actions[f"a{n}"] = {"actionId": fis.DISRUPT, "parameters": params, "targets": {"Subnets": f"t{n}"}}
        subnets.append({"name": scope, "cidr": f"10.5.{n}.0/24", "az": "b" if scope == "vpc" else "a"})
    doc = {
        "name": "scopes",
        "seed": 1,
        "regions": {
            "us-east-1": {
                "prefix_lists": [{"name": "blocked", "cidrs": ["192.0.2.0/24"]}],
                "vpcs": [{"name": "v", "cidr": "10.5.0.0/16", "subnets": subnets}],
            }
        },
        "faults": {"every-scope": [{"fis": {"targets": targets, "actions": actions}}]},
    }
    path = tmp_path / "scopes.yaml"
    path.write_text(json.dumps(doc))
    world = build_world(load_scenario(path), "every-scope")
    names = world["provenance"]["names"]
    acls = world["regions"]["us-east-1"]["ec2:DescribeNetworkAcls"]["NetworkAcls"]
    expect = {
        "all": "0.0.0.0/0",
        "availability-zone": "10.5.6.0/24",
        "prefix-list": "192.0.2.0/24",
        "vpc": "0.0.0.0/0",
    }
    for n, scope in enumerate(scopes):
        acl = next(a for a in acls if any(s["SubnetId"] == names[scope] for s in a["Associations"]))
        assert {"Key": "managedByFIS", "Value": "true"} in acl["Tags"], scope
        denies = {
            e["CidrBlock"] for e in acl["Entries"] if e["RuleAction"] == "deny" and e["RuleNumber"] < 32767
        }
        allows = {
            e["CidrBlock"] for e in acl["Entries"] if e["RuleAction"] == "allow" and e["RuleNumber"] < 32767
        }
        if scope in expect:
            assert expect[scope] in denies, scope
        else:  # service scopes: the Region's published ranges of the service
            assert len(denies) > 1 and "0.0.0.0/0" not in denies, scope
        if scope == "availability-zone":
            assert f"10.5.{n}.0/24" not in denies  # same-AZ subnets stay reachable
        if scope == "vpc":
            assert "10.5.0.0/16" in allows
        if scope == "all":
            assert f"10.5.{n}.0/24" in allows
