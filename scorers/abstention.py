"""Abstention: declining an unanswerable question (cross-Region, Lambda, IPv6) is the right answer.

The positive class is "abstain". An error is not an abstention: a translator that crashes on every
unanswerable case must not score as a careful one.
"""

from __future__ import annotations

from scorers.facts import CaseFacts
from scorers.registry import Components, metric, precision_recall_f1

_ALL = "every case"


def _confusion(facts: CaseFacts) -> tuple[float, float, float]:
    unanswerable = not facts.gold.answerable
    return (
        float(unanswerable and facts.abstained),
        float(not unanswerable and facts.abstained),
        float(unanswerable and not facts.abstained),
    )


precision_recall_f1(
    "abstention",
    scorer="abstention",
    confusion=_confusion,
    applies_to=_ALL,
    descriptions=(
        "Abstentions on unanswerable cases / all abstentions.",
        "Unanswerable cases abstained on / unanswerable cases.",
        "F1 of abstaining, unanswerable as the positive class.",
    ),
    headline_f1=True,
)


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
