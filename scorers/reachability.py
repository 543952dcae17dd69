"""Destination scope and wrong reachability answers: the 0.0.0.0/5 failure of the field test.

A translation that widens 35.78.9.203 to 0.0.0.0/5 is "reachable" because some address in the wider set
is; these metrics make that visible as a scope relation and as the cause of a false positive.
"""

from __future__ import annotations

from scorers.facts import CaseFacts
from scorers.registry import Components, metric

_SCOPE_APPLIES = "cases with a gold query where the translation has a query"


@metric(
    "scope_equal",
    scorer="scope",
    description="The translated destination set equals the gold set.",
    applies_to=_SCOPE_APPLIES,
    higher_is_better=True,
    paired_binary=True,
)
def scope_equal(facts: CaseFacts) -> Components | None:
    return None if facts.scope is None else (float(facts.scope == "equal"),)


@metric(
    "scope_widened",
    scorer="scope",
    description="The translated destination covers more addresses than the gold one (widened-scope rate).",
    applies_to=_SCOPE_APPLIES,
    higher_is_better=False,
    paired_binary=True,
)
def scope_widened(facts: CaseFacts) -> Components | None:
    return None if facts.scope is None else (float(facts.scope_widened),)


@metric(
    "false_positive_reachability",
    scorer="false_positive_reachability",
    description="Share of gold-unreachable cases the pipeline calls reachable (causes in tables).",
    applies_to="cases whose truth verdict is unreachable (answerable or not)",
    higher_is_better=False,
    headline=True,
    paired_binary=True,
)
def false_positive_reachability(facts: CaseFacts) -> Components | None:
    return None if facts.gold_reachable is not False else (float(facts.false_positive),)


@metric(
    "false_negative_reachability",
    scorer="false_negative_reachability",
    description="Share of gold-reachable cases the pipeline calls unreachable (causes in tables).",
    applies_to="cases whose truth verdict is reachable (answerable or not)",
    higher_is_better=False,
    paired_binary=True,
)
def false_negative_reachability(facts: CaseFacts) -> Components | None:
    return None if facts.gold_reachable is not True else (float(facts.false_negative),)
