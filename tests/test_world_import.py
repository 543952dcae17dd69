"""``reachbench worlds import``: AWS CLI output in, a world out, for every shape users have.

The real-shaped fixtures are Batfish's public test networks in ``<repo>/../shared/data/aws-configs/``
(Apache-2.0, see the NOTICE there); they are read in place, never copied, and the tests skip when the
folder is absent (``REACHBENCH_SHARED`` may point at another ``shared`` folder). The round trip, the
partial/newer data and the CLI are tested on data made here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.engine import Engine
from bench.engine.resolve import KIND_TYPES
from bench.model import Query
from bench.world.catalog import resolve
from bench.world.importer import export_folder, import_folder
from bench.world.normalize import normalize
from bench.world.snapshot import SnapshotError, read_snapshot
from bench.world.summary import not_modelled

REPO = Path(__file__).resolve().parents[1]


def _shared() -> Path | None:
    for base in (os.environ.get("REACHBENCH_SHARED"), REPO.parent / "shared"):
        if base and (Path(base) / "data" / "aws-configs").is_dir():
            return Path(base) / "data" / "aws-configs"
    return None


SHARED = _shared()
FOLDERS = sorted(p.name for p in SHARED.iterdir() if p.is_dir()) if SHARED else []
needs_shared = pytest.mark.skipif(SHARED is None, reason="../shared/data/aws-configs not present")


def imported(folder: str):  # noqa: ANN201
    assert SHARED is not None
    return normalize(import_folder(SHARED / folder).raw, folder)


@needs_shared
@pytest.mark.parametrize("folder", FOLDERS or ["-"])
def test_every_shared_folder_imports_and_every_pair_is_answered(folder: str) -> None:
    """Each folder loads (partial or not), and the engine answers every resource as source and as
    destination without an internal error."""
    world = imported(folder)
    assert world.vpcs, folder
    engine = Engine(world)
    ids = [rid for kind, _ in KIND_TYPES for rid in getattr(world, kind)]
    for src in ids:
        for dst in ids:
            v = engine.analyze(
                Query(region=world.regions[0], source=src, destination=dst, protocol="tcp", port=22)
            )
            assert v.error != "engine:internal", (folder, src, dst, v.message)


@needs_shared
def test_partial_folders_load_with_notes_and_verdicts_say_what_is_missing() -> None:
    world = imported("test")  # no RouteTables.json at all
    assert any(n.startswith("missing route tables: 3 subnet(s)") for n in world.notes)
    assert all(s.route_table_id is None for s in world.subnets.values())
    inst = next(iter(world.instances.values()))
    v = Engine(world).analyze(
        Query(region=inst.region, source=inst.id, destination="8.8.8.8", protocol="tcp", port=443)
    )
    assert v.reachable is False and v.explanation_code == "NO_ROUTE_TO_DESTINATION"
    assert v.message and "route table" in v.message and "only the local route assumed" in v.message
    world = imported("test-vpc-peering-multi-account")  # no NetworkAcls.json
    assert any(n.startswith("missing network ACLs") for n in world.notes)


@needs_shared
def test_multi_account_worlds_keep_each_resources_owner() -> None:
    world = imported("test-transit-gateway-multi-account")
    owners = {v.owner_id for v in world.vpcs.values()}
    assert owners == {"028403472736", "951601349076"}
    assert all(s.owner_id in owners for s in world.subnets.values())
    assert any("accounts:" in n for n in world.notes)
    # The transit gateway is shared through RAM: both accounts report it; its own OwnerId is kept.
    (tgw,) = world.transit_gateways.values()
    assert tgw.owner_id == "028403472736"


@needs_shared
def test_services_not_modelled_are_listed() -> None:
    items = not_modelled(imported("test-load-balancer"))
    assert any("load balancers" in i for i in items) and any("target groups" in i for i in items)
    items = not_modelled(imported("test-direct-connect-gateway"))
    assert any("Direct Connect gateways" in i for i in items)
    assert any("direct-connect-gateway attachment" in i for i in items)
    assert any("vpn attachment" in i for i in items)
    assert any("is stopped" in i for i in not_modelled(imported("hybrid-cloud-aws")))


@needs_shared
def test_tgw_routes_from_propagations_when_only_static_routes_were_captured() -> None:
    """test-direct-connect-gateway captured static routes (none) and propagations: the VPC attachment's
    propagation stands for its route (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html)."""
    world = imported("test-direct-connect-gateway")
    engine = Engine(world)
    table = world.transit_gateway_route_tables["tgw-rtb-dx01"]
    assert not table.routes and "tgw-attach-vpc01" in table.propagation_attachment_ids
    routes = engine.ix.tgw_routes_of(table)
    assert [(r.destination_cidr, r.attachment_ids, r.route_type) for r in routes] == [
        (world.vpcs["vpc-dx01"].cidrs[0], ("tgw-attach-vpc01",), "propagated")
    ]


@needs_shared
def test_analyze_answers_the_hybrid_networks_questions(tmp_path: Path) -> None:
    """hybrid-cloud-aws (one Region in this capture, every instance stopped, no public address): the
    Internet to the border router, the on-premises networks known only from BGP-propagated routes
    (no static VPN route), and an instance reaching out, all answered through the CLI."""
    runner = CliRunner()
    snap = tmp_path / "hybrid.json"
    result = runner.invoke(app, ["worlds", "import", str(SHARED / "hybrid-cloud-aws"), "--out", str(snap)])  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    assert "not modelled" in result.output

    def ask(*args: str) -> dict:
        r = runner.invoke(app, ["analyze", str(snap), *args, "--json"])
        assert r.exit_code == 0, r.output
        return json.loads(r.output)

    v = ask("--source", "igw-9b93ddfc", "--destination", "border_01", "--protocol", "tcp", "--port", "22")
    assert v["reachable"] is False and v["explanation_code"] == "IGW_EXPECTS_PUBLIC_ADDRESS"
    # 10.1.1.0/24 is on-premises only through a propagated (BGP) route to vgw-81fd279f: a source there
    # starts behind that VGW (before, with no static VPN route, it was an unknown address).
    v = ask("--source", "10.1.1.5", "--destination", "10.100.0.9", "--protocol", "tcp", "--port", "22")
    assert v.get("error") is None and v["hops"][1]["id"] == "vgw-81fd279f"
    v = ask("--source", "core_01", "--destination", "8.8.8.8", "--protocol", "tcp", "--port", "443")
    assert v["reachable"] is False and v["explanation_code"] == "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"


def test_a_vpn_branch_instance_reaches_on_premises_through_an_imported_world(tmp_path: Path) -> None:
    """Round trip of a built world through CLI files, then the VPN question on the import."""
    raw = read_snapshot(resolve("vpn-branch__baseline"))
    export_folder(raw, tmp_path / "cli")
    back = import_folder(tmp_path / "cli", name=raw["name"], account=raw["account_id"]).raw
    engine = Engine(normalize(back))
    app_ip = "10.70.1.10"
    v = engine.analyze(
        Query(region="us-east-1", source=app_ip, destination="192.168.10.25", protocol="tcp", port=443)
    )
    assert v.error is None and any(h.type == "vpn-gateway" for h in v.hops)


@pytest.mark.parametrize(
    "name",
    ["field-test__baseline", "vpn-branch__baseline", "hub-spoke__baseline", "private-endpoints__baseline"],
)
def test_round_trip_export_then_import_gives_the_same_world(name: str, tmp_path: Path) -> None:
    """A built world exported as AWS CLI files (one folder per Region) and imported back normalizes to
    the same world: ``worlds read`` and ``worlds import`` of one account agree."""
    raw = read_snapshot(resolve(name))
    written = export_folder(raw, tmp_path)
    assert {p.parent.name for p in written} == set(raw["regions"])
    back = import_folder(tmp_path, name=raw["name"], account=raw["account_id"]).raw
    back["dns"], back["ip_ranges"] = raw.get("dns"), raw.get("ip_ranges")
    a = normalize(raw).model_dump(exclude={"notes", "faults"})
    b = normalize(back).model_dump(exclude={"notes", "faults"})
    assert a == b


def test_imported_multi_region_world_crosses_regions_over_tgw_peering(tmp_path: Path) -> None:
    raw = read_snapshot(resolve("field-test__baseline"))
    export_folder(raw, tmp_path)
    world = normalize(import_folder(tmp_path, name="ft", account=raw["account_id"]).raw)
    engine = Engine(world)
    q = Query(region="us-east-1", source="app-1", destination="tokyo-app", protocol="icmp")
    v = engine.analyze(q)
    assert v.reachable is True and any(h.detail.startswith("peering to") for h in v.hops)
    assert engine.analyze(q, "ra").reason == "cross_region"


def _write(folder: Path, name: str, doc: object) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(doc), encoding="utf-8")


def test_newer_and_partial_data_load_with_notes(tmp_path: Path) -> None:
    """IPv6-only subnets, VPC Lattice endpoints, new TGW attachment types, prefix lists without entries,
    stopped instances, files named as users name them, and a file that is not an AWS response."""
    d = tmp_path / "eu-west-1"
    _write(
        d,
        "describe-vpcs.json",
        {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "OwnerId": "111122223333"}]},
    )
    _write(
        d,
        "subnets-prod.json",
        {
            "Subnets": [
                {
                    "SubnetId": "subnet-4",
                    "VpcId": "vpc-1",
                    "CidrBlock": "10.0.1.0/24",
                    "AvailabilityZone": "eu-west-1a",
                },
                {
                    "SubnetId": "subnet-6",
                    "VpcId": "vpc-1",
                    "AvailabilityZone": "eu-west-1b",
                    "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2001:db8::/64"}],
                },
            ]
        },
    )
    _write(
        d,
        "Reservations.json",
        {
            "Reservations": [
                {
                    "Instances": [
                        {
                            "InstanceId": "i-1",
                            "SubnetId": "subnet-4",
                            "VpcId": "vpc-1",
                            "PrivateIpAddress": "10.0.1.10",
                            "State": {"Name": "stopped"},
                            "SecurityGroups": [],
                            "NetworkInterfaces": [
                                {
                                    "NetworkInterfaceId": "eni-1",
                                    "SubnetId": "subnet-4",
                                    "VpcId": "vpc-1",
                                    "PrivateIpAddress": "10.0.1.10",
                                    "Groups": [],
                                    "PrivateIpAddresses": [
                                        {"PrivateIpAddress": "10.0.1.10", "Primary": True}
                                    ],
                                    "Attachment": {"DeviceIndex": 0},
                                }
                            ],
                        }
                    ]
                }
            ]
        },
    )
    _write(
        d,
        "NetworkInterfaces.json",
        {
            "NetworkInterfaces": [
                {
                    "NetworkInterfaceId": "eni-1",
                    "SubnetId": "subnet-4",
                    "VpcId": "vpc-1",
                    "PrivateIpAddress": "10.0.1.10",
                    "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.10", "Primary": True}],
                    "Groups": [],
                    "InterfaceType": "interface",
                    "Attachment": {"InstanceId": "i-1", "DeviceIndex": 0},
                },
                {
                    "NetworkInterfaceId": "eni-6",
                    "SubnetId": "subnet-6",
                    "VpcId": "vpc-1",
                    "Groups": [],
                    "Ipv6Addresses": [{"Ipv6Address": "2001:db8::5"}],
                    "PrivateIpAddresses": [],
                    "InterfaceType": "interface",
                },
            ]
        },
    )
    _write(
        d,
        "VpcEndpoints.json",
        {
            "VpcEndpoints": [
                {
                    "VpcEndpointId": "vpce-l1",
                    "VpcId": "vpc-1",
                    "VpcEndpointType": "ServiceNetwork",
                    "ServiceNetworkArn": "arn:aws:vpc-lattice:eu-west-1:111122223333:servicenetwork/sn-1",
                    "State": "Available",
                },
                {
                    "VpcEndpointId": "vpce-r1",
                    "VpcId": "vpc-1",
                    "VpcEndpointType": "Resource",
                    "State": "available",
                },
            ]
        },
    )
    _write(
        d, "TransitGateways.json", {"TransitGateways": [{"TransitGatewayId": "tgw-1", "State": "available"}]}
    )
    _write(
        d,
        "TransitGatewayAttachments.json",
        {
            "TransitGatewayAttachments": [
                {
                    "TransitGatewayAttachmentId": f"tgw-attach-{k}",
                    "TransitGatewayId": "tgw-1",
                    "ResourceType": k,
                    "ResourceId": f"r-{k}",
                    "State": "available",
                }
                for k in ("connect", "network-function", "direct-connect-gateway", "vpn", "something-new")
            ]
        },
    )
    _write(
        d,
        "PrefixLists.json",
        {
            "PrefixLists": [
                {
                    "PrefixListId": "pl-cust",
                    "PrefixListName": "offices",
                    "OwnerId": "111122223333",
                    "AddressFamily": "IPv4",
                }
            ]
        },
    )
    _write(d, "LoadBalancers.json", {"LoadBalancers": [{"LoadBalancerArn": "arn:lb"}]})
    _write(d, "notes.json", ["not", "a", "response"])
    (d / "broken.json").write_text("{", encoding="utf-8")
    imp = import_folder(tmp_path)
    world = normalize(imp.raw, str(tmp_path))
    assert world.regions == ("eu-west-1",) and world.account_id == "111122223333"
    assert set(world.subnets) == {"subnet-4"} and "eni-6" not in world.network_interfaces
    assert any("IPv6-only" in n for n in world.notes)
    assert any("missing route tables" in n for n in world.notes) and any(
        "missing network ACLs" in n for n in world.notes
    )
    assert {e.endpoint_type for e in world.vpc_endpoints.values()} == {"ServiceNetwork", "Resource"}
    kinds = {a.resource_type for a in world.transit_gateway_attachments.values()}
    assert kinds == {"connect", "network-function", "direct-connect-gateway", "vpn", "other"}
    items = not_modelled(world)
    for needle in (
        "ServiceNetwork VPC endpoint",
        "network-function attachment",
        "i-1 is stopped",
        "pl-cust (offices) has no entries",
        "load balancers",
    ):
        assert any(needle in i for i in items), (needle, items)
    assert any(s.startswith("eu-west-1/notes.json") for s in imp.skipped)
    assert any(s.startswith("eu-west-1/broken.json: line 1") for s in imp.skipped)
    v = Engine(world).analyze(
        Query(region="eu-west-1", source="i-1", destination="10.0.1.99", protocol="tcp", port=22)
    )
    assert v.error is None


def test_flat_folder_region_and_errors(tmp_path: Path) -> None:
    _write(tmp_path / "flat", "Vpcs.json", {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]})
    with pytest.raises(SnapshotError, match="pass --region"):
        import_folder(tmp_path / "flat")
    assert set(import_folder(tmp_path / "flat", region="ap-south-1").raw["regions"]) == {"ap-south-1"}
    with pytest.raises(SnapshotError, match="no AWS CLI response"):
        _write(tmp_path / "empty", "x.json", {"Foo": []})
        import_folder(tmp_path / "empty")
    with pytest.raises(SnapshotError, match="not a folder"):
        import_folder(tmp_path / "missing")


def test_cli_import_writes_a_snapshot_and_show_lists_what_is_not_modelled(tmp_path: Path) -> None:
    raw = read_snapshot(resolve("web-tier__baseline"))
    export_folder(raw, tmp_path / "cli")
    _write(
        tmp_path / "cli" / "us-east-1", "LoadBalancers.json", {"LoadBalancers": [{"LoadBalancerArn": "a"}]}
    )
    out = tmp_path / "web.json"
    runner = CliRunner()
    r = runner.invoke(app, ["worlds", "import", str(tmp_path / "cli"), "--name", "web", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert read_snapshot(out)["name"] == "web"
    r = runner.invoke(app, ["worlds", "show", str(out), "--json"])
    assert r.exit_code == 0 and "load balancers" in " ".join(json.loads(r.output)["not_modelled"])
    r = runner.invoke(app, ["worlds", "import", str(tmp_path / "nowhere")])
    assert r.exit_code == 2 and "not a folder" in r.output


def test_the_documented_capture_script_is_read_only_and_covers_the_importer() -> None:
    """docs/world-model.md's capture script: every AWS call is a Describe/Get/Search/List, and each
    response it writes is one the importer recognises."""
    import re

    from bench.world.importer import PER_TABLE_KEYS, REGION_KEYS

    text = (REPO / "docs" / "world-model.md").read_text(encoding="utf-8")
    script = text[text.index("```bash") : text.index("```", text.index("```bash") + 3)]
    ops = re.findall(r"aws (?:ec2|rds|autoscaling|lambda) \"?([a-z$-]+)", script)
    assert ops and all(op.startswith(("describe-", "get-", "search-", "list-")) for op in ops), ops
    for key in (
        "TransitGatewayRoutes",
        "TransitGatewayAssociations",
        "TransitGatewayPropagations",
        "ManagedPrefixListEntries",
    ):
        assert key in script and key in PER_TABLE_KEYS
    for call in ("vpcs", "subnets", "route-tables", "network-acls", "transit-gateway-route-tables"):
        assert f" {call} " in script or f" {call} \\" in script
    assert "ec2:DescribeInstances" in REGION_KEYS.values()


def test_a_malformed_section_names_the_file_it_came_from(tmp_path: Path) -> None:
    d = tmp_path / "cap" / "us-east-1"
    _write(d, "Vpcs.json", {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]})
    _write(d, "my-subnets.json", {"Subnets": [{"VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"}]})
    r = CliRunner().invoke(
        app, ["worlds", "import", str(tmp_path / "cap"), "--out", str(tmp_path / "w.json")]
    )
    assert r.exit_code == 2
    text = " ".join(r.output.split())
    assert "Subnets[0]: missing field 'SubnetId'" in text and "us-east-1/my-subnets.json" in text
