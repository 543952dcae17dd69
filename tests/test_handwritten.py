"""Hand-written questions (tests/data/handwritten_questions.yaml) through ``rules`` and ``retrieval``.

The corpus is generated from templates; these questions are not. They are phrased the way engineers
type into a console (Slack style, typos, pasted ``nc``/``ping``/``traceroute`` output, Japanese,
follow-up corrections, "the internet", "our bastion host") and their expected queries were written by
hand from the Query contract. The floors below are what the translators reach today: a change that
makes them read real questions worse fails here, while the corpus numbers may not move at all.

Run ``python tests/test_handwritten.py`` for the per-question report (what each translator answered).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.cases.inventory import home_region, inventory
from bench.cases.schema import CaseInput, Context, InventoryItem
from bench.model import Translation
from bench.translators.registry import make_translator
from bench.world.catalog import load_world

DATA = Path(__file__).parent / "data" / "handwritten_questions.yaml"
WORLDS = {
    "F": "field-test__baseline",
    "H": "hub-spoke__baseline",
    "W": "web-tier__baseline",
    "P": "private-endpoints__baseline",
}
# Measured: rules 0.575 -> 0.918, retrieval 0.740 -> 0.973 (73 questions) after the v6 fixes.
FLOORS = {"rules": 0.90, "retrieval": 0.96}


@cache
def _context(key: str) -> Context:
    world = load_world(WORLDS[key])
    return Context(home_region=home_region(world), account_id="111122223333", inventory=inventory(world))


def load_questions() -> list[dict[str, Any]]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def _twins(item_id: str, items: tuple[InventoryItem, ...]) -> set[str]:
    """Ids a reviewer accepts for the same endpoint: an instance or DB and the ENI holding its address."""
    item = next((it for it in items if it.id == item_id), None)
    if item is None or not item.private_ips:
        return {item_id}
    if item.type == "network-interface":
        return {item_id} | {
            it.id
            for it in items
            if it.type in ("instance", "db-instance") and it.private_ips[:1] == item.private_ips[:1]
        }
    if item.type in ("instance", "db-instance"):
        return {item_id} | {
            it.id
            for it in items
            if it.type == "network-interface" and it.private_ips[:1] == item.private_ips[:1]
        }
    return {item_id}


def judge(question: dict[str, Any], got: Translation) -> tuple[bool, str]:
    """(correct, why not): every Query slot as expected (with equivalents), or the expected abstention."""
    ctx = _context(question["world"])
    if "abstain" in question:
        if got.status != "abstain":
            return False, f"answered {got.query} instead of abstaining ({question['abstain']})"
        reason = (got.abstain_reason or "").split(":", 1)[0]
        return reason == question["abstain"], f"abstained with {got.abstain_reason!r}"
    if got.status != "query" or got.query is None:
        return False, f"{got.status}: {got.abstain_reason}"
    exp = question["expect"]
    q = got.query
    text = " ".join(question["turns"])
    dst_ok = _twins(exp["destination"], ctx.inventory) | set(question.get("accept", ()))
    dst_item = next((it for it in ctx.inventory if it.id == exp["destination"]), None)
    if dst_item is not None:  # a resource the question named by its address: the address is accepted
        dst_ok |= {ip for ip in (*dst_item.private_ips, *dst_item.public_ips) if ip in text}
    checks = {
        "region": q.region == exp.get("region", ctx.home_region),
        "source": q.source in _twins(exp["source"], ctx.inventory),
        "destination": q.destination.lower() in {d.lower() for d in dst_ok},
        "destination_ip": q.destination_ip == exp.get("destination_ip"),
        "protocol": q.protocol == exp.get("protocol", "any"),
        "port": q.port == exp.get("port"),
        "destination_region": q.destination_region == exp.get("destination_region"),
    }
    wrong = [k for k, ok in checks.items() if not ok]
    return not wrong, f"wrong {', '.join(wrong)}: {q.model_dump(exclude_none=True)}" if wrong else ""


def evaluate(name: str) -> tuple[float, list[tuple[str, str]]]:
    translator = make_translator(name)
    questions = load_questions()
    failures = []
    for question in questions:
        case_input = CaseInput(turns=tuple(question["turns"]), context=_context(question["world"]))
        ok, why = judge(question, translator.translate(case_input))
        if not ok:
            failures.append((question["id"], why))
    return 1 - len(failures) / len(questions), failures


def test_questions_are_well_formed() -> None:
    questions = load_questions()
    ids = [q["id"] for q in questions]
    assert len(ids) == len(set(ids)) >= 60
    for q in questions:
        assert q["world"] in WORLDS and q["turns"], q["id"]
        assert ("expect" in q) != ("abstain" in q), q["id"]
        if "expect" in q:
            known = {it.id for it in _context(q["world"]).inventory}
            for slot in ("source", "destination"):
                value = q["expect"][slot]
                assert value in known or "." in value, f"{q['id']}: {value} is not in {WORLDS[q['world']]}"
        else:
            assert q["abstain"] in {
                "cross_region",
                "unsupported_type",
                "ipv6",
                "ambiguous",
                "unknown_resource",
            }


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_handwritten_accuracy_floor(name: str) -> None:
    accuracy, failures = evaluate(name)
    detail = "\n".join(f"  {qid}: {why}" for qid, why in failures)
    assert accuracy >= FLOORS[name], f"{name}: {accuracy:.3f} < {FLOORS[name]}\n{detail}"


if __name__ == "__main__":  # pragma: no cover - a report for people
    for name in sorted(FLOORS):
        acc, fails = evaluate(name)
        print(f"{name}: {acc:.3f} ({len(load_questions()) - len(fails)}/{len(load_questions())})")
        for qid, why in fails:
            print(f"  {qid}: {why}")
