"""The runner on a hand-made suite with a fake engine: oracle perfect, failures scored, resume, shards.

The fake engine answers a query with the gold verdict of the case whose gold query it is, calls a
destination wider than a /8 reachable (the widening failure), and anything else an unknown resource.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from bench.cases.loader import write_cases
from bench.cases.schema import Case, CaseInput, Context, Gold
from bench.model import BlockingComponent, Packet, Query, Translation, Verdict
from bench.run.options import RunOptions, RunOptionsError, parse_shard, select_cases
from bench.run.scoring import rescore
from bench.runner import merge, resume, run
from bench.translators.base import Translator
from bench.translators.oracle import OracleTranslator
from scorers import metric_specs

BLOCK = BlockingComponent(id="acl-0b", type="network-acl", direction="ingress")


def _unreachable(dest: tuple[str, ...] = ()) -> Verdict:
    return Verdict(
        reachable=False,
        explanation_code="SUBNET_ACL_RESTRICTION",
        blocking_component=BLOCK,
        destination_set=dest,
    )


def _reachable(dest: tuple[str, ...] = ()) -> Verdict:
    return Verdict(
        reachable=True, witness=Packet(src="10.0.0.5", dst="10.1.0.5", protocol="tcp"), destination_set=dest
    )


def make_cases(suite: str = "mini", n_extra: int = 12) -> list[Case]:
    ctx = Context(home_region="us-east-1", account_id="123456789012")
    cases = []

    def add(
        cid: str, world: str, query: Query, verdict: Verdict, tags: tuple[str, ...], answerable: bool = True
    ):
        gold = Gold(
            answerable=answerable,
            abstain_reason=None if answerable else "cross_region",
            query=query,
            verdict=verdict,
            blocking=verdict.blocking_component,
        )
        cases.append(
            Case(
                id=cid,
                suite=suite,
                split="test",
                world=world,
                lang="en",
                input=CaseInput(turns=(f"question {cid}",), context=ctx),
                gold=gold,
                tags=tags,
            )
        )

    add(
        "c-ip",
        "w1",
        Query(region="us-east-1", source="i-a", destination="35.78.9.203"),
        _unreachable(("35.78.9.203/32",)),
        ("dest:ip", "fault:route-region"),
    )
    add(
        "c-xr",
        "w2",
        Query(
            region="us-east-1",
            source="i-a",
            destination="i-tokyo",
            protocol="icmp",
            destination_region="ap-northeast-1",
        ),
        _unreachable(),
        ("dest:resource", "fault:tgw"),
        False,
    )
    for i in range(n_extra):
        q = Query(region="us-east-1", source="i-a", destination=f"i-b{i:02d}", protocol="tcp", port=22)
        verdict = _reachable() if i % 3 else _unreachable()
        add(
            f"c-{i:02d}",
            "w1" if i % 2 else "w2",
            q,
            verdict,
            ("dest:resource", f"fault:{'none' if i % 3 else 'nacl'}"),
        )
    return cases


def write_suite(root: Path, cases: list[Case], name: str = "mini") -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "suite.json").write_text(json.dumps({"name": name, "version": "1", "description": "test"}))
    write_cases(folder / "test.jsonl", cases)
    return folder


class FakeEngine:
    def __init__(self, gold: dict[Query, Verdict]) -> None:
        self.gold = gold

    def analyze(self, query: Query, profile: str = "truth") -> Verdict:
        if profile == "ra" and query.destination_region:
            return Verdict(profile="ra", analysable=False, reason="cross_region")
        found = self.gold.get(query)
        if found is not None:
            return found.model_copy(update={"profile": profile})
        if query.destination_kind.value == "cidr" and int(query.destination.split("/")[1]) < 8:
            return _reachable((query.destination,)).model_copy(update={"profile": profile})
        return Verdict(profile=profile, error="engine:unknown_resource", message=query.destination)


def fake_factory(cases: list[Case], loads: list[str] | None = None) -> Any:
    table = {c.gold.query: c.gold.verdict for c in cases if c.gold.query is not None and c.gold.verdict}

    def factory(world: str) -> FakeEngine:
        if loads is not None:
            loads.append(world)
        return FakeEngine(table)

    return factory


class Flaky(Translator):
    """Widens one case, raises on one, returns garbage-as-error on one, answers the rest like the oracle."""

    name = "flaky"
    version = "1"
    cacheable = False

    def __init__(self, cases: list[Case]) -> None:
        super().__init__()
        self.by_turn = {c.input.turns[0]: c for c in cases}

    def _translate(self, case_input: CaseInput) -> Translation:
        case = self.by_turn[case_input.turns[0]]
        if case.id == "c-ip":
            assert case.gold.query is not None
            return Translation(
                status="query", query=case.gold.query.model_copy(update={"destination": "0.0.0.0/5"})
            )
        if case.id == "c-00":
            raise RuntimeError("backend exploded")
        if case.id == "c-01":
            return Translation.failure("parse:invalid_json", raw="{not json")
        assert case.gold.query is not None
        return Translation(status="query", query=case.gold.query)  # also answers the cross-Region one


@pytest.fixture
def suite(tmp_path: Path) -> tuple[Path, list[Case]]:
    cases = make_cases()
    return write_suite(tmp_path / "cases", cases), cases


def _opts(suite_dir: Path, out: Path, **kw: Any) -> RunOptions:
    return RunOptions(translator="oracle", suite=str(suite_dir), out=out, cache="off", n_resamples=200, **kw)


def test_oracle_run_is_perfect_on_every_metric(suite: tuple[Path, list[Case]], tmp_path: Path) -> None:
    folder, cases = suite
    loads: list[str] = []
    result = run(
        _opts(folder, tmp_path / "runs", run_id="oracle"),
        engine_factory=fake_factory(cases, loads),
        progress=False,
    )
    assert sorted(loads) == ["w1", "w2"]  # each world loaded once
    specs = metric_specs()
    for name, cell in result.summary["metrics"].items():
        if cell["n"] == 0:
            continue
        perfect = 1.0 if specs[name].higher_is_better else 0.0
        assert cell["value"] == perfect, name
    assert result.summary["tables"]["failure_types"] == {}
    run_dir = result.run_dir
    assert {p.name for p in run_dir.iterdir()} >= {"run.json", "samples.jsonl", "summary.json"}
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["status"] == "complete" and meta["suite"]["n_cases"] == len(cases)
    assert meta["translator"]["name"] == "oracle"
    lines = (run_dir / "samples.jsonl").read_text().splitlines()
    ids = [json.loads(line)["case_id"] for line in lines]
    assert ids == sorted(c.id for c in cases)


def test_failures_are_scored_and_the_run_goes_on(suite: tuple[Path, list[Case]], tmp_path: Path) -> None:
    folder, cases = suite
    result = run(
        _opts(folder, tmp_path / "runs"),
        engine_factory=fake_factory(cases),
        translator=Flaky(cases),
        progress=False,
    )
    lines = (result.run_dir / "samples.jsonl").read_text().splitlines()
    samples = {json.loads(x)["case_id"]: json.loads(x) for x in lines}
    assert samples["c-ip"]["failure_type"] == "false_positive:destination_widened"
    assert samples["c-ip"]["scores"]["false_positive_reachability"] == 1.0
    assert samples["c-00"]["failure_type"] == "translator:exception"
    assert samples["c-01"]["failure_type"] == "parse:invalid_json"
    assert samples["c-xr"]["failure_type"] == "abstention:answered_unanswerable"
    assert samples["c-xr"]["predicted_ra"]["analysable"] is False
    tables = result.summary["tables"]
    assert tables["false_positive_causes"] == {"destination_widened": 1}
    assert result.summary["metrics"]["abstention_recall"]["value"] == 0.0
    assert result.summary["metrics"]["strict_accuracy"]["value"] == pytest.approx(10 / 14, abs=1e-6)


def test_score_reproduces_summary_byte_for_byte(suite: tuple[Path, list[Case]], tmp_path: Path) -> None:
    folder, cases = suite
    result = run(
        _opts(folder, tmp_path / "runs"),
        engine_factory=fake_factory(cases),
        translator=Flaky(cases),
        progress=False,
    )
    before = (result.run_dir / "summary.json").read_bytes()
    samples_before = (result.run_dir / "samples.jsonl").read_bytes()
    rescore(result.run_dir)
    assert (result.run_dir / "summary.json").read_bytes() == before
    assert (result.run_dir / "samples.jsonl").read_bytes() == samples_before


def _without_latency(run_dir: Path) -> list[dict[str, Any]]:
    out = []
    for line in (run_dir / "samples.jsonl").read_text().splitlines():
        record = json.loads(line)
        record["translation"].pop("latency_ms")
        out.append(record)
    return out


def test_resume_after_interrupt_equals_uninterrupted_run(
    suite: tuple[Path, list[Case]], tmp_path: Path
) -> None:
    folder, cases = suite
    factory = fake_factory(cases)
    whole = run(
        _opts(folder, tmp_path / "a", run_id="r"),
        engine_factory=factory,
        translator=Flaky(cases),
        progress=False,
    )

    stop = threading.Event()
    seen: list[str] = []

    def interrupt_after_five(case_id: str) -> None:
        seen.append(case_id)
        if len(seen) == 5:
            stop.set()

    part = run(
        _opts(folder, tmp_path / "b", run_id="r", jobs=1),
        engine_factory=factory,
        translator=Flaky(cases),
        progress=False,
        stop=stop,
        on_case=interrupt_after_five,
    )
    assert part.meta["status"] == "interrupted" and not (part.run_dir / "summary.json").exists()
    # Simulate a crash mid-write: a torn last line must be dropped and the case redone.
    with (part.run_dir / "samples.jsonl").open("a") as fh:
        fh.write('{"case_id": "c-1')
    done = resume(part.run_dir, engine_factory=factory, translator=Flaky(cases), progress=False)
    assert done.meta["status"] == "complete"
    assert 0 < done.n_new < len(cases)
    assert (done.run_dir / "summary.json").read_bytes() == (whole.run_dir / "summary.json").read_bytes()
    assert _without_latency(done.run_dir) == _without_latency(whole.run_dir)


def test_shards_merge_to_the_whole_run(suite: tuple[Path, list[Case]], tmp_path: Path) -> None:
    folder, cases = suite
    factory = fake_factory(cases)
    whole = run(_opts(folder, tmp_path / "w", run_id="x"), engine_factory=factory, progress=False)
    shards = [
        run(_opts(folder, tmp_path / "s", shard=(i, 3)), engine_factory=factory, progress=False).run_dir
        for i in (1, 2, 3)
    ]
    merged = merge(shards, tmp_path / "m", run_id="x")
    assert (merged.run_dir / "summary.json").read_bytes() == (whole.run_dir / "summary.json").read_bytes()
    with pytest.raises(ValueError, match="cover"):
        merge(shards[:2], tmp_path / "m2")


def test_selection_limit_tags_shard(suite: tuple[Path, list[Case]]) -> None:
    _, cases = suite
    assert [c.id for c in select_cases(cases, RunOptions(limit=3))] == ["c-00", "c-01", "c-02"]
    assert {c.id for c in select_cases(cases, RunOptions(tags=("dest:ip",)))} == {"c-ip"}
    assert len(select_cases(cases, RunOptions(tags=("fault:*", "dest:resource")))) == 13
    parts = [select_cases(cases, RunOptions(shard=(i, 4))) for i in (1, 2, 3, 4)]
    assert sorted(c.id for p in parts for c in p) == sorted(c.id for c in cases)
    assert parse_shard("2/4") == (2, 4)
    with pytest.raises(RunOptionsError):
        parse_shard("0/4")
    with pytest.raises(RunOptionsError):
        parse_shard("two")


def test_oracle_translator_binding_is_the_only_gold_channel(
    suite: tuple[Path, list[Case]], tmp_path: Path
) -> None:
    folder, cases = suite
    oracle = OracleTranslator()
    result = run(
        _opts(folder, tmp_path / "runs"),
        engine_factory=fake_factory(cases),
        translator=oracle,
        progress=False,
    )
    assert result.summary["metrics"]["strict_accuracy"]["value"] == 1.0
