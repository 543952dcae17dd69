"""Gold verdicts pinned on the field-test worlds built by the scenario builder (cases/worlds/)."""

from __future__ import annotations

import pytest

from bench.engine import engine_for
from bench.model import Query, Verdict


def run(
    fault: str, source: str, destination: str, protocol: str, port: int | None = None, profile: str = "truth"
) -> Verdict:
    engine = engine_for(f"field-test__{fault}")
    query = Query(region="us-east-1", source=source, destination=destination, protocol=protocol, port=port)
    return engine.analyze(query, profile)


@pytest.mark.parametrize("fault", ["nacl-all", "combined"])
def test_nacl_ping_fails_inbound_at_lab_private_b(fault: str) -> None:
    v = run(fault, "app-1", "app-2", "icmp")
    assert (v.reachable, v.explanation_code) == (False, "SUBNET_ACL_RESTRICTION")
    engine = engine_for(f"field-test__{fault}")
    subnet = next(s for s in engine.world.subnets.values() if s.name == "lab-private-b")
    assert v.blocking_component is not None
    assert (v.blocking_component.id, v.blocking_component.direction) == (subnet.network_acl_id, "ingress")
    assert engine.world.network_acls[subnet.network_acl_id].tags.get("managedByFIS") == "true"


def test_baseline_ping_and_db() -> None:
    assert run("baseline", "app-1", "app-2", "icmp").reachable is True
    assert run("baseline", "app-1", "orders-db", "tcp", 5432).reachable is True
    assert run("baseline", "bastion", "app-1", "tcp", 22).reachable is True
    assert run("baseline", "app-2", "app-1", "tcp", 22).explanation_code == "ENI_SG_RULES_MISMATCH"


def test_tokyo_blackhole() -> None:
    v = run("tokyo-blackhole", "app-1", "35.78.9.203", "tcp", 443)
    assert (v.reachable, v.explanation_code) == (False, "BAD_STATE_ROUTE")
    assert v.blocking_component is not None and v.blocking_component.type == "route-table"
    ra = run("tokyo-blackhole", "app-1", "35.78.9.203", "tcp", 443, profile="ra")
    assert (ra.analysable, ra.explanation_code) == (True, "BAD_STATE_ROUTE")
    wide = run("tokyo-blackhole", "app-1", "0.0.0.0/5", "tcp", 443)
    assert wide.reachable is True and wide.witness is not None and wide.witness.dst != "35.78.9.203"
    ok = run("baseline", "app-1", "35.78.9.203", "tcp", 443)
    assert ok.reachable is True and ok.witness is not None and ok.witness.dst == "35.78.9.203"
    assert "nat-gateway" in [h.type for h in ok.hops]


def test_tgw_peering_cut() -> None:
    cut = run("tgw-peering-cut", "app-1", "tokyo-app", "icmp")
    assert cut.reachable is False and cut.explanation_code is not None
    assert cut.explanation_code.startswith("TGW_")
    ra = run("tgw-peering-cut", "app-1", "tokyo-app", "icmp", profile="ra")
    assert (ra.analysable, ra.reason) == (False, "cross_region")
    base = run("baseline", "app-1", "tokyo-app", "icmp")
    assert base.reachable is True
    assert "transit-gateway" in [h.type for h in base.hops]


def test_lambda_is_unsupported() -> None:
    engine = engine_for("field-test__baseline")
    lam = next(iter(engine.world.other_resources.values()))
    v = engine.analyze(
        Query(region="us-east-1", source=lam.id, destination="app-2", protocol="tcp", port=8080)
    )
    assert v.error == "engine:unsupported_type"
    ra = engine.analyze(Query(region="us-east-1", source=lam.id, destination="app-2"), "ra")
    assert (ra.analysable, ra.reason) == (False, "unsupported_type")
