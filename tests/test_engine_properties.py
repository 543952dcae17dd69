"""Properties of the engine's semantics, each against an expectation computed the obvious way."""

from __future__ import annotations

import ipaddress

import netaddr
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.engine import Engine
from bench.engine.addrset import AddrSet
from bench.engine.testing import WorldBuilder, allow_all_acl
from bench.model import Query
from bench.world.model import (
    InternetGateway,
    NaclEntry,
    NetworkAcl,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    Vpc,
    World,
)

R = "us-east-1"
SETTINGS = settings(max_examples=40, derandomize=True, deadline=None, database=None)
OPEN = SgRule(protocol="all", cidrs=("0.0.0.0/0",))


def two_subnets(dst_acl: NetworkAcl | None = None, routes: tuple[Route, ...] = ()) -> World:
    """src 10.0.1.10 (public 54.0.0.1) in subnet-a, dst 10.0.2.10 in subnet-b; open groups."""
    b = WorldBuilder("prop", (R,))
    b.add("vpcs", Vpc(id="vpc-1", region=R, cidrs=("10.0.0.0/16",)))
    b.add("internet_gateways", InternetGateway(id="igw-1", region=R, vpc_ids=("vpc-1",)))
    b.add(
        "security_groups",
        SecurityGroup(
            id="sg-open", region=R, vpc_id="vpc-1", group_name="open", ingress=(OPEN,), egress=(OPEN,)
        ),
    )
    b.add("network_acls", allow_all_acl("acl-open", R, "vpc-1"))
    if dst_acl is not None:
        b.add("network_acls", dst_acl)
    b.add(
        "route_tables",
        RouteTable(
            id="rtb-1",
            region=R,
            vpc_id="vpc-1",
            is_main=True,
            routes=(Route(destination_cidr="10.0.0.0/16", target_type="local"), *routes),
        ),
    )
    for name, cidr in (("subnet-a", "10.0.1.0/24"), ("subnet-b", "10.0.2.0/24")):
        acl = dst_acl.id if dst_acl is not None and name == "subnet-b" else "acl-open"
        b.add(
            "subnets",
            Subnet(
                id=name,
                region=R,
                vpc_id="vpc-1",
                cidr=cidr,
                availability_zone="us-east-1a",
                route_table_id="rtb-1",
                network_acl_id=acl,
            ),
        )
    b.instance("i-src", R, "vpc-1", "subnet-a", "10.0.1.10", ("sg-open",), public_ip="54.0.0.1")
    b.instance("i-dst", R, "vpc-1", "subnet-b", "10.0.2.10", ("sg-open",))
    return b.build()


rules = st.lists(
    st.tuples(
        st.integers(1, 50),  # rule number
        st.sampled_from(["all", "tcp", "udp", "icmp"]),
        st.sampled_from([(22, 22), (443, 443), (0, 65535), (400, 500)]),
        st.sampled_from(["0.0.0.0/0", "10.0.1.0/24", "10.0.1.10/32", "10.0.0.0/8", "192.168.0.0/16"]),
        st.booleans(),
    ),
    min_size=0,
    max_size=6,
    unique_by=lambda r: r[0],
)


def _first_match(entries: list[tuple], proto: str, port: int | None, peer: str) -> bool:
    for _, p, (lo, hi), cidr, allow in sorted(entries):
        if ipaddress.ip_address(peer) not in ipaddress.ip_network(cidr):
            continue
        if p not in ("all", proto):
            continue
        if p in ("tcp", "udp") and not (lo <= (port or 0) <= hi):
            continue
        return allow
    return False


@SETTINGS
@given(entries=rules, probe=st.sampled_from([("tcp", 22), ("tcp", 443), ("udp", 450), ("icmp", None)]))
def test_nacl_first_matching_rule_by_number_wins(entries: list[tuple], probe: tuple) -> None:
    acl_entries = [
        NaclEntry(
            rule_number=n,
            egress=False,
            protocol=p,
            cidr=c,
            action="allow" if a else "deny",
            port_from=lo if p in ("tcp", "udp") else None,
            port_to=hi if p in ("tcp", "udp") else None,
        )
        for n, p, (lo, hi), c, a in entries
    ]
    acl_entries += [
        NaclEntry(rule_number=100, egress=True, protocol="all", cidr="0.0.0.0/0", action="allow"),
        NaclEntry(rule_number=32767, egress=False, protocol="all", cidr="0.0.0.0/0", action="deny"),
        NaclEntry(rule_number=32767, egress=True, protocol="all", cidr="0.0.0.0/0", action="deny"),
    ]
    acl = NetworkAcl(id="acl-b", region=R, vpc_id="vpc-1", entries=tuple(acl_entries))
    proto, port = probe
    v = Engine(two_subnets(acl)).analyze(
        Query(region=R, source="i-src", destination="i-dst", protocol=proto, port=port)
    )
    expected = _first_match(entries, proto, port, "10.0.1.10")
    assert v.reachable is expected
    if not expected:
        assert v.explanation_code == "SUBNET_ACL_RESTRICTION"
        assert v.blocking_component is not None and v.blocking_component.direction == "ingress"


@SETTINGS
@given(
    ret=st.lists(
        st.tuples(
            st.integers(1, 50),
            st.sampled_from([(1024, 65535), (0, 1023), (1024, 2048), (32768, 60999), (443, 443), (0, 65535)]),
            st.booleans(),
        ),
        max_size=4,
        unique_by=lambda r: r[0],
    ),
)
def test_stateless_return_needs_some_ephemeral_port(ret: list[tuple]) -> None:
    entries = [
        NaclEntry(
            rule_number=n,
            egress=True,
            protocol="tcp",
            cidr="0.0.0.0/0",
            port_from=lo,
            port_to=hi,
            action="allow" if a else "deny",
        )
        for n, (lo, hi), a in ret
    ]
    entries += [
        NaclEntry(rule_number=100, egress=False, protocol="all", cidr="0.0.0.0/0", action="allow"),
        NaclEntry(rule_number=32767, egress=False, protocol="all", cidr="0.0.0.0/0", action="deny"),
        NaclEntry(rule_number=32767, egress=True, protocol="all", cidr="0.0.0.0/0", action="deny"),
    ]
    acl = NetworkAcl(id="acl-b", region=R, vpc_id="vpc-1", entries=tuple(entries))
    v = Engine(two_subnets(acl)).analyze(
        Query(region=R, source="i-src", destination="i-dst", protocol="tcp", port=443)
    )

    def allowed(port: int) -> bool:
        for _, (lo, hi), a in sorted(ret):
            if lo <= port <= hi:
                return a
        return False

    # The forward direction is open, so the verdict is exactly "some ephemeral port gets back".
    expected = any(allowed(p) for p in range(1024, 65536))
    assert v.reachable is expected
    if not expected:
        assert v.explanation_code == "SUBNET_ACL_RESTRICTION"
        assert v.blocking_component is not None and v.blocking_component.direction == "egress"
        assert any(h.detail.startswith("return path") for h in v.hops)


public_nets = st.sampled_from(
    [
        "35.0.0.0/8",
        "35.64.0.0/10",
        "35.72.0.0/13",
        "35.78.0.0/16",
        "35.78.9.0/24",
        "35.78.9.200/29",
        "35.78.9.203/32",
        "0.0.0.0/1",
        "0.0.0.0/0",
    ]
)


@SETTINGS
@given(
    routes=st.lists(st.tuples(public_nets, st.booleans()), max_size=6, unique_by=lambda r: r[0]),
    last=st.integers(0, 255),
)
def test_longest_prefix_match_decides(routes: list[tuple[str, bool]], last: int) -> None:
    table = tuple(
        Route(destination_cidr=c, target_type="igw", target_id="igw-1", state="active" if ok else "blackhole")
        for c, ok in routes
    )
    dst = f"35.78.9.{last}"
    v = Engine(two_subnets(None, table)).analyze(
        Query(region=R, source="i-src", destination=dst, protocol="tcp", port=443)
    )
    matching = [
        (ipaddress.ip_network(c).prefixlen, ok)
        for c, ok in routes
        if ipaddress.ip_address(dst) in ipaddress.ip_network(c)
    ]
    if not matching:
        assert (v.reachable, v.explanation_code) == (False, "NO_ROUTE_TO_DESTINATION")
    elif max(matching)[1]:
        assert v.reachable is True and v.witness is not None and v.witness.dst == dst
    else:
        assert (v.reachable, v.explanation_code) == (False, "BAD_STATE_ROUTE")


@SETTINGS
@given(
    routes=st.lists(st.tuples(public_nets, st.booleans()), max_size=5, unique_by=lambda r: r[0]),
    dest=public_nets,
)
def test_cidr_destination_is_existential_over_routes(routes: list[tuple[str, bool]], dest: str) -> None:
    """A CIDR is reachable iff some address in it has an active longest match (checked with netaddr)."""
    table = tuple(
        Route(destination_cidr=c, target_type="igw", target_id="igw-1", state="active" if ok else "blackhole")
        for c, ok in routes
    )
    v = Engine(two_subnets(None, table)).analyze(
        Query(region=R, source="i-src", destination=dest, protocol="tcp", port=443)
    )
    good = netaddr.IPSet()
    covered = netaddr.IPSet()
    for cidr, ok in sorted(routes, key=lambda r: -ipaddress.ip_network(r[0]).prefixlen):
        fresh = netaddr.IPSet([cidr]) - covered
        covered |= fresh
        if ok:
            good |= fresh
    public = netaddr.IPSet(["0.0.0.0/0"]) - netaddr.IPSet(
        [
            "0.0.0.0/8",
            "10.0.0.0/8",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "172.16.0.0/12",
            "192.0.0.0/24",
            "192.0.2.0/24",
            "192.168.0.0/16",
            "198.18.0.0/15",
            "198.51.100.0/24",
            "203.0.113.0/24",
            "224.0.0.0/3",
            "10.0.0.0/16",
        ]
    )
    hosts = netaddr.IPSet(["10.0.1.10/32", "10.0.2.10/32"])  # the VPC's own interfaces, reached locally
    deliverable = ((good & public) | hosts) & netaddr.IPSet([dest])
    assert v.reachable is bool(deliverable)
    if v.reachable:
        assert v.witness is not None and netaddr.IPAddress(v.witness.dst) in deliverable


ranges = st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**16)), max_size=6)


def _both(rs: list[tuple[int, int]]) -> tuple[AddrSet, netaddr.IPSet]:
    pairs = [(lo, min(lo + n, 2**32 - 1)) for lo, n in rs]
    ours = AddrSet(pairs)
    theirs = netaddr.IPSet()
    for lo, hi in pairs:
        theirs.add(netaddr.IPRange(lo, hi))
    return ours, theirs


@settings(max_examples=150, derandomize=True, deadline=None, database=None)
@given(a=ranges, b=ranges)
def test_addrset_algebra_matches_netaddr(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    (x, nx), (y, ny) = _both(a), _both(b)
    for ours, theirs in ((x & y, nx & ny), (x | y, nx | ny), (x - y, nx - ny)):
        assert ours.size() == theirs.size
        assert sorted(ours.cidrs()) == sorted(str(c) for c in theirs.iter_cidrs())
