"""Breakdown tables for summary.json: which Region was taken for which, why verdicts went wrong.

Each table is a plain JSON value built from the per-case facts, sorted so that the bytes are stable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from scorers.facts import CaseFacts

VERDICT_LABELS = ("reachable", "unreachable", "no_verdict")


def _label(reachable: bool | None) -> str:
    return VERDICT_LABELS[2] if reachable is None else VERDICT_LABELS[0 if reachable else 1]


def _counts(values: Sequence[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def region_confusion(facts: Sequence[CaseFacts]) -> list[dict[str, object]]:
    """Mismatched Region slots, e.g. ap-northeast-2 taken for ap-northeast-1 (most frequent first)."""
    pairs: Counter[tuple[str, str, str]] = Counter()
    for f in facts:
        if not f.has_gold_query or f.pred_query is None:
            continue
        for slot, (gold, pred) in f.region_pairs.items():
            if gold != pred:
                pairs[(slot, gold, str(pred))] += 1
    rows = [
        {"slot": slot, "gold": gold, "predicted": pred, "count": n} for (slot, gold, pred), n in pairs.items()
    ]
    return sorted(rows, key=lambda r: (-int(r["count"]), str(r["slot"]), str(r["gold"]), str(r["predicted"])))


def verdict_confusion(facts: Sequence[CaseFacts]) -> dict[str, object]:
    """Truth (rows) by predicted (columns) over answerable cases (scikit-learn's confusion_matrix layout)."""
    rows = [f for f in facts if f.gold.answerable and f.gold_reachable is not None]
    if not rows:
        return {"labels": list(VERDICT_LABELS), "matrix": [[0] * 3 for _ in range(3)]}
    # A 3x3 count: a Counter, not scikit-learn (whose import alone costs every command ~1 s).
    counts = Counter((_label(f.gold_reachable), _label(f.predicted_reachable)) for f in rows)
    matrix = [[counts[(truth, pred)] for pred in VERDICT_LABELS] for truth in VERDICT_LABELS]
    return {"labels": list(VERDICT_LABELS), "matrix": matrix}


def explanation_code_confusion(facts: Sequence[CaseFacts]) -> list[dict[str, object]]:
    """Gold explanation code versus the predicted one, where they differ on gold-blocked cases."""
    pairs: Counter[tuple[str, str]] = Counter()
    for f in facts:
        if not (f.gold.answerable and f.gold_reachable is False and f.gold.verdict is not None):
            continue
        gold = f.gold.verdict.explanation_code or "none"
        pred = (f.predicted.explanation_code if f.predicted is not None else None) or _label(
            f.predicted_reachable
        )
        if gold != pred:
            pairs[(gold, pred)] += 1
    rows = [{"gold": g, "predicted": p, "count": n} for (g, p), n in pairs.items()]
    return sorted(rows, key=lambda r: (-int(r["count"]), str(r["gold"]), str(r["predicted"])))


def build_tables(facts: Sequence[CaseFacts]) -> dict[str, object]:
    """Every breakdown table, by name (the ``tables`` section of summary.json)."""
    return {
        "region_confusion": region_confusion(facts),
        "scope_relation": _counts([f.scope for f in facts if f.scope is not None]),
        "false_positive_causes": _counts(
            [f.error_cause for f in facts if f.false_positive and f.error_cause]
        ),
        "false_negative_causes": _counts(
            [f.error_cause for f in facts if f.false_negative and f.error_cause]
        ),
        "verdict_confusion": verdict_confusion(facts),
        "explanation_code_confusion": explanation_code_confusion(facts),
        "failure_types": _counts([ft for f in facts if (ft := failure_type(f))]),
        "translation_status": _counts([f.translation.status for f in facts]),
    }


def failure_type(facts: CaseFacts) -> str | None:
    """The case's failure as ``stage:reason``: translator failure, engine error, or what the score says."""
    t = facts.translation
    if t.status == "error":
        return t.failure_type or "translator:error"
    if t.status == "query" and t.query is None and t.claimed_verdict is None:
        return "translator:empty_query"
    if t.status == "query" and (facts.predicted is None or facts.predicted.error):
        return (facts.predicted.error if facts.predicted is not None else None) or "engine:no_verdict"
    if not facts.gold.answerable:
        return None if facts.abstained else "abstention:answered_unanswerable"
    if facts.abstained:
        return "abstention:declined_answerable"
    if facts.error_cause:
        kind = "false_positive" if facts.false_positive else "false_negative"
        return f"{kind}:{facts.error_cause}"
    if t.status == "query" and not facts.query_ok:
        return "query:" + _first_wrong_slot(facts)
    return None


def _first_wrong_slot(facts: CaseFacts) -> str:
    if not facts.region_ok:
        return "region_mismatch"
    if not facts.source_ok:
        return "source_mismatch"
    if not facts.destination_ok:
        return "destination_mismatch"
    return "protocol_port_mismatch"
