"""Every fault of every scenario changes at least one gold verdict (a fault that changes nothing is a bug).

Each world is asked the same probe questions as its scenario's baseline, drawn from the baseline world
itself: every instance, DB, NAT/Internet/VPN gateway and interface endpoint as source or destination,
every DNS name, an address in each VPN route, customer prefix list and 8.8.8.8, over ICMP and the TCP
ports the security groups open. Also checks the DNS table against ip-ranges and the prefix lists, and
that public addresses are the Region's (see bench/scenarios/corrections_ranges.py).
"""

from __future__ import annotations

import ipaddress
import random
from collections import defaultdict
from functools import cache

import pytest

from bench.aws.public_ips import in_region_ec2
from bench.engine import engine_for
from bench.model import Query
from bench.world.catalog import list_worlds, load_world
from bench.world.model import World

OBSERVED = {("s3.ap-northeast-1.amazonaws.com", "35.78.9.203")}  # the field test's own observation

WORLDS = list_worlds()
SCENARIOS: dict[str, list[str]] = defaultdict(list)
for _w in WORLDS:
    if "__" in _w and not _w.endswith("__baseline"):
        SCENARIOS[_w.split("__")[0]].append(_w)
FAULT_WORLDS = sorted(w for ws in SCENARIOS.values() for w in ws)


def _host(cidr: str) -> str:
    net = ipaddress.ip_network(cidr)
    return str(net.network_address + min(10, net.num_addresses - 1))


# Above this many probes (a company-sized scenario such as acme-corp: ~590,000) the probe set is reduced,
# see _representative_probes; smaller scenarios keep the full cross product.
FULL_PROBE_LIMIT = 100_000


@cache
def probes(scenario: str) -> tuple[Query, ...]:
    """The probe questions of a scenario, from its baseline world (ids are shared by its worlds)."""
    found = _full_probes(scenario)
    if len(found) > FULL_PROBE_LIMIT:
        return _representative_probes(scenario)
    return found


def _groups_of(w: World, ident: str) -> tuple[str, ...]:
    if ident in w.instances:
        enis = [w.network_interfaces[e] for e in w.instances[ident].eni_ids if e in w.network_interfaces]
        return tuple(sorted({g for e in enis for g in e.group_ids}))
    if ident in w.db_instances:
        return tuple(sorted(w.db_instances[ident].group_ids))
    if ident in w.vpc_endpoints:
        return tuple(sorted(w.vpc_endpoints[ident].group_ids))
    return ()


def _open_ports(w: World, groups: tuple[str, ...]) -> set[int]:
    ports = set()
    for g in groups:
        for rule in w.security_groups[g].ingress if g in w.security_groups else ():
            if rule.protocol == "tcp" and rule.port_from == rule.port_to and rule.port_from is not None:
                ports.add(rule.port_from)
    return ports


def _representative_probes(scenario: str) -> tuple[Query, ...]:
    """A large scenario's probes: one instance per (subnet, security groups) as source and destination
    (instances alike in both answer alike unless a rule names a single address), every DB, interface
    endpoint and gateway, and per destination only ICMP plus the TCP ports its own groups open (443 for
    gateways and groupless hostnames; every group port for outside addresses and AWS service names)."""
    w: World = load_world(f"{scenario}__baseline")
    seen: set[tuple] = set()
    ends: list[tuple[str, str]] = []
    for i in sorted(w.instances.values(), key=lambda i: i.id):
        sig = (i.subnet_id, _groups_of(w, i.id))
        if sig not in seen:
            seen.add(sig)
            ends.append((i.id, i.region))
    ends += [(d.id, d.region) for d in w.db_instances.values()]
    ends += [(e.id, e.region) for e in w.vpc_endpoints.values() if e.endpoint_type == "Interface"]
    gateways = [(g.id, g.region) for g in w.internet_gateways.values()]
    gateways += [(g.id, g.region) for g in w.vpn_gateways.values()]
    gateways += [(g.id, g.region) for g in w.nat_gateways.values()]
    outside = {"8.8.8.8"}
    for vgw in w.vpn_gateways.values():
        outside |= {_host(c) for c in vgw.remote_cidrs}
    for pl in w.prefix_lists.values():
        if not pl.aws_managed:
            outside |= {_host(c) for c in pl.cidrs}
    every = {443} | _open_ports(w, tuple(w.security_groups))
    owner = {d.endpoint_address: d.id for d in w.db_instances.values() if d.endpoint_address}
    owner |= {n: e.id for e in w.vpc_endpoints.values() for n in e.dns_names}
    dests: list[tuple[str, set[int]]] = [(e, _open_ports(w, _groups_of(w, e)) or {443}) for e, _ in ends]
    dests += [(g, {443}) for g, _ in gateways]
    dests += [
        (n, _open_ports(w, _groups_of(w, owner[n])) or {443} if n in owner else every) for n in sorted(w.dns)
    ]
    dests += [(a, every) for a in sorted(outside)]
    found = []
    sources = ends + gateways + [(a, w.regions[0]) for a in sorted(outside - {"8.8.8.8"})]
    for src, region in sources:
        for dst, ports in dests:
            if dst == src:
                continue
            found.append(Query(region=region, source=src, destination=dst, protocol="icmp", port=None))
            for port in sorted(ports):
                found.append(Query(region=region, source=src, destination=dst, protocol="tcp", port=port))
    return tuple(found)


def _full_probes(scenario: str) -> tuple[Query, ...]:
    w: World = load_world(f"{scenario}__baseline")
    ends: list[tuple[str, str]] = [(i.id, i.region) for i in w.instances.values()]
    ends += [(d.id, d.region) for d in w.db_instances.values()]
    ends += [(e.id, e.region) for e in w.vpc_endpoints.values() if e.endpoint_type == "Interface"]
    gateways = [(g.id, g.region) for g in w.internet_gateways.values()]
    gateways += [(g.id, g.region) for g in w.vpn_gateways.values()]
    gateways += [(g.id, g.region) for g in w.nat_gateways.values()]
    outside = {"8.8.8.8"}
    for vgw in w.vpn_gateways.values():
        outside |= {_host(c) for c in vgw.remote_cidrs}
    for pl in w.prefix_lists.values():
        if not pl.aws_managed:
            outside |= {_host(c) for c in pl.cidrs}
    dests = [e for e, _ in ends + gateways] + sorted(w.dns) + sorted(outside)
    ports = {443}
    for sg in w.security_groups.values():
        for rule in sg.ingress:
            if rule.protocol == "tcp" and rule.port_from == rule.port_to and rule.port_from is not None:
                ports.add(rule.port_from)
    services = [("icmp", None)] + [("tcp", p) for p in sorted(ports)]
    found = []
    sources = ends + gateways + [(a, w.regions[0]) for a in sorted(outside - {"8.8.8.8"})]
    for src, region in sources:
        for dst in dests:
            if dst == src:
                continue
            for proto, port in services:
                found.append(Query(region=region, source=src, destination=dst, protocol=proto, port=port))
    return tuple(found)


def _verdict(world: str, query: Query) -> tuple:
    v = engine_for(world).analyze(query)
    return (v.reachable, v.explanation_code, v.error)


# scenario -> probe index -> the baseline's answer, filled as fault worlds ask (shared by its fault worlds)
_BASELINE: dict[str, dict[int, tuple]] = defaultdict(dict)


@cache
def _order(scenario: str) -> tuple[int, ...]:
    """Probe indices in a fixed pseudo-random order: a fault moves a cluster of related probes, which a
    shuffled walk meets early, so the test stops at the first difference instead of asking everything."""
    order = list(range(len(probes(scenario))))
    random.Random(scenario).shuffle(order)
    return tuple(order)


@pytest.mark.parametrize("world", FAULT_WORLDS)
def test_fault_changes_a_verdict(world: str) -> None:
    scenario = world.split("__")[0]
    queries, base = probes(scenario), _BASELINE[scenario]
    for i in _order(scenario):
        if i not in base:
            base[i] = _verdict(f"{scenario}__baseline", queries[i])
        if _verdict(world, queries[i]) != base[i]:
            return
    pytest.fail(f"{world}: no probe verdict differs from the baseline ({len(queries)} probes)")


@pytest.mark.parametrize("world", WORLDS)
def test_service_hostnames_resolve_into_ranges_and_prefix_lists(world: str) -> None:
    w = load_world(world)
    ranges = defaultdict(list)
    for r in w.ip_ranges:
        ranges[(r.region, r.service)].append(ipaddress.ip_network(r.prefix))
    lists = {
        pl.prefix_list_name: [ipaddress.ip_network(c) for c in pl.cidrs] for pl in w.prefix_lists.values()
    }
    checked = 0
    for name, addresses in w.dns.items():
        parts = name.split(".")
        if len(parts) != 4 or parts[2:] != ["amazonaws", "com"] or parts[0] not in ("s3", "dynamodb"):
            continue
        service, region = parts[0], parts[1]
        for address in addresses:
            if (name, address) in OBSERVED:
                continue
            ip = ipaddress.ip_address(address)
            assert any(ip in n for n in ranges[(region, service.upper())]), (name, address)
            pl = lists.get(f"com.amazonaws.{region}.{service}")
            if pl is not None:
                assert any(ip in n for n in pl), (name, address, "outside the prefix list")
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("world", WORLDS)
def test_public_addresses_are_the_regions(world: str) -> None:
    w = load_world(world)
    seen = 0
    for eni in w.network_interfaces.values():
        for address in [eni.public_ip] if eni.public_ip else []:
            assert in_region_ec2(eni.region, address), (eni.id, address)
            assert ipaddress.ip_address(address).is_global
            seen += 1
    for nat in w.nat_gateways.values():
        for address in [nat.public_ip] if nat.public_ip else []:
            assert in_region_ec2(nat.region, address), (nat.id, address)
            seen += 1
    if world.startswith(("field-test", "web-tier")):
        assert seen >= 1


def _ask(world: str, src: str, dst: str, port: int, region: str) -> tuple:
    query = Query(region=region, source=src, destination=dst, protocol="tcp", port=port)
    v = engine_for(world).analyze(query)
    return (v.reachable, v.explanation_code)


def test_s3_by_hostname_goes_through_the_endpoint_and_s3_cut_blocks_it() -> None:
    name = "s3.us-east-1.amazonaws.com"
    assert _ask("private-endpoints__baseline", "batch-worker-1", name, 443, "us-east-1") == (True, None)
    cut = _ask("private-endpoints__s3-cut", "batch-worker-1", name, 443, "us-east-1")
    assert cut == (False, "SUBNET_ACL_RESTRICTION")
    # vault-private-b is not a target of s3-cut
    assert _ask("private-endpoints__s3-cut", "batch-worker-2", name, 443, "us-east-1") == (True, None)


def test_datacenter_route_deleted_cuts_erp_batch_only() -> None:
    region = "ap-northeast-2"
    for src in ("erp-app", "erp-batch"):
        assert _ask("vpn-branch__baseline", src, "172.30.1.10", 1521, region) == (True, None)
    deleted = "vpn-branch__datacenter-route-deleted"
    assert _ask(deleted, "erp-batch", "172.30.1.10", 1521, region) == (False, "NO_ROUTE_TO_DESTINATION")
    assert _ask(deleted, "erp-app", "172.30.1.10", 1521, region) == (True, None)  # propagated route
    assert _ask(deleted, "erp-batch", "192.168.1.10", 443, region) == (True, None)
