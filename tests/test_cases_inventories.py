"""Inventories factored out of case lines: one line per world in ``inventories.jsonl``, expanded on load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cases.export import FEATURES, record_to_case, to_dataset
from bench.cases.loader import (
    INVENTORIES,
    CaseFileError,
    dump_case,
    factor_inline_inventories,
    load_case_file,
    load_suite,
    write_cases,
    write_suite_cases,
)
from bench.cases.schema import Case, CaseInput, Context, Gold, InventoryItem

INV_A = (
    InventoryItem(id="i-a1", type="instance", name="web", region="us-east-1", private_ips=("10.0.0.5",)),
    InventoryItem(id="igw-a", type="internet-gateway", region="us-east-1", tags={"team": "net"}),
)
INV_B = (InventoryItem(id="i-b1", type="instance", name="db", region="eu-west-1", vpc_id="vpc-b"),)


def _case(
    n: int, world: str, inventory: tuple[InventoryItem, ...], split: str = "test", account: str = "111"
) -> Case:
    return Case(
        id=f"mini-{n:03d}",
        suite="mini",
        split=split,  # type: ignore[arg-type]
        world=world,
        lang="en",
        input=CaseInput(
            turns=(f"can web reach db? ({n})",),
            context=Context(home_region="us-east-1", account_id=account, inventory=inventory),
        ),
        gold=Gold(answerable=False, abstain_reason="ambiguous"),
    )


def _suite(folder: Path, cases: list[Case]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "suite.json").write_text(json.dumps({"name": "mini", "version": "1"}), encoding="utf-8")
    write_suite_cases(folder, cases)
    return folder


CASES = [
    _case(1, "w-b", INV_B, "dev"),
    _case(2, "w-a", INV_A),
    _case(3, "w-a", INV_A, "dev"),
    _case(4, "w-b", INV_B),
]


def test_lines_drop_the_inventory_and_loading_restores_it(tmp_path: Path) -> None:
    folder = _suite(tmp_path / "mini", CASES)
    lines = [json.loads(x) for x in (folder / INVENTORIES).read_text(encoding="utf-8").splitlines()]
    assert [x["world"] for x in lines] == ["w-a", "w-b"] and lines[0]["account_id"] == "111"
    assert lines[0]["inventory"][1] == {
        "id": "igw-a",
        "type": "internet-gateway",
        "region": "us-east-1",
        "tags": {"team": "net"},
    }
    for split in ("dev", "test"):
        for text in (folder / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            context = json.loads(text)["input"]["context"]
            assert set(context) == {"home_region", "account_id"}
    suite = load_suite(folder)
    assert sorted(suite.cases, key=lambda c: c.id) == CASES
    # Same input, same bytes; a changed inventory changes the suite's hash.
    again = _suite(tmp_path / "again", list(reversed(CASES)))
    for name in (INVENTORIES, "dev.jsonl", "test.jsonl"):
        assert (again / name).read_bytes() == (folder / name).read_bytes()
    text = (folder / INVENTORIES).read_text(encoding="utf-8").replace('"web"', '"web-2"')
    (again / INVENTORIES).write_text(text, encoding="utf-8")
    changed = load_suite(again)
    assert (
        changed.hash != suite.hash and changed.by_id()["mini-002"].input.context.inventory[0].name == "web-2"
    )


def test_a_world_without_an_inventory_line_names_file_line_and_field(tmp_path: Path) -> None:
    folder = _suite(tmp_path / "mini", CASES)
    keep = [x for x in (folder / INVENTORIES).read_text().splitlines() if '"w-b"' not in x]
    (folder / INVENTORIES).write_text("\n".join(keep) + "\n")
    with pytest.raises(CaseFileError) as info:
        load_suite(folder)
    err = info.value
    assert err.file == str(folder / "dev.jsonl") and err.line == 1 and err.field == "world"
    assert "no inventory for world 'w-b'" in err.reason and INVENTORIES in err.reason
    partial = load_suite(folder, keep_going=True)
    assert [c.id for c in partial.cases] == ["mini-003", "mini-002"]
    assert [(Path(p.file).name, p.line) for p in partial.problems] == [("dev.jsonl", 1), ("test.jsonl", 2)]
    (folder / INVENTORIES).unlink()
    with pytest.raises(CaseFileError, match=r"dev.jsonl:1: world: no inventory for world 'w-b'"):
        load_suite(folder)


def test_account_mismatch_and_bad_inventory_lines(tmp_path: Path) -> None:
    folder = _suite(tmp_path / "mini", CASES)
    path = folder / "test.jsonl"
    path.write_text(path.read_text().replace('"account_id":"111"', '"account_id":"222"', 1))
    with pytest.raises(CaseFileError) as info:
        load_suite(folder)
    assert (info.value.line, info.value.field) == (1, "input.context.account_id")
    assert "'222'" in info.value.reason and "'111'" in info.value.reason

    folder = _suite(tmp_path / "bad", CASES)
    inv = folder / INVENTORIES
    lines = inv.read_text().splitlines()
    bad_item = json.loads(lines[1])
    del bad_item["inventory"][0]["region"]
    inv.write_text("\n".join([lines[0], json.dumps(bad_item)]) + "\n")
    with pytest.raises(CaseFileError, match=r"inventories.jsonl:2: inventory.0.region: Field required"):
        load_suite(folder)
    inv.write_text("\n".join([lines[0], lines[0]]) + "\n")
    with pytest.raises(CaseFileError, match=r"inventories.jsonl:2: world: world 'w-a' appears twice"):
        load_suite(folder)
    inv.write_text(lines[0] + "\n" + json.dumps({"world": "w-b", "inventory": []}) + "\n")
    with pytest.raises(CaseFileError, match=r"inventories.jsonl:2: account_id: required"):
        load_suite(folder)


def test_a_case_that_differs_from_its_world_keeps_its_own(tmp_path: Path) -> None:
    odd = [*CASES, _case(5, "w-a", INV_A[:1]), _case(6, "w-a", ()), _case(7, "w-b", INV_B, account="333")]
    folder = _suite(tmp_path / "mini", odd)
    inline = {
        json.loads(x)["id"]: json.loads(x)["input"]["context"].get("inventory")
        for x in (folder / "test.jsonl").read_text().splitlines()
    }
    assert inline["mini-002"] is None and len(inline["mini-005"]) == 1 and inline["mini-006"] == []
    assert inline["mini-007"] is not None  # another account: not its world's line
    assert sorted(load_suite(folder).cases, key=lambda c: c.id) == odd


def test_write_cases_adds_worlds_to_the_existing_file(tmp_path: Path) -> None:
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "suite.json").write_text(json.dumps({"name": "mini", "version": "1"}))
    write_cases(folder / "dev.jsonl", [c for c in CASES if c.split == "dev"])
    write_cases(folder / "test.jsonl", [c for c in CASES if c.split == "test"])
    worlds = [json.loads(x)["world"] for x in (folder / INVENTORIES).read_text().splitlines()]
    assert worlds == ["w-a", "w-b"]
    assert sorted(load_suite(folder).cases, key=lambda c: c.id) == CASES
    cases, problems = load_case_file(folder / "dev.jsonl")
    assert not problems and [c.input.context.inventory for c in cases] == [INV_B, INV_A]


def test_factor_inline_inventories_is_a_pure_line_transformation(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "suite.json").write_text(json.dumps({"name": "mini", "version": "1"}))
    for split in ("dev", "test"):
        chosen = sorted((c for c in CASES if c.split == split), key=lambda c: c.id)
        (folder / f"{split}.jsonl").write_text("".join(dump_case(c) + "\n" for c in chosen))
    legacy = load_suite(folder)
    assert factor_inline_inventories(folder) == {"dev": 2, "test": 2}
    assert load_suite(folder).cases == legacy.cases
    fresh = _suite(tmp_path / "fresh", CASES)
    for name in (INVENTORIES, "dev.jsonl", "test.jsonl"):
        assert (fresh / name).read_bytes() == (folder / name).read_bytes()
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "test.jsonl").write_text(dump_case(CASES[1]) + "\n" + dump_case(_case(9, "w-a", INV_B)) + "\n")
    with pytest.raises(CaseFileError, match=r"test.jsonl:2: input.context.inventory: differs"):
        factor_inline_inventories(mixed)


def test_to_dataset_encodes_inventories_and_empty_splits(tmp_path: Path) -> None:
    suite = load_suite(_suite(tmp_path / "mini", CASES))
    ds = to_dataset(suite.cases)
    assert ds.features == FEATURES and str(ds.data.schema.field("inventory").type).startswith("list<")
    assert ds[0]["inventory"][0]["id"] == "i-b1"
    assert [record_to_case(r) for r in ds] == suite.cases
    path = tmp_path / "mini.parquet"
    ds.to_parquet(str(path))
    from datasets import Dataset

    assert [record_to_case(r) for r in Dataset.from_parquet(str(path))] == suite.cases
    empty = to_dataset([])
    assert len(empty) == 0 and empty.features == FEATURES
