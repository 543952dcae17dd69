"""The Region an AWS-published IPv4 address belongs to, without indexing the whole ip-ranges table.

``region_of(address)`` answers what ``bench.aws.ipranges.shipped_ip_ranges().region_of(address)`` answers,
with ``GLOBAL`` read as no Region: the Region of the most specific prefix holding the address, AMAZON's
entry before other services', then by service and Region name (the order of ``IpRanges.lookup``), among
the prefixes that name a Region. The scorers ask it for a few dozen destinations per run; building the
full ``IpRanges`` (frozen dataclasses, sorted twice) costs every scored run ~0.2 s, reading the shipped
rows into plain tuples a fraction of it. ``tests/test_perf_invariance.py`` checks the two agree on both
ends of every shipped prefix.
"""

from __future__ import annotations

import bisect
import ipaddress
import json
from functools import lru_cache
from importlib import resources

from bench.aws.ipranges import SHIPPED

Row = tuple[int, int, int, bool, str, str, str]  # first, last, -length, not AMAZON, service, region, nbg


def _span(prefix: str) -> tuple[int, int, int]:
    """(first, last, length) of an IPv4 prefix ("a.b.c.d/n")."""
    addr, _, length = prefix.partition("/")
    parts = addr.split(".")
    if len(parts) == 4 and length.isdigit() and all(p.isdigit() for p in parts):
        n = int(length)
        value = 0
        for part in parts:
            value = value << 8 | int(part)
        host = (1 << (32 - n)) - 1 if 0 <= n <= 32 else -1
        if host >= 0 and not value & host and all(int(p) <= 255 for p in parts):
            return value, value | host, n
    net = ipaddress.ip_network(prefix)
    return int(net.network_address), int(net.broadcast_address), net.prefixlen


@lru_cache(maxsize=1)
def _rows() -> tuple[Row, ...]:
    """Every shipped IPv4 prefix that names a Region (``GLOBAL`` ones never decide the answer)."""
    with resources.files("bench.data").joinpath(SHIPPED).open(encoding="utf-8") as fh:
        doc = json.load(fh)
    out = []
    for prefix, region, service, border in doc["compact"]:
        if region == "GLOBAL":
            continue
        first, last, n = _span(prefix)
        if first > last or n > 32:
            continue
        out.append((first, last, -n, service != "AMAZON", service, region, border))
    out.sort()
    return tuple(out)


@lru_cache(maxsize=1)
def _index() -> tuple[list[int], int]:
    rows = _rows()
    return [r[0] for r in rows], max((r[1] - r[0] for r in rows), default=0)


@lru_cache(maxsize=4096)
def region_of(address: str) -> str | None:
    """The Region of the most specific shipped prefix holding ``address``; None when none names one."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version != 4:
        return None
    value = int(ip)
    starts, widest = _index()
    rows = _rows()  # sorted by first address: the candidates start in [value - widest, value]
    lo, hi = bisect.bisect_left(starts, value - widest), bisect.bisect_right(starts, value)
    hits = [row for row in rows[lo:hi] if row[1] >= value]
    return min(hits, key=lambda r: r[2:])[5] if hits else None
