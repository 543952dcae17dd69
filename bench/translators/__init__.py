"""Translators: natural-language question (+ console context) -> Translation.

The interface (``base``), the one registry (``registry``), the response cache (``cache``) and the worker
pool (``pool``) are re-exported here; concrete translators live in their own modules and are found by
``registry.discover()``, so importing this package imports no backend.
"""

from bench.translators.base import (
    ParseError,
    RetryableError,
    Translator,
    TranslatorError,
    current_deadline,
    remaining_time,
    translation_from_json,
)
from bench.translators.registry import (
    ENTRY_POINT_GROUP,
    DuplicateTranslatorError,
    TranslatorSpec,
    UnknownTranslatorError,
    available,
    list_translators,
    make_translator,
    parse_spec,
    register_translator,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "DuplicateTranslatorError",
    "ParseError",
    "RetryableError",
    "Translator",
    "TranslatorError",
    "TranslatorSpec",
    "UnknownTranslatorError",
    "available",
    "current_deadline",
    "list_translators",
    "make_translator",
    "parse_spec",
    "register_translator",
    "remaining_time",
    "translation_from_json",
]
