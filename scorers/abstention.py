"""Abstention: declining an unanswerable question (cross-Region, Lambda, IPv6) is the right answer.

The positive class is "abstain". An error is not an abstention: a translator that crashes on every
unanswerable case must not score as a careful one.
"""

from __future__ import annotations

from scorers.facts import CaseFacts
from scorers.registry import Aggregation, Components, metric

_ALL = "every case"


def _confusion(facts: CaseFacts) -> tuple[float, float, float]:
    unanswerable = not facts.gold.answerable
    return (
        float(unanswerable and facts.abstained),
        float(not unanswerable and facts.abstained),
        float(unanswerable and not facts.abstained),
    )


@metric(
    "abstention_precision",
    scorer="abstention",
    description="Abstentions on unanswerable cases / all abstentions.",
    applies_to=_ALL,
    higher_is_better=True,
    aggregation=Aggregation.RATIO,
)
def abstention_precision(facts: CaseFacts) -> Components | None:
    tp, fp, _ = _confusion(facts)
    return tp, tp + fp


@metric(
    "abstention_recall",
    scorer="abstention",
    description="Unanswerable cases abstained on / unanswerable cases.",
    applies_to=_ALL,
    higher_is_better=True,
    aggregation=Aggregation.RATIO,
)
def abstention_recall(facts: CaseFacts) -> Components | None:
    tp, _, fn = _confusion(facts)
    return tp, tp + fn


@metric(
    "abstention_f1",
    scorer="abstention",
    description="F1 of abstaining, unanswerable as the positive class.",
    applies_to=_ALL,
    higher_is_better=True,
    headline=True,
    aggregation=Aggregation.F1,
)
def abstention_f1(facts: CaseFacts) -> Components | None:
    return _confusion(facts)


@metric(
    "over_abstention",
    scorer="abstention",
    description="Answerable cases the translator declined.",
    applies_to="answerable cases",
    higher_is_better=False,
    paired_binary=True,
)
def over_abstention(facts: CaseFacts) -> Components | None:
    return (float(facts.abstained),) if facts.gold.answerable else None
