"""Single-change variants of a world that cut a path: the test suite's extra worlds.

Test-suite accuracy (docs/scoring.md) runs the gold and the predicted query on every world of the case's
scenario and on a few variants built to tell queries apart: each variant is the world with **one**
change on a component the gold path goes through, so a prediction that only agrees with the gold by
coincidence (another path, a wider destination, another port) parts from it there.

``path_cuts(world, hops, witness)`` lists the changes that cut a path, in hop order; ``choose(cuts, n,
key, seed)`` picks ``n`` of them deterministically (``random.Random`` seeded from the seed and a key, so
the same case gets the same variants in every run and process); ``apply_cut(world, cut)`` returns the
changed world. Every change is one AWS API call's worth of difference:

- ``sg-rule-removed``: the rules of the path's security groups (that direction) that allow the
  witness's protocol and port are revoked (RevokeSecurityGroupIngress/Egress);
- ``nacl-deny``: a deny entry numbered 1 for the witness's protocol and port, any address, in the
  path's direction (CreateNetworkAclEntry; the lowest number is evaluated first:
  https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html);
- ``route-blackholed`` / ``route-deleted``: the route the path took (a route whose target is gone is a
  blackhole route: https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#route-table-routes);
  the ``local`` route can be neither;
- ``tgw-route-blackholed``: the transit gateway route the path took becomes a blackhole route
  (CreateTransitGatewayRoute ``Blackhole``);
- ``igw-detached`` / ``vgw-detached``: the gateway detached from every VPC (DetachInternetGateway,
  DetachVpnGateway);
- ``nat-deleted``, ``tgw-attachment-deleted``, ``peering-deleted``, ``endpoint-deleted``: the
  component's state becomes ``deleted``;
- ``endpoint-policy-emptied``: an interface endpoint's security groups lose every ingress rule;
- ``interface-quarantined``: the source's or destination's interface gets, instead of its groups, one
  new group with no rules (the usual isolation of a compromised instance; ModifyNetworkInterfaceAttribute
  ``--groups``: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-rules.html), so the path
  is stopped at a group of that interface alone;
- ``instance-stopped``: the destination instance stops (StopInstances; the engine models a stopped
  instance as a destination that does not answer, docs/semantics.md).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.model.verdict import Hop, Packet
from bench.world.model import NaclEntry, SecurityGroup, World

_PROTO_NUMBER = {"tcp": "6", "udp": "17", "icmp": "1"}


@dataclass(frozen=True, order=True)
class Cut:
    """One change: ``kind`` on ``component`` (``detail``: the direction, or the route's destination)."""

    kind: str
    component: str
    detail: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.component}" + (f":{self.detail}" if self.detail else "")


def path_cuts(world: World, hops: Sequence[Hop], witness: Packet | None) -> list[Cut]:
    """Every single change that cuts the path ``hops``, in hop order, unique. ``witness`` gives the
    protocol and port that rule changes target; None means every protocol and port."""
    out: dict[Cut, None] = {}
    for hop in hops:
        for cut in _cuts_of_hop(world, hop, witness):
            out.setdefault(cut, None)
    return list(out)


def _cuts_of_hop(world: World, hop: Hop, witness: Packet | None) -> list[Cut]:
    t, ident, direction = hop.type, hop.id, hop.direction or ""
    if t == "security-group":
        return [Cut("sg-rule-removed", hop.detail or ident, direction)]
    if t == "network-acl" and ident in world.network_acls:
        return [Cut("nacl-deny", ident, direction)]
    if t == "route-table" and ident in world.route_tables:
        label, _, target = hop.detail.partition(" -> ")
        if target.strip() == "local" or not label:
            return []
        return [Cut("route-blackholed", ident, label), Cut("route-deleted", ident, label)]
    if t == "transit-gateway-route-table" and ident in world.transit_gateway_route_tables:
        label = hop.detail.partition(" -> ")[0]
        return [Cut("tgw-route-blackholed", ident, label)] if label else []
    if t == "internet-gateway" and ident in world.internet_gateways:
        return [Cut("igw-detached", ident)]
    if t == "vpn-gateway" and ident in world.vpn_gateways:
        return [Cut("vgw-detached", ident)]
    if t == "nat-gateway" and ident in world.nat_gateways:
        return [Cut("nat-deleted", ident)]
    if t == "transit-gateway-attachment" and ident in world.transit_gateway_attachments:
        return [Cut("tgw-attachment-deleted", ident)]
    if t == "vpc-peering-connection" and ident in world.vpc_peering_connections:
        return [Cut("peering-deleted", ident)]
    if t == "vpc-endpoint" and ident in world.vpc_endpoints:
        vpce = world.vpc_endpoints[ident]
        if vpce.endpoint_type == "Interface" and vpce.group_ids:
            return [Cut("endpoint-policy-emptied", ident)]
        return [Cut("endpoint-deleted", ident)]
    if t == "network-interface" and ident in world.network_interfaces:
        eni = world.network_interfaces[ident]
        out = []
        if eni.kind in ("instance", "rds", "other", "vpc_endpoint") and eni.group_ids:
            out.append(Cut("interface-quarantined", ident))
        if direction == "ingress" and hop.detail in world.instances:
            out.append(Cut("instance-stopped", hop.detail))  # the destination instance itself
        return out
    return []


def choose(cuts: Sequence[Cut], n: int, key: str, seed: int) -> list[Cut]:
    """``n`` of ``cuts`` (all when fewer), picked by a generator seeded from ``seed`` and ``key``,
    returned in their original order: the same inputs give the same variants in any process."""
    if n <= 0 or not cuts:
        return []
    if len(cuts) <= n:
        return list(cuts)
    digest = hashlib.sha256(f"{seed}\x00{key}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    picked = sorted(rng.sample(range(len(cuts)), n))
    return [cuts[i] for i in picked]


def apply_cut(world: World, cut: Cut, witness: Packet | None = None) -> World:
    """The world with ``cut`` applied (a new World; the original is unchanged)."""
    kind, ident = cut.kind, cut.component
    name = f"{world.name}~{cut.label}"
    if kind == "sg-rule-removed":
        egress = cut.detail == "egress"
        groups = dict(world.security_groups)
        for gid in [g.strip() for g in ident.split(",") if g.strip()]:
            sg = groups.get(gid)
            if sg is None:
                continue
            rules = sg.egress if egress else sg.ingress
            kept = tuple(r for r in rules if not _rule_allows(r, witness))
            groups[gid] = sg.model_copy(update={"egress" if egress else "ingress": kept})
        return _copy(world, name, security_groups=groups)
    if kind == "nacl-deny":
        acl = world.network_acls[ident]
        entry = _deny_entry(cut.detail == "egress", witness)
        acls = {**world.network_acls, ident: acl.model_copy(update={"entries": (entry, *acl.entries)})}
        return _copy(world, name, network_acls=acls)
    if kind in ("route-blackholed", "route-deleted"):
        rtb = world.route_tables[ident]
        routes = []
        for r in rtb.routes:
            if cut.detail in (r.destination_cidr, r.destination_prefix_list_id):
                if kind == "route-deleted":
                    continue
                r = r.model_copy(update={"state": "blackhole"})
            routes.append(r)
        tables = {**world.route_tables, ident: rtb.model_copy(update={"routes": tuple(routes)})}
        return _copy(world, name, route_tables=tables)
    if kind == "tgw-route-blackholed":
        rtb = world.transit_gateway_route_tables[ident]
        routes = tuple(
            r.model_copy(update={"state": "blackhole", "attachment_ids": ()})
            if cut.detail in (r.destination_cidr, r.prefix_list_id)
            else r
            for r in rtb.routes
        )
        tables = {**world.transit_gateway_route_tables, ident: rtb.model_copy(update={"routes": routes})}
        return _copy(world, name, transit_gateway_route_tables=tables)
    if kind == "igw-detached":
        igw = world.internet_gateways[ident]
        return _copy(world, name, internet_gateways=_put(world.internet_gateways, igw, vpc_ids=()))
    if kind == "vgw-detached":
        vgw = world.vpn_gateways[ident]
        return _copy(world, name, vpn_gateways=_put(world.vpn_gateways, vgw, vpc_ids=()))
    if kind == "nat-deleted":
        nat = world.nat_gateways[ident]
        return _copy(world, name, nat_gateways=_put(world.nat_gateways, nat, state="deleted"))
    if kind == "tgw-attachment-deleted":
        att = world.transit_gateway_attachments[ident]
        atts = _put(world.transit_gateway_attachments, att, state="deleted")
        return _copy(world, name, transit_gateway_attachments=atts)
    if kind == "peering-deleted":
        pcx = world.vpc_peering_connections[ident]
        pcxs = _put(world.vpc_peering_connections, pcx, status="deleted")
        return _copy(world, name, vpc_peering_connections=pcxs)
    if kind == "endpoint-deleted":
        vpce = world.vpc_endpoints[ident]
        return _copy(world, name, vpc_endpoints=_put(world.vpc_endpoints, vpce, state="deleted"))
    if kind == "endpoint-policy-emptied":
        groups = dict(world.security_groups)
        for gid in world.vpc_endpoints[ident].group_ids:
            if gid in groups:
                groups[gid] = groups[gid].model_copy(update={"ingress": ()})
        return _copy(world, name, security_groups=groups)
    if kind == "interface-quarantined":
        eni = world.network_interfaces[ident]
        quarantine = SecurityGroup(
            id=_quarantine_id(ident),
            region=eni.region,
            vpc_id=eni.vpc_id,
            group_name=f"quarantine-{ident}",
        )
        enis = _put(world.network_interfaces, eni, group_ids=(quarantine.id,))
        groups = {**world.security_groups, quarantine.id: quarantine}
        return _copy(world, name, network_interfaces=enis, security_groups=groups)
    if kind == "instance-stopped":
        inst = world.instances[ident]
        return _copy(world, name, instances=_put(world.instances, inst, state="stopped"))
    raise ValueError(f"unknown cut kind {kind!r}")


def _quarantine_id(eni_id: str) -> str:
    return "sg-quarantine-" + eni_id.removeprefix("eni-")


def variant_engine(base: Any, cut: Cut, witness: Packet | None = None) -> Any:
    """An ``Engine`` of ``base.world`` with ``cut`` applied, indexed without re-sorting the world's AWS
    ip-ranges (a variant never changes them, and sorting them is most of the cost of indexing a small
    world): the index is built on the variant without ranges, then given the base's sorted ranges."""
    from bench.engine.engine import Engine

    world = apply_cut(base.world, cut, witness)
    engine = Engine(world.model_copy(update={"ip_ranges": ()}))
    engine.world = world
    engine.ix.world = world
    engine.ix.ip_ranges = base.ix.ip_ranges
    return engine


def _put(mapping: dict[str, Any], obj: Any, **changes: Any) -> dict[str, Any]:
    return {**mapping, obj.id: obj.model_copy(update=changes)}


def _copy(world: World, name: str, **changes: Any) -> World:
    return world.model_copy(update={"name": name, **changes})


def _rule_allows(rule: Any, witness: Packet | None) -> bool:
    """Does a security-group rule allow the witness's protocol and port (addresses aside)?"""
    if witness is None:
        return True
    proto = str(rule.protocol).lower()
    proto = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp"}.get(proto, proto)
    if proto == "all":
        return True
    if proto != witness.protocol:
        return False
    if witness.protocol == "icmp" or witness.port is None:
        return True
    lo = 0 if rule.port_from is None or rule.port_from < 0 else rule.port_from
    hi = 65535 if rule.port_to is None or rule.port_to < 0 else rule.port_to
    return lo <= witness.port <= hi


def _deny_entry(egress: bool, witness: Packet | None) -> NaclEntry:
    if witness is None:
        return NaclEntry(rule_number=1, egress=egress, protocol="all", cidr="0.0.0.0/0", action="deny")
    port = witness.port if witness.protocol != "icmp" else None
    return NaclEntry(
        rule_number=1,
        egress=egress,
        protocol=witness.protocol,
        cidr="0.0.0.0/0",
        action="deny",
        port_from=port,
        port_to=port,
        icmp_type=-1 if witness.protocol == "icmp" else None,
        icmp_code=-1 if witness.protocol == "icmp" else None,
    )


__all__ = ["Cut", "apply_cut", "choose", "path_cuts", "variant_engine"]
