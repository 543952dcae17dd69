"""The world, indexed once for fast queries.

Queries run by the thousand (gold generation, every translated query of every run), so everything that
does not depend on the query is computed here: route tables as prefix-length-ordered interval lists
(plus per-length dicts for the single-address fast path), network ACLs as rule-ordered tuples, security
groups compiled to peer address sets on first use, and address -> interface maps per VPC.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from bench.engine.addrset import PUBLIC, AddrSet, cidr_range, ip_int
from bench.engine.routes import (
    PROPAGATED_ORIGIN,
    TGW_PROPAGATED_RANK,
    RouteC,
    RouteIndex,
    prefix_len,
    vpc_route_rank,
)
from bench.world.model import (
    NetworkInterface,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
    TgwRoute,
    TransitGatewayRouteTable,
    World,
)

_PROTO_NUM = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp"}
# Stand-ins for what a partial snapshot lacks (docs/world-model.md, "Partial data"): a subnet without a
# route table routes by its VPC's local route only ("<vpc>:local-only"); one without a network ACL is
# not filtered ("<subnet>:no-acl"). Both appear in hops, and the verdict's message names them.
LOCAL_ONLY = ":local-only"
VGW_UNKNOWN = "networks behind the VPN not in the snapshot: any address outside the VPC assumed"
NO_ACL = ":no-acl"


def acl_of(subnet: Subnet) -> str:
    return subnet.network_acl_id or subnet.id + NO_ACL


def norm_proto(protocol: str) -> str:
    p = str(protocol).lower()
    return _PROTO_NUM.get(p, p)


@dataclass(frozen=True, slots=True)
class L4:
    """The part of a packet rules look at besides addresses: protocol, destination port, ICMP type."""

    proto: str  # tcp | udp | icmp
    port: int | None = None  # destination port (tcp/udp)
    icmp_type: int = 8  # echo request; 0 is echo reply
    icmp_code: int = 0


@dataclass(frozen=True, slots=True)
class AclRule:
    number: int
    proto: str
    port_lo: int
    port_hi: int
    icmp_type: int  # -1: any
    icmp_code: int
    lo: int
    hi: int
    allow: bool
    cidr: str

    def matches(self, l4: L4) -> bool:
        if self.proto == "all":
            return True
        if self.proto != l4.proto:
            return False
        if l4.proto == "icmp":
            return self.icmp_type in (-1, l4.icmp_type) and self.icmp_code in (-1, l4.icmp_code)
        return l4.port is not None and self.port_lo <= l4.port <= self.port_hi


@dataclass(frozen=True, slots=True)
class SgRuleC:
    proto: str
    port_lo: int
    port_hi: int
    peers: AddrSet

    def matches(self, l4: L4) -> bool:
        if self.proto == "all":
            return True
        if self.proto != l4.proto:
            return False
        if l4.proto == "icmp":
            # For ICMP rules AWS stores the type in FromPort and the code in ToPort; -1 is "all".
            return self.port_lo in (-1, l4.icmp_type) and self.port_hi in (-1, l4.icmp_code)
        return l4.port is not None and self.port_lo <= l4.port <= self.port_hi


class WorldIndex:
    """Everything about one world the engine looks up per query, built once."""

    def __init__(self, world: World) -> None:
        self.world = w = world
        self.pl_cidrs: dict[str, tuple[str, ...]] = {k: v.cidrs for k, v in w.prefix_lists.items()}
        self._vgw_remote: dict[str, AddrSet] = {}
        self.routes: dict[str, RouteIndex] = {k: self._compile_rtb(v) for k, v in w.route_tables.items()}
        for s in w.subnets.values():
            if s.route_table_id is None and s.vpc_id + LOCAL_ONLY not in self.routes:
                local = RouteTable(
                    id=s.vpc_id + LOCAL_ONLY,
                    region=s.region,
                    vpc_id=s.vpc_id,
                    routes=tuple(
                        Route(destination_cidr=c, target_type="local")
                        for c in (w.vpcs[s.vpc_id].cidrs if s.vpc_id in w.vpcs else (s.cidr,))
                    ),
                )
                self.routes[local.id] = self._compile_rtb(local)
        self.acl: dict[tuple[str, bool], tuple[AclRule, ...]] = {}
        for acl in w.network_acls.values():
            for egress in (False, True):
                rules = [self._acl_rule(e) for e in acl.entries if e.egress == egress and ":" not in e.cidr]
                self.acl[(acl.id, egress)] = tuple(sorted(rules, key=lambda r: r.number))
        # Interfaces by address, per VPC (private) and globally (public).
        self.eni_by_private: dict[tuple[str, int], NetworkInterface] = {}
        self.eni_by_public: dict[int, NetworkInterface] = {}
        self.enis_by_ip: dict[int, list[NetworkInterface]] = defaultdict(list)
        self.enis_in_subnet: dict[str, list[NetworkInterface]] = defaultdict(list)
        self.nat_by_eni = {n.eni_id: n for n in w.nat_gateways.values()}
        by_private, by_public, by_ip, in_subnet = (
            self.eni_by_private, self.eni_by_public, self.enis_by_ip, self.enis_in_subnet
        )  # fmt: skip
        for eni in self.enis_sorted:
            vpc = eni.vpc_id
            for ip in eni.private_ips:
                if ":" not in ip:
                    value = ip_int(ip)
                    by_private.setdefault((vpc, value), eni)
                    by_ip[value].append(eni)
            if eni.public_ip:
                by_public.setdefault(ip_int(eni.public_ip), eni)
            in_subnet[eni.subnet_id].append(eni)
        for nat in w.nat_gateways.values():  # NAT public IPs may only be on the gateway record
            if nat.public_ip and nat.eni_id in w.network_interfaces:
                self.eni_by_public.setdefault(ip_int(nat.public_ip), w.network_interfaces[nat.eni_id])
        # Addresses AWS reports as an interface's public IP are on the Internet by construction, even when
        # a builder handed out an odd one (moto allocates Elastic IPs from 127.0.0.0/8).
        self.public_set = PUBLIC | AddrSet((a, a) for a in self.eni_by_public)
        self.odd_public = AddrSet((a, a) for a in self.eni_by_public if not PUBLIC.contains(a))
        ordered = sorted(self.eni_by_public.items(), key=lambda t: t[0])
        self.public_hosts = ([a for a, _ in ordered], [e for _, e in ordered])
        self.subnets_in_vpc: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for s in w.subnets.values():
            lo, hi = cidr_range(s.cidr)
            self.subnets_in_vpc[s.vpc_id].append((lo, hi, s.id))
        for lst in self.subnets_in_vpc.values():
            lst.sort()
        self.vpc_set = {v.id: AddrSet.of_cidrs(c for c in v.cidrs if ":" not in c) for v in w.vpcs.values()}
        self.igw_of_vpc: dict[str, str] = {}
        for igw in sorted(w.internet_gateways.values(), key=lambda g: g.id):
            for v in igw.vpc_ids:
                self.igw_of_vpc.setdefault(v, igw.id)
        self.vgw_of_vpc: dict[str, str] = {}
        for vgw in sorted(w.vpn_gateways.values(), key=lambda g: g.id):
            for v in vgw.vpc_ids:
                self.vgw_of_vpc.setdefault(v, vgw.id)
        self.tgw_vpc_attachment: dict[tuple[str, str], str] = {}
        for att in sorted(w.transit_gateway_attachments.values(), key=lambda a: a.id):
            if att.resource_type == "vpc" and att.resource_id:
                self.tgw_vpc_attachment.setdefault((att.transit_gateway_id, att.resource_id), att.id)
        # Association of an attachment *at a given TGW*: a peering attachment has one id seen from both
        # sides, each side associating it with its own route table.
        self.tgw_assoc: dict[tuple[str, str], str] = {}
        for rtb in w.transit_gateway_route_tables.values():
            for att_id in rtb.association_attachment_ids:
                self.tgw_assoc[(rtb.transit_gateway_id, att_id)] = rtb.id
        for att in w.transit_gateway_attachments.values():
            if att.association_route_table_id:
                self.tgw_assoc.setdefault((att.transit_gateway_id, att.id), att.association_route_table_id)
        self.tgw_routes = {k: self._compile_tgw_rtb(v) for k, v in w.transit_gateway_route_tables.items()}
        self.ip_ranges = sorted(
            ((*cidr_range(r.prefix), r) for r in w.ip_ranges if ":" not in r.prefix),
            key=lambda t: (t[0], -t[1]),
        )
        self.dns = {k.lower().rstrip("."): v for k, v in w.dns.items()}
        for db in w.db_instances.values():
            if db.endpoint_address and db.private_ip:
                self.dns.setdefault(db.endpoint_address.lower().rstrip("."), (db.private_ip,))
        self._sg_cache: dict[tuple[str, bool], tuple[SgRuleC, ...]] = {}
        self._members: dict[str, AddrSet] = {}
        self._class_base: dict[str, tuple] = {}
        # (group ids, egress, address, L4) -> (allowed part, any rules): one-address SG decisions.
        self.sg_memo: dict[tuple, tuple[AddrSet, bool]] = {}
        self._host_sets: dict[str, AddrSet] = {}
        self._behind: dict[frozenset[str], tuple[list[int], list[NetworkInterface]]] = {}
        self._classes: dict[str, list[tuple[NetworkInterface, AddrSet]]] = {}
        self._hosts: dict[str, tuple[list[int], list[NetworkInterface]]] = {}
        # (TGW attachment, subnet the packet is bound for) -> the attachment subnet it leaves the TGW by.
        self.attachment_subnets: dict[tuple[str, str | None], str | None] = {}
        # (VPC, source address, L4) -> the VPC's subnets whose groups do not all refuse that source.
        self.live_subnets: dict[tuple[str, int, L4], tuple[frozenset[str], tuple]] = {}
        self.makeups: dict[str, tuple] = {}  # subnet -> bench.engine.prune.subnet_makeup
        ports = {1024, 65536}
        for rules in self.acl.values():
            for r in rules:
                ports.update((r.port_lo, r.port_hi + 1))
        # Ephemeral ports (1024-65535) cut where any ACL rule starts or ends: one representative per
        # piece covers every behaviour of the return path's port.
        self.ephemeral_ports = tuple(sorted(p for p in ports if 1024 <= p <= 65535))

    # -- built on first use (most queries never need them) -----------------------------------------
    @cached_property
    def enis_sorted(self) -> list[NetworkInterface]:
        """Every interface, by id (the order of every per-address and per-subnet list)."""
        enis = list(self.world.network_interfaces.values())
        ids = [e.id for e in enis]
        return enis if ids == sorted(ids) else sorted(enis, key=lambda e: e.id)

    @cached_property
    def enis_in_group(self) -> dict[str, list[NetworkInterface]]:
        """Security group id -> the interfaces it is attached to (for rules referencing the group)."""
        out: dict[str, list[NetworkInterface]] = defaultdict(list)
        for eni in self.enis_sorted:
            for g in eni.group_ids:
                out[g].append(eni)
        return out

    @cached_property
    def enis_in_vpc(self) -> dict[str, list[NetworkInterface]]:
        """VPC id -> its interfaces, by id (a VPC destination: one pass, not one per query)."""
        out: dict[str, list[NetworkInterface]] = defaultdict(list)
        for eni in self.enis_sorted:
            out[eni.vpc_id].append(eni)
        return out

    @cached_property
    def names(self) -> dict[str, list[tuple[str, str, str]]]:
        """Name tag -> (region, kind, id) of every resource so named (a query naming a resource by Name)."""
        out: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for kind in _NAMED_KINDS:
            for res in getattr(self.world, kind).values():
                if res.name:
                    out[res.name].append((res.region, kind, res.id))
        return out

    # -- compilation -------------------------------------------------------------------------------
    def _compile_rtb(self, rtb: RouteTable) -> RouteIndex:
        out: list[RouteC] = []
        for r in rtb.routes:
            rank = vpc_route_rank(r)
            if r.destination_cidr and ":" not in r.destination_cidr:
                lo, hi = cidr_range(r.destination_cidr)
                out.append(RouteC(lo, hi, prefix_len(lo, hi), r, r.destination_cidr, rank))
            elif r.destination_prefix_list_id:
                for c in self.pl_cidrs.get(r.destination_prefix_list_id, ()):
                    if ":" not in c:
                        lo, hi = cidr_range(c)
                        out.append(RouteC(lo, hi, prefix_len(lo, hi), r, r.destination_prefix_list_id, rank))
        # The local route is preferred over a propagated route inside the VPC's CIDR even when the
        # propagated one is more specific (route-tables-priority, "Route priority for propagated routes").
        local = [(c.lo, c.hi) for c in out if c.route.target_type == "local"]  # type: ignore[union-attr]
        out = [c for c in out if c.rank < 2 or not any(lo <= c.lo and c.hi <= hi for lo, hi in local)]
        return RouteIndex(out)

    def _compile_tgw_rtb(self, rtb: TransitGatewayRouteTable) -> RouteIndex:
        out: list[RouteC] = []
        atts = self.world.transit_gateway_attachments
        for r in self.tgw_routes_of(rtb):
            cidrs = (
                [r.destination_cidr]
                if r.destination_cidr
                else list(self.pl_cidrs.get(r.prefix_list_id or "", ()))
            )
            if r.route_type == "propagated":
                kinds = [atts[a].resource_type for a in r.attachment_ids if a in atts]
                rank = min((TGW_PROPAGATED_RANK.get(k, 7) for k in kinds), default=7)
            else:
                rank = 0 if r.destination_cidr else 1
            for c in cidrs:
                if c and ":" not in c:
                    lo, hi = cidr_range(c)
                    label = r.destination_cidr or r.prefix_list_id or c
                    out.append(RouteC(lo, hi, prefix_len(lo, hi), r, label, rank))
        return RouteIndex(out)

    def tgw_routes_of(self, rtb: TransitGatewayRouteTable) -> tuple[TgwRoute, ...]:
        """The table's routes, plus those its propagations imply when the capture lacks them.

        A VPC attachment propagating into a table installs a route for each of the VPC's CIDRs
        (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html, "Route propagation"); a
        snapshot without SearchTransitGatewayRoutes (or one built by a tool that records propagations
        only) would otherwise route nothing. A propagated route is added only for a CIDR no captured
        route of the table names, so a captured table is read as captured."""
        have = {r.destination_cidr for r in rtb.routes if r.destination_cidr}
        extra: list[TgwRoute] = []
        w = self.world
        for att_id in rtb.propagation_attachment_ids:
            att = w.transit_gateway_attachments.get(att_id)
            if att is None or att.resource_type != "vpc" or att.resource_id not in w.vpcs:
                continue
            for cidr in w.vpcs[att.resource_id].cidrs:
                if ":" not in cidr and cidr not in have:
                    have.add(cidr)
                    extra.append(
                        TgwRoute(destination_cidr=cidr, attachment_ids=(att_id,), route_type="propagated")
                    )
        return (*rtb.routes, *extra)

    def vgw_remote(self, vgw_id: str) -> AddrSet:
        """The networks behind a virtual private gateway: its VPN connections' static routes
        (``remote_cidrs``) and every prefix it propagates into a route table of the world (the BGP-learned
        and static VPN routes AWS installs as propagated routes,
        https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html)."""
        hit = self._vgw_remote.get(vgw_id)
        if hit is None:
            cidrs = set()
            vgw = self.world.vpn_gateways.get(vgw_id)
            if vgw is not None:
                cidrs |= {c for c in vgw.remote_cidrs if ":" not in c}
            for rtb in self.world.route_tables.values():
                for r in rtb.routes:
                    if (
                        r.target_type == "vgw"
                        and r.target_id == vgw_id
                        and r.origin == PROPAGATED_ORIGIN
                        and r.destination_cidr
                        and ":" not in r.destination_cidr
                    ):
                        cidrs.add(r.destination_cidr)
            hit = AddrSet.of_cidrs(sorted(cidrs))
            self._vgw_remote[vgw_id] = hit
        return hit

    @staticmethod
    def _acl_rule(e) -> AclRule:  # type: ignore[no-untyped-def]
        lo, hi = cidr_range(e.cidr)
        return AclRule(
            number=e.rule_number,
            proto=norm_proto(e.protocol),
            port_lo=0 if e.port_from is None else e.port_from,
            port_hi=65535 if e.port_to is None else e.port_to,
            icmp_type=-1 if e.icmp_type is None else e.icmp_type,
            icmp_code=-1 if e.icmp_code is None else e.icmp_code,
            lo=lo,
            hi=hi,
            allow=e.action == "allow",
            cidr=e.cidr,
        )

    def sg_rules(self, sg_id: str, egress: bool) -> tuple[SgRuleC, ...]:
        """A group's rules with peers resolved to addresses (referenced groups: members' private IPs)."""
        key = (sg_id, egress)
        hit = self._sg_cache.get(key)
        if hit is not None:
            return hit
        sg: SecurityGroup | None = self.world.security_groups.get(sg_id)
        out: list[SgRuleC] = []
        for rule in (sg.egress if egress else sg.ingress) if sg else ():
            peers = AddrSet.of_cidrs(c for c in rule.cidrs if ":" not in c)
            for pl in rule.prefix_list_ids:
                peers = peers | AddrSet.of_cidrs(c for c in self.pl_cidrs.get(pl, ()) if ":" not in c)
            for g in rule.group_ids:
                peers = peers | self.group_members(g)
            proto = norm_proto(rule.protocol)
            default_lo, default_hi = (-1, -1) if proto == "icmp" else (0, 65535)
            lo = default_lo if rule.port_from is None else rule.port_from
            hi = default_hi if rule.port_to is None else rule.port_to
            if proto in ("tcp", "udp") and lo == -1:
                lo, hi = 0, 65535
            out.append(SgRuleC(proto, lo, hi, peers))
        result = tuple(out)
        self._sg_cache[key] = result
        return result

    def group_members(self, sg_id: str) -> AddrSet:
        hit = self._members.get(sg_id)
        if hit is None:
            enis = self.enis_in_group.get(sg_id, ())
            hit = AddrSet((i, i) for e in enis for i in (ip_int(ip) for ip in e.private_ips if ":" not in ip))
            self._members[sg_id] = hit
        return hit

    def subnet_hosts(self, subnet_id: str) -> tuple[list[int], list[NetworkInterface]]:
        """The subnet's private addresses, sorted, with their interfaces (for set destinations)."""
        hit = self._hosts.get(subnet_id)
        if hit is None:
            pairs = sorted(
                (
                    (ip_int(a), e)
                    for e in self.enis_in_subnet.get(subnet_id, ())
                    for a in e.private_ips
                    if ":" not in a
                ),
                key=lambda t: (t[0], t[1].id),
            )
            hit = ([a for a, _ in pairs], [e for _, e in pairs])
            self._hosts[subnet_id] = hit
        return hit

    def public_hosts_behind(self, gateway_ids: frozenset[str]) -> tuple[list[int], list[NetworkInterface]]:
        """Public addresses of interfaces in VPCs whose internet gateway is one of ``gateway_ids``."""
        hit = self._behind.get(gateway_ids)
        if hit is None:
            vpcs = {v for v, g in self.igw_of_vpc.items() if g in gateway_ids}
            pairs = (
                [(a, e) for a, e in zip(*self.public_hosts, strict=True) if e.vpc_id in vpcs] if vpcs else []
            )
            hit = ([a for a, _ in pairs], [e for _, e in pairs])
            self._behind[gateway_ids] = hit
        return hit

    def public_part(self, dst: AddrSet) -> AddrSet:
        """The addresses of ``dst`` the Internet delivers (public, or an interface's public IP)."""
        public = dst & PUBLIC
        return public | (dst & self.odd_public) if self.odd_public else public

    def subnet_host_set(self, subnet_id: str) -> AddrSet:
        """Every private address held by an interface of the subnet."""
        hit = self._host_sets.get(subnet_id)
        if hit is None:
            hit = AddrSet((a, a) for a in self.subnet_hosts(subnet_id)[0])
            self._host_sets[subnet_id] = hit
        return hit

    def subnet_classes(self, subnet_id: str) -> list[tuple[NetworkInterface, AddrSet]]:
        """The subnet's interfaces grouped by ``eni_class`` (as non-targets), each with its addresses."""
        hit = self._classes.get(subnet_id)
        if hit is None:
            addrs, owners = self.subnet_hosts(subnet_id)
            groups: dict[tuple, tuple[NetworkInterface, list[int]]] = {}
            for a, eni in zip(addrs, owners, strict=True):
                groups.setdefault(self.eni_class(eni, False), (eni, []))[1].append(a)
            hit = [(lead, AddrSet((v, v) for v in values)) for lead, values in groups.values()]
            hit.sort(key=lambda t: t[1].min())
            self._classes[subnet_id] = hit
        return hit

    def eni_class(self, eni: NetworkInterface, is_target: bool) -> tuple:
        """What decides an interface's fate once a packet reaches its subnet (not its address)."""
        base = self._class_base.get(eni.id)
        if base is None:
            if eni.id in self.nat_by_eni or eni.kind == "transit_gateway":
                base = (eni.id,)
            else:
                instance = self.world.instances.get(eni.attached_to or "")
                state = instance.state if instance is not None else "running"
                base = (tuple(sorted(eni.group_ids)), eni.kind, state)
            self._class_base[eni.id] = base
        return (*base, is_target)

    # -- lookups -----------------------------------------------------------------------------------
    def region_range(self, addr: int) -> str | None:
        """The most specific AWS public range holding ``addr``, as ``prefix region service``."""
        best = None
        for lo, hi, r in self.ip_ranges:
            if lo > addr:
                break
            if addr <= hi and (best is None or hi - lo < best[1] - best[0]):
                best = (lo, hi, r)
        return f"{best[2].prefix} {best[2].region} {best[2].service}" if best else None


_NAMED_KINDS = (
    *("instances", "network_interfaces", "db_instances", "autoscaling_groups", "internet_gateways"),
    *("nat_gateways", "transit_gateways", "transit_gateway_attachments", "vpn_gateways", "vpcs"),
    *("vpc_endpoints", "vpc_peering_connections", "subnets", "other_resources"),
)


def acl_allowed(rules: tuple[AclRule, ...], side: AddrSet, l4: L4) -> tuple[AddrSet, int | None]:
    """The part of ``side`` a stateless ACL allows (first matching rule by number), and that rule."""
    if side.is_single():
        rule = acl_first_rule(rules, side.min(), l4)
        return (side, rule.number) if rule and rule.allow else (AddrSet(), None)
    allowed = AddrSet()
    rest = side
    first = None
    for rule in rules:
        if not rest:
            break
        if not rule.matches(l4):
            continue
        part = rest.clip(rule.lo, rule.hi)
        if part:
            if rule.allow:
                allowed = allowed | part
                first = rule.number if first is None else first
            rest = rest.cut(rule.lo, rule.hi)
    return allowed, first


def acl_first_rule(rules: tuple[AclRule, ...], addr: int, l4: L4) -> AclRule | None:
    for rule in rules:
        if rule.lo <= addr <= rule.hi and rule.matches(l4):
            return rule
    return None
