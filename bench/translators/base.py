"""The translator interface: one ``@final`` entry point around one small hook.

Every backend (a rule system, an LLM behind HTTP, an external program) differs only in how it turns a
``CaseInput`` into a ``Translation``. Everything else a benchmark run needs -- timing, a hard timeout,
turning exceptions and garbage into *scored* failures, the response cache and logging -- is done once,
here, in :meth:`Translator.translate`, so that no backend can forget it and no failure stops a run.

Writing a backend (see ``docs/translators.md``)::

    @register_translator("mine")
    class Mine(Translator):
        version = "1"
        description = "What it is, one line."

        def _translate(self, case_input: CaseInput) -> Translation:
            ...                       # return Translation(status="query", query=Query(...))
            raise ParseError("invalid_json", raw=text)   # garbage from the model -> parse:invalid_json
            raise RetryableError("429 from server")      # throttling/5xx -> the pool retries

Optional hooks: ``options_model`` (a pydantic model validating ``**options``), ``_cache_key_extra()``
(anything besides name/version/settings that changes outputs, e.g. a prompt-template hash),
``estimate_tokens()`` (for the pool's tokens/min limit), ``cacheable = False`` for backends whose answers
must never be replayed, ``set_concurrency(jobs)`` and ``pool_finished()`` to size and release what the
pool's threads share (an HTTP client's connections).
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, final

from pydantic import BaseModel, ValidationError

from bench.cases.schema import CaseInput, Gold
from bench.model.translation import Translation
from bench.translators.cache import INVENTORY_MARK, INVENTORY_MARK_JSON, inventory_json

if TYPE_CHECKING:
    from bench.translators.cache import TranslationCache

log = logging.getLogger("bench.translators")

# Option names that must never reach a run record (API keys and the like).
_SECRET_RE = re.compile(r"(key|token|secret|password|passwd|credential|auth)", re.IGNORECASE)

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("translator_deadline", default=None)
_case_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("translator_case_id", default=None)


class ParseError(Exception):
    """The backend answered, but not with something we can read: scored as ``parse:<reason>``."""

    def __init__(self, reason: str, raw: str | None = None, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.raw = raw
        self.detail = detail


class RetryableError(Exception):
    """Throttling or a server-side (5xx) error: worth retrying after a pause.

    Raise it from ``_translate``; the worker pool retries with exponential backoff. ``retry_after`` is the
    server's hint in seconds (e.g. a ``Retry-After`` header) and is honoured when given.
    """

    def __init__(self, message: str = "", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TranslatorError(Exception):
    """A translator cannot be built (bad options, unknown name): raised before a run starts."""


class _TimeoutWorker:
    """A daemon thread that runs one call at a time for the thread that owns it, so a call with a
    timeout can be waited for with a bound (and abandoned) without starting a thread per call."""

    _local = threading.local()

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[tuple[contextvars.Context, Callable[[], None], threading.Event]] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    @classmethod
    def for_current_thread(cls, name: str) -> _TimeoutWorker:
        worker = getattr(cls._local, "worker", None)
        if worker is None:
            worker = cls._local.worker = cls(name)
        return worker

    @classmethod
    def abandon(cls) -> None:
        """Forget this thread's worker (it is stuck in a call that timed out)."""
        cls._local.worker = None

    def call(self, ctx: contextvars.Context, fn: Callable[[], None], timeout: float) -> bool:
        """Run ``fn`` in ``ctx`` on the worker; False when it did not finish within ``timeout``."""
        done = threading.Event()
        self._jobs.put((ctx, fn, done))
        return done.wait(timeout)

    def _loop(self) -> None:
        while True:
            ctx, fn, done = self._jobs.get()
            try:
                ctx.run(fn)
            except BaseException:  # noqa: BLE001 - the worker must outlive any call; run() boxes errors
                logging.getLogger(__name__).exception("translator call escaped its error handling")
            finally:
                done.set()


def current_deadline() -> float | None:
    """``time.monotonic()`` value by which the current call must finish, if it has a timeout.

    Backends that start subprocesses or HTTP requests use it to bound their own waits, so that a timed-out
    call does not leave work running behind the harness's back.
    """
    return _deadline.get()


def remaining_time(default: float | None = None) -> float | None:
    """Seconds left before the current call's deadline (never negative), or ``default``."""
    deadline = _deadline.get()
    if deadline is None:
        return default
    return max(0.0, deadline - time.monotonic())


def canonical_input(case_input: CaseInput) -> str:
    """The input as canonical JSON: the same question always hashes the same."""
    return json.dumps(case_input.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def input_digest(case_input: CaseInput) -> str:
    return hashlib.sha256(canonical_input(case_input).encode("utf-8")).hexdigest()


def translation_from_json(text: str) -> Translation:
    """Read a backend's JSON answer: a full Translation, or a bare Query (taken as ``status=query``).

    Raises ``ParseError('empty_output' | 'invalid_json' | 'invalid_schema')`` so that garbage becomes a
    scored ``parse:`` failure carrying the raw text.
    """
    from bench.model.query import Query

    stripped = text.strip()
    if not stripped:
        raise ParseError("empty_output", raw=text)
    try:
        doc = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise ParseError("invalid_json", raw=text, detail=str(exc)) from None
    if not isinstance(doc, dict):
        raise ParseError("invalid_schema", raw=text, detail=f"expected an object, got {type(doc).__name__}")
    try:
        if "status" not in doc and "source" in doc:
            return Translation(status="query", query=Query.model_validate(doc))
        out = Translation.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "<root>"
        raise ParseError("invalid_schema", raw=text, detail=f"{where}: {first.get('msg')}") from None
    if out.status == "query" and out.query is None:
        raise ParseError("invalid_schema", raw=text, detail="status=query without a query")
    return out


class Translator:
    """Base of every translator. Subclasses set ``name``/``version`` and implement ``_translate``."""

    name: ClassVar[str] = ""
    version: ClassVar[str] = "0"
    description: ClassVar[str] = ""
    #: Pydantic model validating ``**options`` (coercion, unknown-option errors); None accepts anything.
    options_model: ClassVar[type[BaseModel] | None] = None
    #: For specs like ``command:./prog``: the option the text after the colon fills.
    positional_option: ClassVar[str | None] = None
    #: False for translators whose answers must never be replayed from the cache (the oracle).
    cacheable: ClassVar[bool] = True
    #: Timeout used when ``translate`` is called without one; None waits forever.
    default_timeout: ClassVar[float | None] = 120.0

    def __init__(self, **options: Any) -> None:
        if self.options_model is not None:
            try:
                parsed = self.options_model.model_validate(options)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or '<options>'}: {e['msg']}" for e in exc.errors()
                )
                raise TranslatorError(f"translator {self.name!r}: bad options: {problems}") from None
            self.options: dict[str, Any] = parsed.model_dump()
        else:
            self.options = dict(options)
        self._cache: TranslationCache | None = None

    # ----------------------------------------------------------------- reporting
    def settings(self) -> dict[str, Any]:
        """Options as recorded in ``run.json`` and in the cache key; secrets are dropped, never masked."""
        return {
            k: _jsonable(v) for k, v in sorted(self.options.items()) if not _SECRET_RE.search(str(k))
        }

    def describe(self) -> dict[str, Any]:
        """``{name, version, settings, fingerprint}`` for the run record."""
        return {
            "name": self.name,
            "version": self.version,
            "settings": self.settings(),
            "fingerprint": self.fingerprint(),
        }

    def fingerprint(self) -> str:
        """What, besides name, version and settings, decides this translator's answers: by default the
        sha256 of its code (see ``bench.translators.fingerprint``), so an edit without a version bump is
        never answered from the cache nor resumed into the same run. Computed once per instance."""
        cached = self.__dict__.get("_fingerprint")
        if cached is None:
            from bench.translators.fingerprint import class_fingerprint

            cached = self.__dict__["_fingerprint"] = f"code:{class_fingerprint(type(self))}"
        return cached

    def set_concurrency(self, jobs: int) -> None:
        """Before its first call the pool says how many calls it keeps in flight (default: ignored)."""
        return None

    def pool_finished(self) -> None:
        """The pool's threads are done: drop what was kept per thread (default: nothing)."""
        return None

    def cancel(self) -> None:
        """Stop the calls in flight (the run was interrupted); backends with subprocesses kill them."""
        return None

    def resume_options(self) -> dict[str, Any]:
        """Options ``--resume`` passes back so that the same translator is rebuilt (e.g. the folder a
        ``command:`` program's relative path was resolved in); kept in run.json, not in the summary."""
        return {}

    def _secrets(self) -> list[str]:
        """Values that must never be written anywhere: secret-looking options; backends add API keys."""
        return [str(v) for k, v in self.options.items() if _SECRET_RE.search(str(k)) and v]

    def _cache_key_extra(self) -> Any:
        """Anything else that changes this translator's outputs (a prompt template's version or hash)."""
        return None

    def estimate_tokens(self, case_input: CaseInput) -> int:
        """Tokens one call will probably use, for the pool's tokens/min budget (rough: 4 chars a token)."""
        return max(1, len(canonical_input(case_input)) // 4)

    def cache_key(self, case_input: CaseInput) -> str:
        """sha256 of name, version, settings, fingerprint, extra and the input as canonical JSON.

        The inventory (~5 KB, the same for every case of a world) is serialised once per inventory and
        spliced into the canonical text: the bytes, hence the key, are those of dumping the whole input.
        """
        inventory = case_input.context.inventory
        data = case_input.model_dump(mode="json", exclude={"context": {"inventory"}})
        data["context"]["inventory"] = INVENTORY_MARK
        material = {
            "name": self.name,
            "version": self.version,
            "settings": self.settings(),
            "fingerprint": self.fingerprint(),
            "extra": _jsonable(self._cache_key_extra()),
            "input": data,
        }
        blob = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        head, mark, tail = blob.partition(INVENTORY_MARK_JSON)
        if not mark or INVENTORY_MARK_JSON in tail:  # cannot happen (the mark is not printable text)
            material["input"] = case_input.model_dump(mode="json")
            blob = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        else:
            blob = head + inventory_json(inventory) + tail
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def cached_translations(self, items: Iterable[tuple[str, CaseInput]]) -> dict[str, Translation]:
        """The cached answers of many cases at once (``case_id -> translation``, ``cached`` set), read in
        one batch before the pool starts: a rerun whose answers are all cached never touches the pool's
        threads. Empty without a cache in ``use`` mode; a miss is left to ``translate``."""
        cache = self._cache if self.cacheable else None
        if cache is None or cache.mode != "use":
            return {}
        keys = {case_id: self.cache_key(case_input) for case_id, case_input in items}
        found = cache.get_many(list(keys.values()))
        hits = {case_id: found[key] for case_id, key in keys.items() if key in found}
        return {case_id: hit.model_copy(update={"cached": True}) for case_id, hit in hits.items()}

    # ----------------------------------------------------------------- wiring
    def use_cache(self, cache: TranslationCache | None) -> None:
        """Attach a response cache (or detach with None); its mode decides read/write."""
        self._cache = cache

    def bind_gold(self, gold: Mapping[str, Gold], inputs: Mapping[str, CaseInput] | None = None) -> None:
        """Gold channel (case id -> Gold). Only the oracle listens; every other translator ignores it,
        so the runner may call it unconditionally without leaking answers."""
        return None

    # ----------------------------------------------------------------- the entry point
    @final
    def translate(
        self,
        case_input: CaseInput,
        *,
        timeout: float | None = None,
        case_id: str | None = None,
        before_call: Callable[[], None] | None = None,
    ) -> Translation:
        """Translate one case. Never raises for backend trouble: failures come back as ``status=error``.

        ``RetryableError`` is the single exception let through, so that the pool can back off and retry;
        callers outside the pool get it as ``translator:retryable`` via :meth:`translate_or_fail`.
        ``before_call`` runs after a cache miss, just before the backend is called (the pool's rate
        limiter waits there, so cache hits never wait and waiting never counts against the timeout).
        """
        if timeout is None:
            timeout = self.default_timeout
        started = time.perf_counter()
        cache = self._cache if self.cacheable else None
        key = self.cache_key(case_input) if cache is not None else None
        if cache is not None and key is not None:
            hit = cache.get(key)
            if hit is not None:
                log.debug("%s: cache hit %s", self.name, case_id or key[:12])
                return hit.model_copy(update={"cached": True})
        if before_call is not None:
            before_call()
            started = time.perf_counter()
        result = self._call_with_timeout(case_input, timeout, case_id)
        result = bound_output(scrub(result, self._all_secrets()))
        if result.latency_ms is None:
            elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
            result = result.model_copy(update={"latency_ms": elapsed_ms})
        if result.status == "error":
            log.warning("%s: case %s failed: %s", self.name, case_id or "?", result.failure_type)
        else:
            log.debug("%s: case %s -> %s", self.name, case_id or "?", result.status)
        if cache is not None and key is not None and _cache_worthy(result):
            cache.put(key, result, translator=self.name, version=self.version)
        return result

    @final
    def translate_or_fail(
        self, case_input: CaseInput, *, timeout: float | None = None, case_id: str | None = None
    ) -> Translation:
        """``translate`` for callers without a retry loop: a ``RetryableError`` becomes a failure too."""
        try:
            return self.translate(case_input, timeout=timeout, case_id=case_id)
        except RetryableError as exc:
            return Translation.failure("translator:retryable", raw=str(exc) or None)

    def _all_secrets(self) -> list[str]:
        found = set(Translator._secrets(self)) | set(self._secrets())
        return sorted((s for s in found if s and len(s) >= 4), key=len, reverse=True)

    def _call_with_timeout(
        self, case_input: CaseInput, timeout: float | None, case_id: str | None
    ) -> Translation:
        box: dict[str, Any] = {}

        def run() -> None:
            _deadline.set(time.monotonic() + timeout if timeout is not None else None)
            _case_id.set(case_id)
            try:
                box["result"] = self._checked_call(case_input, case_id)
            except RetryableError as exc:
                box["retry"] = exc
            except Exception as exc:  # noqa: BLE001 - a backend bug must not stop the run
                box["result"] = Translation.failure(
                    "translator:exception", raw=f"{type(exc).__name__}: {exc}"[:2000]
                )

        if timeout is None:
            contextvars.copy_context().run(run)
        else:
            # A daemon thread: a hung backend cannot be killed, but it can be abandoned without blocking
            # the run or interpreter exit. Backends with subprocesses bound them with current_deadline().
            # The worker is reused across calls from the same thread (a thread start per call was most
            # of the harness overhead); one that timed out is abandoned and replaced.
            ctx = contextvars.copy_context()
            worker = _TimeoutWorker.for_current_thread(f"translate-{self.name}")
            if not worker.call(ctx, run, timeout):
                _TimeoutWorker.abandon()
                return Translation.failure("translator:timeout", raw=f"no answer within {timeout:g}s")
        if "retry" in box:
            raise box["retry"]
        return box["result"]

    def _checked_call(self, case_input: CaseInput, case_id: str | None) -> Translation:
        try:
            out = self._translate_case(case_input, case_id)
        except ParseError as exc:
            raw = exc.raw if exc.raw is not None else (exc.detail or None)
            return Translation.failure(f"parse:{exc.reason}", raw=raw)
        if not isinstance(out, Translation):
            got = type(out).__name__
            return Translation.failure("translator:bad_return", raw=f"_translate returned {got}")
        if out.status == "query" and out.query is None:
            return Translation.failure("parse:missing_query", raw=out.raw)
        return out

    # ----------------------------------------------------------------- hooks
    def _translate_case(self, case_input: CaseInput, case_id: str | None) -> Translation:
        """Hook with the case id; only the oracle needs it. Everyone else implements ``_translate``."""
        return self._translate(case_input)

    def _translate(self, case_input: CaseInput) -> Translation:
        """The one hook a backend implements. May raise ``ParseError`` or ``RetryableError``."""
        raise NotImplementedError(f"{type(self).__name__} must implement _translate")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} v{self.version} {self.settings()}>"


REDACTED = "[REDACTED]"
#: Characters of ``raw`` a record (and the cache) keeps per case; the rest is cut with a marker.
MAX_OUTPUT_CHARS = 1_000_000
TRUNCATION_MARKER = "[... output truncated by reachbench: {n} more characters]"


def scrub(result: Translation, secrets: list[str]) -> Translation:
    """``result`` with every secret replaced in every stored field (query fields, abstain reason, raw,
    extra), whatever shape the backend returned it in; unusable after redaction -> a failure."""
    if not secrets:
        return result

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            for secret in secrets:
                value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, dict):
            return {walk(k): walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    doc = result.model_dump(mode="json")
    clean = walk(doc)
    if clean == doc:
        return result
    try:
        return Translation.model_validate(clean)
    except ValidationError:
        raw = walk(str(clean.get("raw") or "")) or None
        return Translation.failure("translator:secret_in_output", raw=raw)


def bound_output(result: Translation, limit: int = MAX_OUTPUT_CHARS) -> Translation:
    """At most ``limit`` characters of ``raw`` (then a marker; ``extra.output_truncated`` holds the cut
    count), and no answer bigger than that in any other field."""
    update: dict[str, Any] = {}
    raw = result.raw
    if raw is not None and len(raw) > limit:
        cut = len(raw) - limit
        update["raw"] = raw[:limit] + TRUNCATION_MARKER.format(n=cut)
        update["extra"] = {**result.extra, "output_truncated": cut}
    out = result.model_copy(update=update) if update else result
    rest = len(out.model_dump_json(exclude={"raw"}))
    if rest > limit:
        return Translation.failure(
            "translator:output_too_large",
            raw=f"answer of {rest} characters (limit {limit})",
            extra={"output_truncated": rest},
        )
    return out


def _cache_worthy(result: Translation) -> bool:
    # Harness-side trouble (timeouts, exceptions, throttling) is transient; what the backend said is not.
    return not (result.status == "error" and (result.failure_type or "").startswith("translator:"))


def _jsonable(value: Any) -> Any:
    """Settings must be JSON (they are hashed and written to run.json)."""
    try:
        json.dumps(value, sort_keys=True)
        return value
    except (TypeError, ValueError):
        return repr(value)
