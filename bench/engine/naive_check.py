"""A deliberately naive second opinion: one concrete packet, straight-line code, no index, no sets.

Written separately from the engine (it shares only the world model) so that the property tests can
compare the two on every sampled packet. It reads the world's lists directly with ``ipaddress``, scans
them linearly and follows one packet hop by hop. It covers the components the random test worlds use:
security groups, network ACLs (forward and return), route tables (local, internet gateway, NAT gateway,
transit gateway with VPC and peering attachments, VPC peering, blackholes) and the public Internet.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from bench.world.model import NetworkInterface, TgwRoute, World


@dataclass(frozen=True)
class NaiveResult:
    reachable: bool
    code: str | None = None
    component: str | None = None
    on_return: bool = False  # stopped on the reply's way back


class _Stop(Exception):
    def __init__(self, code: str, component: str) -> None:
        super().__init__(code)
        self.code = code
        self.component = component


def _ip(text: str) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(text)


def _in(addr: str, cidr: str) -> bool:
    return _ip(addr) in ipaddress.IPv4Network(cidr, strict=False)


def _proto(p: str) -> str:
    return {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp"}.get(str(p), str(p))


def _acl_says(
    world: World, acl_id: str, egress: bool, peer: str, proto: str, port: int | None, icmp_type: int
) -> tuple[bool, int | None]:
    entries = [e for e in world.network_acls[acl_id].entries if e.egress == egress]
    entries.sort(key=lambda e: e.rule_number)
    for e in entries:
        if not _in(peer, e.cidr):
            continue
        p = _proto(e.protocol)
        if p != "all":
            if p != proto:
                continue
            if proto == "icmp":
                if e.icmp_type not in (None, -1, icmp_type):
                    continue
            else:
                lo = 0 if e.port_from is None else e.port_from
                hi = 65535 if e.port_to is None else e.port_to
                if not (lo <= port <= hi):  # type: ignore[operator]
                    continue
        return e.action == "allow", e.rule_number
    return False, None


def _sg_says(
    world: World, group_ids: tuple[str, ...], egress: bool, peer: str, proto: str, port: int | None
) -> bool:
    for gid in group_ids:
        sg = world.security_groups.get(gid)
        if sg is None:
            continue
        for rule in sg.egress if egress else sg.ingress:
            p = _proto(rule.protocol)
            if p != "all":
                if p != proto:
                    continue
                if proto == "icmp":
                    if rule.port_from not in (None, -1, 8):
                        continue
                else:
                    lo = 0 if rule.port_from in (None, -1) else rule.port_from
                    hi = 65535 if rule.port_to in (None, -1) else rule.port_to
                    if not (lo <= port <= hi):  # type: ignore[operator]
                        continue
            if any(_in(peer, c) for c in rule.cidrs if ":" not in c):
                return True
            for pl in rule.prefix_list_ids:
                if any(_in(peer, c) for c in world.prefix_lists[pl].cidrs):
                    return True
            for ref in rule.group_ids:
                for eni in world.network_interfaces.values():
                    if ref in eni.group_ids and peer in eni.private_ips:
                        return True
    return False


@dataclass
class _Packet:
    src: str
    dst: str
    proto: str
    port: int | None  # destination port
    icmp_type: int = 8


class _Trip:
    """Follows one packet; ``nat_memory`` lets the reply find its way back through NAT gateways."""

    def __init__(self, world: World, reply: bool) -> None:
        self.w = world
        self.reply = reply
        self.nat_memory: list[tuple[str, str]] = []  # (nat id, original source)
        self.steps = 0
        self.home_gateway: str | None = None  # a reply to a packet that came in through this gateway

    def acl(self, subnet_id: str, egress: bool, pkt: _Packet) -> None:
        acl_id = self.w.subnets[subnet_id].network_acl_id
        if acl_id is None:  # not in the snapshot: no ACL applied (as the engine)
            return
        peer = pkt.dst if egress else pkt.src
        ok, _ = _acl_says(self.w, acl_id, egress, peer, pkt.proto, pkt.port, pkt.icmp_type)
        if not ok:
            raise _Stop("SUBNET_ACL_RESTRICTION", acl_id)

    def subnet_of(self, vpc_id: str, addr: str) -> str | None:
        for s in sorted(self.w.subnets.values(), key=lambda s: s.id):
            if s.vpc_id == vpc_id and _in(addr, s.cidr):
                return s.id
        return None

    def host(self, vpc_id: str, addr: str) -> NetworkInterface | None:
        for eni in sorted(self.w.network_interfaces.values(), key=lambda e: e.id):
            if eni.vpc_id == vpc_id and addr in eni.private_ips:
                return eni
        return None

    def send(self, subnet_id: str, pkt: _Packet, sender: NetworkInterface | None) -> tuple[str, str]:
        """From a subnet to wherever the packet ends: ('eni', id) or ('internet', '')."""
        self.steps += 1
        if self.steps > 20:
            raise _Stop("CANNOT_ROUTE", subnet_id)
        subnet = self.w.subnets[subnet_id]
        if _in(pkt.dst, subnet.cidr):
            return self.arrive(subnet_id, pkt, same=True)
        self.acl(subnet_id, True, pkt)
        rtb = self.w.route_tables[subnet.route_table_id]
        best = _vpc_route(self.w, rtb.routes, pkt.dst)
        if best is None:
            raise _Stop("NO_ROUTE_TO_DESTINATION", rtb.id)
        if best.state == "blackhole":
            raise _Stop("BAD_STATE_ROUTE", rtb.id)
        if best.target_type in ("igw", "vgw", "pcx") and best.target_id == self.home_gateway:
            return "gateway", best.target_id or ""  # a reply back to the gateway the packet came in by
        if best.target_type == "local":
            return self.into_vpc(subnet.vpc_id, pkt, from_subnet=subnet_id)
        if best.target_type == "igw":
            return self.out_igw(best.target_id or "", subnet.vpc_id, pkt, sender)
        if best.target_type == "nat":
            return self.via_nat(best.target_id or "", subnet_id, pkt)
        if best.target_type == "tgw":
            return self.via_tgw(best.target_id or "", subnet.vpc_id, subnet_id, pkt)
        if best.target_type == "vgw":
            vgw = self.w.vpn_gateways.get(best.target_id or "")
            if vgw is None or vgw.state != "available" or subnet.vpc_id not in vgw.vpc_ids:
                raise _Stop("BAD_STATE", best.target_id or rtb.id)
            if not any(_in(pkt.dst, c) for c in _behind_vgw(self.w, vgw.id)):
                raise _Stop("NO_ROUTE_TO_DESTINATION", vgw.id)
            return "vgw", subnet.vpc_id
        if best.target_type == "pcx":
            pcx = self.w.vpc_peering_connections[best.target_id or ""]
            if pcx.status != "active":
                raise _Stop("BAD_STATE", pcx.id)
            other = pcx.accepter_vpc_id if subnet.vpc_id == pcx.requester_vpc_id else pcx.requester_vpc_id
            if not any(_in(pkt.dst, c) for c in self.w.vpcs[other].cidrs):
                raise _Stop("PCX_REQUIRES_ADDRESS_IN_VPC_CIDR", pcx.id)
            return self.into_vpc(other, pkt, from_subnet=None)
        raise _Stop("UNSUPPORTED_COMPONENT", best.target_id or rtb.id)

    def into_vpc(self, vpc_id: str, pkt: _Packet, from_subnet: str | None) -> tuple[str, str]:
        sid = self.subnet_of(vpc_id, pkt.dst)
        if sid is None:
            raise _Stop("NO_ROUTE_TO_DESTINATION", vpc_id)
        return self.arrive(sid, pkt, same=sid == from_subnet)

    def arrive(self, subnet_id: str, pkt: _Packet, same: bool) -> tuple[str, str]:
        if not same:
            self.acl(subnet_id, False, pkt)
        eni = self.host(self.w.subnets[subnet_id].vpc_id, pkt.dst)
        if eni is None or eni.subnet_id != subnet_id:
            raise _Stop("NO_ROUTE_TO_DESTINATION", subnet_id)
        nat = next((n for n in self.w.nat_gateways.values() if n.eni_id == eni.id), None)
        if nat is not None:
            if self.reply and self.nat_memory and self.nat_memory[-1][0] == nat.id:
                _, original = self.nat_memory.pop()
                if pkt.proto == "icmp":
                    return self.send(nat.subnet_id, _Packet(pkt.src, original, "icmp", None, 0), eni)
                # Towards the original sender the reply's port is the sender's own ephemeral port.
                stop = _Stop("CANNOT_ROUTE", nat.id)
                for eph in _ephemeral_candidates(self.w):
                    again = _Trip(self.w, reply=True)
                    again.nat_memory = list(self.nat_memory)
                    again.steps = self.steps
                    try:
                        return again.send(nat.subnet_id, _Packet(pkt.src, original, pkt.proto, eph, 0), eni)
                    except _Stop as exc:
                        stop = exc
                raise stop
            raise _Stop("CANNOT_ROUTE", nat.id)
        if not self.reply and not _sg_says(self.w, eni.group_ids, False, pkt.src, pkt.proto, pkt.port):
            raise _Stop("ENI_SG_RULES_MISMATCH", sorted(eni.group_ids)[0] if eni.group_ids else eni.id)
        return "eni", eni.id

    def out_igw(
        self, igw_id: str, vpc_id: str, pkt: _Packet, sender: NetworkInterface | None
    ) -> tuple[str, str]:
        igw = self.w.internet_gateways.get(igw_id)
        if igw is None or vpc_id not in igw.vpc_ids:  # detached (or unknown): not functional
            raise _Stop("BAD_STATE", igw_id)
        public = None
        if sender is not None:
            nat = next((n for n in self.w.nat_gateways.values() if n.eni_id == sender.id), None)
            public = nat.public_ip if nat is not None else sender.public_ip
        if public is None:
            raise _Stop("IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", igw_id)
        pkt.src = public
        return self.internet(pkt)

    def internet(self, pkt: _Packet) -> tuple[str, str]:
        known = {e.public_ip for e in self.w.network_interfaces.values()} | {
            n.public_ip for n in self.w.nat_gateways.values()
        }
        if not _ip(pkt.dst).is_global and pkt.dst not in known:
            raise _Stop("NO_ROUTE_TO_DESTINATION", "internet")
        for eni in sorted(self.w.network_interfaces.values(), key=lambda e: e.id):
            nat = next((n for n in self.w.nat_gateways.values() if n.eni_id == eni.id), None)
            public = nat.public_ip if nat is not None else eni.public_ip
            if public == pkt.dst:
                if not any(eni.vpc_id in g.vpc_ids for g in self.w.internet_gateways.values()):
                    raise _Stop("NO_ROUTE_TO_DESTINATION", eni.vpc_id)
                pkt.dst = eni.private_ips[0]
                return self.arrive(eni.subnet_id, pkt, same=False)
        return "internet", ""

    def via_nat(self, nat_id: str, from_subnet: str, pkt: _Packet) -> tuple[str, str]:
        nat = self.w.nat_gateways[nat_id]
        if self.reply or any(n == nat_id for n, _ in self.nat_memory):
            raise _Stop("CANNOT_ROUTE", nat_id)
        if nat.subnet_id != from_subnet:
            self.acl(nat.subnet_id, False, pkt)
        self.nat_memory.append((nat_id, pkt.src))
        pkt.src = nat.private_ip
        return self.send(nat.subnet_id, pkt, self.w.network_interfaces[nat.eni_id])

    def via_tgw(self, tgw_id: str, vpc_id: str, from_subnet: str, pkt: _Packet) -> tuple[str, str]:
        att = next(
            (
                a
                for a in sorted(self.w.transit_gateway_attachments.values(), key=lambda a: a.id)
                if a.transit_gateway_id == tgw_id and a.resource_type == "vpc" and a.resource_id == vpc_id
            ),
            None,
        )
        if att is None:
            raise _Stop("CANNOT_ROUTE", tgw_id)
        if att.subnet_ids:
            # Only an attachment subnet in the sender's own AZ leads to the TGW (tgw-vpc-attachments), and
            # its ACL's inbound rules apply even to a sender inside that subnet (tgw-nacls).
            zone = self.w.subnets[from_subnet].availability_zone
            mine = [s for s in sorted(att.subnet_ids) if self.w.subnets[s].availability_zone == zone]
            if not mine:
                raise _Stop("CANNOT_ROUTE", att.id)
            entry = from_subnet if from_subnet in mine else mine[0]
            self.acl(entry, False, pkt)
        return self.tgw_hop(tgw_id, att.id, pkt, seen=set())

    def tgw_hop(self, tgw_id: str, in_att: str, pkt: _Packet, seen: set[str]) -> tuple[str, str]:
        if tgw_id in seen:
            raise _Stop("CANNOT_ROUTE", tgw_id)
        seen.add(tgw_id)
        table = None
        for t in sorted(self.w.transit_gateway_route_tables.values(), key=lambda t: t.id):
            if t.transit_gateway_id == tgw_id and in_att in t.association_attachment_ids:
                table = t
        if table is None:
            raise _Stop("TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION", in_att)
        best = _tgw_route(self.w, table, pkt.dst)
        if best is None:
            raise _Stop("TGW_RTB_CANNOT_ROUTE", table.id)
        if best.state == "blackhole" or not best.attachment_ids:
            raise _Stop("BAD_STATE_ROUTE", table.id)
        out = self.w.transit_gateway_attachments[sorted(best.attachment_ids)[0]]
        if out.resource_type == "peering":
            peer = out.peer_transit_gateway_id if out.transit_gateway_id == tgw_id else out.transit_gateway_id
            return self.tgw_hop(peer or "", out.id, pkt, seen)
        vpc_id = out.resource_id or ""
        if out.subnet_ids:
            exit_subnet = sorted(out.subnet_ids)[0]
            home = self.subnet_of(vpc_id, pkt.dst)
            if home in out.subnet_ids:
                exit_subnet = home
            elif home is not None:
                zone = self.w.subnets[home].availability_zone
                exit_subnet = next(
                    (s for s in sorted(out.subnet_ids) if self.w.subnets[s].availability_zone == zone),
                    exit_subnet,
                )
            return self.send(exit_subnet, pkt, None)
        return self.into_vpc(vpc_id, pkt, from_subnet=None)


def _net(cidr: str) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(cidr, strict=False)


def _vpc_route(world: World, routes: tuple, dst: str) -> object | None:
    """Longest prefix; at one length static, then prefix-list, then propagated routes; a propagated route
    inside the local route's range never counts (route-tables-priority)."""
    local = [_net(r.destination_cidr) for r in routes if r.target_type == "local" and r.destination_cidr]
    found = []
    for r in routes:
        propagated = r.origin == "EnableVgwRoutePropagation"
        if r.destination_cidr:
            cidrs, rank = [r.destination_cidr], (2 if propagated else 0)
        elif r.destination_prefix_list_id:
            pl = world.prefix_lists.get(r.destination_prefix_list_id)
            cidrs, rank = list(pl.cidrs if pl else ()), (2 if propagated else 1)
        else:
            continue
        for c in cidrs:
            if ":" in c or not _in(dst, c):
                continue
            if propagated and any(_net(c).subnet_of(n) for n in local):
                continue
            found.append((-_net(c).prefixlen, rank, c, r))
    found.sort(key=lambda t: t[:3])
    return found[0][3] if found else None


def _tgw_route(world: World, table: object, dst: str) -> object | None:
    """Longest prefix; at one length static before propagated; a propagating VPC attachment stands for
    a route to each of its VPC's CIDRs that the table does not already list."""
    routes = list(table.routes)  # type: ignore[attr-defined]
    listed = {r.destination_cidr for r in routes}
    for att_id in table.propagation_attachment_ids:  # type: ignore[attr-defined]
        att = world.transit_gateway_attachments.get(att_id)
        if att is None or att.resource_type != "vpc" or att.resource_id not in world.vpcs:
            continue
        for c in world.vpcs[att.resource_id].cidrs:
            if c not in listed:
                listed.add(c)
                routes.append(TgwRoute(destination_cidr=c, attachment_ids=(att_id,), route_type="propagated"))
    found = [
        (-_net(r.destination_cidr).prefixlen, r.route_type != "static", r.destination_cidr, r)
        for r in routes
        if r.destination_cidr and _in(dst, r.destination_cidr)
    ]
    found.sort(key=lambda t: t[:3])
    return found[0][3] if found else None


def _behind_vgw(world: World, vgw_id: str) -> list[str]:
    """The VPN's static routes and whatever the gateway propagates into route tables."""
    vgw = world.vpn_gateways[vgw_id]
    out = list(vgw.remote_cidrs)
    for t in world.route_tables.values():
        for r in t.routes:
            if r.target_id == vgw_id and r.origin == "EnableVgwRoutePropagation" and r.destination_cidr:
                out.append(r.destination_cidr)
    return out


def _ephemeral_candidates(world: World) -> list[int]:
    edges = {1024}
    for acl in world.network_acls.values():
        for e in acl.entries:
            for p in (e.port_from, None if e.port_to is None else e.port_to + 1):
                if p is not None and 1024 <= p <= 65535:
                    edges.add(p)
    return sorted(edges)


def naive_check(world: World, source_eni: str, dst: str, proto: str, port: int | None) -> NaiveResult:
    """Is one concrete packet from ``source_eni``'s primary address to ``dst`` answered?"""
    eni = world.network_interfaces[source_eni]
    src = eni.private_ips[0]
    if not _sg_says(world, eni.group_ids, True, dst, proto, port):
        return NaiveResult(
            False, "ENI_SG_RULES_MISMATCH", sorted(eni.group_ids)[0] if eni.group_ids else eni.id
        )
    out = _Trip(world, reply=False)
    pkt = _Packet(src, dst, proto, port)
    try:
        where, ident = out.send(eni.subnet_id, pkt, eni)
    except _Stop as stop:
        return NaiveResult(False, stop.code, stop.component)
    ports: list[int | None] = [None] if proto == "icmp" else list(_ephemeral_candidates(world))
    last = NaiveResult(False, "CANNOT_ROUTE", None)
    for eph in ports:
        back = _Trip(world, reply=True)
        back.nat_memory = list(out.nat_memory)
        reply = _Packet(pkt.dst, pkt.src, proto, eph, icmp_type=0)
        try:
            if where == "internet":
                back.internet(reply)
            elif where == "vgw":
                back.into_vpc(ident, reply, from_subnet=None)
            else:
                responder = world.network_interfaces[ident]
                end, _ = back.send(responder.subnet_id, reply, responder)
                if end != "eni":  # the reply left for the Internet or a VPN instead of the sender
                    raise _Stop("NO_ROUTE_TO_DESTINATION", end)
        except _Stop as stop:
            last = NaiveResult(False, stop.code, stop.component, on_return=True)
            continue
        return NaiveResult(True)
    return last


def naive_check_from_gateway(
    world: World, gateway_id: str, src: str, dst: str, proto: str, port: int | None
) -> NaiveResult:
    """One packet from outside address ``src`` entering through an internet or virtual private gateway,
    or a VPC peering connection (into its accepter VPC, ``src`` in the requester VPC).

    Through an internet gateway only a public address of an interface in an attached VPC can be
    addressed (translated to its private address); through a VGW the packet enters the attached VPC.
    The reply is answered when its route leads back to that same gateway."""
    if gateway_id in world.internet_gateways:
        igw = world.internet_gateways[gateway_id]
        if not igw.vpc_ids:  # detached: not in a functional state
            return NaiveResult(False, "BAD_STATE", gateway_id)
        eni = next(
            (
                e
                for e in sorted(world.network_interfaces.values(), key=lambda e: e.id)
                if e.public_ip == dst and e.vpc_id in igw.vpc_ids
            ),
            None,
        )
        if eni is None:
            return NaiveResult(False, "IGW_EXPECTS_PUBLIC_ADDRESS", gateway_id)
        entry = lambda trip, pkt: trip.arrive(eni.subnet_id, pkt, same=False)  # noqa: E731
        inner = eni.private_ips[0]
    elif gateway_id in world.vpc_peering_connections:  # into the accepter's VPC, from the requester's
        pcx = world.vpc_peering_connections[gateway_id]
        if pcx.status != "active":
            return NaiveResult(False, "BAD_STATE", gateway_id)
        entry = lambda trip, pkt: trip.into_vpc(pcx.accepter_vpc_id, pkt, from_subnet=None)  # noqa: E731
        inner = dst
    else:
        vgw = world.vpn_gateways[gateway_id]
        vpc = sorted(vgw.vpc_ids)[0]
        entry = lambda trip, pkt: trip.into_vpc(vpc, pkt, from_subnet=None)  # noqa: E731
        inner = dst
    out = _Trip(world, reply=False)
    pkt = _Packet(src, inner, proto, port)
    try:
        _, ident = entry(out, pkt)
    except _Stop as stop:
        return NaiveResult(False, stop.code, stop.component)
    responder = world.network_interfaces[ident]
    last = NaiveResult(False, "CANNOT_ROUTE", None)
    for eph in [None] if proto == "icmp" else _ephemeral_candidates(world):
        back = _Trip(world, reply=True)
        back.home_gateway = gateway_id
        try:
            where, _ = back.send(responder.subnet_id, _Packet(inner, src, proto, eph, 0), responder)
        except _Stop as stop:
            last = NaiveResult(False, stop.code, stop.component, on_return=True)
            continue
        if where == "gateway":
            return NaiveResult(True)
        last = NaiveResult(False, "CANNOT_ROUTE", None, on_return=True)
    return last
