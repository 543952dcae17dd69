"""What a translator returns for one case: a query, an abstention, an answer, or a failure.

``answer`` is for systems that only answer (a console assistant read back by a person, a vendor's
predictions without queries): a ``claimed_verdict`` and optionally the component it blamed
(``claimed_blocking``), with no query behind them. Scorers judge it on the verdict, false positives
(cause ``claimed_without_query``), abstention and the blamed component.

A failure is data, never an exception: ``failure_type`` is namespaced ``stage:reason``
(``parse:invalid_json``, ``translator:timeout``, ``translator:exception``) so runs can be broken down by
why they failed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bench.model.query import Query

TranslationStatus = Literal["query", "abstain", "answer", "error"]


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
    claimed_blocking: str | None = Field(
        default=None, description="The component id an end-to-end system blamed (answer-only scoring)."
    )
    raw: str | None = None
    latency_ms: float | None = None
    usage: Usage | None = None
    failure_type: str | None = None
    cached: bool = False
    extra: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _answer_has_claim(self) -> Translation:
        if self.status == "answer" and self.claimed_verdict is None:
            raise ValueError("status 'answer' needs a claimed_verdict (true: reachable, false: not)")
        return self

    @classmethod
    def failure(cls, failure_type: str, raw: str | None = None, **kwargs: Any) -> Translation:
        return cls(status="error", failure_type=failure_type, raw=raw, **kwargs)
