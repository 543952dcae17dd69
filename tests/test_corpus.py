"""The checked-in corpus: every case loads, every gold re-derives from the worlds, slices are big
enough, one world regenerates byte for byte, and the seed cases say what the field test found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cases.generate import core_worlds, regenerate_world
from bench.cases.loader import cases_root, dump_case, load_suite
from bench.cases.stats import balance, check_minimums
from bench.cases.validate import cached_engine, check_ids, validate_suite
from bench.model import Query
from bench.world.catalog import list_worlds, load_world

pytestmark = pytest.mark.skipif(
    not (cases_root() / "core" / "suite.json").exists() or not list_worlds(),
    reason="corpus or worlds not present",
)

SEED_STORIES = {
    "story:nacl",
    "story:blackhole",
    "story:correction",
    "story:widened-destination",
    "story:cross-region",
}


@pytest.fixture(scope="module")
def core():  # noqa: ANN201
    return load_suite("core", keep_going=True)


@pytest.fixture(scope="module")
def seed():  # noqa: ANN201
    return load_suite("seed", keep_going=True)


def test_every_case_loads_with_valid_ids(core, seed) -> None:  # noqa: ANN001
    for suite in (core, seed):
        assert suite.problems == [], suite.problems[:3]
        assert check_ids(suite) == []
    assert {c.world for c in core.cases} <= set(list_worlds())


def test_gold_rederives_from_the_worlds(core, seed) -> None:  # noqa: ANN001
    for suite in (seed, core):
        report = validate_suite(suite)
        assert report.ok, [str(p) for p in report.gold_problems[:5]]


def test_size_splits_and_slice_minimums(core) -> None:  # noqa: ANN001
    assert len(core.cases) >= 3000
    shares = balance(core.cases)
    assert 0.17 < shares["dev"] < 0.23
    assert check_minimums(core.cases) == []
    tags = {t for c in core.cases for t in c.tags}
    # Every axis the issue names is present with more than one value.
    for axis in (
        "fault",
        "dest",
        "ref",
        "proto",
        "region",
        "lang",
        "noise",
        "turns",
        "unans",
        "code",
        "src-type",
        "dst-type",
        "world",
        "scenario",
        "intent",
        "reach",
        "answerable",
    ):
        assert len({t for t in tags if t.startswith(axis + ":")}) >= 2, axis
    for kind in ("cross-region", "unsupported-type", "ipv6", "ambiguous", "unknown-resource"):
        assert f"unans:{kind}" in tags


def test_every_world_and_emitted_code_is_covered(core) -> None:  # noqa: ANN001
    tags = {t for c in core.cases for t in c.tags}
    assert {f"world:{w}" for w in core_worlds(list_worlds())} <= tags
    codes = {
        c.gold.verdict.explanation_code
        for c in core.cases
        if c.gold.verdict is not None and c.gold.verdict.reachable is False
    }
    assert {f"code:{code}" for code in codes} <= tags and len(codes) >= 3


def test_one_world_regenerates_byte_for_byte(core) -> None:  # noqa: ANN001
    name = "field-test__nacl-all"
    # The world is checked in: a missing one is a failure, never a reason to skip the check.
    assert name in list_worlds(), f"{name} is not in cases/worlds"
    regenerated = regenerate_world(load_world(name), cached_engine(name), cases_root() / "core")
    stored = sorted((c for c in core.cases if c.world == name), key=lambda c: c.id)
    assert [dump_case(c) for c in regenerated] == [dump_case(c) for c in stored]


def test_suite_hash_is_the_bytes(core) -> None:  # noqa: ANN001
    import hashlib

    folder = cases_root() / "core"
    digest = hashlib.sha256(
        b"".join((folder / name).read_bytes() for name in ("dev.jsonl", "test.jsonl", "inventories.jsonl"))
    )
    assert core.hash == digest.hexdigest()
    meta = json.loads((folder / "suite.json").read_text())
    assert meta["version"] == core.version and set(meta["generator"]["quotas"]) == {
        c.world for c in core.cases
    }


def _story(seed, tag: str):  # noqa: ANN001, ANN202
    found = [c for c in seed.cases if tag in c.tags]
    assert found, tag
    return found


def test_seed_has_exactly_the_field_test_stories(seed) -> None:  # noqa: ANN001
    stories = {t for c in seed.cases for t in c.tags if t.startswith("story:")}
    assert stories == SEED_STORIES and len(seed.cases) == 6
    assert all(c.comment and len(c.comment) > 80 for c in seed.cases)
    langs = {c.lang for c in _story(seed, "story:correction")}
    assert langs == {"en", "ja"}
    assert any("ソウルじゃないよ" in c.input.turns[-1] for c in seed.cases)


def test_seed_nacl_blocks_inbound(seed) -> None:  # noqa: ANN001
    (case,) = _story(seed, "story:nacl")
    v = case.gold.verdict
    assert case.gold.answerable and v.reachable is False and v.explanation_code == "SUBNET_ACL_RESTRICTION"
    assert case.gold.blocking.type == "network-acl" and case.gold.blocking.direction == "ingress"
    world = load_world(case.world)
    assert world.network_acls[case.gold.blocking.id].tags.get("managedByFIS") == "true"


def test_seed_tokyo_address_is_blackholed(seed) -> None:  # noqa: ANN001
    for tag in ("story:blackhole", "story:correction", "story:widened-destination"):
        for case in _story(seed, tag):
            v = case.gold.verdict
            assert case.gold.answerable and v.reachable is False and v.explanation_code == "BAD_STATE_ROUTE"
            assert case.gold.query.region == "us-east-1" and case.gold.query.destination_region is None
    (trap,) = _story(seed, "story:widened-destination")
    assert trap.gold.query.destination == "35.78.9.203"
    engine = cached_engine(trap.world)
    widened = Query(**{**trap.gold.query.model_dump(), "destination": "0.0.0.0/5"})
    assert engine.analyze(widened).reachable is True  # the false positive the field test hit
    baseline = cached_engine("field-test__baseline").analyze(trap.gold.query)
    assert baseline.reachable is True  # the fault, not the topology, blocks it


def test_seed_cross_region_unanswerable_under_ra_unreachable_in_truth(seed) -> None:  # noqa: ANN001
    (case,) = _story(seed, "story:cross-region")
    g = case.gold
    assert g.answerable is False and g.abstain_reason == "cross_region"
    assert g.ra_verdict.analysable is False and g.verdict.reachable is False
    assert g.query.destination_region == "ap-northeast-1"


def test_seed_ids_resolve_to_named_resources(seed) -> None:  # noqa: ANN001
    for case in seed.cases:
        world = load_world(case.world)
        names = {i.id: i.name for i in world.instances.values()}
        assert case.gold.query.source in names
        assert any(case.gold.query.source in t for t in case.input.turns)


def test_translator_input_carries_no_gold(core) -> None:  # noqa: ANN001
    case = core.cases[0]
    text = case.input.model_dump_json()
    assert "explanation_code" not in text and "answerable" not in text
    types = {item.type for c in core.cases[:50] for item in c.input.context.inventory}
    assert not types & {"security-group", "network-acl", "route-table"}
    field = next(c for c in core.cases if c.world.startswith("field-test__"))
    regions = {item.region for item in field.input.context.inventory}
    assert regions == {"us-east-1", "ap-northeast-1"}  # every Region of the account, not just home


def test_checked_in_files_end_with_newline() -> None:
    for path in (cases_root() / "core").glob("*.jsonl"):
        data = path.read_bytes()
        assert data.endswith(b"\n") and b"\r" not in data
    assert Path(cases_root() / "seed" / "test.jsonl").exists()


def test_case_lines_leave_the_inventory_to_their_world(core, seed) -> None:  # noqa: ANN001
    for suite in (core, seed):
        folder = cases_root() / suite.name
        lines = [
            json.loads(x) for x in (folder / "inventories.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        worlds = [x["world"] for x in lines]
        assert worlds == sorted({c.world for c in suite.cases})
        by_world = {x["world"]: x for x in lines}
        for split in suite.splits:
            for text in (folder / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
                assert '"inventory"' not in text
        for case in suite.cases[:200]:
            entry = by_world[case.world]
            assert case.input.context.account_id == entry["account_id"]
            assert [i.id for i in case.input.context.inventory] == [i["id"] for i in entry["inventory"]]
