"""What every LLM backend shares: options, prompt, retries, usage and cost, secret scrubbing.

A backend subclasses :class:`LLMTranslator` and implements one method, ``_complete(prompt) ->
Completion``: send the prompt, return the model's structured arguments or text plus token usage, and
raise ``RetryableError`` for throttling/5xx. Everything else is here so Bedrock and OpenAI-compatible
servers are prompted, parsed, retried and recorded the same way.

Retries happen in two layers on purpose: ``max_retries`` quick retries inside the call (honouring a
server's ``Retry-After``, never sleeping past the call's deadline), then a ``RetryableError`` is raised
so the worker pool can back off on its longer scale (and count the throttling in the run record).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from bench.cases.schema import CaseInput
from bench.model import Translation, Usage
from bench.translators.base import RetryableError, Translator, remaining_time
from bench.translators.llm.parse import payload_to_translation
from bench.translators.llm.prompt import PROMPT_VERSION, Prompt, PromptBuilder, PromptConfig

T = TypeVar("T")
REDACTED = "[REDACTED]"


class LLMOptions(BaseModel):
    """Options every LLM backend accepts in its spec (``name:key=value,...``). Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, description="Model id as the server names it.")
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(1024, ge=16, description="Cap on output tokens per call.")
    max_inventory: int = Field(150, ge=1, description="Inventory items shown before truncation.")
    few_shot: str | None = Field(None, description="Path of a dev-split JSONL to draw examples from.")
    shots: int = Field(4, ge=0, description="Number of few-shot examples when few_shot is given.")
    shot_seed: int = 0
    max_retries: int = Field(2, ge=0, le=20, description="Quick retries inside one call (0: pool only).")
    backoff: float = Field(1.0, ge=0.0, description="First backoff in seconds; doubles per retry.")
    max_backoff: float = Field(30.0, ge=0.0)
    request_timeout: float = Field(60.0, gt=0.0, description="Seconds per HTTP request.")
    price_in: float | None = Field(None, ge=0.0, description="USD per million input tokens (for cost).")
    price_out: float | None = Field(None, ge=0.0, description="USD per million output tokens.")
    requests_per_minute: float | None = Field(None, gt=0.0, description="Pool rate limit.")
    tokens_per_minute: float | None = Field(None, gt=0.0, description="Pool token budget.")


@dataclass
class Completion:
    """One model answer: structured ``arguments`` (tool use / JSON mode) or free ``text``."""

    text: str | None = None
    arguments: Any = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def raw(self) -> str:
        """What the model produced, as text: the arguments as JSON if structured, else the text."""
        import json

        if self.arguments is not None:
            if isinstance(self.arguments, str):
                return self.arguments
            return json.dumps(self.arguments, sort_keys=True, ensure_ascii=False)
        return self.text or ""


class BackendFailure(Exception):
    """A call that failed for good (bad request, access denied): becomes a scored ``stage:reason`` failure."""

    def __init__(self, failure_type: str, detail: str) -> None:
        super().__init__(detail)
        self.failure_type = failure_type
        self.detail = detail


class LLMTranslator(Translator):
    """Base of the LLM backends (not registered itself)."""

    options_model: ClassVar[type[BaseModel] | None] = LLMOptions
    version: ClassVar[str] = "1"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._prompt_config = PromptConfig(
            max_inventory=self.options["max_inventory"],
            few_shot_path=self.options.get("few_shot"),
            few_shot_k=self.options["shots"] if self.options.get("few_shot") else 0,
            few_shot_seed=self.options["shot_seed"],
        )
        # Few-shot files are read now, so a bad file fails before the run starts, not per case.
        self.prompts = PromptBuilder(self._prompt_config)
        self._sleep: Callable[[float], None] = time.sleep
        self._rng = random.Random(0)
        self._lock = threading.Lock()
        # One client per translator, made on first use (pool workers share it) under its own lock.
        self._client: Any = None
        self._client_lock = threading.Lock()
        # Calls in flight at once (the pool says how many): backends size their connection pools to it.
        self.concurrency = 1

    # ------------------------------------------------------------------ record and cache key
    def settings(self) -> dict[str, Any]:
        out = super().settings()
        # The base drops option names that look secret ("token" in max_tokens); this one is not.
        out["max_tokens"] = self.options["max_tokens"]
        out.update(self._prompt_config.settings())
        return dict(sorted(out.items()))

    def _cache_key_extra(self) -> Any:
        return {"prompt_version": PROMPT_VERSION, "prompt_sha256": self.prompts.fingerprint()}

    def fingerprint(self) -> str:
        # An LLM's answers are decided by the model and settings (in the key already) and the prompt, not
        # by this Python glue: editing the adapter must not re-bill every cached call.
        return f"prompt:{PROMPT_VERSION}:{self.prompts.fingerprint()}"

    # ------------------------------------------------------------------ the hook
    def _translate(self, case_input: CaseInput) -> Translation:
        prompt = self.prompts.build(case_input)
        try:
            completion, attempts = self._with_retries(lambda: self._complete(prompt))
        except BackendFailure as exc:
            return Translation.failure(exc.failure_type, raw=self.redact(exc.detail)[:2000])
        raw = self.redact(completion.raw())
        payload = completion.arguments if completion.arguments is not None else (completion.text or "")
        if isinstance(payload, str):
            payload = self.redact(payload)
        result = payload_to_translation(payload, raw=raw)
        extra = {
            **result.extra,
            **completion.meta,
            "call_attempts": attempts,
            "prompt_version": PROMPT_VERSION,
        }
        if prompt.inventory_omitted:
            extra["inventory_omitted"] = prompt.inventory_omitted
        return result.model_copy(update={"usage": self._usage(completion), "extra": extra})

    def estimate_tokens(self, case_input: CaseInput) -> int:
        """Prompt characters / 4 plus the output cap: what the pool's tokens/min budget reserves."""
        prompt = self.prompts.build(case_input)
        chars = len(prompt.system) + sum(len(m.content) for m in prompt.messages)
        return chars // 4 + int(self.options["max_tokens"])

    def _complete(self, prompt: Prompt) -> Completion:
        """Send ``prompt`` once. Raise ``RetryableError`` for throttling/5xx, ``BackendFailure`` otherwise."""
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers for backends
    def client(self) -> Any:
        """The backend's client, made once by ``_make_client`` (thread-safe: pool workers call this;
        once it exists no lock is taken: a lock every call would queue the pool's threads)."""
        found = self._client
        if found is not None:
            return found
        with self._client_lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def set_concurrency(self, jobs: int) -> None:
        """Size the shared client's connection pool for ``jobs`` calls in flight. The client is made on
        the first call, after the pool has said this; one that exists already is kept as it is."""
        with self._client_lock:
            self.concurrency = max(self.concurrency, jobs)

    def _make_client(self) -> Any:
        """A new client for the backend; a missing optional dependency is a ``TranslatorError``."""
        raise NotImplementedError

    def _secrets(self) -> list[str]:
        """Values that must never be written anywhere (API keys); backends override."""
        return []

    def redact(self, text: str) -> str:
        for secret in self._secrets():
            if secret and len(secret) >= 4:
                text = text.replace(secret, REDACTED)
        return text

    def _usage(self, completion: Completion) -> Usage | None:
        tin, tout = completion.input_tokens, completion.output_tokens
        if tin is None and tout is None:
            return None
        cost = None
        p_in, p_out = self.options.get("price_in"), self.options.get("price_out")
        if p_in is not None or p_out is not None:
            cost = round(((tin or 0) * (p_in or 0.0) + (tout or 0) * (p_out or 0.0)) / 1e6, 8)
        return Usage(input_tokens=tin, output_tokens=tout, cost_usd=cost)

    def _with_retries(self, call: Callable[[], T]) -> tuple[T, int]:
        """Run ``call``; on ``RetryableError`` back off (server hint first) up to ``max_retries`` times."""
        retries = self.options["max_retries"]
        for attempt in range(retries + 1):
            try:
                return call(), attempt + 1
            except RetryableError as exc:
                if attempt >= retries:
                    raise RetryableError(
                        f"{self.redact(str(exc))} (after {attempt + 1} attempts)", retry_after=exc.retry_after
                    ) from None
                delay = self._delay(attempt, exc.retry_after)
                left = remaining_time()
                if left is not None and delay >= left:
                    raise  # the pool may retry later; sleeping past the deadline helps nobody
                self._sleep(delay)
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return max(0.0, retry_after)
        base = min(self.options["max_backoff"], self.options["backoff"] * (2**attempt))
        with self._lock:
            jitter = self._rng.uniform(0.5, 1.0)  # "equal jitter": never zero, never more than the cap
        return base * jitter

    def _request_timeout(self) -> float:
        """Per-request timeout, shortened to what is left of the call's deadline."""
        left = remaining_time()
        timeout = float(self.options["request_timeout"])
        return max(0.1, min(timeout, left)) if left is not None else timeout
