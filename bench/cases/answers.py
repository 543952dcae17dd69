"""The answer sheet an outside system fills in: one row per case id, read back by ``predictions:FILE``.

Columns: ``case_id``; the query slots (``region`` ... ``destination_region``, as in ``bench.model.Query``);
``abstain_reason``; the answer-only ``claimed_verdict`` (``reachable`` / ``not reachable`` /
``can't tell``) with an optional ``claimed_blocking`` (the id of the component the system blamed); and a
free-text ``note`` that scoring ignores (where an answer came from). A row is read as:

- any query slot filled -> a query (``region``, ``source`` and ``destination`` required); the engine
  judges it, a claimed verdict alongside is kept but ignored (denotation);
- else ``abstain_reason`` or ``claimed_verdict = can't tell`` -> an abstention;
- else ``claimed_verdict`` reachable / not reachable -> an answer without a query;
- else (a blank row) -> no prediction (``translator:missing_prediction``).
"""

from __future__ import annotations

from typing import Any

from bench.model import Query, Translation

QUERY_COLUMNS: tuple[str, ...] = tuple(Query.model_fields)
ANSWER_COLUMNS: tuple[str, ...] = (
    "case_id",
    *QUERY_COLUMNS,
    "abstain_reason",
    "claimed_verdict",
    "claimed_blocking",
    "note",
)

REACHABLE = "reachable"
NOT_REACHABLE = "not reachable"
CANT_TELL = "can't tell"
# Spellings accepted for claimed_verdict (lower-cased, trimmed); the sheet's own words come first.
VERDICT_WORDS: dict[str, bool | None] = {
    REACHABLE: True,
    NOT_REACHABLE: False,
    CANT_TELL: None,
    "unreachable": False,
    "not_reachable": False,
    "cant tell": None,
    "can't_tell": None,
    "cant_tell": None,
    "unknown": None,
    "true": True,
    "false": False,
}


def blank_row(case_id: str) -> dict[str, str]:
    return {column: (case_id if column == "case_id" else "") for column in ANSWER_COLUMNS}


def translation_to_row(case_id: str, translation: Translation) -> dict[str, Any]:
    """A translation as an answer-sheet row (for filling a sheet from any translator: the round trip).

    A failed translation becomes a blank row (no prediction), as a person would leave it.
    """
    row: dict[str, Any] = blank_row(case_id)
    if translation.status == "query" and translation.query is not None:
        for slot, value in translation.query.model_dump(mode="json").items():
            row[slot] = "" if value is None else value
    elif translation.status == "abstain":
        row["abstain_reason"] = translation.abstain_reason or CANT_TELL
    elif translation.status == "answer":
        row["claimed_verdict"] = REACHABLE if translation.claimed_verdict else NOT_REACHABLE
        row["claimed_blocking"] = translation.claimed_blocking or ""
    if translation.status == "query" and translation.claimed_verdict is not None:
        row["claimed_verdict"] = REACHABLE if translation.claimed_verdict else NOT_REACHABLE
    return row
