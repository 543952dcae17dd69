"""Verdict (execution) metrics, the blocking component, errors and the headline strict accuracy.

Execution accuracy applies to answerable cases only: there an abstention or error is simply wrong. On an
unanswerable case abstaining is right, and a confident answer is judged against the truth verdict by
``answered_accuracy`` and the false-positive/negative rates, and counted as a miss by abstention.
"""

from __future__ import annotations

from scorers.facts import CaseFacts
from scorers.registry import Aggregation, Components, metric


def _answerable_with_verdict(facts: CaseFacts) -> bool:
    return facts.gold.answerable and facts.gold_reachable is not None


@metric(
    "execution_accuracy",
    scorer="verdict",
    description="Predicted reachable/unreachable equals the truth verdict (no verdict counts as wrong).",
    applies_to="answerable cases with a truth verdict",
    higher_is_better=True,
    headline=True,
    paired_binary=True,
)
def execution_accuracy(facts: CaseFacts) -> Components | None:
    if not _answerable_with_verdict(facts):
        return None
    return (float(facts.predicted_reachable == facts.gold_reachable),)


@metric(
    "suite_accuracy",
    scorer="verdict",
    description=(
        "Test-suite accuracy: the predicted query's verdict (reachable, else blocking component and"
        " explanation code) equals the gold query's on every world of the case's scenario and on seeded"
        " variants that cut the gold path."
    ),
    applies_to="answerable cases with a truth verdict whose record has test-suite verdicts",
    higher_is_better=True,
    headline=True,
    paired_binary=True,
)
def suite_accuracy(facts: CaseFacts) -> Components | None:
    if not _answerable_with_verdict(facts) or facts.suite_agrees is None:
        return None
    return (float(facts.suite_agrees),)


@metric(
    "balanced_accuracy",
    scorer="verdict",
    description="Mean of the recall on truly reachable and on truly unreachable cases.",
    applies_to="answerable cases with a truth verdict",
    higher_is_better=True,
    aggregation=Aggregation.BALANCED,
)
def balanced_accuracy(facts: CaseFacts) -> Components | None:
    if not _answerable_with_verdict(facts):
        return None
    ok = float(facts.predicted_reachable == facts.gold_reachable)
    return (1.0, ok, 0.0, 0.0) if facts.gold_reachable else (0.0, 0.0, 1.0, ok)


@metric(
    "answered_accuracy",
    scorer="verdict",
    description="Accuracy of the verdicts given, against the truth (answerable or not): selective accuracy.",
    applies_to="cases with a truth verdict where the pipeline gave a verdict",
    higher_is_better=True,
    paired_binary=True,
)
def answered_accuracy(facts: CaseFacts) -> Components | None:
    if facts.gold_reachable is None or facts.predicted_reachable is None:
        return None
    return (float(facts.predicted_reachable == facts.gold_reachable),)


def _gold_blocked(facts: CaseFacts) -> bool:
    return facts.gold.answerable and facts.gold_reachable is False


@metric(
    "blocking_component_accuracy",
    scorer="blocking",
    description="Predicted verdict is unreachable and blames the gold blocking component (claimed, "
    "for answer-only systems).",
    applies_to="answerable cases whose truth verdict is unreachable",
    higher_is_better=True,
    paired_binary=True,
)
def blocking_component_accuracy(facts: CaseFacts) -> Components | None:
    if not _gold_blocked(facts):
        return None
    gold = facts.gold.blocking or (facts.gold.verdict.blocking_component if facts.gold.verdict else None)
    pred = facts.predicted_blocking_id  # the engine's for a query, the claimed one for an answer
    ok = facts.predicted_reachable is False and gold is not None and pred is not None and pred == gold.id
    return (float(ok),)


@metric(
    "explanation_code_accuracy",
    scorer="blocking",
    description="Predicted verdict is unreachable with the gold Reachability Analyzer explanation code.",
    applies_to="answerable cases whose truth verdict is unreachable",
    higher_is_better=True,
    paired_binary=True,
)
def explanation_code_accuracy(facts: CaseFacts) -> Components | None:
    if not _gold_blocked(facts):
        return None
    gold = facts.gold.verdict.explanation_code if facts.gold.verdict else None
    pred = facts.predicted.explanation_code if facts.predicted is not None else None
    return (float(facts.predicted_reachable is False and gold is not None and pred == gold),)


@metric(
    "error_rate",
    scorer="verdict",
    description="Cases where the translator failed or the engine could not execute the translated query.",
    applies_to="every case",
    higher_is_better=False,
    paired_binary=True,
)
def error_rate(facts: CaseFacts) -> Components | None:
    engine_error = facts.pred_query is not None and (facts.predicted is None or facts.predicted.error)
    return (float(facts.translation.status == "error" or bool(engine_error)),)


@metric(
    "strict_accuracy",
    scorer="strict",
    description="Query right on every slot and verdict right; or unanswerable and abstained.",
    applies_to="every case",
    higher_is_better=True,
    headline=True,
    paired_binary=True,
)
def strict_accuracy(facts: CaseFacts) -> Components | None:
    if not facts.gold.answerable:
        return (float(facts.abstained),)
    ok = facts.query_ok and facts.predicted_reachable is not None
    return (float(ok and facts.predicted_reachable == facts.gold_reachable),)
