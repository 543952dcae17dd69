"""``reachbench worlds``: build/--check, list, show, read (moto, read-only), synth; in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.world.snapshot import read_snapshot

TINY = """name: tiny
seed: 2
regions:
  us-east-1:
    vpcs:
      - name: tiny-vpc
        cidr: 10.3.0.0/16
        subnets:
          - {name: tiny-a, cidr: 10.3.1.0/24, az: a}
        security_groups:
          - name: tiny-sg
            ingress:
              - {protocol: tcp, ports: 22, cidr: 10.0.0.0/8}
        instances:
          - {name: tiny-box, subnet: tiny-a, ip: 10.3.1.10, groups: [tiny-sg]}
faults:
  ssh-revoked:
    - revoke_sg_rule: {group: tiny-sg, rule: {protocol: tcp, ports: 22, cidr: 10.0.0.0/8}}
"""

runner = CliRunner()


def _flat(text: str) -> str:
    """Output without whitespace: rich wraps long lines (and long paths) at the terminal width."""
    return "".join(text.split())


@pytest.fixture()
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    scen, worlds = tmp_path / "scenarios", tmp_path / "worlds"
    scen.mkdir()
    (scen / "tiny.yaml").write_text(TINY)
    monkeypatch.setenv("REACHBENCH_SCENARIOS", str(scen))
    monkeypatch.setenv("REACHBENCH_WORLDS", str(worlds))
    return scen, worlds


def test_build_check_list_show(dirs: tuple[Path, Path]) -> None:
    _, worlds = dirs
    result = runner.invoke(app, ["worlds", "build", "--out", str(worlds)])
    assert result.exit_code == 0, result.output
    assert "built 2 worlds" in result.output
    assert sorted(p.name for p in worlds.iterdir()) == ["tiny__baseline.json", "tiny__ssh-revoked.json"]
    result = runner.invoke(app, ["worlds", "build", "tiny", "--out", str(worlds), "--check"])
    assert result.exit_code == 0 and "2 worlds identical" in result.output
    faulted = worlds / "tiny__ssh-revoked.json"
    faulted.write_text(faulted.read_text().replace("10.3.1.10", "10.3.1.11"))
    result = runner.invoke(app, ["worlds", "build", "tiny", "--out", str(worlds), "--check"])
    assert result.exit_code == 1 and "tiny__ssh-revoked: differs" in result.output
    result = runner.invoke(app, ["worlds", "list"])
    assert result.exit_code == 0 and "tiny__baseline" in result.output and "tiny" in result.output
    result = runner.invoke(app, ["worlds", "show", "tiny__baseline", "--json"])
    assert result.exit_code == 0, result.output
    assert "tiny-box" in result.output


def test_build_unknown_scenario_and_bad_yaml(dirs: tuple[Path, Path]) -> None:
    scen, worlds = dirs
    result = runner.invoke(app, ["worlds", "build", "tinyy", "--out", str(worlds)])
    assert result.exit_code == 2 and "didyoumean'tiny'" in _flat(result.output)
    broken = TINY.replace("10.3.1.0/24", "10.3.1.0/33").replace("name: tiny", "name: broken")
    (scen / "broken.yaml").write_text(broken)
    result = runner.invoke(app, ["worlds", "build", "broken", "--out", str(worlds)])
    assert result.exit_code == 2
    assert "broken.yaml" in _flat(result.output) and "subnets[0].cidr" in _flat(result.output)


def test_read_captures_an_account_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    from moto import mock_aws

    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret-value")
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    out = tmp_path / "mine.json"
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="ap-northeast-2")
        ec2.create_vpc(CidrBlock="10.44.0.0/16", TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "seoul-vpc"}]}])
        result = runner.invoke(app, ["worlds", "read", "--region", "ap-northeast-2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "testing-secret-value" not in result.output
    raw = read_snapshot(out)
    assert raw["account_id"] == "123456789012" and list(raw["regions"]) == ["ap-northeast-2"]
    vpcs = raw["regions"]["ap-northeast-2"]["ec2:DescribeVpcs"]["Vpcs"]
    names = [t["Value"] for v in vpcs for t in v.get("Tags", [])]
    assert "seoul-vpc" in names
    assert "testing-secret-value" not in out.read_text()


def test_synth_writes_a_loadable_world(tmp_path: Path) -> None:
    out = tmp_path / "synth.json"
    result = runner.invoke(app, ["worlds", "synth", "--vpcs", "3", "--subnets", "6", "--instances", "12",
                                 "--seed", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    from bench.world.catalog import load_world

    world = load_world(out)
    assert len(world.vpcs) == 3 and len(world.instances) == 12
    again = tmp_path / "again.json"
    runner.invoke(app, ["worlds", "synth", "--vpcs", "3", "--subnets", "6", "--instances", "12",
                        "--seed", "4", "--out", str(again)])
    assert json.loads(out.read_text()) == json.loads(again.read_text())
