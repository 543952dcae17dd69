"""The structured query a translator produces and the engine executes.

A superset of Reachability Analyzer's path definition: every RA path can be written as a Query, and so
can what RA cannot express (ICMP, CIDR and FQDN destinations, cross-Region paths), so that a translator's
mistake is visible as a different query rather than hidden by a narrower language.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Protocol = Literal["tcp", "udp", "icmp", "any"]


class DestinationKind(StrEnum):
    RESOURCE = "resource"
    IP = "ip"
    CIDR = "cidr"
    FQDN = "fqdn"


def destination_kind(destination: str) -> DestinationKind:
    """Classify a destination string: IPv4/IPv6 address, CIDR, resource id, or hostname."""
    text = destination.strip()
    if "/" in text and not text.startswith("arn:"):
        try:
            ipaddress.ip_network(text, strict=False)
            return DestinationKind.CIDR
        except ValueError:
            pass
    try:
        ipaddress.ip_address(text)
        return DestinationKind.IP
    except ValueError:
        pass
    if "." in text and not text.startswith("arn:") and " " not in text:
        return DestinationKind.FQDN
    return DestinationKind.RESOURCE


class Query(BaseModel):
    """One reachability question, RA-style, in the Region where it is analysed.

    ``source`` is a resource id (instance, ENI, RDS identifier, ASG name, IGW, ...) or an IP address.
    ``destination`` is a resource id, an IPv4/IPv6 address, a CIDR, or an FQDN resolved through the
    world's DNS table. ``destination_ip`` narrows a resource destination to one address (RA's
    "internet gateway + 35.78.9.203"). ``port`` is the destination port for tcp/udp and is ignored for
    icmp; None means any port. ``destination_region`` is set when the question names a Region for the
    destination that differs from ``region``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    region: str
    source: str
    source_ip: str | None = None
    destination: str
    destination_ip: str | None = None
    protocol: Protocol = "any"
    port: int | None = Field(default=None, ge=0, le=65535)
    destination_region: str | None = None

    @field_validator("region", "destination_region")
    @classmethod
    def _region_shape(cls, value: str | None) -> str | None:
        if value is None:
            return value
        value = value.strip().lower()
        if not value or " " in value:
            raise ValueError(f"not a Region code: {value!r}")
        return value

    @field_validator("source", "destination")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        return value

    @model_validator(mode="after")
    def _port_needs_l4(self) -> Query:
        if self.protocol == "icmp" and self.port is not None:
            # ICMP has no ports; a port here is a translation mistake we keep visible, not an error.
            object.__setattr__(self, "port", None)
        return self

    @property
    def destination_kind(self) -> DestinationKind:
        return destination_kind(self.destination)

    @property
    def source_is_address(self) -> bool:
        return destination_kind(self.source) is DestinationKind.IP
