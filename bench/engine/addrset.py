"""IPv4 address sets as sorted disjoint integer intervals.

Destinations can be sets (a CIDR, an FQDN's addresses, "anything behind this gateway"), and the engine
must decide whether *some* member is delivered without enumerating addresses. Every filter the engine
applies (route prefix, NACL/SG peer CIDR, subnet, host address) is an interval, so a set is a tuple of
inclusive ``(lo, hi)`` integer ranges; intersection and difference with an interval stay cheap, and the
common case -- one address -- is a single range. Parsing and printing go through ``ipaddress``; the
hypothesis tests cross-check the algebra against ``netaddr.IPSet``.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import lru_cache
from socket import inet_aton, inet_ntoa

MAX = (1 << 32) - 1
Range = tuple[int, int]


@lru_cache(maxsize=1 << 16)
def cidr_range(cidr: str) -> Range:
    """The inclusive integer range of an IPv4 CIDR or address (host bits ignored)."""
    net = ipaddress.IPv4Network(cidr, strict=False)
    lo = int(net.network_address)
    return lo, lo + net.num_addresses - 1


def ip_int(address: str) -> int:
    """A dotted-quad IPv4 address -> int. ``inet_aton`` parses in C (indexing 50,000 interfaces notices
    ``ipaddress``'s cost); its result counts only when printing it back gives the very text (canonical
    form, as every address a world stores), else ``ipaddress`` decides (same value, same error)."""
    try:
        packed = inet_aton(address)
        if inet_ntoa(packed) == address:
            return int.from_bytes(packed, "big")
    except (OSError, TypeError, ValueError):
        pass
    return int(ipaddress.IPv4Address(address))


def int_ip(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


class AddrSet:
    """An immutable set of IPv4 addresses."""

    __slots__ = ("ranges", "_bounds")

    def __init__(self, ranges: Iterable[Range] = ()) -> None:
        self.ranges: tuple[Range, ...] = _normalize(ranges)
        self._bounds: tuple[list[int], list[int]] | None = None

    @classmethod
    def _raw(cls, ranges: tuple[Range, ...]) -> AddrSet:
        obj = cls.__new__(cls)
        obj.ranges = ranges
        obj._bounds = None
        return obj

    def _span(self, lo: int, hi: int) -> tuple[int, int]:
        """Indices [i, j) of the ranges that can meet [lo, hi] (binary search on large sets)."""
        n = len(self.ranges)
        if n <= 8:
            return 0, n
        if self._bounds is None:
            self._bounds = ([a for a, _ in self.ranges], [b for _, b in self.ranges])
        starts, ends = self._bounds
        return bisect_left(ends, lo), bisect_right(starts, hi)

    @classmethod
    def of_cidrs(cls, cidrs: Iterable[str]) -> AddrSet:
        return cls(cidr_range(c) for c in cidrs)

    @classmethod
    def single(cls, value: int) -> AddrSet:
        return cls._raw(((value, value),))

    @classmethod
    def everything(cls) -> AddrSet:
        return cls._raw(((0, MAX),))

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AddrSet) and self.ranges == other.ranges

    def __hash__(self) -> int:
        return hash(self.ranges)

    def __repr__(self) -> str:
        return f"AddrSet({self.cidrs()!r})"

    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.ranges)

    def min(self) -> int:
        return self.ranges[0][0]

    def is_single(self) -> bool:
        return len(self.ranges) == 1 and self.ranges[0][0] == self.ranges[0][1]

    def contains(self, value: int) -> bool:
        i, j = self._span(value, value)
        for lo, hi in self.ranges[i:j]:
            if lo <= value <= hi:
                return True
            if lo > value:
                return False
        return False

    def overlaps_range(self, lo: int, hi: int) -> bool:
        for a, b in self.ranges:
            if a <= hi and lo <= b:
                return True
        return False

    def clip(self, lo: int, hi: int) -> AddrSet:
        """Intersection with one interval (the hot path: a route prefix, a rule CIDR, a subnet)."""
        out = []
        i, j = self._span(lo, hi)
        for a, b in self.ranges[i:j]:
            if b < lo:
                continue
            if a > hi:
                break
            out.append((a if a > lo else lo, b if b < hi else hi))
        return AddrSet._raw(tuple(out))

    def cut(self, lo: int, hi: int) -> AddrSet:
        """Difference with one interval (on large sets only the ranges that meet it are rebuilt)."""
        i, j = self._span(lo, hi)
        if i >= j:
            return self
        out = list(self.ranges[:i])
        for a, b in self.ranges[i:j]:
            if b < lo or a > hi:
                out.append((a, b))
                continue
            if a < lo:
                out.append((a, lo - 1))
            if b > hi:
                out.append((hi + 1, b))
        out.extend(self.ranges[j:])
        return AddrSet._raw(tuple(out))

    def __and__(self, other: AddrSet) -> AddrSet:
        small, big = (self, other) if len(self.ranges) <= len(other.ranges) else (other, self)
        if len(small.ranges) == 1:
            return big.clip(*small.ranges[0])
        if len(small.ranges) * 8 < len(big.ranges):  # few ranges against many: binary search per range
            out: list[Range] = []
            for lo, hi in small.ranges:
                out.extend(big.clip(lo, hi).ranges)
            return AddrSet._raw(tuple(out))
        out = []
        i = j = 0
        xs, ys = self.ranges, other.ranges
        while i < len(xs) and j < len(ys):
            lo = max(xs[i][0], ys[j][0])
            hi = min(xs[i][1], ys[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if xs[i][1] < ys[j][1]:
                i += 1
            else:
                j += 1
        return AddrSet._raw(tuple(out))

    def __or__(self, other: AddrSet) -> AddrSet:
        if not other.ranges:
            return self
        if not self.ranges:
            return other
        return AddrSet(self.ranges + other.ranges)

    def __sub__(self, other: AddrSet) -> AddrSet:
        if not other.ranges or not self.ranges:
            return self
        if len(other.ranges) == 1:
            return self.cut(*other.ranges[0])
        if len(self.ranges) * 8 < len(other.ranges):  # subtract only the ranges that can meet ours
            pieces: list[Range] = []
            for lo, hi in self.ranges:
                i, j = other._span(lo, hi)
                cur = lo
                for a, b in other.ranges[i:j]:
                    if b < cur:
                        continue
                    if a > hi:
                        break
                    if a > cur:
                        pieces.append((cur, a - 1))
                    cur = max(cur, b + 1)
                if cur <= hi:
                    pieces.append((cur, hi))
            return AddrSet._raw(tuple(pieces))
        out: list[Range] = []
        ys = other.ranges
        n = len(ys)
        j = 0
        for lo, hi in self.ranges:  # one sweep over both sorted lists
            cur = lo
            while j < n and ys[j][1] < cur:
                j += 1
            k = j
            while k < n and ys[k][0] <= hi:
                a, b = ys[k]
                if a > cur:
                    out.append((cur, a - 1))
                if b + 1 > cur:
                    cur = b + 1
                if b > hi:
                    break
                k += 1
            if cur <= hi:
                out.append((cur, hi))
        return AddrSet._raw(tuple(out))

    def cidrs(self) -> tuple[str, ...]:
        """Canonical sorted CIDR strings (what ``Verdict.destination_set`` carries)."""
        out: list[str] = []
        for lo, hi in self.ranges:
            nets = ipaddress.summarize_address_range(ipaddress.IPv4Address(lo), ipaddress.IPv4Address(hi))
            out.extend(str(n) for n in nets)
        return tuple(out)


def _normalize(ranges: Iterable[Range]) -> tuple[Range, ...]:
    items = sorted(r for r in ranges if r[0] <= r[1])
    out: list[Range] = []
    for lo, hi in items:
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


# Addresses a packet on the public Internet can be delivered to: everything except the IANA
# special-purpose IPv4 ranges (RFC 6890 and successors) that Python's ipaddress marks non-global.
_NOT_GLOBAL = (
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
)
PUBLIC = AddrSet.everything() - AddrSet.of_cidrs(_NOT_GLOBAL)
# Addresses a packet arriving from the Internet through an internet gateway may come from: the public
# addresses, plus the three documentation blocks (RFC 5737), which examples, runbooks and this benchmark's
# scenarios use to stand for Internet clients (a rule "allow 22 from 198.51.100.0/24" means "from that
# office on the Internet"). Private, shared, loopback and link-local sources never cross the Internet.
INTERNET_SOURCES = PUBLIC | AddrSet.of_cidrs(("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
