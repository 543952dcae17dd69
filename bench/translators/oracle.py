"""Test doubles shipped with the package: ``oracle`` (answers with the gold) and ``null`` (abstains).

The oracle proves the pipeline end to end (executor and scorers must give it 100 %); ``null`` proves the
abstention and failure paths. The gold reaches the oracle only through ``bind_gold``, a channel every
other translator ignores, so no real translator can read answers by accident.
"""

from __future__ import annotations

from collections.abc import Mapping

from bench.cases.schema import CaseInput, Gold
from bench.model.translation import Translation
from bench.translators.base import Translator, input_digest
from bench.translators.registry import register_translator


@register_translator("oracle")
class OracleTranslator(Translator):
    version = "1"
    description = "Returns the gold query (abstains when gold is unanswerable); must score 100 %."
    cacheable = False  # the gold can change with a suite's version; never replay it

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self._by_id: dict[str, Gold] = {}
        self._by_input: dict[str, Gold] = {}

    def bind_gold(self, gold: Mapping[str, Gold], inputs: Mapping[str, CaseInput] | None = None) -> None:
        """Case id -> Gold; with ``inputs`` (case id -> CaseInput) it also answers calls without an id."""
        self._by_id.update(gold)
        for case_id, case_input in (inputs or {}).items():
            if case_id in gold:
                self._by_input[input_digest(case_input)] = gold[case_id]

    def _translate_case(self, case_input: CaseInput, case_id: str | None) -> Translation:
        gold = self._by_id.get(case_id) if case_id is not None else None
        if gold is None:
            gold = self._by_input.get(input_digest(case_input))
        if gold is None:
            return Translation.failure("translator:no_gold", raw=f"no gold bound for case {case_id!r}")
        if not gold.answerable or gold.query is None:
            return Translation(status="abstain", abstain_reason=gold.abstain_reason or "unanswerable")
        return Translation(status="query", query=gold.query)


@register_translator("null")
class NullTranslator(Translator):
    version = "1"
    description = "Always abstains; the floor every translator must beat."
    cacheable = False

    def _translate(self, case_input: CaseInput) -> Translation:
        return Translation(status="abstain", abstain_reason="null translator always abstains")
