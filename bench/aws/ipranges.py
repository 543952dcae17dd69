"""AWS public IP ranges (ip-ranges.json): which Region and service an address belongs to.

The package ships a compact copy of every IPv4 prefix of one published file (``bench/data/``, made by
``python -m bench.aws.ipranges SRC``) so that lookups work offline; a user's own full ip-ranges.json is
accepted too (``load_ip_ranges(path)``).
"""

from __future__ import annotations

import bisect
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

SHIPPED = "ip-ranges-compact.json"


@dataclass(frozen=True, order=True)
class IpPrefix:
    prefix: str
    region: str
    service: str
    network_border_group: str


@dataclass(frozen=True)
class IpRanges:
    """An indexed set of prefixes answering "which Region/service holds this address?"."""

    sync_token: str
    create_date: str
    prefixes: tuple[IpPrefix, ...]

    def __post_init__(self) -> None:
        # Index by (start, -length) so that for any address the candidates are a contiguous run.
        spans = []
        for p in self.prefixes:
            fast = _v4_span(p.prefix)
            if fast is None:
                net = ipaddress.ip_network(p.prefix)
                fast = (int(net.network_address), int(net.broadcast_address), net.prefixlen)
            spans.append((*fast, p))
        spans.sort(key=_span_order)
        object.__setattr__(self, "_spans", spans)
        object.__setattr__(self, "_starts", [s[0] for s in spans])
        object.__setattr__(self, "_max_span", max((s[1] - s[0] for s in spans), default=0))

    def lookup(self, address: str) -> list[IpPrefix]:
        """Every prefix containing ``address``, most specific first (several services share prefixes)."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return []
        if ip.version != 4:
            return []
        value = int(ip)
        spans = self._spans  # type: ignore[attr-defined]
        lo = bisect.bisect_left(self._starts, value - self._max_span)  # type: ignore[attr-defined]
        hi = bisect.bisect_right(self._starts, value)  # type: ignore[attr-defined]
        found = [s for s in spans[lo:hi] if s[0] <= value <= s[1]]
        found.sort(key=lambda s: (-s[2], s[3].service != "AMAZON", s[3].service))
        return [s[3] for s in found]

    def region_of(self, address: str) -> str | None:
        """The Region of the most specific prefix holding ``address`` (``GLOBAL`` excluded when possible)."""
        hits = self.lookup(address)
        regional = [h for h in hits if h.region != "GLOBAL"]
        return (regional or hits)[0].region if hits else None

    def for_region(self, region: str, services: Iterable[str] | None = None) -> list[IpPrefix]:
        wanted = set(services) if services is not None else None
        return [
            p for p in self.prefixes if p.region == region and (wanted is None or p.service in wanted)
        ]

    def region_cidrs(self, region: str) -> list[str]:
        """The distinct prefixes of a Region, collapsed, sorted: what FIS blackholes for that Region."""
        nets = {ipaddress.ip_network(p.prefix) for p in self.for_region(region)}
        return [str(n) for n in ipaddress.collapse_addresses(sorted(nets))]


def _span_order(span: tuple) -> tuple[int, int]:
    return span[0], span[2]


def _v4_span(prefix: str) -> tuple[int, int, int] | None:
    """(first, last, length) of a canonical IPv4 prefix ("a.b.c.d/n", no host bits), else None (the
    caller falls back to ``ipaddress``). Parsing ~10,000 shipped prefixes with ``ipaddress`` costs every
    run that diagnoses a Region ~1 s; this is the same answer for the canonical spelling."""
    addr, slash, length = prefix.partition("/")
    parts = addr.split(".")
    if not slash or len(parts) != 4 or not length.isdigit() or str(int(length)) != length:
        return None
    n = int(length)
    value = 0
    for part in parts:
        if not part.isdigit() or str(int(part)) != part or int(part) > 255:
            return None
        value = value << 8 | int(part)
    if n > 32:
        return None
    host = (1 << (32 - n)) - 1
    if value & host:
        return None
    return value, value | host, n


def _canonical(prefix: str) -> str:
    return prefix if _v4_span(prefix) is not None else str(ipaddress.ip_network(prefix))


def _from_document(doc: dict) -> IpRanges:
    # Sorted by field tuple: the dataclass order, without ~130,000 generated ``__lt__`` calls.
    prefixes = tuple(
        sorted(
            {
                IpPrefix(
                    prefix=_canonical(p["ip_prefix"]),
                    region=p["region"],
                    service=p["service"],
                    network_border_group=p.get("network_border_group", p["region"]),
                )
                for p in doc["prefixes"]
            },
            key=lambda p: (p.prefix, p.region, p.service, p.network_border_group),
        )
    )
    return IpRanges(str(doc.get("syncToken", "")), str(doc.get("createDate", "")), prefixes)


def load_ip_ranges(path: str | Path) -> IpRanges:
    """Read AWS's ip-ranges.json (or this package's compact form)."""
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    if "compact" in doc:
        doc = _expand(doc)
    return _from_document(doc)


def _expand(doc: dict) -> dict:
    return {
        "syncToken": doc["syncToken"],
        "createDate": doc["createDate"],
        "prefixes": [
            {"ip_prefix": p, "region": r, "service": s, "network_border_group": n}
            for p, r, s, n in doc["compact"]
        ],
    }


@lru_cache(maxsize=1)
def shipped_ip_ranges() -> IpRanges:
    """The copy shipped with the package (every IPv4 prefix of one published file)."""
    with resources.files("bench.data").joinpath(SHIPPED).open(encoding="utf-8") as fh:
        return _from_document(_expand(json.load(fh)))


def write_compact(source: str | Path, dest: str | Path) -> int:
    """Derive the shipped table from a full ip-ranges.json; returns the number of prefixes kept."""
    with open(source, encoding="utf-8") as fh:
        doc = json.load(fh)
    ranges = _from_document(doc)
    compact = {
        "syncToken": ranges.sync_token,
        "createDate": ranges.create_date,
        "source": "https://ip-ranges.amazonaws.com/ip-ranges.json (IPv4 prefixes only)",
        "compact": [[p.prefix, p.region, p.service, p.network_border_group] for p in ranges.prefixes],
    }
    Path(dest).write_text(json.dumps(compact, sort_keys=True, separators=(",", ":")) + "\n", "utf-8")
    return len(ranges.prefixes)


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    import sys

    src = sys.argv[1]
    out = Path(__file__).resolve().parent.parent / "data" / SHIPPED
    print(write_compact(src, out), "prefixes ->", out)
