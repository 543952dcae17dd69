"""Endpoint mentions in a message, resolved against the console inventory.

What counts as naming an endpoint: a resource id (``i-…``, ``eni-…``, an ARN), a Name tag or a
user-chosen identifier (RDS, Auto Scaling), a private or public address owned by an inventory resource,
an inventory DNS name (RDS endpoints, instance and endpoint DNS), and otherwise a literal destination
(IPv4 address, CIDR, FQDN). Each mention keeps its span, hints about its role (``from X`` / ``Xから`` is
a source, ``宛先: X`` a destination), whether it is being corrected away (``not X``), and a Region
written next to it ("app in Tokyo", "東京のapp"). Extra resolvers (the retrieval translator's
descriptive matcher) plug in through ``find_mentions(..., extra=...)``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from bench.cases.schema import InventoryItem
from bench.translators.rules.kinds import find_kinds, strip_labels
from bench.translators.rules.lexicon import one_slip
from bench.translators.rules.regions import RegionMention

Kind = str  # "resource" | "ip" | "cidr" | "fqdn" | "ipv6" | "unknown_id" | "service"


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    kind: Kind
    candidates: tuple[InventoryItem, ...] = ()
    literal: str | None = None
    role: str | None = None  # "source" | "destination" | None
    negated: bool = False
    region: str | None = None  # a Region written next to the mention
    how: str = ""  # "id" | "name" | "ip" | "dns" | "desc" ...
    env: str | None = None  # an environment word written next to it ("prod api-1", "検証のapp-2")


class Inventory:
    """Lookup tables over the context inventory (ids, names, addresses, DNS names, VPC members)."""

    def __init__(self, items: Sequence[InventoryItem]) -> None:
        self.items = tuple(items)
        self.by_id: dict[str, InventoryItem] = {}
        self.by_ip: dict[str, list[InventoryItem]] = {}
        self.by_dns: dict[str, list[InventoryItem]] = {}
        self.by_name: dict[str, list[InventoryItem]] = {}
        self.by_type: dict[str, list[InventoryItem]] = {}
        for it in self.items:
            self.by_id[it.id] = it
            for ip in (*it.private_ips, *it.public_ips):
                self.by_ip.setdefault(ip, []).append(it)
            for dns in it.dns_names:
                self.by_dns.setdefault(dns.lower().rstrip("."), []).append(it)
            names = {it.name, it.tags.get("Name")} - {None, ""}
            if not _EC2_ID.fullmatch(it.id) and not it.id.startswith("arn:"):
                names.add(it.id)  # RDS / ASG identifiers
            for name in {n.lower() for n in names}:  # type: ignore[union-attr]
                self.by_name.setdefault(name, []).append(it)
            self.by_type.setdefault(it.type, []).append(it)
        # Names as people type them: "app1", "build server", "orders api 2" for app-1, build-server, …
        self.by_norm: dict[str, list[InventoryItem]] = {}
        for name, owners in self.by_name.items():
            self.by_norm.setdefault(_norm(name), []).extend(owners)
        # A numbered family named by its stem ("orders-api" for orders-api-1 and -2, "the batch worker"):
        # every member is a candidate, so that composition declines it as ambiguous.
        self.family: dict[str, list[InventoryItem]] = {}
        stems: set[str] = set()
        for name, owners in self.by_name.items():
            m = re.fullmatch(r"(.{3,}?)[-_ ]?\d{1,3}", name)
            # a stem of two words or five letters: "orders-api", "batch worker", not "app" or "web"
            if (
                m
                and (re.search(r"[-_ ]\w", m.group(1)) or len(m.group(1)) >= 5)
                and _norm(m.group(1)) not in self.by_norm
            ):
                stems.add(m.group(1))
                self.family.setdefault(_norm(m.group(1)), []).extend(owners)
        self.family = {k: v for k, v in self.family.items() if len({o.id for o in v}) > 1}
        stems = {s for s in stems if _norm(s) in self.family}
        self._name_re = _alternation(sorted(self.by_name, key=len, reverse=True), loose=True)
        self._family_re = _alternation(sorted(stems, key=len, reverse=True), loose=True)
        self._dns_re = _alternation(sorted(self.by_dns, key=len, reverse=True))

    def in_vpc(self, vpc_id: str | None, types: set[str]) -> list[InventoryItem]:
        return [it for it in self.items if vpc_id and it.vpc_id == vpc_id and it.type in types]


def _norm(name: str) -> str:
    return re.sub(r"[-_.\s]+", "", name.lower())


def _loose(word: str) -> str:
    """A name with its separators optional or written differently ("app-1" ~ "app1", "app 1", "app_1")."""
    parts = [p for p in re.split(r"[-_\s]+", word) if p]
    return r"[-_ ]?".join(re.escape(p) for p in parts) if len(parts) > 1 else re.escape(word)


def _alternation(words: list[str], loose: bool = False) -> re.Pattern[str] | None:
    words = [w for w in words if len(w) >= 2]
    if not words:
        return None
    body = "|".join(_loose(w) if loose else re.escape(w) for w in words)
    return re.compile(rf"(?<![A-Za-z0-9_\-.])(?:{body})(?![A-Za-z0-9_\-]|\.[A-Za-z0-9])", re.IGNORECASE)


_EC2_ID = re.compile(
    r"(?:i|eni|igw|nat|vgw|vpce|vpc|pcx|subnet|tgw-attach|tgw|sg|acl|rtb|eigw|cgw)-[0-9a-f]{8,17}"
)
_ID_RE = re.compile(
    rf"(?<![A-Za-z0-9_\-])(?:{_EC2_ID.pattern}|arn:aws[\w-]*:[\w-]+:[\w-]*:\d*:[^\s,、。)）]+)"
    r"(?![A-Za-z0-9_\-])"
)
_CIDR_RE = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}/\d{1,2}(?![\d])")
_IPV4_RE = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d]|\.\d|/\d)")
_IPV6_RE = re.compile(
    r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:/\d{1,3})?(?![0-9A-Fa-f:])"
)
_FQDN_RE = re.compile(
    r"(?<![A-Za-z0-9_\-.@/])(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![A-Za-z0-9_\-])"
)
_NOT_HOSTS = {"e.g", "i.e", "etc"}
_TOKEN = re.compile(r"(?<![A-Za-z0-9_\-.])[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*(?![A-Za-z0-9_\-])")

_SRC_BEFORE = re.compile(
    r"(?:\bfrom|\bsource|\bsrc|\borigin|送信元|接続元|ソース)\s*(?:is|instance|ip|host|address)?\s*[:：=は]?\s*(?:the\s+)?$",
    re.I,
)
_DST_BEFORE = re.compile(
    r"(?:\bto|\bdestination|\bdst|\bdest|\btarget|\breach|\binto|\btowards?|宛先|送信先|接続先|ターゲット)"
    r"\s*(?:is|should be)?\s*[:：=は]?\s*(?:the\s+)?$",
    re.I,
)
_SRC_AFTER = re.compile(r"^\s*(?:\([^)]*\)|（[^）]*）)?\s*(?:から|->|→|=>)")
_DST_AFTER = re.compile(r"^\s*(?:\([^)]*\)|（[^）]*）)?\s*(?:に対して|に|へ|まで|宛)")
_REPLY_BEFORE = re.compile(
    r"\b(?:no (?:response|reply|answer)|nothing(?: back)?|timed? ?outs?|(?:response|reply) timeout)"
    r"\s+from\s*(?:the\s+)?$",
    re.I,
)
_MOVED_BEFORE = re.compile(
    r"\b(?:moved|migrated|switched|changed|relocated|runs|running|lives|now)\s+(?:over\s+)?(?:to|on|onto)\s*(?:the\s+)?$",
    re.I,
)
# "… when Y (over in Ohio) tries to reach it": Y is the client.
_TRIES_AFTER = re.compile(
    r"^[^.,;!?。、]{0,30}?\b(?:tries|tried|attempts|attempted|is trying|keeps trying)\b", re.I
)
# "via the tgw", "through the NAT", "TGW経由で": a hop on the way, not an endpoint.
_VIA_BEFORE = re.compile(r"(?:\bvia|\bthrough|\bthru|\bacross|\bby way of)\s*(?:the|our|a)?\s*$", re.I)
_VIA_AFTER = re.compile(r"^\s*(?:を)?(?:経由|通って|越し)")
_NEG_BEFORE = re.compile(
    r"(?:\bnot|\binstead of|\brather than|\breplace|\bisn't|\bwrong)\s*(?:the\s+)?$", re.I
)
_NEG_AFTER = re.compile(
    r"^\s*(?:\([^)]*\))?\s*(?:経由)?(?:じゃな|ではな|ではありません|じゃありません|is wrong|was wrong)", re.I
)
# A Region written right after ("X in Tokyo", "X (Tokyo)") or right before ("東京のX", "Tokyo's X").
_REGION_AFTER_GAP = re.compile(r"^\s*(?:\(|（|in|over in|at|located in)?\s*(?:the\s+)?$", re.I)
# An environment word may sit between ("東京本番の api-1", "Tokyo prod api-1", "東京の stg の app-1").
_ENV_GAP = r"(?:\s*(?:の\s*)?(?:本番|検証|開発|prod|production|stg|staging|dev)\s*(?:の|環境の)?)?"
_REGION_BEFORE_GAP = re.compile(
    rf"^(?:\s*リージョン)?\s*(?:の|'s|’s)?{_ENV_GAP}\s*(?:the\s+)?$", re.I
)

Extra = Callable[[str, "Inventory", list[tuple[int, int]]], list[Mention]]


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < b and a < span[1] for a, b in taken)


def find_mentions(
    text: str, inv: Inventory, regions: Sequence[RegionMention] = (), extra: Extra | None = None
) -> list[Mention]:
    """Every endpoint named in ``text``, in order of appearance, with role/negation/Region hints."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def add(m: Mention) -> None:
        if not _overlaps((m.start, m.end), taken):
            found.append(m)
            taken.append((m.start, m.end))

    for m in _ID_RE.finditer(text):
        rid = m.group(0)
        item = inv.by_id.get(rid)
        if item is None and rid.startswith("arn:"):
            # arn:aws:ec2:us-east-1:123456789012:instance/i-… names the resource its last part ids
            item = inv.by_id.get(re.split(r"[/:]", rid)[-1])
        add(
            Mention(
                m.start(),
                m.end(),
                rid,
                "resource" if item else "unknown_id",
                (item,) if item else (),
                literal=rid,
                how="id",
            )
        )
    for m in _CIDR_RE.finditer(text):
        try:
            net = ipaddress.ip_network(m.group(0), strict=False)
        except ValueError:
            continue
        add(Mention(m.start(), m.end(), m.group(0), "cidr", literal=str(net), how="cidr"))
    for m in _IPV4_RE.finditer(text):
        try:
            ip = str(ipaddress.ip_address(m.group(0)))
        except ValueError:
            continue
        owners = inv.by_ip.get(ip, [])
        preferred = [o for o in owners if o.type != "network-interface"] or owners
        add(
            Mention(
                m.start(),
                m.end(),
                ip,
                "resource" if preferred else "ip",
                tuple(preferred),
                literal=ip,
                how="ip",
            )
        )
    for m in _IPV6_RE.finditer(text):
        candidate = m.group(0)
        if candidate.count(":") < 2:
            continue
        try:
            ipaddress.ip_network(candidate, strict=False)
        except ValueError:
            continue
        add(Mention(m.start(), m.end(), candidate, "ipv6", literal=candidate, how="ipv6"))
    # DNS names, then Name tags: the first mention of a span wins, so a Name inside a hostname stays in it.
    for pattern, owners_of, how in (
        (inv._dns_re, inv.by_dns, "dns"),
        (inv._name_re, inv.by_norm, "name"),
        (inv._family_re, inv.family, "family"),
    ):
        if pattern is None:
            continue
        for m in pattern.finditer(text):
            key = m.group(0).lower() if how == "dns" else _norm(m.group(0))
            owners = tuple(owners_of.get(key, ()))
            if how == "name" and m.group(0).lower() not in inv.by_name:
                how_ = "loose"  # "web server" for web-server: like a description, several fits are ambiguous
            else:
                how_ = how
            if owners:
                add(Mention(m.start(), m.end(), m.group(0), "resource", owners, how=how_))
    for m in _TOKEN.finditer(text):  # one slip in a long name: "bastian", "orders-bd"
        word = _norm(m.group(0))
        if len(word) < 6 or _overlaps((m.start(), m.end()), taken):
            continue
        digits = re.sub(r"\D", "", word)  # a dropped or changed number is another resource, not a slip
        hits = [
            n for n in inv.by_norm if len(n) >= 6 and one_slip(word, n) and re.sub(r"\D", "", n) == digits
        ]
        if len(hits) == 1:
            add(Mention(m.start(), m.end(), m.group(0), "resource", tuple(inv.by_norm[hits[0]]), how="loose"))
    for m in _FQDN_RE.finditer(text):
        host = m.group(0).rstrip(".")
        if host.lower() in _NOT_HOSTS or re.fullmatch(r"[\d.]+", host) or "." not in host:
            continue
        if not _hostlike(host):
            continue  # "javax.naming.CommunicationException", "botocore.endpoint": code, not a host
        owners = _endpoint_owner(host.lower(), inv)
        kind = "resource" if owners else "fqdn"
        add(
            Mention(
                m.start(), m.end(), host, kind, owners, literal=host.lower(), how="dns" if owners else "fqdn"
            )
        )
    # Kind words are found before the descriptive matcher runs but added after it, so that a description
    # wins over the bare type word inside it ("our orders database" is one endpoint, not "database").
    kinds = find_kinds(text, list(taken))
    if extra is not None:
        services = [(a, b) for a, b, kind, _ in kinds if kind == "service"]
        for m in extra(text, inv, list(taken) + services):
            add(m)
    for start, end, kind, value in kinds:
        if kind == "service":
            add(Mention(start, end, text[start:end], "service", literal=value, how="service"))
        else:
            owners = tuple(inv.by_type.get("vpn-gateway" if value == "on-premises" else value, ()))
            if value == "on-premises" and not owners:
                continue  # "the office" in an account without a VPN is not an endpoint we can name
            add(Mention(start, end, text[start:end], "resource", owners, how="type"))
    found.sort(key=lambda x: x.start)
    return [_annotate(text, m, regions, found) for m in found]


# Last labels a hostname ends with: any two-letter country code, the common generic ones, and the
# private suffixes people use inside networks (RFC 6761/6762, RFC 8375 home.arpa).
_TLDS = frozenset(
    "com net org edu gov mil int io dev app cloud info biz co me ai jp tech site online xyz "
    "internal local localdomain lan corp home intra private example test invalid localhost arpa".split()
)


def _hostlike(host: str) -> bool:
    """A dotted word that could be a hostname: a known last label, no CamelCase label (Java classes)."""
    labels = host.split(".")
    tld = labels[-1].lower()
    if not (len(tld) == 2 and tld.isalpha()) and tld not in _TLDS:
        return False
    return not any(re.search(r"[a-z][A-Z]", label) for label in labels)


# EC2's own DNS names carry the address: ip-10-0-1-5.ec2.internal, ip-10-0-1-5.eu-west-1.compute.internal,
# ec2-54-1-2-3.compute-1.amazonaws.com, ec2-54-1-2-3.eu-west-1.compute.amazonaws.com.
_EC2_DNS = re.compile(
    r"^(?:ip|ec2)-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})\."
    r"(?:ec2\.internal|[a-z0-9-]+\.compute\.internal|compute-1\.amazonaws\.com|[a-z0-9-]+\.compute\.amazonaws\.com)$"
)


def _endpoint_owner(host: str, inv: Inventory) -> tuple[InventoryItem, ...]:
    """The inventory resource behind a hostname that is not in the inventory's DNS list: an EC2 DNS
    name whose address is owned by a resource (written with another Region's suffix, or not listed),
    or an AWS endpoint hostname whose first label is an identifier (an RDS endpoint from memory)."""
    m = _EC2_DNS.match(host)
    if m:
        owners = inv.by_ip.get(".".join(m.groups()), [])
        return tuple(o for o in owners if o.type != "network-interface") or tuple(owners)
    if not host.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return ()
    owners = [o for o in inv.by_name.get(host.split(".", 1)[0], []) if o.dns_names]
    return tuple(owners)


def _annotate(text: str, m: Mention, regions: Sequence[RegionMention], others: list[Mention]) -> Mention:
    before = strip_labels(text[max(0, m.start - 50) : m.start])[-30:]
    after = text[m.end : m.end + 40]
    role = None
    if _MOVED_BEFORE.search(before):
        role = None  # "the job moved to search-node-1": where it runs now, not where it goes
    elif _REPLY_BEFORE.search(before):
        role = "destination"  # "no response from X": X is the one that should answer
    elif _SRC_BEFORE.search(before) or _SRC_AFTER.search(after) or _TRIES_AFTER.search(after):
        role = "source"
    elif _DST_BEFORE.search(before) or _DST_AFTER.search(after):
        role = "destination"
    if role is None and (_VIA_BEFORE.search(before) or _VIA_AFTER.search(after)):
        role = "via"
    negated = bool(_NEG_BEFORE.search(before) or _NEG_AFTER.search(after))
    region = None
    for r in regions:
        if r.negated:
            continue
        if (
            r.start >= m.end
            and _REGION_AFTER_GAP.match(text[m.end : r.start])
            and not _between(others, m.end, r.start)
        ):
            region = r.code
        elif r.end <= m.start and _REGION_BEFORE_GAP.match(text[r.end : m.start]):
            region = r.code
    return replace(m, role=role, negated=negated, region=region)


def _between(mentions: list[Mention], a: int, b: int) -> bool:
    return any(a <= x.start < b for x in mentions)


def mask(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with the given spans blanked, so names like ``pg-primary`` do not read as "postgres"."""
    chars = list(text)
    for a, b in spans:
        for i in range(a, min(b, len(chars))):
            chars[i] = " "
    return "".join(chars)


__all__ = ["Extra", "Inventory", "Mention", "field", "find_mentions", "mask"]
