"""What the reference engine answers, in Reachability Analyzer's vocabulary.

The explanation codes are RA's own (checked against AWS documentation, listed in DESIGN.md); the engine
must never invent one, so the list is closed and validated.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

EXPLANATION_CODES: frozenset[str] = frozenset(
    {
        "SUBNET_ACL_RESTRICTION",
        "ENI_SG_RULES_MISMATCH",
        "SG_HAS_NO_RULES",
        "NO_ROUTE_TO_DESTINATION",
        "CANNOT_ROUTE",
        "MORE_SPECIFIC_ROUTE",
        "BAD_STATE_ROUTE",
        "BAD_STATE",
        "BAD_STATE_ATTACHMENT",
        "TGW_RTB_CANNOT_ROUTE",
        "TGW_RTB_NO_ROUTE_TO_TGW_ATTACHMENT",
        "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION",
        "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
        "IGW_EXPECTS_PUBLIC_ADDRESS",
        "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR",
        "NO_POSSIBLE_DESTINATION",
        "DISCONNECTED_VPCS",
        "UNSUPPORTED_COMPONENT",
    }
)

Direction = Literal["ingress", "egress"]


class Packet(BaseModel):
    """A concrete packet: the witness of a reachable verdict."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    src: str
    dst: str
    protocol: Literal["tcp", "udp", "icmp"]
    port: int | None = None


class BlockingComponent(BaseModel):
    """The component that stops the packet: what RA's explanation points at."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    type: str
    direction: Direction | None = None


class Hop(BaseModel):
    """One component the packet passes (or is stopped at), in order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    type: str
    direction: Direction | None = None
    detail: str = ""


class Verdict(BaseModel):
    """The engine's answer to one query under one profile.

    Exactly one of three shapes:
    - ``error`` set (``engine:unknown_resource``, ``engine:unsupported_type``, ``engine:bad_query``...):
      the query could not be evaluated at all; ``reachable`` is None.
    - ``analysable`` False (``ra`` profile only): outside Reachability Analyzer's limits; ``reason``
      says which (``cross_region``, ``ipv6``, ``unsupported_type``); ``reachable`` is None.
    - otherwise ``reachable`` is a bool; reachable verdicts carry a ``witness``, unreachable ones the
      ``blocking_component`` and ``explanation_code``.

    ``destination_set`` is the destination as the engine resolved it, as sorted CIDR strings (an FQDN's
    addresses, a CIDR, a resource's addresses); empty for address-less resources. Scorers compare the
    translated set with the gold set through it without re-running the engine.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: Literal["truth", "ra"] = "truth"
    analysable: bool = True
    reason: str | None = None
    reachable: bool | None = None
    explanation_code: str | None = None
    blocking_component: BlockingComponent | None = None
    witness: Packet | None = None
    hops: tuple[Hop, ...] = ()
    destination_set: tuple[str, ...] = ()
    error: str | None = None
    message: str | None = None

    @field_validator("explanation_code")
    @classmethod
    def _known_code(cls, value: str | None) -> str | None:
        if value is not None and value not in EXPLANATION_CODES:
            raise ValueError(f"unknown Reachability Analyzer explanation code {value!r}")
        return value
