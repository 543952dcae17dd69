"""Test-suite accuracy: path-cutting variants, cross-world verdicts and the property checks of issue 12.

Property 1: a query rewritten into an equivalent form (instance -> its only interface, an address <->
the instance that holds only it, an RDS endpoint hostname -> its address) always gets suite credit.
Property 2: a query whose destination (or source) is changed to another instance never does, on a suite
built to separate them (every cut of the gold path, so the gold endpoint's own interface is isolated in
one variant and a destination instance stopped in another:
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Stop_Start.html).
"""

from __future__ import annotations

from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.engine import Engine, engine_for
from bench.engine.variants import Cut, apply_cut, choose, path_cuts
from bench.model import Gold, Query, Translation, Verdict
from bench.run.crossworld import CrossWorld, signature
from bench.run.records import suite_split
from scorers import CaseFacts
from scorers.verdict import suite_accuracy

FT = "field-test__baseline"


@lru_cache(maxsize=1)
def core_golds() -> tuple[tuple[str, Query], ...]:
    from bench.cases.loader import load_suite

    suite = load_suite("core", splits=["test"])
    seen: dict[tuple[str, str], tuple[str, Query]] = {}
    for case in suite.cases:
        if case.gold.answerable and case.gold.query is not None:
            seen.setdefault((case.world, case.gold.query.model_dump_json()), (case.world, case.gold.query))
    return tuple(v for _, v in sorted(seen.items(), key=lambda kv: kv[0]))


@lru_cache(maxsize=4)
def cross(variants: int) -> CrossWorld:
    return CrossWorld(variants=variants, seed=7)


def _rewrites(world: str, q: Query) -> list[Query]:
    """Equivalent spellings of ``q``'s endpoints in ``world`` (same interfaces, same address set)."""
    w = engine_for(world).world
    out: list[Query] = []
    for slot, ip_slot in (("source", "source_ip"), ("destination", "destination_ip")):
        text = getattr(q, slot)
        if getattr(q, ip_slot) is not None:
            continue
        inst = w.instances.get(text)
        if inst is not None and len(inst.eni_ids) == 1:
            out.append(q.model_copy(update={slot: inst.eni_ids[0]}))  # instance -> its ENI
            if inst.public_ip is None and len(w.network_interfaces[inst.eni_ids[0]].private_ips) == 1:
                out.append(q.model_copy(update={slot: inst.private_ip}))  # instance -> its only address
        owner = [i for i in w.instances.values() if i.private_ip == text and len(i.eni_ids) == 1]
        if owner and owner[0].public_ip is None:
            if len(w.network_interfaces[owner[0].eni_ids[0]].private_ips) == 1:
                out.append(q.model_copy(update={slot: owner[0].id}))  # address -> instance
        addrs = engine_for(world).ix.dns.get(text.lower())
        if addrs is not None and len(addrs) == 1 and slot == "destination":
            out.append(q.model_copy(update={slot: addrs[0]}))  # hostname -> its address
    return out


def _rewritable() -> list[tuple[str, Query, Query]]:
    return [(w, q, r) for w, q in core_golds() for r in _rewrites(w, q)]


@lru_cache(maxsize=1)
def rewritable() -> tuple[tuple[str, Query, Query], ...]:
    return tuple(_rewritable())


def _agrees(world: str, gold: Query, pred: Query, variants: int) -> bool:
    suite = cross(variants).suite(world, gold, pred)
    return suite["gold"] == suite["predicted"]


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_equivalent_rewriting_always_gets_suite_credit(data: st.DataObject) -> None:
    world, gold, rewritten = data.draw(st.sampled_from(rewritable()))
    assert _agrees(world, gold, rewritten, variants=4), (world, gold, rewritten)
    # and the other way round (address -> instance, ENI -> instance, address -> hostname): the rewritten
    # query as gold gets its own suite (its own variants), on which the original is credited too
    assert _agrees(world, rewritten, gold, variants=4), (world, rewritten, gold)
    # and the denotation calls the endpoints the same
    d = cross(4).denotation(world, gold, rewritten)
    assert d["gold"]["source"]["key"] == d["predicted"]["source"]["key"]
    assert d["gold"]["destination"]["key"] == d["predicted"]["destination"]["key"]


def _separable() -> list[tuple[str, Query, str]]:
    """Golds with an instance endpoint that are reachable in some world of their scenario: their suite
    has every cut of that path, the endpoint's own interface isolated (and, for a destination, its
    instance stopped) among them. Two queries stopped at the same component in every world, e.g. both
    refused by the internet gateway, cannot be told apart by cutting paths, nor can a subnet source that
    holds the gold destination (its host also sends the other query's packets): such golds are not
    "built to separate"."""
    out = []
    for world, q in core_golds():
        w = engine_for(world).world
        for slot in ("source", "destination"):
            if getattr(q, slot) in w.instances and q.source_ip is None and q.destination_ip is None:
                reachable_somewhere = any(
                    engine_for(name).analyze(q).reachable for name in cross(99).scenario_worlds(world)
                )
                if reachable_somewhere and not _self_path(world, q):
                    out.append((world, q, slot))
    return out


def _self_path(world: str, q: Query) -> bool:
    """The source (a subnet, a VPC) holds the destination: the gold's endpoint also sends the packets of
    any other query from that source, so stopping or isolating it cuts both alike."""
    from netaddr import IPSet

    d = cross(99).denotation(world, q, None)["gold"]
    src, dst = IPSet(d["source"]["addresses"]), IPSet(d["destination"]["addresses"])
    return bool(dst) and bool(src & dst)


@lru_cache(maxsize=1)
def separable() -> tuple[tuple[str, Query, str], ...]:
    return tuple(_separable())


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_another_endpoint_never_gets_suite_credit_on_a_separating_suite(data: st.DataObject) -> None:
    world, gold, slot = data.draw(st.sampled_from(separable()))
    w = engine_for(world).world
    here = getattr(gold, slot)
    others = sorted(
        i.id for i in w.instances.values() if i.id != here and i.region == w.instances[here].region
    )
    if not others:
        return
    other = data.draw(st.sampled_from(others))
    pred = gold.model_copy(update={slot: other})
    d = cross(99).denotation(world, gold, pred)
    assert d["gold"][slot]["key"] != d["predicted"][slot]["key"]
    assert not _agrees(world, gold, pred, variants=99), (world, gold, pred)


# -- variants ------------------------------------------------------------------------------------------
def _reachable_gold() -> tuple[Engine, Query, Verdict]:
    engine = engine_for(FT)
    inst = next(i for i in engine.world.instances.values() if i.region == "us-east-1" and i.public_ip is None)
    q = Query(region="us-east-1", source=inst.id, destination="35.78.9.203", protocol="tcp", port=443)
    verdict = engine.analyze(q)
    assert verdict.reachable, verdict
    return engine, q, verdict


def test_every_cut_of_a_reachable_path_is_a_single_change_that_blocks_it() -> None:
    # Each change is one AWS call: revoke a rule (https://docs.aws.amazon.com/vpc/latest/userguide/
    # security-group-rules.html), add a deny entry (.../nacl-rules.html), blackhole or delete a route
    # (.../RouteTables.html), detach the internet gateway (.../VPC_Internet_Gateway.html).
    engine, q, verdict = _reachable_gold()
    cuts = path_cuts(engine.world, verdict.hops, verdict.witness)
    kinds = {c.kind for c in cuts}
    assert {"sg-rule-removed", "route-blackholed", "route-deleted", "igw-detached"} <= kinds, kinds
    for cut in cuts:
        changed = Engine(apply_cut(engine.world, cut, verdict.witness)).analyze(q)
        assert changed.reachable is False, (cut, changed)
    assert engine.analyze(q).reachable  # the original world is unchanged


def test_nacl_deny_cut_blocks_with_the_acl() -> None:
    engine, q, verdict = _reachable_gold()
    acl = next(h.id for h in verdict.hops if h.type == "network-acl")
    changed = Engine(apply_cut(engine.world, Cut("nacl-deny", acl, "egress"), verdict.witness)).analyze(q)
    assert changed.explanation_code == "SUBNET_ACL_RESTRICTION" and changed.blocking_component.id == acl


def test_choice_of_variants_is_seeded_and_reproducible() -> None:
    cuts = [Cut("igw-detached", f"igw-{i}") for i in range(10)]
    a = choose(cuts, 3, "case", 1)
    assert a == choose(cuts, 3, "case", 1) and len(a) == 3 and a == sorted(a, key=cuts.index)
    assert any(choose(cuts, 3, "case", s) != a for s in range(2, 6))
    assert choose(cuts[:2], 3, "case", 1) == cuts[:2] and choose(cuts, 0, "case", 1) == []


def test_suite_worlds_are_the_scenario_baseline_first_then_faults_then_variants() -> None:
    _, q, _ = _reachable_gold()
    suite = CrossWorld(variants=2, seed=3).suite("field-test__tokyo-blackhole", q, q)
    worlds = suite["worlds"]
    assert worlds[0] == "field-test__baseline" and "field-test__tokyo-blackhole" in worlds[:5]
    assert len(worlds) == 5 + 2 and all("~" in w for w in worlds[5:])
    assert suite["gold"] == suite["predicted"] and (suite["variants"], suite["seed"]) == (2, 3)
    assert suite == CrossWorld(variants=2, seed=3).suite("field-test__tokyo-blackhole", q, q)


def test_field_test_trap_agrees_in_baseline_and_parts_in_tokyo_blackhole() -> None:
    """35.78.9.203 (gold) and 0.0.0.0/5 (the assistant's translation) agree in the baseline world and
    part in tokyo-blackhole, where only the Tokyo route is a blackhole."""
    src = "i-b7cbb957b075f864f"
    gold = Query(region="us-east-1", source=src, destination="35.78.9.203")
    pred = gold.model_copy(update={"destination": "0.0.0.0/5"})
    suite = CrossWorld(variants=4, seed=1).suite("field-test__tokyo-blackhole", gold, pred)
    at = {w: (g, p) for w, g, p in zip(suite["worlds"], suite["gold"], suite["predicted"], strict=True)}
    assert at["field-test__baseline"] == ("reachable", "reachable")
    g, p = at["field-test__tokyo-blackhole"]
    assert g.startswith("unreachable:BAD_STATE_ROUTE@") and p == "reachable"
    facts = CaseFacts(
        Gold(
            answerable=True, query=gold, verdict=Verdict(reachable=False, explanation_code="BAD_STATE_ROUTE")
        ),
        Translation(status="query", query=pred),
        None,
        suite=suite,
    )
    assert suite_accuracy(facts) == (0.0,)
    split = suite_split(facts)
    assert (
        split is not None and split["world"] != "field-test__baseline" and split["gold"] != split["predicted"]
    )


def test_signature_is_reachable_or_code_and_component() -> None:
    assert signature(Verdict(reachable=True)) == "reachable"
    assert signature(Verdict(error="engine:unknown_resource")) == "error:engine:unknown_resource"
    engine, q, verdict = _reachable_gold()
    blocked = Engine(apply_cut(engine.world, Cut("igw-detached", verdict.hops[-2].id))).analyze(q)
    assert signature(blocked).startswith("unreachable:")


def test_reports_know_the_new_metric_from_the_registry() -> None:
    # Leaderboard columns (headline), compare's McNemar test (paired 0/1) and the gate's direction.
    from bench.reports.specs import registry_specs

    spec = registry_specs()["suite_accuracy"]
    assert spec.headline and spec.paired_binary and spec.higher_is_better


def test_variant_engine_equals_an_engine_built_from_scratch() -> None:
    from bench.engine.variants import variant_engine

    engine, q, verdict = _reachable_gold()
    for cut in path_cuts(engine.world, verdict.hops, verdict.witness):
        fast = variant_engine(engine, cut, verdict.witness)
        slow = Engine(apply_cut(engine.world, cut, verdict.witness))
        assert fast.world == slow.world and fast.ix.ip_ranges == slow.ix.ip_ranges
        for dst in ("35.78.9.203", "0.0.0.0/5", "s3.ap-northeast-1.amazonaws.com"):
            query = q.model_copy(update={"destination": dst})
            assert fast.analyze(query) == slow.analyze(query)


def test_rescoring_an_old_run_adds_denotations_and_suites_and_show_names_the_split(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A committed run written before test-suite accuracy: ``score`` fills the fields from the worlds,
    states N and the seed in summary.json, and ``show`` prints the first world where the two part."""
    import shutil
    from pathlib import Path

    from typer.testing import CliRunner

    from bench.cli import app
    from bench.run.records import read_samples, samples_path
    from bench.run.scoring import rescore

    source = sorted(Path("results/runs").glob("seed-test-naive-*"))[0]
    run = tmp_path / source.name
    shutil.copytree(source, run)
    summary = rescore(run)
    assert summary["test_suite"] == {"variants": 4, "seed": 20261204}
    assert summary["metrics"]["suite_accuracy"]["n"] == 5
    records = {r["case_id"]: r for r in read_samples(samples_path(run))}
    trap = records["seed-954991374f30"]
    assert trap["denotation"]["gold"]["destination"]["key"] == "addresses:35.78.9.203/32"
    assert trap["test_suite"]["worlds"][0] == "field-test__baseline"
    assert trap["scores"]["suite_accuracy"] == 0.0
    assert records["seed-b0d4c6cb66df"]["test_suite"] is None  # unanswerable: no suite
    again = rescore(run)
    assert again == summary
    shown = CliRunner().invoke(app, ["show", str(run), "--case", "seed-954991374f30"], terminal_width=200)
    assert shown.exit_code == 0 and "suite     parts at field-test__" in shown.output
