"""moto corrections: where moto 5.2.1's state differs from what AWS reports, fix the snapshot here.

This module is the one registry: ``CORRECTIONS`` names every correction in the order they run. Each
corrects one documented difference (each verified against moto 5.2.1 on this machine and covered by a
test in ``tests/test_scenarios_corrections.py``) so that a built world describes what AWS itself would
report, and the engine never needs to know a world came from moto. They run on the raw ``regions``
section after reading; each returns how many things it changed, recorded in the snapshot's
``provenance.corrections``. A real account's capture is never corrected. The table in docs/worlds.md
lists them.

The corrections themselves live by AWS area, so each module stays readable:
``corrections_vpc`` (default VPCs, VPN/VGW routes, blackholes), ``corrections_transit`` (transit
gateways), ``corrections_filters`` (NACLs, security groups), ``corrections_interfaces`` (interfaces of
NAT gateways, endpoints, RDS, Lambda, Auto Scaling) and ``corrections_ranges`` (public address space).
"""

from __future__ import annotations

from collections.abc import Callable

from bench.scenarios.context import BuildContext
from bench.scenarios.corrections_filters import default_sg_self_rule, nacl_default_denies, nacl_icmp_type_code
from bench.scenarios.corrections_interfaces import (
    asg_placement,
    interface_endpoint_interfaces,
    lambda_interfaces,
    nat_gateway_interfaces,
    rds_interfaces,
)
from bench.scenarios.corrections_ranges import public_addresses, service_prefix_lists
from bench.scenarios.corrections_transit import (
    tgw_attachment_association,
    tgw_peering_accepter_view,
    tgw_peering_listing,
    tgw_propagated_routes,
    tgw_static_route_attachments,
)
from bench.scenarios.corrections_vpc import (
    remove_default_vpcs,
    route_blackhole_state,
    vgw_propagated_routes,
    vpn_connection_routes,
)
from bench.scenarios.snapshot_edit import Regions

Correction = Callable[[Regions, BuildContext], int]

CORRECTIONS: tuple[Correction, ...] = (
    remove_default_vpcs,
    tgw_peering_listing,
    tgw_peering_accepter_view,
    tgw_attachment_association,
    tgw_static_route_attachments,
    tgw_propagated_routes,
    vpn_connection_routes,
    vgw_propagated_routes,
    route_blackhole_state,
    nacl_default_denies,
    nacl_icmp_type_code,
    default_sg_self_rule,
    nat_gateway_interfaces,
    interface_endpoint_interfaces,
    rds_interfaces,
    lambda_interfaces,
    asg_placement,
    public_addresses,
    service_prefix_lists,
)


def apply_corrections(regions: Regions, ctx: BuildContext) -> None:
    """Run every correction in order, then restore canonical list order (reader's convention)."""
    from bench.world.reader import clean

    for fix in CORRECTIONS:
        n = fix(regions, ctx)
        if n:
            ctx.corrections.append(f"{fix.__name__}: {n}")
    cleaned = clean(regions)
    regions.clear()
    regions.update(cleaned)
