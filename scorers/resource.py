"""Query-slot metrics: resources, Regions, protocol and port.

They apply to answerable cases with a gold query (an unanswerable case is judged by abstention instead),
and a translation with no query scores 0 there: missing a slot is a miss, not a skipped case, so
translators are compared on the same denominator.
"""

from __future__ import annotations

from scorers.facts import CaseFacts
from scorers.registry import Components, metric, precision_recall_f1

_APPLIES = "answerable cases with a gold query"


def _binary(facts: CaseFacts, ok: bool) -> Components | None:
    return (float(ok),) if facts.has_gold_query else None


@metric(
    "source_match",
    scorer="resource",
    description=(
        "Source endpoint (and source address) denotes the gold source (same interfaces, addresses"
        " or component)."
    ),
    applies_to=_APPLIES,
    higher_is_better=True,
    paired_binary=True,
)
def source_match(facts: CaseFacts) -> Components | None:
    return _binary(facts, facts.source_ok)


@metric(
    "destination_match",
    scorer="resource",
    description=(
        "Destination (and destination address) denotes the gold destination (same interfaces,"
        " addresses or component)."
    ),
    applies_to=_APPLIES,
    higher_is_better=True,
    paired_binary=True,
)
def destination_match(facts: CaseFacts) -> Components | None:
    return _binary(facts, facts.destination_ok)


@metric(
    "pair_match",
    scorer="resource",
    description="Source and destination both right.",
    applies_to=_APPLIES,
    higher_is_better=True,
    headline=True,
    paired_binary=True,
)
def pair_match(facts: CaseFacts) -> Components | None:
    return _binary(facts, facts.source_ok and facts.destination_ok)


def _slots(facts: CaseFacts) -> tuple[int, int, int] | None:
    return facts.slot_counts if facts.has_gold_query else None


precision_recall_f1(
    "resource",
    scorer="resource",
    confusion=_slots,
    applies_to=_APPLIES,
    descriptions=(
        "Correct resource slots / resource slots the translation filled (sum over cases).",
        "Correct resource slots / resource slots the gold query fills (sum over cases).",
        "F1 over resource slots: 2TP / (2TP + FP + FN), summed over cases.",
    ),
)


@metric(
    "region_accuracy",
    scorer="region",
    description="Analysis Region and destination Region both right (see the Region confusion table).",
    applies_to=_APPLIES,
    higher_is_better=True,
    headline=True,
    paired_binary=True,
)
def region_accuracy(facts: CaseFacts) -> Components | None:
    return _binary(facts, facts.region_ok)


@metric(
    "protocol_port_accuracy",
    scorer="protocol_port",
    description="Protocol and destination port both right (ICMP has no port).",
    applies_to=_APPLIES,
    higher_is_better=True,
    paired_binary=True,
)
def protocol_port_accuracy(facts: CaseFacts) -> Components | None:
    return _binary(facts, facts.protocol_port_ok)
