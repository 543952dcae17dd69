"""Gold is computed, never typed: the engine answers the gold query under both profiles.

``answerable`` comes from the ``ra`` profile (Reachability Analyzer's limits), ``verdict`` and
``blocking`` from ``truth``. Two unanswerable kinds have no engine query: a question too ambiguous to
name one resource (``ambiguous``) keeps ``query`` empty. A question about a resource that does not exist
keeps the query it names, and the engine's ``engine:unknown_resource`` error is its verdict, so that
``reachbench cases validate`` can re-derive it like any other gold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from bench.cases.schema import Case, Gold
from bench.model import Query, Verdict

AMBIGUOUS = "ambiguous"
UNKNOWN_RESOURCE = "unknown_resource"
QUERYLESS_REASONS = frozenset({AMBIGUOUS})


class Analyzer(Protocol):
    """What gold needs of the engine (``bench.engine.Engine``)."""

    def analyze(self, query: Query, profile: str = "truth") -> Verdict: ...


def compute_gold(
    query: Query | None,
    engine: Analyzer | None,
    equivalents: dict[str, tuple[str, ...]] | None = None,
    abstain_reason: str | None = None,
) -> Gold:
    """The gold of one case from its query and its world's engine.

    ``abstain_reason`` is given only for the query-less kinds (``ambiguous``); everything else is
    decided by the engine.
    """
    equivalents = {k: v for k, v in (equivalents or {}).items() if v}
    if query is None:
        if abstain_reason not in QUERYLESS_REASONS:
            raise ValueError(f"a case without a query must be one of {sorted(QUERYLESS_REASONS)}")
        return Gold(answerable=False, abstain_reason=abstain_reason, equivalents=equivalents)
    if engine is None:
        raise ValueError("an engine is needed to compute gold for a query")
    truth = engine.analyze(query, profile="truth")
    ra = engine.analyze(query, profile="ra")
    if truth.error and truth.error.endswith("unknown_resource"):
        answerable, reason = False, UNKNOWN_RESOURCE
    elif ra.error:
        answerable, reason = False, ra.error.split(":", 1)[-1]
    elif not ra.analysable:
        answerable, reason = False, ra.reason or "not_analysable"
    else:
        answerable, reason = True, None
    return Gold(
        answerable=answerable,
        abstain_reason=reason,
        query=query,
        verdict=truth,
        ra_verdict=ra,
        blocking=truth.blocking_component if truth.reachable is False else None,
        equivalents=equivalents,
    )


def regold(case: Case, engine: Analyzer | None) -> Gold:
    """The gold this case should carry now, re-derived from its query and world."""
    gold = case.gold
    return compute_gold(
        gold.query, engine, dict(gold.equivalents), gold.abstain_reason if gold.query is None else None
    )


@dataclass(frozen=True)
class GoldMismatch:
    case_id: str
    world: str
    field: str
    stored: object
    derived: object

    def __str__(self) -> str:
        return (
            f"{self.case_id} ({self.world}): {self.field}: stored {_brief(self.stored)}, "
            f"engine says {_brief(self.derived)}{_changed_keys(self.stored, self.derived)}"
        )


def _changed_keys(a: object, b: object) -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        return f" (differs in {', '.join(keys)})"
    return ""


def _brief(value: object) -> str:
    """A verdict as its deciding fields (the hop list would drown the message)."""
    if isinstance(value, dict) and "reachable" in value:
        keys = ("profile", "analysable", "reason", "reachable", "explanation_code", "error")
        parts = [f"{k}={value.get(k)!r}" for k in keys if value.get(k) is not None]
        blocking = value.get("blocking_component")
        if blocking:
            parts.append(f"blocking={blocking.get('id')}")
        return "{" + ", ".join(parts) + "}"
    return repr(value)


def diff_gold(case_id: str, world: str, stored: Gold, derived: Gold) -> list[GoldMismatch]:
    """Field-level differences, so a failing validation says what changed, not just that it did."""
    out = []
    a, b = stored.model_dump(mode="json"), derived.model_dump(mode="json")
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            out.append(GoldMismatch(case_id, world, key, a.get(key), b.get(key)))
    return out


def validate_cases(
    cases: Iterable[Case],
    engine_for: Callable[[str], Analyzer],
    progress: Callable[[int], None] | None = None,
) -> list[GoldMismatch]:
    """Re-derive every gold; returns every difference (empty = the corpus is consistent)."""
    problems: list[GoldMismatch] = []
    for n, case in enumerate(cases, start=1):
        engine = engine_for(case.world) if case.gold.query is not None else None
        problems.extend(diff_gold(case.id, case.world, case.gold, regold(case, engine)))
        if progress is not None:
            progress(n)
    return problems
