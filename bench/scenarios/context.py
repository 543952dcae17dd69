"""What the builder knows beyond moto's state: names, ids, and the facts corrections need.

moto cannot be told some things AWS decides by itself (the private address of an RDS or NAT gateway
interface, which routes were blackholed). The builder records them here while it builds, and
``bench.scenarios.corrections`` reads them when it fixes the snapshot.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Ref:
    """A named scenario resource: its kind, AWS id, Region and (when it has one) VPC."""

    # vpc subnet rtb nacl sg instance igw nat vpce tgw tgw-attach tgw-peering pcx vgw vpn db asg pl lambda
    kind: str
    id: str
    region: str
    vpc: str | None = None
    arn: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class BuildContext:
    scenario: str
    account_id: str
    refs: dict[str, Ref] = field(default_factory=dict)
    # resource id (NAT gateway, endpoint, DB identifier) -> private address wanted, when fixed or chosen
    fixed_ips: dict[str, str] = field(default_factory=dict)
    # (route table id, destination) pairs a fault blackholed by hand
    blackholed: list[tuple[str, str]] = field(default_factory=list)
    # DB identifier -> subnet id its interface lives in
    db_subnets: dict[str, str] = field(default_factory=dict)
    db_subnet_groups: dict[str, set[str]] = field(default_factory=dict)  # Region -> created subnet groups
    db_clusters: dict[str, set[str]] = field(default_factory=dict)  # Region -> created Aurora clusters
    # (NACL id, rule number, egress) -> (ICMP type, code): moto drops IcmpTypeCode
    icmp: dict[tuple[str, int, bool], tuple[int, int]] = field(default_factory=dict)
    # (TGW route table id, CIDR) -> attachment id of a static route: moto drops the attachment
    tgw_static: dict[tuple[str, str], str] = field(default_factory=dict)
    # route table id -> VGW ids propagating into it (moto lacks EnableVgwRoutePropagation)
    vgw_propagation: dict[str, list[str]] = field(default_factory=dict)
    # VPN connection id -> static routes (moto lacks CreateVpnConnectionRoute)
    vpn_routes: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)
    regions: set[str] = field(default_factory=set)
    fault_regions: set[str] = field(default_factory=set)  # Regions named by fault parameters
    dns: dict[str, list[str]] = field(default_factory=dict)

    def ref(self, name: str, kinds: tuple[str, ...] | None = None) -> Ref | None:
        ref = self.refs.get(name)
        if ref is None or (kinds is not None and ref.kind not in kinds):
            return None
        return ref

    def by_id(self, resource_id: str) -> Ref | None:
        for ref in self.refs.values():
            if ref.id == resource_id:
                return ref
        return None


def free_address(cidr: str, taken: set[str], start: int = 4) -> str:
    """The lowest address of ``cidr`` from ``start`` on that is not taken (AWS reserves .0-.3 and last)."""
    net = ipaddress.ip_network(cidr)
    for offset in range(start, net.num_addresses - 1):
        address = str(net.network_address + offset)
        if address not in taken:
            return address
    raise ValueError(f"subnet {cidr} has no free address")
