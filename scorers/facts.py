"""Per-case facts every metric reads: computed once per case, so the metrics stay one-liners.

The predicted verdict is formed here, in one place (docs/scoring.md):
1. the translation has a query -> the engine's truth-profile verdict of that query (denotation: the
   translator's own claim, if any, is ignored); an engine error means no verdict;
2. no query but a ``claimed_verdict`` (``status="answer"``: end-to-end systems that only answer) -> the
   claim, and the component it blamed (``claimed_blocking``) stands for the blocking component;
3. abstain or error -> no verdict.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from netaddr import IPSet

from bench.model import (
    DestinationKind,
    Gold,
    Query,
    ResourceType,
    Translation,
    Verdict,
    destination_kind,
    resource_type_of_id,
)

SLOTS = ("source", "source_ip", "destination", "destination_ip")


@lru_cache(maxsize=65536)
def canonical(value: str | None) -> str | None:
    """One spelling per endpoint: addresses and CIDRs normalised, hostnames lower-cased without the dot."""
    if value is None:
        return None
    text = value.strip()
    kind = destination_kind(text)
    if kind is DestinationKind.IP:
        return str(ipaddress.ip_address(text))
    if kind is DestinationKind.CIDR:
        net = ipaddress.ip_network(text, strict=False)
        return str(net.network_address) if net.num_addresses == 1 else str(net)
    if kind is DestinationKind.FQDN:
        return text.lower().rstrip(".")
    return text


@lru_cache(maxsize=4096)
def _region_of_destination(destination: str) -> str | None:
    """The Region a destination itself names: an endpoint hostname or an AWS-published address."""
    from bench.aws.ipranges import shipped_ip_ranges
    from bench.aws.regions import region_from_hostname

    kind = destination_kind(destination)
    if kind is DestinationKind.FQDN:
        return region_from_hostname(destination)
    if kind is DestinationKind.IP:
        region = shipped_ip_ranges().region_of(destination)
        return None if region in (None, "GLOBAL") else region
    return None


def stated_destination_region(query: Query) -> str | None:
    """The destination's Region as the query states it: explicit, else named by the destination itself."""
    return query.destination_region or _region_of_destination(query.destination)


def region_slots(query: Query) -> dict[str, str]:
    """The analysis Region and the destination's Region (stated, else the analysis Region)."""
    return {"region": query.region, "destination_region": stated_destination_region(query) or query.region}


# Gateways stand for every address beyond them when the query gives no destination address: an IGW
# destination is "anywhere on the internet" (how RA answered 35.78.9.203 with a path to 0.0.0.0/5).
_ADDRESSLESS_ANYWHERE = frozenset(
    {
        ResourceType.INTERNET_GATEWAY,
        ResourceType.VPN_GATEWAY,
        ResourceType.TRANSIT_GATEWAY,
        ResourceType.TRANSIT_GATEWAY_ATTACHMENT,
        ResourceType.VPC_PEERING_CONNECTION,
    }
)
ANYWHERE = ("0.0.0.0/0",)


@lru_cache(maxsize=65536)
def _ipset(cidrs: tuple[str, ...]) -> IPSet:
    return IPSet(cidrs)


@lru_cache(maxsize=65536)
def scope_relation(gold_set: tuple[str, ...], pred_set: tuple[str, ...]) -> str:
    """equal / wider / narrower / overlapping / disjoint, comparing address sets with netaddr."""
    try:
        gold, pred = _ipset(gold_set), _ipset(pred_set)
    except Exception:  # noqa: BLE001 - a malformed set is "different kind", never a crash
        return "different_kind"
    if gold == pred:
        return "equal"
    common = gold & pred
    if not common:
        return "disjoint"
    if common == gold:
        return "wider"
    if common == pred:
        return "narrower"
    return "overlapping"


def _query_set(query: Query, verdict: Verdict | None) -> tuple[str, ...]:
    """The destination as a set of CIDRs: the engine's resolution, else the literal address or CIDR."""
    if verdict is not None and verdict.destination_set:
        return tuple(verdict.destination_set)
    return _literal_set(query.destination_ip or query.destination)


@lru_cache(maxsize=65536)
def _literal_set(address: str) -> tuple[str, ...]:
    kind = destination_kind(address)
    if kind is DestinationKind.IP:
        ip = ipaddress.ip_address(address)
        return (f"{ip}/{ip.max_prefixlen}",)
    if kind is DestinationKind.CIDR:
        return (str(ipaddress.ip_network(address, strict=False)),)
    return ()


def _anywhere(query: Query) -> tuple[str, ...]:
    """An address-less gateway destination as the address set it stands for (empty for other resources)."""
    if query.destination_ip is None and resource_type_of_id(query.destination) in _ADDRESSLESS_ANYWHERE:
        return ANYWHERE
    return ()


@lru_cache(maxsize=65536)
def _set_size(cidrs: tuple[str, ...]) -> int:
    return _ipset(cidrs).size


@dataclass
class CaseFacts:
    """Everything the metrics need about one case; derived values are computed on first use."""

    gold: Gold
    translation: Translation
    predicted: Verdict | None = None
    case_id: str = ""
    tags: tuple[str, ...] = ()
    # What the gold and predicted endpoints denote in the case's world ({"gold"|"predicted": {"source"|
    # "destination": {key, kind, addresses, region}}}) and the verdicts of both queries on every world of
    # the case's test suite ({"worlds", "gold", "predicted", "variants", "seed"}): computed by the run
    # stage (it reads worlds; scorers do not) and stored in the record. None when not computed.
    denotation: dict[str, Any] | None = None
    suite: dict[str, Any] | None = None

    # -- what the pipeline said -------------------------------------------------------------------
    @property
    def pred_query(self) -> Query | None:
        return self.translation.query if self.translation.status == "query" else None

    @property
    def abstained(self) -> bool:
        return self.translation.status == "abstain"

    @cached_property
    def predicted_reachable(self) -> bool | None:
        if self.pred_query is not None:
            if self.predicted is None or self.predicted.error is not None:
                return None
            return self.predicted.reachable
        if self.translation.status == "error" or self.abstained:
            return None
        return self.translation.claimed_verdict

    @property
    def answered_without_query(self) -> bool:
        return self.pred_query is None and self.predicted_reachable is not None

    @property
    def predicted_blocking_id(self) -> str | None:
        """The component the pipeline blames: the engine's for a query, else the system's own claim."""
        if self.pred_query is not None:
            blocking = self.predicted.blocking_component if self.predicted is not None else None
            return blocking.id if blocking is not None else None
        if self.answered_without_query and self.translation.claimed_blocking:
            return self.translation.claimed_blocking.strip() or None
        return None

    # -- gold -------------------------------------------------------------------------------------
    @property
    def gold_reachable(self) -> bool | None:
        return None if self.gold.verdict is None else self.gold.verdict.reachable

    @property
    def has_gold_query(self) -> bool:
        return self.gold.answerable and self.gold.query is not None

    # -- slot comparison --------------------------------------------------------------------------
    def _equivalents(self, slot: str, gold_value: str | None) -> set[str | None]:
        same = {canonical(gold_value)}
        same.update(canonical(v) for v in self.gold.equivalents.get(slot, ()))
        return same

    def _denoted(self, side: str, endpoint: str) -> dict[str, Any] | None:
        found = (self.denotation or {}).get(side) or {}
        return found.get(endpoint)

    @cached_property
    def same_endpoint(self) -> dict[str, bool] | None:
        """Per endpoint (source, destination): same denotation in the case's world; None when the record
        carries no denotations (then slots are compared by spelling, with the gold's ``equivalents``)."""
        if self.pred_query is None or self.gold.query is None:
            return None
        out = {}
        for endpoint in ("source", "destination"):
            gold, pred = self._denoted("gold", endpoint), self._denoted("predicted", endpoint)
            if gold is None or pred is None:
                return None
            out[endpoint] = gold["key"] == pred["key"] and not str(gold["key"]).startswith("unresolved:")
        return out

    @cached_property
    def slot_match(self) -> dict[str, bool]:
        """Per resource slot: does the predicted value name the gold endpoint?

        By denotation when the record has one (an instance, its interface, its address and its hostname
        are one endpoint): a resource slot and its ``*_ip`` slot match when the endpoint they spell
        together denotes the same thing. Otherwise by canonical spelling, equivalents allowed.
        """
        gold_q, pred_q = self.gold.query, self.pred_query
        if gold_q is None or pred_q is None:
            return {}
        same = self.same_endpoint
        if same is not None:
            return {
                "source": same["source"],
                "source_ip": same["source"] or (gold_q.source_ip is None and pred_q.source_ip is None),
                "destination": same["destination"],
                "destination_ip": same["destination"]
                or (gold_q.destination_ip is None and pred_q.destination_ip is None),
            }
        return {
            slot: canonical(getattr(pred_q, slot)) in self._equivalents(slot, getattr(gold_q, slot))
            for slot in SLOTS
        }

    @cached_property
    def slot_counts(self) -> tuple[int, int, int]:
        """(tp, fp, fn) over filled resource slots: precision counts predicted slots, recall gold ones."""
        gold_q, pred_q = self.gold.query, self.pred_query
        gold_filled = {s for s in SLOTS if gold_q is not None and getattr(gold_q, s) is not None}
        pred_filled = {s for s in SLOTS if pred_q is not None and getattr(pred_q, s) is not None}
        tp = sum(1 for s in gold_filled & pred_filled if self.slot_match.get(s))
        return tp, len(pred_filled) - tp, len(gold_filled) - tp

    @property
    def source_ok(self) -> bool:
        m = self.slot_match
        return bool(m) and m["source"] and m["source_ip"]

    @property
    def destination_ok(self) -> bool:
        m = self.slot_match
        return bool(m) and m["destination"] and m["destination_ip"]

    @cached_property
    def region_pairs(self) -> dict[str, tuple[str, str | None]]:
        """slot -> (gold Region, predicted Region or None when there is no query)."""
        if self.gold.query is None:
            return {}
        gold_q, pred_q = self.gold.query, self.pred_query
        gold = region_slots(gold_q)
        pred = region_slots(pred_q) if pred_q is not None else {}
        pairs = {"region": (gold["region"], pred.get("region"))}
        # The destination's Region is judged where the gold names it explicitly or the translation
        # states one; a translation that names no destination Region (say, an IGW for an address) has
        # a destination error, not a Region error.
        if gold_q.destination_region or (pred_q is not None and stated_destination_region(pred_q)):
            pairs["destination_region"] = (gold["destination_region"], pred.get("destination_region"))
        return pairs

    @property
    def region_ok(self) -> bool:
        pairs = self.region_pairs
        return bool(pairs) and all(g == p for g, p in pairs.values())

    @property
    def protocol_port_ok(self) -> bool:
        gold_q, pred_q = self.gold.query, self.pred_query
        if gold_q is None or pred_q is None:
            return False
        return gold_q.protocol == pred_q.protocol and gold_q.port == pred_q.port

    @property
    def query_ok(self) -> bool:
        """Right on every slot: endpoints, Regions, protocol and port."""
        return (
            bool(self.slot_match)
            and all(self.slot_match.values())
            and self.region_ok
            and (self.protocol_port_ok)
        )

    @cached_property
    def _scope(self) -> tuple[str, int, int] | None:
        gold_q, pred_q = self.gold.query, self.pred_query
        if gold_q is None or pred_q is None:
            return None
        gold_d, pred_d = self._denoted("gold", "destination"), self._denoted("predicted", "destination")
        if gold_d is not None and pred_d is not None:
            gold_set, pred_set = tuple(gold_d["addresses"]), tuple(pred_d["addresses"])
        else:
            gold_set = _query_set(gold_q, self.gold.verdict)
            pred_set = _query_set(pred_q, self.predicted)
        if gold_set and pred_set:
            relation = scope_relation(gold_set, pred_set)
            if relation != "different_kind":
                return relation, _set_size(gold_set), _set_size(pred_set)
            return relation, 0, 0
        if not gold_set and not pred_set:
            if self.same_endpoint is not None:
                same = self.same_endpoint["destination"]
            else:
                same = canonical(pred_q.destination) in self._equivalents("destination", gold_q.destination)
            return ("equal" if same else "disjoint"), 0, 0
        gold_set = gold_set or _anywhere(gold_q)
        pred_set = pred_set or _anywhere(pred_q)
        if gold_set and pred_set:
            return scope_relation(gold_set, pred_set), _set_size(gold_set), _set_size(pred_set)
        return "different_kind", 0, 0

    @property
    def scope(self) -> str | None:
        """Set relation of the predicted destination to the gold one; None with nothing to compare."""
        return None if self._scope is None else self._scope[0]

    @property
    def scope_widened(self) -> bool:
        """The translated destination covers more addresses than the gold one, containing it or not.

        0.0.0.0/5 for 35.78.9.203 (the field test) is disjoint *and* widened: 2**27 addresses for one.
        """
        return self._scope is not None and self._scope[2] > self._scope[1]

    @property
    def scope_narrowed(self) -> bool:
        return self._scope is not None and self._scope[2] < self._scope[1]

    # -- verdict errors ---------------------------------------------------------------------------
    def _error_cause(self, positive: bool) -> str:
        if self.answered_without_query:
            return "claimed_without_query"
        if positive and self.scope_widened:
            return "destination_widened"
        if not positive and self.scope_narrowed:
            return "destination_narrowed"
        if not self.region_ok or self.other_region:
            return "other_region"
        if not (self.source_ok and self.destination_ok):
            return "other_endpoint"
        if not self.protocol_port_ok:
            return "protocol_port"
        return "other"

    @property
    def other_region(self) -> bool:
        """A predicted endpoint denotes something in another Region than the gold's (both known)."""
        for endpoint in ("source", "destination"):
            gold, pred = self._denoted("gold", endpoint), self._denoted("predicted", endpoint)
            if (
                gold
                and pred
                and gold.get("region")
                and pred.get("region")
                and gold["region"] != pred["region"]
            ):
                return True
        return False

    @property
    def false_positive(self) -> bool:
        return self.gold_reachable is False and self.predicted_reachable is True

    @property
    def false_negative(self) -> bool:
        return self.gold_reachable is True and self.predicted_reachable is False

    @cached_property
    def error_cause(self) -> str | None:
        """Why a wrong reachable/unreachable answer happened (first matching cause, in priority order)."""
        if self.false_positive:
            return self._error_cause(True)
        if self.false_negative:
            return self._error_cause(False)
        return None

    # -- test suite ---------------------------------------------------------------------------------
    @cached_property
    def suite_split(self) -> int | None:
        """Index of the first suite world where gold and prediction part; -1 when they agree on all;
        None when the record has no suite verdicts (not computed, or no gold query)."""
        suite = self.suite
        if not suite or suite.get("gold") is None:
            return None
        pred = suite.get("predicted")
        if pred is None:
            return 0
        for i, (g, p) in enumerate(zip(suite["gold"], pred, strict=True)):
            if g != p:
                return i
        return -1

    @property
    def suite_agrees(self) -> bool | None:
        split = self.suite_split
        return None if split is None else split == -1
