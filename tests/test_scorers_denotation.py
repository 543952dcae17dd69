"""Scorers read the record's denotations: slot match is "same denotation", scope uses the address sets,
and wrong verdicts are attributed by denotation (widened, narrowed, other Region, other endpoint)."""

from __future__ import annotations

from typing import Any

from bench.model import Gold, Query, Translation, Verdict
from scorers import CaseFacts, metrics


def _d(key: str, addresses: tuple[str, ...] = (), region: str | None = "us-east-1", kind: str = "x") -> dict:
    return {"key": key, "kind": kind, "addresses": list(addresses), "region": region}


HOST = _d("enis:eni-1", ("10.0.0.10/32",), kind="instance")
SRC = _d("enis:eni-9", ("10.0.1.9/32",), kind="instance")


def facts(
    gold_dst: str,
    pred_dst: str,
    gold_den: dict,
    pred_den: dict,
    *,
    gold_reachable: bool = True,
    pred_reachable: bool = True,
    port: int = 443,
) -> CaseFacts:
    g = Query(region="us-east-1", source="i-9", destination=gold_dst, protocol="tcp", port=443)
    p = g.model_copy(update={"destination": pred_dst, "port": port})
    den: dict[str, Any] = {
        "gold": {"source": SRC, "destination": gold_den},
        "predicted": {"source": SRC, "destination": pred_den},
    }
    return CaseFacts(
        Gold(answerable=True, query=g, verdict=Verdict(reachable=gold_reachable)),
        Translation(status="query", query=p),
        Verdict(reachable=pred_reachable),
        denotation=den,
    )


def values(f: CaseFacts) -> dict[str, float | None]:
    out = {}
    for name, m in metrics().items():
        comps = m.components(f)
        out[name] = (
            None if comps is None else comps[0] / comps[1] if len(comps) == 2 and comps[1] else comps[0]
        )
    return out


def test_an_address_for_the_instance_holding_it_is_the_same_destination_without_equivalents() -> None:
    f = facts("i-1", "10.0.0.10", HOST, {**HOST, "kind": "address"})
    assert f.slot_match["destination"] and f.destination_ok and f.query_ok
    assert values(f)["destination_match"] == 1.0 and f.scope == "equal"
    # The same translation without denotations (an old record) falls back to spelling: a mismatch.
    plain = CaseFacts(f.gold, f.translation, f.predicted)
    assert not plain.destination_ok


def test_another_endpoint_is_a_mismatch_even_when_listed_nowhere() -> None:
    other = _d("enis:eni-2", ("10.0.0.11/32",), kind="instance")
    f = facts("i-1", "i-2", HOST, other, gold_reachable=False)
    assert not f.destination_ok and f.scope == "disjoint"
    assert f.error_cause == "other_endpoint"


def test_widened_and_narrowed_destinations_by_denoted_address_sets() -> None:
    wide = _d("addresses:10.0.0.0/24", ("10.0.0.0/24",), kind="cidr")
    f = facts("i-1", "10.0.0.0/24", HOST, wide, gold_reachable=False)
    assert f.scope == "wider" and f.scope_widened and f.error_cause == "destination_widened"
    g = facts("10.0.0.0/24", "i-1", wide, HOST, pred_reachable=False)
    assert g.scope == "narrower" and g.error_cause == "destination_narrowed"


def test_the_field_test_translation_is_disjoint_and_widened() -> None:
    gold = _d("addresses:35.78.9.203/32", ("35.78.9.203/32",), "ap-northeast-1", "address")
    pred = _d("addresses:0.0.0.0/5", ("0.0.0.0/5",), None, "cidr")
    f = facts("35.78.9.203", "0.0.0.0/5", gold, pred, gold_reachable=False)
    assert f.scope == "disjoint" and f.scope_widened and f.error_cause == "destination_widened"


def test_an_endpoint_in_another_region_is_attributed_to_the_region() -> None:
    gold = _d("addresses:52.219.0.10/32", ("52.219.0.10/32",), "ap-northeast-1", "hostname")
    pred = _d("addresses:52.219.60.10/32", ("52.219.60.10/32",), "ap-northeast-2", "hostname")
    f = facts("s3.ap-northeast-1.amazonaws.com", "52.219.60.10", gold, pred, gold_reachable=False)
    assert f.other_region and f.error_cause == "other_region"


def test_right_endpoint_wrong_port_is_a_protocol_port_cause() -> None:
    f = facts("i-1", "eni-1", HOST, HOST, gold_reachable=False, port=80)
    assert f.destination_ok and f.error_cause == "protocol_port"


def test_unresolved_names_never_match_even_when_spelled_alike() -> None:
    ghost = _d("unresolved:ghost|", (), None, "unresolved")
    f = facts("ghost", "ghost", ghost, ghost)
    assert not f.destination_ok
