"""The reference engine on the hand-built field-test world: the verdicts the benchmark is built around."""

from __future__ import annotations

import pytest

from bench.engine import Engine
from bench.engine.testing import field_test_world
from bench.model import EXPLANATION_CODES, Query, Verdict

_ENGINES: dict[str, Engine] = {}


def analyze(
    fault: str,
    source: str,
    destination: str,
    protocol: str = "any",
    port: int | None = None,
    profile: str = "truth",
    **extra: object,
) -> Verdict:
    if fault not in _ENGINES:
        _ENGINES[fault] = Engine(field_test_world(fault))
    query = Query(
        region="us-east-1", source=source, destination=destination, protocol=protocol, port=port, **extra
    )  # type: ignore[arg-type]
    return _ENGINES[fault].analyze(query, profile)


def test_nacl_ping_fails_inbound_on_lab_private_b() -> None:
    v = analyze("nacl-all", "i-app1", "i-app2", "icmp")
    assert v.reachable is False
    assert v.explanation_code == "SUBNET_ACL_RESTRICTION"
    assert v.blocking_component is not None
    assert (v.blocking_component.id, v.blocking_component.direction) == ("acl-fis", "ingress")
    assert analyze("baseline", "i-app1", "i-app2", "icmp").reachable is True


def test_tokyo_blackhole_and_the_widened_destination() -> None:
    v = analyze("tokyo-blackhole", "app-1", "35.78.9.203", "tcp", 443)
    assert (v.reachable, v.explanation_code) == (False, "BAD_STATE_ROUTE")
    assert v.blocking_component is not None and v.blocking_component.id == "rtb-priv-fis"
    wide = analyze("tokyo-blackhole", "app-1", "0.0.0.0/5", "tcp", 443)
    assert wide.reachable is True and wide.witness is not None
    assert wide.destination_set == ("0.0.0.0/5",)
    assert wide.witness.dst != "35.78.9.203"
    ok = analyze("baseline", "app-1", "35.78.9.203", "tcp", 443)
    assert ok.reachable is True and ok.witness is not None and ok.witness.dst == "35.78.9.203"
    assert [h.type for h in ok.hops][-2:] == ["internet-gateway", "internet"]
    # The same address is analysable under the ra profile: it is only a destination address.
    ra = analyze("tokyo-blackhole", "app-1", "35.78.9.203", "tcp", 443, profile="ra")
    assert (ra.analysable, ra.reachable, ra.explanation_code) == (True, False, "BAD_STATE_ROUTE")


def test_cross_region_ping_over_tgw_peering() -> None:
    cut = analyze("tgw-peering-cut", "app-1", "tokyo-app", "icmp")
    assert cut.reachable is False and cut.explanation_code is not None
    assert cut.explanation_code.startswith("TGW_")
    ra = analyze("tgw-peering-cut", "app-1", "tokyo-app", "icmp", profile="ra")
    assert (ra.analysable, ra.reason, ra.reachable) == (False, "cross_region", None)
    base = analyze("baseline", "app-1", "tokyo-app", "icmp")
    assert base.reachable is True
    assert "tgw-attach-peer" in [h.id for h in base.hops]
    # Addressed by IP the query names no Tokyo resource, but the path crosses the peering.
    by_ip = analyze("baseline", "app-1", "10.1.1.10", "icmp", profile="ra")
    assert (by_ip.analysable, by_ip.reason) == (False, "cross_region")


def test_combined_world_reports_the_first_fault_met() -> None:
    v = analyze("combined", "app-1", "app-2", "icmp")
    assert v.explanation_code == "SUBNET_ACL_RESTRICTION"
    assert analyze("combined", "app-1", "35.78.9.203", "tcp", 443).explanation_code == "BAD_STATE_ROUTE"


def test_security_groups_are_stateful_and_reference_groups() -> None:
    assert analyze("baseline", "bastion", "app-1", "tcp", 22).reachable is True
    v = analyze("baseline", "app-2", "app-1", "tcp", 22)  # ssh only from bastion-sg
    assert (v.reachable, v.explanation_code) == (False, "ENI_SG_RULES_MISMATCH")
    assert v.blocking_component is not None and v.blocking_component.direction == "ingress"
    assert analyze("baseline", "app-2", "app-1", "tcp", 8080).reachable is True  # from app-sg itself


def test_igw_needs_a_public_address_and_nat_provides_one() -> None:
    assert analyze("baseline", "bastion", "8.8.8.8", "tcp", 443).reachable is True
    natted = analyze("baseline", "app-1", "8.8.8.8", "tcp", 443)
    assert natted.reachable is True and "nat-lab" in [h.id for h in natted.hops]
    inbound = analyze("baseline", "8.8.8.8", "bastion", "tcp", 22)
    assert inbound.reachable is True and inbound.witness is not None and inbound.witness.dst == "54.1.2.3"
    assert analyze("baseline", "8.8.8.8", "app-1", "tcp", 22).reachable is False


def test_any_protocol_finds_a_working_one() -> None:
    v = analyze("baseline", "app-2", "tokyo-app")
    assert v.reachable is True and v.witness is not None
    assert v.witness.protocol in ("tcp", "icmp")


def test_errors_are_typed_never_raised() -> None:
    assert analyze("baseline", "i-nope", "app-1").error == "engine:unknown_resource"
    assert analyze("baseline", "app-1", "no.such.host.example").error == "engine:unknown_resource"
    lam = "arn:aws:lambda:us-east-1:123456789012:function:f"
    assert analyze("baseline", lam, "app-1").error == "engine:unsupported_type"
    ra = analyze("baseline", lam, "app-1", profile="ra")
    assert (ra.analysable, ra.reason) == (False, "unsupported_type")
    assert analyze("baseline", "app-1", "2001:db8::1", profile="ra").reason == "ipv6"
    assert analyze("baseline", "app-1", "2001:db8::1").error is not None
    assert Engine(field_test_world()).analyze({"region": "us-east-1"}).error == "engine:bad_query"
    assert analyze("baseline", "app-1", "app-2", profile="nope").error == "engine:bad_query"


def test_codes_come_from_the_closed_list() -> None:
    for fault in ("baseline", "nacl-all", "tokyo-blackhole", "tgw-peering-cut", "combined"):
        for src in ("app-1", "app-2", "bastion", "tokyo-app"):
            for dst in ("app-1", "app-2", "bastion", "tokyo-app", "35.78.9.203", "igw-lab", "subnet-pb"):
                v = analyze(fault, src, dst, "icmp")
                assert v.error is None
                if v.reachable is False:
                    assert v.explanation_code in EXPLANATION_CODES and v.blocking_component is not None


@pytest.mark.parametrize(
    ("dest", "expected"),
    [
        ("app-2", ("10.0.2.10/32",)),
        ("10.0.0.0/8", ("10.0.0.0/8",)),
        ("s3.ap-northeast-1.amazonaws.com", ("35.78.9.203/32", "52.219.0.8/32")),
        ("igw-lab", ()),
        ("subnet-pb", ("10.0.2.0/24",)),
    ],
)
def test_destination_set(dest: str, expected: tuple[str, ...]) -> None:
    engine = Engine(field_test_world())
    assert engine.destination_set(Query(region="us-east-1", source="app-1", destination=dest)) == expected


def test_destination_resource_with_address() -> None:
    v = analyze("baseline", "bastion", "igw-lab", "tcp", 443, destination_ip="35.78.9.203")
    assert v.reachable is True and v.witness is not None and v.witness.dst == "35.78.9.203"
    blocked = analyze("baseline", "app-1", "igw-lab", "tcp", 443, destination_ip="10.0.2.10")
    assert blocked.reachable is False


def test_resources_without_interfaces_are_bad_queries() -> None:
    from bench.world.model import AutoScalingGroup

    world = field_test_world()
    empty = AutoScalingGroup(id="empty-asg", region="us-east-1", instance_ids=(), subnet_ids=())
    engine = Engine(world.model_copy(update={"autoscaling_groups": {"empty-asg": empty}}))
    assert (
        engine.analyze(Query(region="us-east-1", source="empty-asg", destination="app-1")).error
        == "engine:bad_query"
    )
    assert (
        engine.analyze(Query(region="us-east-1", source="app-1", destination="empty-asg")).error
        == "engine:bad_query"
    )
