"""World catalog: where worlds live, loading by name or path, the cache, errors that name the file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench.world import catalog
from bench.world.snapshot import SnapshotError, write_snapshot
from bench.world.synthetic import generate_snapshot


@pytest.fixture()
def worlds(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(catalog.ENV_VAR, str(tmp_path))
    catalog.clear_cache()
    write_snapshot(
        generate_snapshot(2, 4, 6, seed=0, regions=("us-east-1",)), tmp_path / "alpha__baseline.json"
    )
    write_snapshot(
        generate_snapshot(2, 4, 6, seed=1, regions=("us-east-1",)), tmp_path / "alpha__nacl-all.json"
    )
    (tmp_path / "notes.txt").write_text("not a world")
    yield tmp_path
    catalog.clear_cache()


def test_default_world_dir_is_the_repos(monkeypatch) -> None:
    monkeypatch.delenv(catalog.ENV_VAR, raising=False)
    here = Path(__file__).resolve().parents[1]
    assert catalog.world_dir() == here / "cases" / "worlds"


def test_list_and_load_by_name_and_path(worlds) -> None:
    assert catalog.list_worlds() == ["alpha__baseline", "alpha__nacl-all"]
    by_name = catalog.load_world("alpha__baseline")
    assert len(by_name.instances) == 6
    assert catalog.load_world(worlds / "alpha__baseline.json") is by_name  # same file, cached
    assert catalog.load_world("alpha__nacl-all") is not by_name


def test_cache_follows_file_changes(worlds) -> None:
    first = catalog.load_world("alpha__baseline")
    path = worlds / "alpha__baseline.json"
    write_snapshot(generate_snapshot(2, 4, 8, seed=0, regions=("us-east-1",)), path)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    second = catalog.load_world("alpha__baseline")
    assert second is not first and len(second.instances) == 8


def test_unknown_name_suggests(worlds) -> None:
    with pytest.raises(
        SnapshotError,
        match=r"alpha__basline\.json: no world named 'alpha__basline'.*did you mean "
        r"alpha__baseline",
    ):
        catalog.load_world("alpha__basline")


def test_missing_path(worlds) -> None:
    with pytest.raises(SnapshotError, match=r"nowhere\.json: no such world snapshot"):
        catalog.load_world(worlds / "nowhere.json")


def test_bad_json_names_file_and_line(worlds) -> None:
    bad = worlds / "broken.json"
    bad.write_text('{\n "format": "reachbench-world",\n oops\n}\n')
    with pytest.raises(SnapshotError, match=r"broken\.json: line 3: invalid JSON"):
        catalog.load_world("broken")


def test_malformed_section_names_file_region_key(worlds) -> None:
    raw = json.loads((worlds / "alpha__baseline.json").read_text())
    raw["regions"]["us-east-1"]["ec2:DescribeSubnets"]["Subnets"][0].pop("VpcId")
    (worlds / "bad-section.json").write_text(json.dumps(raw))
    with pytest.raises(SnapshotError) as err:
        catalog.load_world("bad-section")
    text = str(err.value)
    assert str(worlds / "bad-section.json") in text
    assert "regions.us-east-1.ec2:DescribeSubnets: Subnets[0]" in text and "missing field 'VpcId'" in text


def test_wrong_format_field(worlds) -> None:
    (worlds / "other.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(SnapshotError, match=r"other\.json: field 'format'"):
        catalog.load_world("other")


def test_empty_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(catalog.ENV_VAR, str(tmp_path / "absent"))
    assert catalog.list_worlds() == []


def _repo_worlds() -> list[str]:
    saved = os.environ.pop(catalog.ENV_VAR, None)
    try:
        return catalog.list_worlds()
    finally:
        if saved is not None:
            os.environ[catalog.ENV_VAR] = saved


@pytest.mark.parametrize(
    "name", _repo_worlds() or [pytest.param("none", marks=pytest.mark.skip("no worlds built"))]
)
def test_checked_in_worlds_are_referentially_whole(name, monkeypatch) -> None:
    """Every id a checked-in world refers to exists in it: the engine can follow every link."""
    monkeypatch.delenv(catalog.ENV_VAR, raising=False)
    w = catalog.load_world(name)
    for s in w.subnets.values():
        assert (
            s.vpc_id in w.vpcs and s.route_table_id in w.route_tables and s.network_acl_id in w.network_acls
        )
        assert w.route_tables[s.route_table_id].vpc_id == s.vpc_id
    for i in w.instances.values():
        assert i.subnet_id in w.subnets and all(e in w.network_interfaces for e in i.eni_ids)
    for d in w.db_instances.values():
        assert w.network_interfaces[d.eni_id].attached_to == d.id
    for e in w.network_interfaces.values():
        assert e.subnet_id in w.subnets and all(g in w.security_groups for g in e.group_ids)
    for t in w.transit_gateway_route_tables.values():
        assert t.transit_gateway_id in w.transit_gateways
        ids = {a for r in t.routes for a in r.attachment_ids} | set(t.association_attachment_ids)
        assert ids <= set(w.transit_gateway_attachments)
    for sg in w.security_groups.values():
        assert all(g in w.security_groups for r in (*sg.ingress, *sg.egress) for g in r.group_ids)
    assert w.model_validate(w.model_dump()) == w
