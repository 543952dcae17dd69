"""From mentions to one Query (or an abstention with a reason), across the turns of a conversation.

The first turn sets source, destination, traffic and Region; each later turn corrects what it names:
a Region it asserts ("Not Seoul! Tokyo!"), a single endpoint (the destination, unless marked as the
source or replacing the current source: "not X, Y"), both endpoints (a re-ask), or the traffic ("sorry,
I meant port 5432"). Then names are resolved in the settled Region and RA's limits are applied: the
source must be an inventory resource, source and destination in one Region, IPv4 only, Lambda/ECS
declined, and several equally good candidates make the question too ambiguous to answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bench.aws.ipranges import shipped_ip_ranges
from bench.aws.regions import region_from_hostname, service_hostname
from bench.cases.schema import CaseInput, InventoryItem
from bench.model import UNSUPPORTED_RESOURCE_TYPES, Query, Translation
from bench.translators.rules.anaphora import resolve
from bench.translators.rules.envs import env_near, env_words, narrow_by_env
from bench.translators.rules.lexicon import Traffic, find_traffic
from bench.translators.rules.logs import LogFacts, log_facts, log_spans
from bench.translators.rules.mentions import Extra, Inventory, Mention, find_mentions, mask
from bench.translators.rules.onprem import as_site, is_onprem_address, is_site, merge_sites, site_address
from bench.translators.rules.regions import asserted_region, find_regions
from bench.translators.rules.shaping import (
    drop_outside_hosts,
    drop_vague,
    engine_mentions,
    likeness,
    merge_internet,
    merge_service_endpoints,
    one_per_resource,
    outside_address,
    reverses,
    split_env_prefix,
    workload_source,
)

# When one name fits several resources in one Region, prefer what people usually mean by a name.
_TYPE_PREFERENCE = (
    "db-instance",
    "autoscaling-group",
    "instance",
    "vpc-endpoint",
    "nat-gateway",
    "internet-gateway",
    "transit-gateway",
    "vpn-gateway",
    "transit-gateway-attachment",
    "vpc-peering-connection",
    "subnet",
    "vpc",
    "lambda-function",
    "ecs-task",
    "network-interface",
)


# Full-width ASCII (U+FF01-U+FF5E) and the ideographic space, mapped one character for one so that
# offsets into the message stay valid.
FULLWIDTH = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}


class Abstain(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Conversation:
    source: Mention | None = None
    destination: Mention | None = None
    traffic: Traffic | None = None
    region: str | None = None  # asserted for the whole question
    envs: set[str] = field(default_factory=set)  # environment words anywhere in the conversation
    seen: list[Mention] = field(default_factory=list)  # every mention of every turn
    workload: Mention | None = None  # a source standing for an ECS task, Lambda function, pod…

    @property
    def env(self) -> str | None:
        return next(iter(self.envs)) if len(self.envs) == 1 else None


def _same(a: Mention | None, b: Mention) -> bool:
    """Do two mentions name the same endpoint (same words, or a shared inventory candidate)?"""
    if a is None:
        return False
    if a.text.lower() == b.text.lower() or (a.literal and a.literal == b.literal):
        return True
    return bool({c.id for c in a.candidates} & {c.id for c in b.candidates})


def _assign(
    mentions: list[Mention], can_send: Callable[[Mention], bool] | None = None
) -> tuple[Mention | None, Mention | None]:
    """Source and destination among a turn's asserted mentions: role hints first, then order."""
    if not mentions:
        return None, None
    src = next((m for m in mentions if m.role == "source"), None)
    dst = next((m for m in mentions if m.role == "destination" and m is not src), None)
    rest = [m for m in mentions if m is not src and m is not dst]
    if src is None and rest:
        src = rest.pop(0) if (dst is None or len(rest) > 0) else None
    if dst is None and rest:
        dst = rest.pop(0)
    if src is not None and dst is not None and len(mentions) == 1:
        dst = None
    if src is not None and dst is not None and src.kind != "resource" and dst.kind == "resource":
        if src.role != "source" and dst.role != "destination" and not (can_send and can_send(src)):
            src, dst = dst, src  # "1.1.1.1 is unreachable from eni-…": only a resource can send
    return src, dst


_PORT_ONLY = re.compile(r"^[\s\d:,/=#]*(?:(?:ports?|ポート|番|on|over|alt|で)[\s\d:,/=#]*)*$", re.I)


def _amend(old: Traffic, new: Traffic) -> Traffic:
    """A follow-up correcting half of the traffic keeps the other half: "udp actually, not tcp" keeps
    the port; "and the port was 88" keeps an explicit UDP."""
    if new.port is None and new.protocol in ("tcp", "udp") and old.port is not None:
        return Traffic(new.protocol, old.port, new.evidence)
    if new.port is not None and old.protocol == "udp" and _PORT_ONLY.match(new.evidence):
        return Traffic("udp", new.port, new.evidence)
    return new


def _log_mention(value: str | None, inv: Inventory) -> Mention | None:
    found = find_mentions(value, inv) if value else []
    return found[0] if len(found) == 1 else None


def _fill_from_log(
    src: Mention | None, dst: Mention | None, facts: LogFacts, inv: Inventory, text: str
) -> tuple[Mention | None, Mention | None]:
    """An end the prose leaves out, taken from what the pasted output shows: the prompt's host (or a
    flow record's source address) sends, the command's target (or the record's destination) receives.
    A lone unmarked name in the prose is then the other end of the host's path — unless it is the
    record's own interface or sender, which then sends to the record's destination."""
    flow = facts.flows[0] if facts.flows else None
    host = _log_mention(facts.host or (flow[1] if flow else None), inv)
    if host is not None and host.kind != "resource":
        host = None
    if flow is not None:
        target = _log_mention(flow[2], inv)  # a record is what happened, not a probe: its owner
        if target is not None and target.kind == "resource":
            target = replace(target, how="flow")
        sender = {flow[0]} | {c.id for c in (host.candidates if host else ())}
        lone = src if dst is None else None
        if lone is not None and {c.id for c in lone.candidates} & sender and target is not None:
            return lone, target
    else:
        target = _log_mention(facts.target, inv)
        if src is None and dst is None and host is not None and target is not None:
            return host, target  # the prose names nothing: the pasted session is the question
        if target is not None and not _named_in(target, text):
            target = None  # "can't reach our application server": the probe alone does not say which
    if src is not None and dst is None and host is not None and not src.role and not _same(src, host):
        return host, src
    if src is None and dst is not None and host is not None and not _same(dst, host):
        return host, dst
    if src is not None and dst is None and target is not None and not _same(src, target):
        return src, target
    if src is None and dst is None and host is not None and target is not None:
        return host, target
    return src, dst


def _named_in(m: Mention, text: str) -> bool:
    """Is a log's target spoken of in the prose: an address or hostname outside the inventory, or a
    resource one of whose name words ("artifact", "resolver") or Role tag the prose uses?"""
    if m.kind != "resource":
        return True
    words = {
        w
        for c in m.candidates
        for w in re.split(r"[-_.\s\d]+", f"{c.name or ''} {c.tags.get('Role', '')}".lower())
        if len(w) >= 4
    }
    low = text.lower()
    return any(re.search(rf"(?<![a-z]){re.escape(w)}", low) for w in words)


def _correct(
    conv: Conversation,
    asserted: list[Mention],
    denied: list[Mention],
    can_send: Callable[[Mention], bool] | None = None,
) -> None:
    """A follow-up turn naming endpoints: replace what it corrects, keep the rest."""
    if len(asserted) == 1:
        m = asserted[0]
        if m.role == "source" or any(_same(conv.source, d) for d in denied):
            conv.source = m
        elif m.role is None and likeness(m, conv.source) > likeness(m, conv.destination):
            conv.source = m  # "and app-1?" after "app-2 -> 35.78.9.203": the other app is the sender
        elif not _same(conv.source, m) or m.role == "destination":
            conv.destination = m
        return
    hinted = any(m.role for m in asserted)
    old = [m for m in asserted if _same(conv.source, m) or _same(conv.destination, m)]
    new = [m for m in asserted if m not in old]
    if not hinted and len(asserted) == 2 and len(old) == 1 and len(new) == 1 and old[0].start < new[0].start:
        # "replace lab-public-a with lab-private-a", "swap bastion for app-1"
        slot = (
            "source" if _same(conv.source, old[0]) and not _same(conv.destination, old[0]) else "destination"
        )
        setattr(conv, slot, new[0])
        return
    src, dst = _assign(asserted, can_send)
    conv.source = src or conv.source
    conv.destination = dst or conv.destination


# "the Osaka DC", "大阪DC", "Tokyo office": a city naming a site, not an AWS Region.
_SITE_AFTER = re.compile(
    r"\s*(?:の\s*)?(?:DC|data ?cent(?:re|er)|office|branch|拠点|支店|オフィス|データセンター|本社)", re.I
)


def read_conversation(
    case_input: CaseInput, inv: Inventory, extra: Extra | None = None, follow_ups: bool = True
) -> Conversation:
    conv = Conversation()
    turns = case_input.turns if follow_ups else case_input.turns[:1]
    for i, raw in enumerate(turns):
        raw = raw.translate(FULLWIDTH)  # "４４３", "ｓｓｈ": the same characters, one for one
        logs = log_spans(raw)
        facts = log_facts(raw)
        turn = mask(raw, logs)  # pasted terminal output is how they tested, not what they ask
        turn = resolve(turn, facts)  # "from here", "this ENI": the prompt's host, the flow's interface
        turn = split_env_prefix(turn, inv)  # "stg-web-1": the staging web-1
        regions = [r for r in find_regions(turn) if not _SITE_AFTER.match(turn[r.end : r.end + 16])]
        mentions = find_mentions(turn, inv, regions, extra)
        spans = [(m.start, m.end) for m in mentions]
        regions = [r for r in regions if not any(a <= r.start < b for a, b in spans)]
        # Regions attached to a mention are that endpoint's; the rest speak for the whole question.
        attached = {m.region for m in mentions if m.region}
        free = [r for r in regions if r.code not in attached or r.negated]
        said = asserted_region(free) or (asserted_region(regions) if i > 0 else None)
        if said:
            conv.region = said
            if i > 0:  # a Region correction re-homes endpoints resolved under the old one
                for slot in ("source", "destination"):
                    m = getattr(conv, slot)
                    if m is not None and m.region and m.region != said:
                        setattr(conv, slot, Mention(**{**m.__dict__, "region": said}))
        traffic = find_traffic(mask(turn, spans))
        if traffic is None and facts.flows:
            _, _, _, port, proto = facts.flows[0]
            traffic = Traffic(proto, port if proto in ("tcp", "udp") else None, "flow log")  # type: ignore[arg-type]
        if traffic is None and logs:
            # The prose names no traffic ("app-1 can't get to the db" over ``nc -vz 10.0.2.20 5432``):
            # how they tested is then the best word on it.
            traffic = find_traffic("\n".join(raw[a:b] for a, b in logs))
        if traffic is not None:
            conv.traffic = traffic if i == 0 or conv.traffic is None else _amend(conv.traffic, traffic)
        mentions = merge_sites(turn, merge_internet(turn, mentions), inv)
        mentions = merge_service_endpoints(turn, mentions, inv)
        conv.seen.extend(mentions)
        words = env_words(mask(turn, [(m.start, m.end) for m in mentions]))
        conv.envs |= {w[2] for w in words}
        mentions = [replace(m, env=env_near(words, m.start, m.end)) for m in mentions]
        if i == 0 and len([m for m in mentions if not m.negated]) == 1:
            mentions = sorted([*mentions, *engine_mentions(mask(turn, spans), inv)], key=lambda m: m.start)
        asserted = [m for m in mentions if not m.negated]
        if len([m for m in asserted if m.role != "via"]) >= 2:
            asserted = [m for m in asserted if m.role != "via"]  # "via the tgw": the path, not an end
        asserted = [replace(m, role=None) if m.role == "via" else m for m in asserted]
        asserted = drop_vague(drop_outside_hosts(one_per_resource(asserted)), follow_up=i > 0)
        if (
            i > 0
            and traffic is not None
            and all(m.how in ("desc", "family") and not m.role for m in asserted)
        ):
            asserted = []  # "The app uses SSH": a follow-up about the traffic, not a new endpoint
        denied = [m for m in mentions if m.negated]

        def can_send(m: Mention) -> bool:
            return is_onprem_address(m, inv)  # an office address sends through the VPN

        if i == 0:
            src, dst = _assign(asserted, can_send)
            conv.source, conv.destination = _fill_from_log(src, dst, facts, inv, turn)
            if workload_source(turn, conv.source):
                conv.workload = conv.source
            continue
        if reverses(turn):  # "the other way round", "逆で"
            conv.source, conv.destination = conv.destination, conv.source
        if asserted:
            _correct(conv, asserted, denied, can_send)
    return conv


def _pick(
    mention: Mention,
    regions: list[str | None],
    what: str,
    near: InventoryItem | None = None,
    inv: Inventory | None = None,
    env: str | None = None,
) -> InventoryItem:
    """One inventory item for a mention: narrowed by Region, then by the other endpoint's VPC (for a
    type word: "the IGW" is the one of the source's VPC), then by what a name usually means."""
    cands = list({c.id: c for c in mention.candidates}.values())
    if not cands:
        raise Abstain(f"unknown_resource: {what} {mention.text!r} is not in the inventory")
    if inv is not None:
        cands = narrow_by_env(cands, mention.env or env, inv.by_id)
    for region in regions:
        here = [c for c in cands if region is not None and c.region == region]
        if len(cands) > 1 and here:
            cands = here
            break
    if len(cands) > 1 and near is not None and near.vpc_id:
        cands = [c for c in cands if c.vpc_id == near.vpc_id] or cands
    if len(cands) > 1 and mention.how not in (
        "type",
        "desc",
        "loose",
    ):  # a description fitting several is ambiguous
        rank = {t: i for i, t in enumerate(_TYPE_PREFERENCE)}
        best = min(rank.get(c.type, 99) for c in cands)
        cands = [c for c in cands if rank.get(c.type, 99) == best]
    if len(cands) > 1:
        ids = ", ".join(sorted(c.id for c in cands))
        raise Abstain(f"ambiguous: {what} {mention.text!r} fits {len(cands)} resources ({ids})")
    return cands[0]


def _check_supported(item: InventoryItem, what: str) -> None:
    if item.type in {t.value for t in UNSUPPORTED_RESOURCE_TYPES}:
        raise Abstain(f"unsupported_type: {what} {item.id} is a {item.type}")


def _check_literals(src_m: Mention, dst_m: Mention) -> None:
    for m, what in ((src_m, "source"), (dst_m, "destination")):
        if m.kind == "ipv6":
            raise Abstain(f"ipv6: {what} {m.text} is IPv6; only IPv4 paths can be analysed")
        if m.kind == "unknown_id":
            if (m.literal or "").startswith(("arn:aws:lambda:", "arn:aws:ecs:")):
                raise Abstain(f"unsupported_type: {what} {m.text}")
            raise Abstain(f"unknown_resource: {what} {m.text} is not in the inventory")
    if src_m.kind == "service":
        raise Abstain(f"unsupported_type: source {src_m.text!r} is an AWS service, not a resource")
    if src_m.kind != "resource":
        raise Abstain(f"unknown_resource: source {src_m.text!r} is not a resource in the inventory")


def _endpoints(
    case_input: CaseInput, conv: Conversation, inv: Inventory
) -> tuple[InventoryItem, InventoryItem | None]:
    """Source item and destination item (None for a literal destination), each narrowed by the other."""
    home = case_input.context.home_region
    env = conv.env
    src_m, dst_m = conv.source, conv.destination
    assert src_m is not None and dst_m is not None
    dst: InventoryItem | None = None
    if src_m.how == "type" and dst_m.kind == "resource" and dst_m.how != "type":
        # "the IGW -> app-1": the named end first, then the IGW of its VPC and Region
        dst = _pick(dst_m, [dst_m.region, src_m.region, conv.region, home], "destination", None, inv, env)
        src = _pick(src_m, [src_m.region, conv.region, dst.region, home], "source", dst, inv, env)
    else:
        regions = [src_m.region, conv.region, home, _literal_region(dst_m)]
        src = _pick(src_m, regions, "source", None, inv, env)
    _check_supported(src, "source")
    stated = src_m.region or conv.region
    if stated and stated != src.region and src_m.how not in ("id", "type") and len(src_m.candidates) > 1:
        raise Abstain(f"unknown_resource: no {src_m.text!r} in {stated}")
    if dst_m.kind == "resource":
        dst = dst or _pick(dst_m, [dst_m.region, src.region, conv.region, home], "destination", src, inv, env)
        _check_supported(dst, "destination")
        if dst.id == src.id and not (dst_m.how == "dns" and dst_m.literal):
            # two words settling on one resource: one of them names nothing we have
            raise Abstain(f"unknown_resource: {dst_m.text!r} and {src_m.text!r} both fit only {src.id}")
        if dst.region != src.region:
            raise Abstain(f"cross_region: source in {src.region}, destination {dst.id} in {dst.region}")
    if dst_m.region and dst_m.region != src.region and dst_m.kind not in ("fqdn", "service"):
        raise Abstain(f"cross_region: source in {src.region}, destination named in {dst_m.region}")
    return src, dst


def build_query(case_input: CaseInput, conv: Conversation, inv: Inventory) -> Query:
    src_m, dst_m = conv.source, conv.destination
    if src_m is None:
        raise Abstain("unknown_resource: the question names no source resource")
    if dst_m is None:
        raise Abstain("unknown_resource: the question names no destination")
    if conv.workload is not None and conv.workload is src_m:
        raise Abstain(f"unknown_resource: source {src_m.text!r} stands for a container or function workload")
    if is_onprem_address(src_m, inv):
        src_m = conv.source = as_site(src_m, inv)
    for m, what in ((src_m, "source"), (dst_m, "destination")):
        if is_site(m) and ":" in (m.literal or ""):
            raise Abstain(f"ipv6: {what} {m.literal} is IPv6; only IPv4 paths can be analysed")
    if is_site(dst_m) and src_m.kind == "resource" and not is_site(src_m):
        # "erp-batch -> the office printer 192.168.2.20": the address is where it goes
        addr = site_address(dst_m, inv, conv.seen)
        if addr:
            dst_m = conv.destination = Mention(dst_m.start, dst_m.end, addr, "ip", literal=addr, how="ip")
    _check_literals(src_m, dst_m)
    src, dst = _endpoints(case_input, conv, inv)
    region = src.region
    traffic = conv.traffic or Traffic()
    common = {
        "region": region,
        "source": src.id,
        "protocol": traffic.protocol,
        "port": traffic.port if traffic.protocol in ("tcp", "udp") else None,
    }
    if src.type == "vpn-gateway" and src_m.how == "type":
        # an office/DC source enters through the VPN gateway, from the address they gave
        common["source_ip"] = site_address(src_m, inv, conv.seen)
    if dst is not None:
        # An address stays an address (the owner may have several); a hostname naming the source
        # itself ("can orders-db reach orders-db.…rds.amazonaws.com") is its DNS answer.
        # A NAT gateway's address is not a delivery point: written as a destination it means the NAT.
        if dst.type == "internet-gateway" and dst_m.how == "type":
            # "1.1.1.1 on the internet"; or the internet, and the address their hostname resolved to
            address = dst_m.literal or outside_address(conv.seen)
            return Query(destination=dst.id, destination_ip=address, **common)
        literal = dst_m.how == "ip" and dst.type != "nat-gateway"
        if literal or (dst_m.how == "dns" and dst.id == src.id and dst_m.literal):
            return Query(destination=dst_m.literal or dst.id, **common)
        return Query(destination=dst.id, **common)
    if dst_m.kind == "service":
        host = service_hostname(dst_m.literal or "", dst_m.region or conv.region or region)
        named = region_from_hostname(host)
        return Query(
            destination=host, destination_region=named if named and named != region else None, **common
        )
    named = region_from_hostname(dst_m.literal or "") if dst_m.kind == "fqdn" else None
    return Query(
        destination=dst_m.literal or dst_m.text,
        destination_region=named if named and named != region else None,
        **common,
    )


def _literal_region(m: Mention) -> str | None:
    """The Region an address or hostname belongs to (AWS ip-ranges, endpoint hostnames), if any."""
    if m.kind == "ip" and m.literal:
        region = shipped_ip_ranges().region_of(m.literal)
        return region if region and region != "GLOBAL" else None
    if m.kind == "fqdn" and m.literal:
        return region_from_hostname(m.literal)
    return None


def translate_rules(case_input: CaseInput, extra: Extra | None = None) -> Translation:
    inv = Inventory(case_input.context.inventory)
    conv = read_conversation(case_input, inv, extra)
    try:
        query = build_query(case_input, conv, inv)
    except Abstain as exc:
        return Translation(status="abstain", abstain_reason=exc.reason)
    evidence = {
        "traffic": conv.traffic.evidence if conv.traffic else "",
        "source": conv.source.how if conv.source else "",
        "destination": conv.destination.how if conv.destination else "",
    }
    return Translation(status="query", query=query, extra={"evidence": evidence})
