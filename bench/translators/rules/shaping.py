"""Shaping a turn's mentions before roles are assigned: one endpoint per resource, the internet with an
address, a database engine word as the other end, follow-up likeness, direction reversals, workloads
Reachability Analyzer cannot start from, and vague words dropped when precise names are there."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace

from bench.cases.schema import InventoryItem
from bench.translators.rules.kinds import kind_of
from bench.translators.rules.mentions import Inventory, Mention

_INTERNET_GAP = re.compile(
    r"^\s*(?:[(（]|on|in|at|over|via|across|out on|out to|on the|in the|上の|の)?\s*(?:the\s+)?$", re.I
)


def merge_internet(text: str, mentions: list[Mention]) -> list[Mention]:
    """ "1.1.1.1 on the internet", "インターネット (8.8.4.4)": one endpoint, the internet gateway with an
    address, as Reachability Analyzer takes it (``destination_ip``)."""
    out = list(mentions)
    for m in mentions:
        if m.how != "type" or kind_of(m.text) != "internet-gateway" or m not in out:
            continue
        for ip in mentions:
            if ip.kind != "ip" or ip not in out:
                continue
            gap = text[ip.end : m.start] if ip.end <= m.start else text[m.end : ip.start]
            if len(gap) <= 16 and _INTERNET_GAP.match(gap):
                merged = replace(
                    m,
                    start=min(m.start, ip.start),
                    end=max(m.end, ip.end),
                    literal=ip.literal,
                    role=m.role or ip.role,
                )
                out[out.index(m)] = merged
                out.remove(ip)
                break
    return out


_ENGINE = re.compile(
    r"(?<![A-Za-z0-9_\-])(?:postgres(?:ql)?|mysql|mariadb|aurora|oracle|sql server)(?![A-Za-z0-9_\-])"
    r"|ポスグレ",
    re.I,
)


def engine_mentions(text: str, inv: Inventory) -> list[Mention]:
    """ "from the app tier to postgres": with one endpoint named, a database engine word is the other
    endpoint — the account's databases, narrowed like a type word (and ambiguous when several fit)."""
    dbs = tuple(inv.by_type.get("db-instance", ()))
    m = _ENGINE.search(text)
    if not dbs or m is None:
        return []
    return [Mention(m.start(), m.end(), m.group(0), "resource", dbs, how="type")]


def _single(m: Mention) -> str | None:
    ids = {c.id for c in m.candidates}
    return next(iter(ids)) if m.kind == "resource" and len(ids) == 1 else None


def one_per_resource(mentions: list[Mention]) -> list[Mention]:
    """ "dev-tanaka (10.30.10.101) … to stg-orders-db": a name and its address are one endpoint. With
    three or more mentions, a later one denoting the same single resource as an earlier one is dropped
    (its role hint kept), so that it cannot become the other end of a path to itself; the name is kept
    over the address ("54.1.2.3 … the bastion": the bastion)."""
    if len(mentions) < 3:
        return mentions
    out: list[Mention] = []
    for m in mentions:
        rid = _single(m)
        prev = next((i for i, o in enumerate(out) if rid is not None and _single(o) == rid), None)
        if prev is None:
            out.append(m)
            continue
        kept = out[prev]
        if kept.how == "ip" and m.how in ("name", "id"):
            kept = replace(kept, text=m.text, how=m.how, literal=m.literal)
        if kept.role is None and m.role is not None:
            kept = replace(kept, role=m.role)
        out[prev] = kept
    return out


def _stem(item: InventoryItem) -> str:
    return re.sub(r"[-_ ]?\d+$", "", (item.name or item.id).lower())


def likeness(m: Mention, slot: Mention | None) -> int:
    """How much a follow-up's lone name looks like what a slot holds: 2 the same numbered family
    (app-1 for app-2), 1 the same kind of resource, 0 nothing alike (an address, a database)."""
    if slot is None or m.kind != "resource" or slot.kind != "resource":
        return 0
    if {_stem(a) for a in m.candidates} & {_stem(b) for b in slot.candidates}:
        return 2
    return 1 if {a.type for a in m.candidates} & {b.type for b in slot.candidates} else 0




# "the other way round", "I care about the other direction", "逆で", "向きが逆": a follow-up swapping ends.
_REVERSE = re.compile(
    r"\bthe other (?:way|direction)\b|\bother way (?:round|around)\b|\bopposite direction\b"
    r"|\breverse (?:direction|it|the direction)\b|\bthe reverse\b"
    r"|逆(?:方向|向き)?(?:で|に|です|だった|でした|から)"
    r"|向きが逆|反対方向",
    re.I,
)


def reverses(text: str) -> bool:
    return bool(_REVERSE.search(text))


# Workloads Reachability Analyzer cannot start from (containers, functions, pods): when the question's
# sender is one of them, what it names is not in the inventory.
_WORKLOAD = re.compile(r"\b(?:ECS|Fargate|Lambda|EKS|Kubernetes|k8s|pods?)\b|Lambda\s*関数|コンテナ", re.I)
PRECISE = ("id", "name", "ip", "dns")


def workload_source(text: str, source: Mention | None) -> bool:
    """ "our ECS service 'orders-events' in prod-vpc", "the orders-api ECS service", "Lambda の X から":
    the sender is a container or function: the VPC, subnet or name family found next to it, or the
    first name after the workload word, is not what sends."""
    if source is None or any(c.type in ("lambda-function", "ecs-task") for c in source.candidates):
        return False  # in the inventory: unsupported_type, decided later
    words = list(_WORKLOAD.finditer(text))
    if not words:
        return False
    if source.how not in PRECISE or _container(source):
        return True
    return any(w.end() <= source.start or 0 <= w.start() - source.end <= 25 for w in words)


def _vague(m: Mention) -> bool:
    """A word fitting several things, or a subnet/VPC named in passing ("the subnet FIS didn't pick")."""
    ids = {c.id for c in m.candidates}
    return (
        m.how in ("type", "family", "desc")
        or (m.how == "loose" and len(ids) > 1)
        or (bool(ids) and _container(m))
    )


def drop_vague(mentions: list[Mention], follow_up: bool) -> list[Mention]:
    """With two precise ends named (one, in a follow-up), an unmarked vague word is context, not an end."""
    precise = [m for m in mentions if not _vague(m)]
    if len(precise) < (1 if follow_up else 2) or len(precise) == len(mentions):
        return mentions
    if follow_up:  # "replace app-1 with the IGW" keeps its type word; only containers are dropped
        return [m for m in mentions if m.role or not (m.candidates and _container(m))]
    return [m for m in mentions if not _vague(m) or m.role]


def _container(m: Mention) -> bool:
    return all(c.type in ("vpc", "subnet") for c in m.candidates)


def drop_outside_hosts(mentions: list[Mention]) -> list[Mention]:
    """ "pip can't reach pypi.org … can the box get to the internet at all?": with the internet named,
    an outside hostname is only what they tried; the internet (its gateway) is the end."""
    internet = [m for m in mentions if m.how == "type" and kind_of(m.text) == "internet-gateway"]
    if not internet or any(m.role == "source" for m in internet):
        return mentions  # "from the internet gateway to dynamodb.…": that hostname is the end
    # an outside hostname is what they tried; an outside address away from the word is where it
    # resolved (build_query reads it back as the destination IP)
    return [
        m
        for m in mentions
        if not (m.kind == "fqdn" and not (m.literal or "").endswith(".amazonaws.com"))
        and not (m.kind == "ip" and m.literal and ipaddress.ip_address(m.literal).is_global)
    ]


def outside_address(seen: list[Mention]) -> str | None:
    """The one public address, owned by nothing in the inventory, the conversation names ("DNS は
    54.187.174.170 に引けてる", "hooks.slack.com resolved to 3.114.5.20"): the internet destination's IP."""
    found = {
        m.literal for m in seen if m.kind == "ip" and m.literal and ipaddress.ip_address(m.literal).is_global
    }
    return found.pop() if len(found) == 1 else None


def _describe(item: InventoryItem) -> str:
    return f"{item.name or ''} {' '.join(item.tags.values())} {' '.join(item.dns_names)}".lower()


# What makes "the S3 endpoint" a VPC endpoint rather than S3's Regional endpoint.
_VPCE_WORD = re.compile(r"interface|gateway|vpc|private|ゲートウェイ|インターフェ", re.I)
_SERVICE_ENDPOINT_GAP = re.compile(r"^[\s\-]*(?:の\s*)?(?:interface|gateway|ゲートウェイ)?[\s\-]*$", re.I)


def merge_service_endpoints(text: str, mentions: list[Mention], inv: Inventory) -> list[Mention]:
    """ "the STS interface endpoint", "secrets manager endpoint", "S3 ゲートウェイエンドポイント": the VPC
    endpoints whose name, tags or DNS names carry the service's name, not the service's public hostname.
    Only an endpoint said to be an interface, gateway or VPC endpoint is; "the S3 endpoint in Ohio", one
    with a Region next to it, or one no VPC endpoint's name fits stays the service's Regional endpoint."""
    out = list(mentions)
    for svc in mentions:
        if svc.kind != "service" or svc not in out:
            continue
        ep = next(
            (
                m
                for m in out
                if m.how == "type"
                and m.candidates
                and all(c.type == "vpc-endpoint" for c in m.candidates)
                and m.start >= svc.end
                and _SERVICE_ENDPOINT_GAP.match(text[svc.end : m.start])
            ),
            None,
        )
        if ep is None or ep.region or svc.region or not _VPCE_WORD.search(text[svc.start : ep.end]):
            continue
        keys = {(svc.literal or "").lower(), (svc.literal or "").lower().replace("manager", "")} - {""}
        fits = tuple(
            c
            for c in ep.candidates
            if any(k in _describe(c) for k in keys)
        )
        if not fits:
            continue
        merged = replace(
            ep, start=svc.start, text=text[svc.start : ep.end], candidates=fits, role=ep.role or svc.role
        )
        out[out.index(ep)] = merged
        out.remove(svc)
    return out


_ENV_PREFIX = re.compile(r"(?<![\w\-.])(?:prod|stg|dev|staging|production)-(?P<rest>[A-Za-z][\w\-]*)", re.I)


def split_env_prefix(text: str, inv: Inventory) -> str:
    """ "stg-web-1" for the staging web-1: when the whole word is no name but the rest is, the prefix is
    an environment word ("stg web-1"); names like "stg-payments-db" stay whole."""

    def repl(m: re.Match[str]) -> str:
        word = m.group(0)
        if word.lower() in inv.by_name or m.group("rest").lower() not in inv.by_name:
            return word
        cut = m.start("rest") - m.start() - 1
        return word[:cut] + " " + word[cut + 1 :]

    return _ENV_PREFIX.sub(repl, text)
