"""Scenario builds are reproducible, match the checked-in worlds, and bad scenarios fail clearly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.scenarios import ScenarioError, build_scenario, list_scenarios, load_scenario
from bench.scenarios.build import world_names
from bench.world.snapshot import read_snapshot

REPO = Path(__file__).resolve().parents[1]
WORLDS = REPO / "cases" / "worlds"

_BUILD = (
    "import sys; from bench.scenarios import build_scenario; "
    "build_scenario('field-test', sys.argv[1], faults=['combined'])"
)


def test_rebuild_in_two_processes_is_byte_identical(tmp_path: Path) -> None:
    procs = []
    for n in (1, 2):
        env = {**os.environ, "PYTHONHASHSEED": str(n * 17)}
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", _BUILD, str(tmp_path / str(n))],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()[-2000:]
    for name in ("field-test__combined.json",):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


# Company-sized scenarios take a minute or more to build all their worlds.
_LARGE = {"acme-corp"}


@pytest.mark.parametrize(
    "scenario",
    [pytest.param(s, marks=pytest.mark.slow) if s in _LARGE else s for s in list_scenarios()],
)
def test_checked_in_worlds_equal_a_fresh_build(scenario: str, tmp_path: Path) -> None:
    written = build_scenario(scenario, tmp_path)
    assert written, scenario
    for path in written:
        kept = WORLDS / path.name
        assert kept.exists(), f"{kept.name} is not checked in: run reachbench worlds build {scenario}"
        assert kept.read_bytes() == path.read_bytes(), (
            f"{kept.name} differs: run reachbench worlds build {scenario}"
        )
    # And nothing stale: every checked-in world of this scenario is still built.
    stale = {p.name for p in WORLDS.glob(f"{scenario}__*.json")} - {p.name for p in written}
    assert not stale


def test_scenarios_meet_the_brief() -> None:
    assert len(list_scenarios()) >= 7
    field = load_scenario(REPO / "cases" / "scenarios" / "field-test.yaml")
    assert world_names(field) == ["baseline", "nacl-all", "tokyo-blackhole", "tgw-peering-cut", "combined"]
    regions = set()
    for name in list_scenarios():
        src = load_scenario(REPO / "cases" / "scenarios" / f"{name}.yaml")
        regions |= set(src.spec.regions)
        assert len(world_names(src)) >= 4, name
    assert {"us-east-1", "ap-northeast-1", "ap-northeast-2", "us-west-2"} <= regions


def test_field_test_world_contents() -> None:
    world = read_snapshot(WORLDS / "field-test__baseline.json")
    body = world["regions"]["us-east-1"]
    ips = {
        i["PrivateIpAddress"]: i
        for r in body["ec2:DescribeInstances"]["Reservations"]
        for i in r["Instances"]
    }
    assert {"10.0.0.10", "10.0.1.10", "10.0.2.10"} <= set(ips)
    assert "PublicIpAddress" in ips["10.0.0.10"] and "PublicIpAddress" not in ips["10.0.1.10"]
    assert world["dns"]["orders-db.aaaaaaaaaa.us-east-1.rds.amazonaws.com"] == ["10.0.2.20"]
    assert world["dns"]["s3.ap-northeast-1.amazonaws.com"][0] == "35.78.9.203"
    assert [f["FunctionName"] for f in body["lambda:ListFunctions"]["Functions"]] == ["report-fn"]
    assert not [v for v in body["ec2:DescribeVpcs"]["Vpcs"] if v["IsDefault"]]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


BASE = """name: bad
regions:
  us-east-1:
    vpcs:
      - name: v
        cidr: 10.0.0.0/16
        subnets:
          - name: s
            cidr: {cidr}
"""


def test_malformed_yaml_names_file_path_line_and_reason(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE.format(cidr="10.0.0.300/24"))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert f"{path}:9:" in msg and "regions.us-east-1.vpcs[0].subnets[0].cidr" in msg and "CIDR" in msg


def test_yaml_syntax_error_and_unknown_key(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"bad.yaml:\d+: invalid YAML"):
        load_scenario(_write(tmp_path, "name: [unclosed\n"))
    with pytest.raises(ScenarioError, match=r"vpcs\[0\].colour: Extra inputs are not permitted"):
        load_scenario(_write(tmp_path, BASE.format(cidr="10.0.0.0/24") + "        colour: red\n"))


def test_unknown_reference_and_ip_outside_subnet_are_reported_at_their_path(tmp_path: Path) -> None:
    from bench.scenarios import build_world

    text = (
        BASE.format(cidr="10.0.0.0/24")
        + "        instances:\n          - {name: i, subnet: s, ip: 10.0.9.9}\n"
    )
    with pytest.raises(ScenarioError, match=r"vpcs\[0\].instances\[0\].ip: 10.0.9.9 is outside subnet"):
        build_world(load_scenario(_write(tmp_path, text)), "baseline")
    text = BASE.format(cidr="10.0.0.0/24") + "        instances:\n          - {name: i, subnet: nope}\n"
    with pytest.raises(ScenarioError, match=r"instances\[0\].subnet: 'nope' is not defined"):
        build_world(load_scenario(_write(tmp_path, text)), "baseline")


def test_bad_fault_steps_are_reported(tmp_path: Path) -> None:
    from bench.scenarios import FisTemplateError, build_world

    text = (
        BASE.format(cidr="10.0.0.0/24")
        + """faults:
  loop: [{use: loop}]
  typo: [{delete_natgw: {nat_gateway: x}}]
  empty:
    - fis:
        targets: {s: {resourceType: "aws:ec2:subnet", resourceTags: {Name: nothing}, selectionMode: ALL}}
        actions: {a: {actionId: "aws:network:disrupt-connectivity", parameters: {duration: PT1M},
                      targets: {Subnets: s}}}
"""
    )
    src = load_scenario(_write(tmp_path, text))
    with pytest.raises(ScenarioError, match="faults.loop"):
        build_world(src, "loop")
    with pytest.raises(ScenarioError, match=r"faults.typo\[0\]: a step needs exactly one of"):
        build_world(src, "typo")
    with pytest.raises(FisTemplateError, match=r"faults.empty\[0\].fis: targets.s: matches no resource"):
        build_world(src, "empty")


def test_fault_names_must_be_file_safe_and_baseline_empty(tmp_path: Path) -> None:
    base = BASE.format(cidr="10.0.0.0/24")
    with pytest.raises(ScenarioError, match=r"faults.Bad Fault: fault name"):
        load_scenario(_write(tmp_path, base + "faults:\n  Bad Fault: []\n"))
    with pytest.raises(ScenarioError, match=r"faults.baseline: the baseline world has no fault steps"):
        load_scenario(_write(tmp_path, base + "faults:\n  baseline: [{use: x}]\n"))


AURORA = """name: names
regions:
  us-east-1:
    vpcs:
      - name: v
        cidr: 10.0.0.0/16
        subnets:
          - {name: s-a, cidr: 10.0.1.0/24, az: a}
          - {name: s-b, cidr: 10.0.2.0/24, az: b}
        security_groups:
          - {name: db-sg, ingress: [{protocol: tcp, ports: 5432, cidr: 10.0.0.0/16}]}
        instances:
          - {name: app-1, subnet: s-a, ip: 10.0.1.10}
          - {name: stg-app-1, subnet: s-b, ip: 10.0.2.10, tags: {Name: app-1, Env: stg}}
        db_instances:
          - {name: pay-1, engine: aurora-postgresql, cluster: pay, subnet_group: pay-subnets,
             subnets: [s-a, s-b], groups: [db-sg], ip: 10.0.1.20}
          - {name: pay-2, engine: aurora-postgresql, cluster: pay, subnet_group: pay-subnets,
             subnets: [s-a, s-b], groups: [db-sg], ip: 10.0.2.20, tags: {Name: pay-reader}}
"""


def test_name_tag_override_and_aurora_cluster(tmp_path: Path) -> None:
    """Console names may repeat (a ``Name`` in tags wins; the scenario name stays the unique reference), and
    Aurora instances join a DB cluster, which RDS requires for aurora-* engines
    (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html: for Aurora,
    DBClusterIdentifier is required and the cluster manages the security groups and port)."""
    from bench.scenarios import build_world

    raw = build_world(load_scenario(_write(tmp_path, AURORA)), "baseline")
    body = raw["regions"]["us-east-1"]
    tags = {
        i["PrivateIpAddress"]: {t["Key"]: t["Value"] for t in i["Tags"]}
        for r in body["ec2:DescribeInstances"]["Reservations"]
        for i in r["Instances"]
    }
    assert tags["10.0.1.10"]["Name"] == "app-1"
    assert tags["10.0.2.10"] == {"Name": "app-1", "Env": "stg"}
    names = raw["provenance"]["names"]
    assert names["app-1"] != names["stg-app-1"]
    dbs = {d["DBInstanceIdentifier"]: d for d in body["rds:DescribeDBInstances"]["DBInstances"]}
    assert {d["DBClusterIdentifier"] for d in dbs.values()} == {"pay"}
    assert {d["Engine"] for d in dbs.values()} == {"aurora-postgresql"}
    assert {t["Key"]: t["Value"] for t in dbs["pay-2"]["TagList"]}["Name"] == "pay-reader"
    assert raw["dns"][dbs["pay-1"]["Endpoint"]["Address"]] == ["10.0.1.20"]
    assert raw["dns"][dbs["pay-2"]["Endpoint"]["Address"]] == ["10.0.2.20"]
    assert dbs["pay-1"]["Endpoint"]["Port"] == 5432


def test_aurora_engine_needs_a_cluster(tmp_path: Path) -> None:
    from bench.scenarios import build_world

    text = AURORA.replace("cluster: pay, ", "", 1)
    with pytest.raises(ScenarioError, match=r"db_instances\[0\].cluster: Aurora engines need a cluster"):
        build_world(load_scenario(_write(tmp_path, text)), "baseline")
