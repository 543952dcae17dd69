"""Turn whatever a model said into a Translation, forgivingly, and say precisely why when it cannot.

Models wrap JSON in code fences, add prose after it, write Python dicts with single quotes and
``None``/``True``, leave trailing commas, return the bare query without the ``decision`` envelope, or
hand back tool-call arguments as a JSON string. All of that is accepted: a benchmark measures
translation, not formatting luck. What is left over is a scored failure with the raw text kept:

- ``parse:invalid_json``: no JSON object could be recovered from the output (or the output was empty);
- ``parse:schema_violation``: an object was found but it is not a valid answer (missing source, unknown
  protocol, port out of range, a query with neither region nor abstention, ...). The first validation
  error is kept in ``extra["parse_error"]``.

Keys the schema does not know are dropped, not fatal, and listed in ``extra["dropped_keys"]`` so a
model that adds ``"explanation"`` is still scored on its query.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from pydantic import ValidationError

from bench.model import Query, Translation

_FENCE = re.compile(r"```[ \t]*(?:json|JSON|python|js|javascript)?[ \t]*\n?(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_QUERY_KEYS = frozenset(Query.model_fields)
_ENVELOPE_KEYS = ("answer", "result", "output", "response", "arguments", "input", "parameters")


class ParseFailure(Exception):
    """Carries the ``stage:reason`` failure type and a human-readable detail."""

    def __init__(self, failure_type: str, detail: str) -> None:
        super().__init__(detail)
        self.failure_type = failure_type
        self.detail = detail


def _balanced_objects(text: str) -> list[str]:
    """Every top-level ``{...}`` span, honouring quotes, in order of appearance."""
    spans: list[str] = []
    depth = 0
    start = -1
    quote: str | None = None
    escaped = False
    for pos, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
            continue
        if char in "\"'" and depth > 0:
            quote = char
        elif char == "{":
            if depth == 0:
                start = pos
            depth += 1
        elif char == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append(text[start : pos + 1])
    return spans


def _load_object(snippet: str) -> dict[str, Any] | None:
    """JSON first, then JSON without trailing commas, then a Python literal (single quotes, None)."""
    for attempt in (snippet, _TRAILING_COMMA.sub(r"\1", snippet)):
        try:
            value = json.loads(attempt)
        except json.JSONDecodeError:
            continue
        return value if isinstance(value, dict) else None
    pythonish = _TRAILING_COMMA.sub(r"\1", snippet)
    pythonish = re.sub(r"\btrue\b", "True", pythonish)
    pythonish = re.sub(r"\bfalse\b", "False", pythonish)
    pythonish = re.sub(r"\bnull\b", "None", pythonish)
    try:
        value = ast.literal_eval(pythonish)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def extract_object(text: str) -> dict[str, Any]:
    """The answer object inside free text; the last plausible one wins (models often self-correct)."""
    if not text or not text.strip():
        raise ParseFailure("parse:invalid_json", "empty output")
    candidates: list[str] = [m.group(1) for m in _FENCE.finditer(text)]
    candidates.append(text.strip())
    found: list[dict[str, Any]] = []
    for chunk in candidates:
        whole = _load_object(chunk.strip())
        if whole is not None:
            found.append(whole)
            continue
        found.extend(obj for obj in map(_load_object, _balanced_objects(chunk)) if obj is not None)
    if not found:
        raise ParseFailure("parse:invalid_json", "no JSON object found in the output")
    plausible = [obj for obj in found if _looks_like_answer(obj)]
    return (plausible or found)[-1]


def _looks_like_answer(obj: dict[str, Any]) -> bool:
    keys = set(obj)
    return bool(
        keys & {"decision", "query", "abstain", "abstain_reason", "status"}
        or {"source", "destination"} <= keys
    )


def _unwrap(obj: dict[str, Any]) -> dict[str, Any]:
    """Strip envelopes such as ``{"answer": {...}}`` or a tool call's ``{"arguments": "..."}``."""
    for _ in range(3):
        if len(obj) != 1:
            break
        ((key, value),) = obj.items()
        if key not in _ENVELOPE_KEYS:
            break
        if isinstance(value, str):
            loaded = _load_object(value)
            if loaded is None:
                break
            value = loaded
        if not isinstance(value, dict):
            break
        obj = value
    return obj


def _clean_query(raw: dict[str, Any], dropped: list[str]) -> dict[str, Any]:
    query: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _QUERY_KEYS:
            dropped.append(f"query.{key}")
            continue
        if value is None or (
            isinstance(value, str) and not value.strip() and key not in ("source", "destination")
        ):
            continue
        if key == "protocol" and isinstance(value, str):
            value = value.strip().lower()
        query[key] = value
    return query


def payload_to_translation(payload: Any, raw: str) -> Translation:
    """Validate one decoded answer (dict, or JSON/Python text of one) into a Translation."""
    try:
        if isinstance(payload, str):
            obj = extract_object(payload)
        elif isinstance(payload, dict):
            obj = payload
        else:
            raise ParseFailure("parse:invalid_json", f"expected an object, got {type(payload).__name__}")
        return _validate(_unwrap(obj), raw)
    except ParseFailure as failure:
        return Translation.failure(failure.failure_type, raw=raw, extra={"parse_error": failure.detail})


def parse_text(text: str) -> Translation:
    """Parse a model's free-text output (the fallback when the backend cannot constrain output)."""
    return payload_to_translation(text, raw=text)


def _validate(obj: dict[str, Any], raw: str) -> Translation:
    dropped: list[str] = []
    decision = obj.get("decision", obj.get("status"))
    if isinstance(decision, str):
        decision = decision.strip().lower()
    if obj.get("abstain") is True:
        decision = "abstain"
    query_obj = obj.get("query")
    if decision is None and query_obj is None and "source" in obj:
        query_obj, decision = obj, "query"  # the bare query without the envelope
    if decision is None:
        decision = (
            "query" if isinstance(query_obj, dict) else ("abstain" if obj.get("abstain_reason") else None)
        )
    known = {"decision", "status", "query", "abstain", "abstain_reason", "reason"}
    if query_obj is not obj:
        dropped += sorted(k for k in obj if k not in known)
    extra: dict[str, Any] = {"dropped_keys": dropped} if dropped else {}

    if decision == "abstain":
        reason = obj.get("abstain_reason") or obj.get("reason")
        reason = str(reason).strip() if reason is not None else "unspecified"
        return Translation(status="abstain", abstain_reason=reason or "unspecified", raw=raw, extra=extra)
    if decision != "query":
        raise ParseFailure(
            "parse:schema_violation", f"decision must be 'query' or 'abstain', got {decision!r}"
        )
    if not isinstance(query_obj, dict):
        raise ParseFailure("parse:schema_violation", "decision is 'query' but no query object was given")
    cleaned = _clean_query(query_obj, dropped)
    try:
        query = Query.model_validate(cleaned)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "query"
        raise ParseFailure("parse:schema_violation", f"query.{loc}: {first['msg']}") from None
    if dropped:
        extra["dropped_keys"] = dropped
    return Translation(status="query", query=query, raw=raw, extra=extra)
