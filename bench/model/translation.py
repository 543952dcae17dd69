"""What a translator returns for one case: a query, an abstention, or a failure.

A failure is data, never an exception: ``failure_type`` is namespaced ``stage:reason``
(``parse:invalid_json``, ``translator:timeout``, ``translator:exception``) so runs can be broken down by
why they failed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bench.model.query import Query

TranslationStatus = Literal["query", "abstain", "error"]


class Usage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None


class Translation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    status: TranslationStatus
    query: Query | None = None
    abstain_reason: str | None = None
    claimed_verdict: bool | None = Field(
        default=None, description="For end-to-end systems that answer reachable/unreachable themselves."
    )
    raw: str | None = None
    latency_ms: float | None = None
    usage: Usage | None = None
    failure_type: str | None = None
    cached: bool = False
    extra: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def failure(cls, failure_type: str, raw: str | None = None, **kwargs: Any) -> Translation:
        return cls(status="error", failure_type=failure_type, raw=raw, **kwargs)
