"""The engine against the naive per-packet checker on random small worlds (hypothesis, derandomized).

The random worlds exercise the AWS rules the checker re-implements separately: route priority at one
prefix length (static, prefix list, propagated; the local route over more specific propagated routes:
https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html), VPN gateway destinations
from static and propagated routes (https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html),
transit gateway propagations and static-over-propagated routes
(https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html), attachment subnets per
Availability Zone (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html) and their ACLs
for senders beside the attachment (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html), and
gateway sources as address sets narrowed by SourceIp
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkInsightsPath.html).
"""

from __future__ import annotations

import ipaddress
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.engine import Engine
from bench.engine.addrset import INTERNET_SOURCES, ip_int
from bench.engine.naive_check import _behind_vgw, naive_check, naive_check_from_gateway
from bench.engine.testing import WorldBuilder, allow_all_acl
from bench.model import Query
from bench.world.model import (
    InternetGateway,
    NaclEntry,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    TgwRoute,
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRouteTable,
    Vpc,
    VpcPeeringConnection,
    VpnGateway,
    World,
)

R = "us-east-1"
PORTS = [(22, 22), (80, 80), (443, 443), (1024, 65535), (0, 65535), (8000, 8999), (32768, 60999)]
PROBES = [("tcp", 22), ("tcp", 443), ("udp", 53), ("icmp", None), ("tcp", 8080)]
SETTINGS = settings(max_examples=100, derandomize=True, deadline=None, database=None)


def random_acl(rnd: random.Random, acl_id: str, vpc: str, pool: list[str]) -> NetworkAcl:
    if rnd.random() < 0.5:
        return allow_all_acl(acl_id, R, vpc)
    entries = []
    for egress in (False, True):
        numbers = rnd.sample(range(10, 200, 10), rnd.randint(1, 4))
        for n in numbers:
            proto = rnd.choice(["all", "tcp", "udp", "icmp"])
            lo, hi = rnd.choice(PORTS)
            entries.append(
                NaclEntry(
                    rule_number=n,
                    egress=egress,
                    protocol=proto,
                    cidr=rnd.choice(pool),
                    action=rnd.choice(["allow", "allow", "deny"]),
                    port_from=lo if proto in ("tcp", "udp") else None,
                    port_to=hi if proto in ("tcp", "udp") else None,
                )
            )
        if rnd.random() < 0.5:
            entries.append(
                NaclEntry(rule_number=500, egress=egress, protocol="all", cidr="0.0.0.0/0", action="allow")
            )
        entries.append(
            NaclEntry(rule_number=32767, egress=egress, protocol="all", cidr="0.0.0.0/0", action="deny")
        )
    return NetworkAcl(id=acl_id, region=R, vpc_id=vpc, entries=tuple(entries))


def random_rule(rnd: random.Random, pool: list[str], groups: list[str]) -> SgRule:
    proto = rnd.choice(["all", "tcp", "udp", "icmp", "tcp"])
    lo, hi = rnd.choice(PORTS)
    ports = (
        {"port_from": lo, "port_to": hi}
        if proto in ("tcp", "udp")
        else ({"port_from": -1, "port_to": -1} if proto == "icmp" else {})
    )
    if rnd.random() < 0.3 and groups:
        return SgRule(protocol=proto, group_ids=(rnd.choice(groups),), **ports)
    return SgRule(protocol=proto, cidrs=(rnd.choice(pool),), **ports)


def random_world(seed: int) -> World:
    """1-3 VPCs with ACLs, groups, IGW/NAT, a TGW and a peering, all drawn from small pools."""
    rnd = random.Random(seed)
    b = WorldBuilder(f"rand-{seed}", (R,))
    nv = rnd.randint(1, 3)
    vpcs = [f"vpc-{v}" for v in range(nv)]
    subnets: dict[str, list[str]] = {}
    pool = [
        "0.0.0.0/0",
        "10.0.0.0/8",
        "35.72.0.0/13",
        "54.0.0.0/8",
        "3.0.0.0/8",
        "198.51.100.0/24",
        "192.168.0.0/16",
    ]
    for v in range(nv):
        pool.append(f"10.{v}.0.0/16")
        subnets[vpcs[v]] = [f"subnet-{v}{s}" for s in range(rnd.randint(1, 3))]
        pool.extend(f"10.{v}.{s}.0/24" for s in range(len(subnets[vpcs[v]])))
    has_tgw = nv >= 2 and rnd.random() < 0.7
    has_pcx = nv >= 2 and rnd.random() < 0.5
    pcx_routed = rnd.random() < 0.5
    # With a second TGW, the last VPC hangs off it and the two TGWs are joined by a peering attachment
    # (associated on each side or not), as in the field test's Virginia-Tokyo path.
    peered = has_tgw and rnd.random() < 0.5
    home = {vpc: "tgw-1" if peered and v == nv - 1 else "tgw-0" for v, vpc in enumerate(vpcs)}
    # Subnets 0 and 2 are in us-east-1a, subnet 1 in us-east-1b; the TGW attachment has a subnet in
    # us-east-1a (subnet 0) and sometimes one in us-east-1b.
    attached_at = {vpc: (0, 1) if len(subnets[vpc]) > 1 and rnd.random() < 0.5 else (0,) for vpc in vpcs}
    propagations: dict[str, list[str]] = {"tgw-0": [], "tgw-1": []}
    if has_tgw:
        tables: dict[str, tuple[list[str], list[TgwRoute]]] = {"tgw-0": ([], [])}
        b.add("transit_gateways", TransitGateway(id="tgw-0", region=R))
        if peered:
            tables["tgw-1"] = ([], [])
            b.add("transit_gateways", TransitGateway(id="tgw-1", region=R))
            b.add(
                "transit_gateway_attachments",
                TransitGatewayAttachment(
                    id="tgw-attach-peer",
                    region=R,
                    transit_gateway_id="tgw-0",
                    resource_type="peering",
                    resource_id="tgw-1",
                    peer_transit_gateway_id="tgw-1",
                ),
            )
            for t in tables:
                if rnd.random() < 0.8:
                    tables[t][0].append("tgw-attach-peer")
        for v, vpc in enumerate(vpcs):
            att = f"tgw-attach-{v}"
            b.add(
                "transit_gateway_attachments",
                TransitGatewayAttachment(
                    id=att,
                    region=R,
                    transit_gateway_id=home[vpc],
                    resource_type="vpc",
                    resource_id=vpc,
                    subnet_ids=tuple(subnets[vpc][k] for k in attached_at[vpc]),
                ),
            )
            if rnd.random() < 0.85:
                tables[home[vpc]][0].append(att)
            for t, (_, routes) in tables.items():
                via = att if t == home[vpc] else "tgw-attach-peer"
                how = rnd.random()
                if t == home[vpc] and how < 0.3:  # a propagation only: the route is implied
                    propagations[t].append(att)
                    continue
                if t == home[vpc] and how < 0.45:  # a static route beats a propagated one
                    routes.append(
                        TgwRoute(
                            destination_cidr=f"10.{v}.0.0/16", attachment_ids=(att,), route_type="propagated"
                        )
                    )
                    routes.append(TgwRoute(destination_cidr=f"10.{v}.0.0/16", state="blackhole"))
                    continue
                routes.append(
                    TgwRoute(
                        destination_cidr=f"10.{v}.0.0/16",
                        attachment_ids=(via,),
                        state="blackhole" if rnd.random() < 0.15 else "active",
                    )
                )
        for t, (assoc, routes) in tables.items():
            b.add(
                "transit_gateway_route_tables",
                TransitGatewayRouteTable(
                    id=f"tgw-rtb-{t[-1]}",
                    region=R,
                    transit_gateway_id=t,
                    routes=tuple(routes),
                    association_attachment_ids=tuple(assoc),
                    propagation_attachment_ids=tuple(propagations[t]),
                ),
            )
    if has_pcx:
        b.add(
            "vpc_peering_connections",
            VpcPeeringConnection(
                id="pcx-01",
                region=R,
                requester_vpc_id="vpc-0",
                requester_region=R,
                accepter_vpc_id="vpc-1",
                accepter_region=R,
                requester_cidrs=("10.0.0.0/16",),
                accepter_cidrs=("10.1.0.0/16",),
                status="active" if rnd.random() < 0.8 else "deleted",
            ),
        )
    for v, vpc in enumerate(vpcs):
        b.add("vpcs", Vpc(id=vpc, region=R, cidrs=(f"10.{v}.0.0/16",)))
        vgw = f"vgw-{v}" if rnd.random() < 0.4 else None
        if vgw:
            b.add(
                "vpn_gateways",
                VpnGateway(id=vgw, region=R, vpc_ids=(vpc,), remote_cidrs=("192.168.0.0/16",)),
            )
        igw = f"igw-{v}" if rnd.random() < 0.7 else None
        if igw:
            attached = (vpc,) if rnd.random() < 0.9 else ()  # a detached gateway now and then
            b.add("internet_gateways", InternetGateway(id=igw, region=R, vpc_ids=attached))
        groups = [f"sg-{v}{g}" for g in range(2)]
        for g in groups:
            egress = (
                (SgRule(protocol="all", cidrs=("0.0.0.0/0",)),)
                if rnd.random() < 0.7
                else tuple(random_rule(rnd, pool, groups) for _ in range(rnd.randint(1, 2)))
            )
            ingress = tuple(random_rule(rnd, pool, groups) for _ in range(rnd.randint(1, 3)))
            if rnd.random() < 0.5:  # keep a fair share of packets that get through
                ingress += (SgRule(protocol="all", cidrs=(rnd.choice(["0.0.0.0/0", "10.0.0.0/8"]),)),)
            b.add(
                "security_groups",
                SecurityGroup(id=g, region=R, vpc_id=vpc, group_name=g, ingress=ingress, egress=egress),
            )
        nat = f"nat-{v}" if igw and rnd.random() < 0.6 else None
        if nat:
            b.add(
                "network_interfaces",
                NetworkInterface(
                    id=f"eni-nat{v}",
                    region=R,
                    vpc_id=vpc,
                    subnet_id=subnets[vpc][0],
                    private_ips=(f"10.{v}.0.100",),
                    public_ip=f"3.210.{v}.1",
                    kind="nat_gateway",
                    attached_to=nat,
                ),
            )
            b.add(
                "nat_gateways",
                NatGateway(
                    id=nat,
                    region=R,
                    vpc_id=vpc,
                    subnet_id=subnets[vpc][0],
                    eni_id=f"eni-nat{v}",
                    private_ip=f"10.{v}.0.100",
                    public_ip=f"3.210.{v}.1",
                ),
            )
        for s, sid in enumerate(subnets[vpc]):
            acl_id = f"acl-{v}{s}"
            b.add("network_acls", random_acl(rnd, acl_id, vpc, pool))
            routes = [Route(destination_cidr=f"10.{v}.0.0/16", target_type="local")]
            default = rnd.choice(["igw", "nat", "blackhole", None])
            if default == "igw" and igw:
                routes.append(Route(destination_cidr="0.0.0.0/0", target_type="igw", target_id=igw))
            elif default == "nat" and nat and s != 0:
                routes.append(Route(destination_cidr="0.0.0.0/0", target_type="nat", target_id=nat))
            elif default == "blackhole":
                routes.append(
                    Route(
                        destination_cidr="0.0.0.0/0",
                        target_type="igw",
                        target_id="igw-gone",
                        state="blackhole",
                    )
                )
            for o in range(nv):
                if o == v:
                    continue
                way = rnd.choice(["tgw", "tgw", "pcx", "blackhole", None])
                if has_pcx and {v, o} == {0, 1} and pcx_routed:  # often both ways, so replies return
                    way = "pcx"
                if way == "tgw" and has_tgw:
                    routes.append(
                        Route(destination_cidr=f"10.{o}.0.0/16", target_type="tgw", target_id=home[vpc])
                    )
                elif way == "pcx" and has_pcx and {v, o} == {0, 1}:
                    routes.append(
                        Route(destination_cidr=f"10.{o}.0.0/16", target_type="pcx", target_id="pcx-01")
                    )
                elif way == "blackhole":
                    routes.append(
                        Route(
                            destination_cidr=f"10.{o}.0.0/16",
                            target_type="tgw",
                            target_id="tgw-x",
                            state="blackhole",
                        )
                    )
            if vgw:  # propagated routes: BGP-learned 172.16/12, losers to the local and static routes
                prop = {"target_type": "vgw", "target_id": vgw, "origin": "EnableVgwRoutePropagation"}
                if rnd.random() < 0.7:
                    routes.append(Route(destination_cidr="172.16.0.0/12", **prop))
                if rnd.random() < 0.5:
                    routes.append(Route(destination_cidr="192.168.0.0/16", **prop))
                if rnd.random() < 0.5:
                    routes.append(Route(destination_cidr=f"10.{v}.{s}.0/24", **prop))
                for o in range(nv):
                    if o != v and rnd.random() < 0.5:
                        routes.append(Route(destination_cidr=f"10.{o}.0.0/16", **prop))
            if rnd.random() < 0.3:
                routes.append(
                    Route(
                        destination_cidr="35.72.0.0/13",
                        target_type="igw",
                        target_id="igw-gone",
                        state="blackhole",
                    )
                )
            b.add(
                "route_tables",
                RouteTable(id=f"rtb-{v}{s}", region=R, vpc_id=vpc, routes=tuple(routes), subnet_ids=(sid,)),
            )
            b.add(
                "subnets",
                Subnet(
                    id=sid,
                    region=R,
                    vpc_id=vpc,
                    cidr=f"10.{v}.{s}.0/24",
                    availability_zone="us-east-1b" if s == 1 else "us-east-1a",
                    route_table_id=f"rtb-{v}{s}",
                    network_acl_id=acl_id,
                ),
            )
            for k in range(rnd.randint(0, 2)):
                public = f"54.{v}.{s}.{k + 1}" if rnd.random() < 0.4 else None
                b.instance(
                    f"i-{v}{s}{k}",
                    R,
                    vpc,
                    sid,
                    f"10.{v}.{s}.{10 + k}",
                    (rnd.choice(groups),),
                    public_ip=public,
                )
    return b.build()


def destinations(world: World) -> list[str]:
    out = ["35.72.1.1", "8.8.8.8", "10.9.9.9", "172.16.5.5", "192.168.1.1"]
    for eni in world.network_interfaces.values():
        out.append(eni.private_ips[0])
        if eni.public_ip:
            out.append(eni.public_ip)
    for s in world.subnets.values():
        out.append(str(ipaddress.ip_network(s.cidr)[99]))
    return sorted(set(out))


def sources(world: World) -> list[str]:
    return sorted(e.id for e in world.network_interfaces.values() if e.kind == "instance")


@SETTINGS
@given(seed=st.integers(0, 10**6))
def test_engine_agrees_with_naive_checker(seed: int) -> None:
    world = random_world(seed)
    engine = Engine(world)
    rnd = random.Random(seed)
    for src in sources(world):
        for dst in destinations(world):
            proto, port = rnd.choice(PROBES)
            v = engine.analyze(Query(region=R, source=src, destination=dst, protocol=proto, port=port))
            n = naive_check(world, src, dst, proto, port)
            assert v.error is None, v.message
            context = (seed, src, dst, proto, port, v.explanation_code, v.blocking_component, n)
            assert v.reachable is n.reachable, context
            if not n.reachable and not n.on_return:
                assert v.explanation_code == n.code, context
                assert v.blocking_component is not None and v.blocking_component.id == n.component, context


@SETTINGS
@given(seed=st.integers(0, 10**6), prefix=st.sampled_from([28, 29, 30]))
def test_a_set_is_reachable_iff_some_member_is(seed: int, prefix: int) -> None:
    world = random_world(seed)
    engine = Engine(world)
    rnd = random.Random(seed)
    srcs = sources(world)
    if not srcs:
        return
    src = rnd.choice(srcs)
    base = rnd.choice(destinations(world))
    net = ipaddress.ip_network(f"{base}/{prefix}", strict=False)
    proto, port = rnd.choice(PROBES)
    whole = engine.analyze(Query(region=R, source=src, destination=str(net), protocol=proto, port=port))
    members = [
        engine.analyze(Query(region=R, source=src, destination=str(a), protocol=proto, port=port)).reachable
        for a in net
    ]
    assert whole.reachable is any(members)
    if whole.reachable:
        assert whole.witness is not None and ipaddress.ip_address(whole.witness.dst) in net
        again = engine.analyze(
            Query(region=R, source=src, destination=whole.witness.dst, protocol=proto, port=port)
        )
        assert again.reachable is True


def gateway_source_candidates(world: World, vpc_ids: tuple[str, ...]) -> list[str]:
    """One outside address per range every rule of the random world treats alike (rules only name the
    pool's CIDRs and VPC CIDRs, so their ends cut every behaviour), kept inside the Internet's sources."""
    cuts = {lo for lo, _ in INTERNET_SOURCES.ranges}
    for cidr in [
        *(e.cidr for a in world.network_acls.values() for e in a.entries),
        *(c for g in world.security_groups.values() for r in (*g.ingress, *g.egress) for c in r.cidrs),
    ]:
        net = ipaddress.ip_network(cidr)
        cuts.update((int(net.network_address), int(net.broadcast_address) + 1))
    inside = [ipaddress.ip_network(c) for v in vpc_ids for c in world.vpcs[v].cidrs]
    out = []
    for c in sorted(cuts):
        if c < 2**32:
            addr = ipaddress.ip_address(c)
            if not any(addr in n for n in inside):
                out.append(str(addr))
    return out


@SETTINGS
@given(seed=st.integers(0, 10**6))
def test_gateway_sources_are_sets_narrowed_by_source_ip(seed: int) -> None:
    """An internet or VPN gateway as source is every address that can arrive through it: the engine's
    verdict for the gateway is reachable iff the naive checker gets some candidate address through, and
    with ``source_ip`` the engine agrees with the checker on that one address. A VPC peering connection
    as source likewise: the requester VPC's addresses into the accepter VPC."""
    world = random_world(seed)
    engine = Engine(world)
    rnd = random.Random(seed)
    for gw in sorted([*world.internet_gateways, *world.vpn_gateways, *world.vpc_peering_connections]):
        is_igw = gw in world.internet_gateways
        if gw in world.vpc_peering_connections:
            pcx = world.vpc_peering_connections[gw]
            dsts = sorted(
                e.private_ips[0]
                for e in world.network_interfaces.values()
                if e.kind == "instance" and e.vpc_id == pcx.accepter_vpc_id
            )
            peer = ipaddress.ip_network(pcx.requester_cidrs[0])
            candidates = [c for c in gateway_source_candidates(world, ()) if ipaddress.ip_address(c) in peer]
            candidates = candidates or [str(peer.network_address)]
            check_gateway_source(engine, world, rnd, seed, gw, dsts, candidates)
            continue
        vpcs = (world.internet_gateways[gw] if is_igw else world.vpn_gateways[gw]).vpc_ids
        if is_igw:
            dsts = sorted(e.public_ip for e in world.network_interfaces.values() if e.public_ip)
        else:
            dsts = sorted(e.private_ips[0] for e in world.network_interfaces.values() if e.kind == "instance")
        candidates = gateway_source_candidates(world, vpcs)
        if is_igw:
            candidates = [c for c in candidates if INTERNET_SOURCES.contains(ip_int(c))]
        else:  # a VGW's sources are the networks behind it: static VPN routes and propagated routes
            behind = [ipaddress.ip_network(c) for c in _behind_vgw(world, gw)]
            candidates = sorted(
                {*candidates, *(str(n.network_address) for n in behind)}, key=ipaddress.ip_address
            )
            inside = [ipaddress.ip_network(c) for v in vpcs for c in world.vpcs[v].cidrs]
            candidates = [
                c
                for c in candidates
                if any(ipaddress.ip_address(c) in n for n in behind)
                and not any(ipaddress.ip_address(c) in n for n in inside)
            ]
        check_gateway_source(engine, world, rnd, seed, gw, dsts, candidates)


def check_gateway_source(
    engine: Engine,
    world: World,
    rnd: random.Random,
    seed: int,
    gw: str,
    dsts: list[str],
    candidates: list[str],
) -> None:
    """The engine on a gateway source (a set), and narrowed to each sampled address, against the checker."""
    for dst in dsts:
        proto, port = rnd.choice(PROBES)
        naive = {c: naive_check_from_gateway(world, gw, c, dst, proto, port) for c in candidates}
        whole = engine.analyze(Query(region=R, source=gw, destination=dst, protocol=proto, port=port))
        assert whole.error is None, whole.message
        context = (seed, gw, dst, proto, port, whole.explanation_code, whole.blocking_component)
        assert whole.reachable is any(n.reachable for n in naive.values()), context
        if whole.reachable:
            assert whole.witness is not None and naive[whole.witness.src].reachable, context
        for c in rnd.sample(candidates, min(3, len(candidates))):
            one = engine.analyze(
                Query(region=R, source=gw, source_ip=c, destination=dst, protocol=proto, port=port)
            )
            assert one.reachable is naive[c].reachable, (*context, c, naive[c])
            if not naive[c].reachable and not naive[c].on_return:
                assert one.explanation_code == naive[c].code, (*context, c, naive[c])


# Details of the blocks of parts that went astray (engine ``Blocked.astray``): the checker follows one
# packet to its end, wherever that is, so only the other stops are compared with it.
ASTRAY = (
    "not to the destination",
    "the destination is not behind this path",
    "the destination is not behind this endpoint",
    "not a remote network of the VPN",
)


def public_candidates(world: World) -> list[str]:
    """One public address per range the random world's rules (ACLs, groups, routes) treat alike, outside
    every VPC, plus the interfaces' public addresses."""
    cuts = {"8.8.8.8", "35.72.1.1"}
    for c in gateway_source_candidates(world, tuple(world.vpcs)):
        cuts.add(c)
    for table in world.route_tables.values():
        for r in table.routes:
            if r.destination_cidr:
                net = ipaddress.ip_network(r.destination_cidr)
                end = int(net.broadcast_address) + 1
                cuts.update((str(net.network_address), str(ipaddress.ip_address(min(end, 2**32 - 1)))))
    cuts.update(e.public_ip for e in world.network_interfaces.values() if e.public_ip)
    inside = [ipaddress.ip_network(c) for v in world.vpcs.values() for c in v.cidrs]
    out = []
    for c in cuts:
        addr = ipaddress.ip_address(c)
        if int(addr) < 2**32 and addr.is_global and not any(addr in n for n in inside):
            out.append(c)
    return sorted(out, key=ipaddress.ip_address)


@SETTINGS
@given(seed=st.integers(0, 10**6))
def test_internet_gateway_destination_reports_where_public_packets_stop(seed: int) -> None:
    """An internet gateway as destination (no destination address) is reached by public addresses
    outside the VPCs, the packets that can leave through it
    (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html): the verdict is
    reachable iff one such address narrowed in (RA's "IGW + address") is, an unreachable verdict names
    the stop of one of them, and wherever the naive checker's packet stops on the way out the narrowed
    verdict agrees, unless the packet went somewhere the gateway cannot be reached from."""
    world = random_world(seed)
    engine = Engine(world)
    rnd = random.Random(seed)
    candidates = public_candidates(world)
    for src in sources(world):
        for igw in sorted(world.internet_gateways):
            proto, port = rnd.choice(PROBES)
            whole = engine.analyze(Query(region=R, source=src, destination=igw, protocol=proto, port=port))
            assert whole.error is None, whole.message
            narrowed = {
                c: engine.analyze(
                    Query(region=R, source=src, destination=igw, destination_ip=c, protocol=proto, port=port)
                )
                for c in candidates
            }
            context = (seed, src, igw, proto, port, whole.explanation_code, whole.blocking_component)
            assert whole.reachable is any(v.reachable for v in narrowed.values()), context
            if whole.reachable:
                continue
            stops = {(v.explanation_code, v.blocking_component.id) for v in narrowed.values()}
            assert (whole.explanation_code, whole.blocking_component.id) in stops, context
            for c in rnd.sample(candidates, min(4, len(candidates))):
                v, n = narrowed[c], naive_check(world, src, c, proto, port)
                if v.reachable or n.reachable or n.on_return or any(a in v.hops[-1].detail for a in ASTRAY):
                    continue
                got = (v.explanation_code, v.blocking_component.id)
                assert got == (n.code, n.component), (*context, c, n)
