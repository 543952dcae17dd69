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
