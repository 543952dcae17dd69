"""Protocol and port words, English and Japanese: how people name traffic.

Each finding is a ``Traffic`` fact with its span, so that follow-up turns ("sorry, I meant port 5432")
can replace what an earlier turn said. Services give protocol and port; explicit numbers ("port 8443",
"ポート 8443", "8443番ポート", "tcp/8443", "UDP 53") win over a service's default port; bare "tcp"/"udp"
set only the protocol. "疎通"/"connectivity" deliberately set nothing: they mean "can they talk at all".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.model.query import Protocol


@dataclass(frozen=True)
class Traffic:
    protocol: Protocol = "any"
    port: int | None = None
    evidence: str = ""

    @property
    def is_specified(self) -> bool:
        return self.protocol != "any" or self.port is not None


# (pattern, protocol, port). Word boundaries are ASCII-only so that Japanese text around a word counts
# as a boundary ("pingで", "SSHで").
_B = r"(?<![A-Za-z0-9_])"
_E = r"(?![A-Za-z0-9_])"
SERVICES: tuple[tuple[str, Protocol, int | None], ...] = (
    (rf"{_B}(?:ping(?:s|ed|ing)?|icmp|echo[- ]request)", "icmp", None),
    (r"ピン[グク]|エコー要求", "icmp", None),
    (rf"{_B}(?:ssh|scp|sftp){_E}", "tcp", 22),
    (rf"{_B}(?:https|tls|ssl){_E}", "tcp", 443),
    (rf"{_B}http{_E}(?!s)", "tcp", 80),
    (rf"{_B}(?:postgres(?:ql)?|psql|pg){_E}|ポスグレ|aurora[- ]postgres(?:ql)?", "tcp", 5432),
    (rf"{_B}(?:mysql|mariadb|aurora){_E}", "tcp", 3306),
    (rf"{_B}(?:redis|elasticache|valkey){_E}", "tcp", 6379),
    (rf"{_B}(?:memcached?){_E}", "tcp", 11211),
    (rf"{_B}(?:rdp|remote desktop){_E}|リモートデスクトップ", "tcp", 3389),
    # "private DNS", "DNS resolves it to …", "DNS は … に引けてる": DNS as how a name was found, not traffic
    (rf"{_B}(?<!private )(?:dns|name resolution){_E}(?!\s*(?:は|resolv|names?\b|record|says|points|entry))"
     r"|名前解決", "udp", 53),
    (rf"{_B}(?:ntp){_E}", "udp", 123),
    (rf"{_B}(?:smtp){_E}", "tcp", 25),
    (rf"{_B}(?:mongo(?:db)?){_E}", "tcp", 27017),
    (rf"{_B}(?:sql server|mssql){_E}", "tcp", 1433),
    (rf"{_B}(?:kafka){_E}", "tcp", 9092),
    # Directory services (AD ports: https://docs.aws.amazon.com/directoryservice/latest/admin-guide/
    # prereq_on_premise.html): LDAP 389, LDAPS 636, Kerberos 88 (kinit asks over UDP first).
    (rf"{_B}(?:ldaps){_E}", "tcp", 636),
    (rf"{_B}(?:ldap){_E}", "tcp", 389),
    (rf"{_B}(?:kerberos|kinit|kdc){_E}|ケルベロス", "udp", 88),
    (rf"{_B}(?:smb|cifs|samba){_E}|ファイル共有", "tcp", 445),
    (rf"{_B}(?:oracle|tns(?:listener)?){_E}|オラクル", "tcp", 1521),
    (rf"{_B}(?:elasticsearch|opensearch){_E}", "tcp", 9200),
    (r"エスエスエイチ", "tcp", 22),
    (r"エイチティーティーピーエス", "tcp", 443),
    (
        rf"{_B}(?:can'?t|cannot|unable to|fails? to|failing to) resolve"
        r"(?: any)?(?: internal)? (?:names|hostnames)",
        "udp",
        53,
    ),
)
_SERVICE_RES = [(re.compile(p, re.IGNORECASE), proto, port) for p, proto, port in SERVICES]

_PROTO_WORD = re.compile(rf"{_B}(tcp|udp){_E}", re.IGNORECASE)
# Explicit port numbers, with an optional protocol attached.
_PORT_RES = (
    re.compile(
        rf"{_B}(?P<proto>tcp|udp)\s*(?:/|port|ポート)?\s*(?P<port>\d{{1,5}})(?:\s*番)?{_E}(?!\.\d)", re.I
    ),
    re.compile(rf"{_B}(?P<port>\d{{1,5}})\s*/\s*(?P<proto>tcp|udp){_E}", re.I),
    re.compile(rf"{_B}ports?\s*(?:number\s*)?(?:#|=|:)?\s*(?P<port>\d{{1,5}}){_E}", re.I),
    re.compile(r"ポート(?:番号)?\s*[:：]?\s*(?P<port>\d{1,5})(?:\s*番)?"),
    re.compile(r"(?<![\d.])(?P<port>\d{1,5})\s*番(?:ポート)?"),
    re.compile(r"(?<![\d.])(?P<port>\d{1,5})\s*ポート"),
    # "TCP to x on 8443", "over 443", "via 8080", "alt 8080" (HTTP alt)
    re.compile(rf"{_B}(?:on|over|via|using|alt)\s+(?P<port>\d{{2,5}})(?!\d|\.\d)", re.I),
    re.compile(r"(?<![\d.])(?P<port>\d{2,5})\s*(?:で|に対して)"),  # "443で繋がる？"
    re.compile(rf"{_B}(?:open(?:s|ing)?|listen(?:s|ing)? on)\s+(?P<port>\d{{2,5}})(?![\d.])", re.I),
    # host:port after an address or name (10.0.2.15:5432, db.example.com:3306)
    # (the name itself may be blanked already, so ":5432" after a space counts too)
    # (a clock time, 09:12:44 or 10:05, is not one)
    re.compile(r"(?<=[0-9A-Za-z\s])(?<![^\d.A-Za-z\-]\d)(?<![^\d.A-Za-z\-]\d\d)(?<!T\d\d)(?<!^\d\d)(?<!^\d):(?P<port>\d{1,5})(?![\d.]|:\d)"),
)


# A well-known port number written alone ("shop-bastion -> catalog-db 3306", "HTTP alt 8080"): read as
# the port only when nothing else in the message names one, and never when a unit follows it.
WELL_KNOWN_PORTS = frozenset(
    {
        21,
        22,
        23,
        25,
        53,
        80,
        88,
        110,
        123,
        143,
        389,
        443,
        445,
        465,
        587,
        636,
        993,
        995,
        1433,
        1521,
        2049,
        2379,
        3000,
        3306,
        3389,
        5000,
        5432,
        5439,
        5671,
        5672,
        6379,
        6443,
        8000,
        8080,
        8443,
        8888,
        9000,
        9090,
        9092,
        9100,
        9200,
        9300,
        11211,
        27017,
    }
)
_BARE_NUMBER = re.compile(
    r"(?<![\d.:/\-A-Za-z])(?P<port>\d{2,5})(?![\d.:/\-]|\s*(?:ms|%|packets?|hops?|bytes?|seconds?|secs?|s\b|"
    r"minutes?|mins?|hours?|days?|times?|x\b|instances?|hosts?|servers?|users?|requests?|件|回|台|秒|分|個|人))",
    re.I,
)


@dataclass(frozen=True)
class _Hit:
    start: int
    kind: str  # "service" | "port" | "proto"
    protocol: Protocol | None
    port: int | None
    text: str


def _hits(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for rx, proto, port in _SERVICE_RES:
        for m in rx.finditer(text):
            hits.append(_Hit(m.start(), "service", proto, port, m.group(0)))
    taken: list[tuple[int, int]] = []
    for rx in _PORT_RES:
        for m in rx.finditer(text):
            if any(a <= m.start() < b for a, b in taken):
                continue
            port = int(m.group("port"))
            if not 0 < port <= 65535:
                continue
            proto = m.groupdict().get("proto")
            taken.append((m.start(), m.end()))
            hits.append(_Hit(m.start(), "port", proto.lower() if proto else None, port, m.group(0)))  # type: ignore[arg-type]
    if not taken:
        for m in _BARE_NUMBER.finditer(text):
            if int(m.group("port")) in WELL_KNOWN_PORTS:
                hits.append(_Hit(m.start(), "port", None, int(m.group("port")), m.group(0)))
    for m in _PROTO_WORD.finditer(text):
        if re.search(r"\bnot\s*$", text[max(0, m.start() - 6) : m.start()], re.I) or re.match(
            r"\s*(?:じゃな|ではな)", text[m.end() : m.end() + 6]
        ):
            continue  # "udp actually, not tcp", "TCP じゃなくて UDP"
        if not any(a <= m.start() < b for a, b in taken):
            hits.append(_Hit(m.start(), "proto", m.group(1).lower(), None, m.group(0)))  # type: ignore[arg-type]
    return sorted(hits, key=lambda h: h.start)


# Service words long enough that one slip still names them unambiguously ("HTPS", "postgers", "msyql").
_TYPO_TARGETS = (
    "https",
    "postgres",
    "postgresql",
    "mysql",
    "redis",
    "mongodb",
    "mariadb",
    "memcached",
    "kafka",
)
_REAL_WORDS = {"http", "reds", "redid", "radis"}  # one slip from a target, yet words of their own
_WORD = re.compile(r"(?<![A-Za-z0-9_\-.])[A-Za-z]{4,12}(?![A-Za-z0-9_\-])")


def one_slip(a: str, b: str) -> bool:
    """Edit distance (with adjacent transpositions) exactly one: a typed slip of ``b``."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def fix_typos(text: str) -> str:
    """``text`` with slipped service words spelled out (offsets may shift by one)."""

    def repl(m: re.Match[str]) -> str:
        word = m.group(0).lower()
        if word in _TYPO_TARGETS or word in _REAL_WORDS:
            return m.group(0)
        hit = next((t for t in _TYPO_TARGETS if one_slip(word, t)), None)
        return hit if hit else m.group(0)

    return _WORD.sub(repl, text)


# "any protocol", "don't care about the port", "全ポート": the traffic is explicitly left open.
_ANY = re.compile(
    rf"{_B}(?:any (?:protocol|port|traffic)s?|all (?:protocols|ports|traffic)|whatever port"
    rf"|(?:don'?t|do not) care about the (?:port|protocol))|(?:全|すべての|全て|どの)ポート"
    r"|プロトコル(?:は)?(?:問わ|何でも|なんでも)",
    re.I,
)


def find_traffic(text: str) -> Traffic | None:
    """What one message says about the traffic, or None if it says nothing.

    An explicit port beats a service's default port ("postgres on port 6432"); an explicit tcp/udp beats
    a service's protocol ("DNS over TCP"); ICMP wins when it is the only service named.
    """
    hits = _hits(fix_typos(text))
    if not hits:
        any_ = _ANY.search(text)
        return Traffic("any", None, any_.group(0)) if any_ else None
    services = [h for h in hits if h.kind == "service"]
    ports = [h for h in hits if h.kind == "port"]
    protos = [h for h in hits if h.kind == "proto"] + [h for h in ports if h.protocol]
    evidence = ", ".join(h.text for h in hits)
    non_icmp = [s for s in services if s.protocol != "icmp"]
    if services and not non_icmp and not ports:
        return Traffic("icmp", None, evidence)
    port = ports[-1].port if ports else (non_icmp[-1].port if non_icmp else None)
    if protos:
        protocol: Protocol = protos[-1].protocol or "tcp"  # type: ignore[assignment]
    elif non_icmp:
        # "https … 443" with "DNS" said in passing: the service that owns the port gives the protocol
        same = [s for s in non_icmp if ports and s.port == port]
        protocol = (same or non_icmp)[-1].protocol or "tcp"  # type: ignore[assignment]
    elif port is not None:
        protocol = "tcp"  # "port 5432" with no protocol: TCP, as people mean it
    else:
        protocol = "any"
    return Traffic(protocol, port, evidence)
