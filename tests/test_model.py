"""Contracts: the query language classifies destinations and refuses invented codes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bench.model import DestinationKind, Query, Verdict, destination_kind, resource_type_of_id


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("35.78.9.203", DestinationKind.IP),
        ("0.0.0.0/5", DestinationKind.CIDR),
        ("s3.ap-northeast-1.amazonaws.com", DestinationKind.FQDN),
        ("i-0abc", DestinationKind.RESOURCE),
        ("orders-db", DestinationKind.RESOURCE),
        ("2001:db8::1", DestinationKind.IP),
    ],
)
def test_destination_kind(text: str, kind: DestinationKind) -> None:
    assert destination_kind(text) is kind


def test_icmp_drops_port() -> None:
    q = Query(region="us-east-1", source="i-1", destination="i-2", protocol="icmp", port=22)
    assert q.port is None


def test_unknown_explanation_code_rejected() -> None:
    with pytest.raises(ValidationError):
        Verdict(reachable=False, explanation_code="MADE_UP_CODE")


def test_resource_type_of_id() -> None:
    assert resource_type_of_id("tgw-attach-0123") == "transit-gateway-attachment"
    assert resource_type_of_id("tgw-0123") == "transit-gateway"
    assert resource_type_of_id("orders-db") is None
