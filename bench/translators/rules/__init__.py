"""The ``rules`` translator: a deterministic baseline built from small, separately testable parts.

``lexicon`` (protocol and port words, EN/JA), ``regions`` (Region mentions and corrections),
``mentions`` (endpoints resolved against the inventory), ``compose`` (turns -> one Query or an
abstention). ``retrieval`` reuses all of it and adds descriptive mentions.
"""

from __future__ import annotations

from bench.cases.schema import CaseInput
from bench.model import Translation
from bench.translators.base import Translator
from bench.translators.registry import register_translator
from bench.translators.rules.compose import translate_rules


@register_translator("rules")
class RulesTranslator(Translator):
    version = "7"
    description = "Deterministic baseline: ids, names, addresses, DNS, EN/JA protocol and Region lexicon."

    def _translate(self, case_input: CaseInput) -> Translation:
        return translate_rules(case_input)
