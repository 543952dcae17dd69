"""Each scorer on hand-built cases with known values, including the field test's three failures."""

from __future__ import annotations

import pytest
from sklearn.metrics import balanced_accuracy_score

from bench.cases.schema import Gold
from bench.model import BlockingComponent, Packet, Query, Translation, Verdict
from scorers import CaseFacts, component_matrix, failure_type, metric_specs, summarize
from scorers.facts import scope_relation

SRC = "i-09f0000000000009"
TOKYO_S3_IP = "35.78.9.203"
BLACKHOLE = BlockingComponent(id="rtb-0aaa", type="route-table", direction="egress")


def unreachable(dest_set: tuple[str, ...] = (), code: str = "BAD_STATE_ROUTE") -> Verdict:
    return Verdict(
        reachable=False, explanation_code=code, blocking_component=BLACKHOLE, destination_set=dest_set
    )


def reachable(dest_set: tuple[str, ...] = ()) -> Verdict:
    return Verdict(
        reachable=True,
        witness=Packet(src="10.0.0.5", dst="1.2.3.4", protocol="tcp"),
        destination_set=dest_set,
    )


def q(**kw: object) -> Query:
    base: dict[str, object] = {"region": "us-east-1", "source": SRC, "destination": TOKYO_S3_IP}
    base.update(kw)
    return Query(**base)  # type: ignore[arg-type]


def gold(query: Query | None, verdict: Verdict | None, answerable: bool = True, **kw: object) -> Gold:
    return Gold(answerable=answerable, query=query, verdict=verdict, **kw)  # type: ignore[arg-type]


def asked(query: Query) -> Translation:
    return Translation(status="query", query=query)


def values(facts: CaseFacts) -> dict[str, float | None]:
    return component_matrix([facts]).scores[0]


# -- the field test -------------------------------------------------------------------------------------
def test_widened_destination_is_a_false_positive_caused_by_widening() -> None:
    g = gold(q(), unreachable(("35.78.9.203/32",)))
    f = CaseFacts(g, asked(q(destination="0.0.0.0/5")), reachable(("0.0.0.0/5",)))
    v = values(f)
    assert v["false_positive_reachability"] == 1.0
    assert f.error_cause == "destination_widened"
    # 0.0.0.0/5 does not even contain 35.78.9.203: disjoint, and 2**27 addresses for one.
    assert f.scope == "disjoint" and v["scope_widened"] == 1.0 and v["scope_equal"] == 0.0
    assert v["destination_match"] == 0.0 and v["source_match"] == 1.0
    assert v["execution_accuracy"] == 0.0 and v["strict_accuracy"] == 0.0
    assert failure_type(f) == "false_positive:destination_widened"


def test_seoul_for_tokyo_is_a_region_error() -> None:
    host = "s3.ap-northeast-1.amazonaws.com"
    g = gold(q(destination=host, protocol="tcp", port=443), unreachable())
    pred = q(destination="s3.ap-northeast-2.amazonaws.com", protocol="tcp", port=443)
    f = CaseFacts(g, asked(pred), reachable())
    v = values(f)
    assert v["region_accuracy"] == 0.0
    assert f.region_pairs["destination_region"] == ("ap-northeast-1", "ap-northeast-2")
    summary = summarize([f], n_resamples=10)
    assert {
        "slot": "destination_region",
        "gold": "ap-northeast-1",
        "predicted": "ap-northeast-2",
        "count": 1,
    } in (summary["tables"]["region_confusion"])
    assert f.error_cause == "other_region"


def test_analysis_region_taken_wrong_is_also_confused() -> None:
    g = gold(q(region="ap-northeast-1", destination="i-0b"), unreachable())
    f = CaseFacts(g, asked(q(region="ap-northeast-2", destination="i-0b")), None)
    assert values(f)["region_accuracy"] == 0.0
    assert f.region_pairs["region"] == ("ap-northeast-1", "ap-northeast-2")


def test_answering_the_cross_region_question_is_an_abstention_miss() -> None:
    cross = q(destination="i-0tokyo", protocol="icmp", destination_region="ap-northeast-1")
    g = gold(cross, unreachable(), answerable=False, abstain_reason="cross_region")
    f = CaseFacts(g, asked(cross), unreachable())
    v = values(f)
    assert v["abstention_recall"] == 0.0 and v["abstention_f1"] == 0.0
    assert v["strict_accuracy"] == 0.0
    assert v["execution_accuracy"] is None  # judged by abstention, not execution
    assert v["answered_accuracy"] == 1.0  # the confident answer is right against the truth
    assert failure_type(f) == "abstention:answered_unanswerable"
    ok = CaseFacts(g, Translation(status="abstain", abstain_reason="cross_region"), None)
    assert values(ok)["abstention_recall"] == 1.0 and values(ok)["strict_accuracy"] == 1.0


# -- resources ------------------------------------------------------------------------------------------
def test_equivalent_eni_counts_only_where_the_case_says_so() -> None:
    gq = q(destination="i-0b")
    plain = gold(gq, unreachable())
    with_eni = gold(gq, unreachable(), equivalents={"destination": ("eni-0b",)})
    pred = asked(q(destination="eni-0b"))
    assert values(CaseFacts(plain, pred, unreachable()))["destination_match"] == 0.0
    assert values(CaseFacts(with_eni, pred, unreachable()))["destination_match"] == 1.0


def test_slot_precision_recall_f1_sum_over_cases() -> None:
    gq = q(destination="i-0b", source_ip="10.0.0.5")  # gold fills 3 slots
    g = gold(gq, unreachable())
    a = CaseFacts(g, asked(q(destination="i-0b")), unreachable())  # tp 2, fp 0, fn 1
    b = CaseFacts(g, asked(q(destination="i-0c", destination_ip="1.1.1.1")), unreachable())  # tp 1 fp 2 fn 2
    c = CaseFacts(g, Translation(status="abstain"), None)  # tp 0 fp 0 fn 3
    m = summarize([a, b, c], n_resamples=0)["metrics"]
    assert m["resource_precision"]["value"] == pytest.approx(3 / 5, abs=1e-6)
    assert m["resource_recall"]["value"] == pytest.approx(3 / 9, abs=1e-6)
    assert m["resource_f1"]["value"] == pytest.approx(6 / (6 + 2 + 6), abs=1e-6)
    # The source endpoint includes its address: a, which dropped the gold source_ip, misses the pair.
    assert m["pair_match"]["value"] == 0.0 and m["destination_match"]["value"] == pytest.approx(
        1 / 3, abs=1e-6
    )


def test_canonical_spellings_match() -> None:
    g = gold(q(destination="S3.ap-northeast-1.amazonaws.com."), unreachable())
    f = CaseFacts(g, asked(q(destination="s3.ap-northeast-1.amazonaws.com")), unreachable())
    assert values(f)["destination_match"] == 1.0
    g2 = gold(q(destination="35.78.9.203/32"), unreachable())
    assert values(CaseFacts(g2, asked(q()), unreachable()))["destination_match"] == 1.0


def test_protocol_port() -> None:
    g = gold(q(protocol="tcp", port=443), unreachable())
    assert (
        values(CaseFacts(g, asked(q(protocol="tcp", port=443)), unreachable()))["protocol_port_accuracy"]
        == 1.0
    )
    f = CaseFacts(g, asked(q(protocol="tcp", port=80)), reachable())
    assert values(f)["protocol_port_accuracy"] == 0.0 and f.error_cause == "protocol_port"


# -- scope ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("gold_set", "pred_set", "relation"),
    [
        (("10.0.0.0/24",), ("10.0.0.0/24",), "equal"),
        (("10.0.0.5/32",), ("10.0.0.0/24",), "wider"),
        (("10.0.0.0/24",), ("10.0.0.5/32",), "narrower"),
        (("10.0.0.0/24",), ("10.0.0.128/25", "10.0.1.0/24"), "overlapping"),
        (("35.78.9.203/32",), ("0.0.0.0/5",), "disjoint"),
        (("10.0.0.0/24",), ("not-a-cidr",), "different_kind"),
    ],
)
def test_scope_relations(gold_set: tuple[str, ...], pred_set: tuple[str, ...], relation: str) -> None:
    assert scope_relation(gold_set, pred_set) == relation


def test_scope_resource_versus_address_is_different_kind() -> None:
    g = gold(q(destination="orders-db"), unreachable())  # an RDS name the engine gave no addresses
    f = CaseFacts(g, asked(q(destination="10.0.0.0/8")), unreachable(("10.0.0.0/8",)))
    assert f.scope == "different_kind" and not f.scope_widened


def test_internet_gateway_without_address_is_a_widened_destination() -> None:
    """The field test as Reachability Analyzer ran it: destination IGW, no address; the path it found
    went to 0.0.0.0/5. The IGW stands for every address, so the destination was widened; the
    translation named no destination Region, so this is not a Region error."""
    g = gold(q(), unreachable(("35.78.9.203/32",)))
    f = CaseFacts(g, asked(q(destination="igw-0a")), reachable(()))
    assert f.scope == "wider" and f.scope_widened
    assert f.error_cause == "destination_widened"
    assert "destination_region" not in f.region_pairs and f.region_ok
    g2 = gold(q(destination="igw-0a", destination_ip=TOKYO_S3_IP), unreachable(("35.78.9.203/32",)))
    assert CaseFacts(g2, asked(q(destination="igw-0a")), reachable()).scope == "wider"
    assert CaseFacts(
        gold(q(destination="igw-0a"), unreachable()), asked(q(destination="igw-0b")), None
    ).scope == ("disjoint")


# -- verdicts -------------------------------------------------------------------------------------------
def test_predicted_verdict_formation() -> None:
    g = gold(q(), unreachable())
    claimed = Translation(status="answer", claimed_verdict=True)
    f = CaseFacts(g, claimed, None)
    assert f.predicted_reachable is True and f.error_cause == "claimed_without_query"
    assert failure_type(f) == "false_positive:claimed_without_query"
    # A query wins over a claim: the engine decides (denotation).
    both = Translation(status="query", query=q(), claimed_verdict=True)
    assert CaseFacts(g, both, unreachable()).predicted_reachable is False
    engine_error = Verdict(error="engine:unknown_resource")
    f2 = CaseFacts(g, asked(q(source="i-nope")), engine_error)
    assert f2.predicted_reachable is None and values(f2)["error_rate"] == 1.0
    assert failure_type(f2) == "engine:unknown_resource"
    err = CaseFacts(g, Translation.failure("translator:timeout"), None)
    assert err.predicted_reachable is None and failure_type(err) == "translator:timeout"


def test_balanced_accuracy_matches_scikit_learn_and_confusion() -> None:
    pos, neg = gold(q(), reachable()), gold(q(), unreachable())
    rows = [
        (pos, reachable()),
        (pos, reachable()),
        (pos, unreachable()),
        (neg, unreachable()),
        (neg, reachable()),
        (neg, unreachable()),
        (neg, unreachable()),
    ]
    facts = [CaseFacts(g, asked(q()), v) for g, v in rows]
    s = summarize(facts, n_resamples=0)
    expected = balanced_accuracy_score([g.verdict.reachable for g, _ in rows], [v.reachable for _, v in rows])
    assert s["metrics"]["balanced_accuracy"]["value"] == pytest.approx(expected, abs=1e-6)
    assert s["metrics"]["execution_accuracy"]["value"] == pytest.approx(5 / 7, abs=1e-6)
    assert s["metrics"]["false_positive_reachability"]["value"] == pytest.approx(1 / 4, abs=1e-6)
    assert s["metrics"]["false_negative_reachability"]["value"] == pytest.approx(1 / 3, abs=1e-6)
    assert s["tables"]["verdict_confusion"]["matrix"] == [[2, 1, 0], [1, 3, 0], [0, 0, 0]]


def test_blocking_component_and_code() -> None:
    g = gold(q(), unreachable(code="SUBNET_ACL_RESTRICTION"), blocking=BLACKHOLE)
    right = CaseFacts(g, asked(q()), unreachable(code="SUBNET_ACL_RESTRICTION"))
    other = Verdict(
        reachable=False,
        explanation_code="ENI_SG_RULES_MISMATCH",
        blocking_component=BlockingComponent(id="sg-1", type="security-group"),
    )
    wrong = CaseFacts(g, asked(q()), other)
    assert values(right)["blocking_component_accuracy"] == 1.0
    assert values(right)["explanation_code_accuracy"] == 1.0
    assert values(wrong)["blocking_component_accuracy"] == 0.0
    assert values(wrong)["explanation_code_accuracy"] == 0.0
    assert (
        values(CaseFacts(gold(q(), reachable()), asked(q()), reachable()))["blocking_component_accuracy"]
        is None
    )


def test_abstention_precision_and_over_abstention() -> None:
    ans = gold(q(), unreachable())
    unans = gold(q(), unreachable(), answerable=False)
    abstain = Translation(status="abstain")
    facts = [
        CaseFacts(unans, abstain, None),  # tp
        CaseFacts(ans, abstain, None),  # fp, over-abstention
        CaseFacts(ans, asked(q()), unreachable()),
        CaseFacts(unans, Translation.failure("translator:timeout"), None),  # fn: an error is no abstention
    ]
    m = summarize(facts, n_resamples=0)["metrics"]
    assert m["abstention_precision"]["value"] == 0.5
    assert m["abstention_recall"]["value"] == 0.5
    assert m["over_abstention"]["value"] == 0.5


def test_specs_carry_direction_and_headline() -> None:
    specs = metric_specs()
    assert specs["strict_accuracy"].headline and specs["strict_accuracy"].higher_is_better
    assert not specs["false_positive_reachability"].higher_is_better
    assert specs["execution_accuracy"].paired_binary and not specs["resource_f1"].paired_binary
    assert all(s.description and s.applies_to for s in specs.values())
