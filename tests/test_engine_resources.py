"""Every endpoint type, on the scenario worlds: sources and destinations beyond instances."""

from __future__ import annotations

import random

import pytest

from bench.engine import engine_for
from bench.engine.resolve import KIND_TYPES
from bench.model import EXPLANATION_CODES, Query, Verdict
from bench.world.catalog import list_worlds


def ask(
    world: str,
    src: str,
    dst: str,
    proto: str = "tcp",
    port: int | None = 443,
    profile: str = "truth",
    region: str | None = None,
) -> Verdict:
    engine = engine_for(world)
    if region is None:
        from bench.cli.analyze import _infer_region

        region = _infer_region(engine, src)
    return engine.analyze(
        Query(region=region, source=src, destination=dst, protocol=proto, port=port), profile
    )  # type: ignore[arg-type]


def outcome(v: Verdict) -> tuple:
    b = v.blocking_component
    return (v.reachable, v.explanation_code, b.type if b else None, b.direction if b else None)


def test_vpc_endpoints() -> None:
    assert ask("private-endpoints__baseline", "batch-worker-1", "vault-sts").reachable is True
    cut = ask("private-endpoints__sts-endpoint-disrupted", "batch-worker-1", "vault-sts")
    assert outcome(cut) == (False, "SG_HAS_NO_RULES", "security-group", "ingress")
    s3 = ask("private-endpoints__baseline", "batch-worker-1", "vault-s3")
    assert s3.reachable is True and "vpc-endpoint" in [h.type for h in s3.hops]
    # The endpoint's private DNS name resolves to its interfaces.
    name = "vpce-3665fa8bc3eab6244-3af9e69a.sts.us-east-1.vpce.amazonaws.com"
    assert ask("private-endpoints__baseline", "batch-worker-1", name).reachable is True


def test_vpc_peering_and_regions() -> None:
    assert ask("peering-mesh__baseline", "spark-master", "billing-db", port=5432).reachable is True
    deleted = ask("peering-mesh__billing-peering-deleted", "spark-master", "billing-db", port=5432)
    assert outcome(deleted)[:3] == (False, "BAD_STATE_ROUTE", "route-table")
    assert ask("peering-mesh__baseline", "spark-master", "seoul-reporting").reachable is True
    for dst in ("seoul-reporting", "172.20.1.10"):
        ra = ask("peering-mesh__baseline", "spark-master", dst, profile="ra")
        assert (ra.analysable, ra.reason) == (False, "cross_region")
    pcx = ask("peering-mesh__baseline", "spark-master", "analytics-billing")
    assert pcx.reachable is True and pcx.destination_set == ()
    assert (
        ask("peering-mesh__baseline", "billing-db", "spark-master", port=22).explanation_code
        == "ENI_SG_RULES_MISMATCH"
    )


def test_web_tier_gateways_and_asg() -> None:
    assert ask("web-tier__baseline", "web-asg", "8.8.8.8").reachable is True
    assert outcome(ask("web-tier__nat-deleted", "web-asg", "8.8.8.8"))[:2] == (False, "BAD_STATE_ROUTE")
    assert outcome(ask("web-tier__igw-detached", "shop-bastion", "8.8.8.8"))[:2] == (False, "BAD_STATE_ROUTE")
    assert ask("web-tier__baseline", "shop-bastion", "web-asg", port=22).reachable is True
    assert ask("web-tier__baseline", "web-asg", "shop-nat").reachable is True
    assert ask("web-tier__baseline", "web-asg", "shop-igw").reachable is True
    inbound = ask("web-tier__baseline", "shop-igw", "web-asg")
    assert outcome(inbound) == (False, "IGW_EXPECTS_PUBLIC_ADDRESS", "internet-gateway", "ingress")


def test_transit_gateway_and_vpn() -> None:
    assert ask("hub-spoke__baseline", "orders-api-1", "dns-resolver", "udp", 53).reachable is True
    assert ask("hub-spoke__baseline", "orders-api-1", "hub-tgw", "udp", 53).reachable is True
    assert ask("hub-spoke__baseline", "hub-tgw", "orders-api-1").reachable is True
    isolated = ask("hub-spoke__dev-vpc-isolated", "dev-box", "dns-resolver", "udp", 53)
    assert outcome(isolated)[:2] == (False, "SUBNET_ACL_RESTRICTION")
    assert ask("vpn-branch__baseline", "192.168.1.10", "erp-app").reachable is True
    revoked = ask("vpn-branch__erp-https-revoked", "192.168.1.10", "erp-app")
    assert outcome(revoked) == (False, "ENI_SG_RULES_MISMATCH", "security-group", "ingress")
    assert ask("vpn-branch__baseline", "branch-vgw", "erp-app").reachable is True
    assert ask("vpn-branch__baseline", "erp-app", "branch-vgw").reachable is True


def test_subnets_and_vpcs_as_endpoints() -> None:
    engine = engine_for("field-test__baseline")
    by_name = {s.name: s.id for s in engine.world.subnets.values()}
    vpc = next(v.id for v in engine.world.vpcs.values() if v.name == "lab-vpc")
    v = ask("field-test__baseline", by_name["lab-private-a"], by_name["lab-private-b"], "icmp", None)
    assert v.reachable is True and v.destination_set == ("10.0.2.0/24",)
    cut = ask("field-test__nacl-all", by_name["lab-private-a"], by_name["lab-private-b"], "icmp", None)
    assert outcome(cut)[:2] == (False, "SUBNET_ACL_RESTRICTION")
    assert ask("field-test__baseline", "app-1", vpc, "icmp", None).reachable is True
    assert ask("field-test__baseline", vpc, "35.78.9.203").reachable is True


@pytest.mark.parametrize("world", sorted(list_worlds()))
def test_every_resource_pair_gives_a_verdict(world: str) -> None:
    """Random pairs of every id in the world, both profiles: typed errors only, codes from the list."""
    engine = engine_for(world)
    w = engine.world
    ids = [i for kind, _ in KIND_TYPES for i in sorted(getattr(w, kind))] + ["8.8.8.8", "10.0.0.0/8"]
    rnd = random.Random(world)
    for _ in range(60):
        q = Query(
            region=rnd.choice(w.regions),
            source=rnd.choice(ids),
            destination=rnd.choice(ids),
            protocol=rnd.choice(["tcp", "udp", "icmp", "any"]),
            port=rnd.choice([None, 22, 443]),
        )
        for profile in ("truth", "ra"):
            v = engine.analyze(q, profile)
            assert v.error in (None, "engine:bad_query", "engine:unsupported_type"), (q, v.message)
            if v.reachable is False:
                assert v.explanation_code in EXPLANATION_CODES and v.blocking_component is not None
            if v.reachable is True:
                assert v.witness is not None and v.hops
