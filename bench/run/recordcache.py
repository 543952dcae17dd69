"""Cached record lines: a rerun whose translation and verdicts are all known reuses each case's line.

Building a case's record (executing or looking up its verdicts, its denotation and test-suite fields,
deriving its failure type and diagnosis, serialising gold, input, verdicts) is most of what a cached
rerun does. All of it is a function of

- the code: the engine fingerprint (``bench.run.verdicts.engine_fingerprint``: engine, model, world,
  aws, data and the executing modules of ``bench/run``), the sources of ``scorers``, of the modules that
  build and serialise records (``RECORD_SOURCES``) and the Python version;
- the case: the suite's content hash (every byte of its split files and inventories) and the case id;
- the worlds: the sha256 of the case's world and of every world of its scenario (the test suite), and
  the test-suite configuration (variants, seed);
- the translation: its JSON without the ``cached`` flag (nothing but the translation field of the record
  reads that flag).

So the line is stored (in ``verdicts.sqlite``, scope ``record:<suite>:<code>:<suite hash>``) under the
sha256 of the case id, the worlds' digests and the translation, in three pieces around the two parts
that vary: the scores (filled by the final scoring pass) and the translation (whose ``cached`` flag
differs between the filling run and a rerun). A hit is that line with the actual translation put back,
byte for byte what building it would give; anything that changes any input above is another key or
another scope, never a stale line. Stored lines of older code or suite versions of the same suite name
are dropped when new ones are written.
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from bench.model import Translation, Verdict
from bench.run.records import ENCODE, Framed, Parts, build_record, case_facts, dump_line, dump_parts
from bench.run.verdicts import VerdictStore, dumps, engine_fingerprint, env_switch, hash_sources, world_digest
from scorers import CaseFacts

#: Sources (relative to the repository root) whose code shapes a record line, besides the engine's.
RECORD_SOURCES = (
    "scorers",
    "bench/run/records.py",
    "bench/run/recordcache.py",
    "bench/runner.py",
    "bench/cases/schema.py",
)

_SEP = "\x00"  # never inside JSON text (control characters are escaped there)
#: Fields of a cached record that the run reads besides its id, translation and scores: the facts'
#: predicted verdict, denotation and test-suite verdicts, and the failure type (progress bar).
LIGHT = ("predicted", "denotation", "test_suite", "failure_type")
FORMAT = "record-v1"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 of the engine fingerprint, the record-shaping sources and the Python version."""
    digest = hashlib.sha256(f"{FORMAT}\0{engine_fingerprint()}\0{sys.version_info[:2]}\0".encode())
    hash_sources(digest, Path(__file__).resolve().parents[2], RECORD_SOURCES, (".py",))
    return digest.hexdigest()


class RecordCache:
    """Record lines of one suite version under one code version, read in one query."""

    def __init__(
        self, store: VerdictStore, suite_name: str, suite_hash: str, variants: int, seed: int
    ) -> None:
        self._store = store
        self._prefix = f"record:{suite_name}:"
        self.scope = f"{self._prefix}{code_fingerprint()}:{suite_hash}"
        self._variants, self._seed = variants, seed
        self._worlds: dict[str, str | None] = {}
        self.hits = self.misses = self.writes = 0

    def _world_key(self, world: str) -> str | None:
        """Digest of the case's world and its test-suite worlds; None when one is not catalogued."""
        if world not in self._worlds:
            from bench.run.crossworld import shared

            try:
                names = [world, *shared(self._variants, self._seed).scenario_worlds(world)]
                material = [[n, world_digest(n, self._store)] for n in names]
            except (ValueError, KeyError, OSError):
                found = None
            else:
                found = hashlib.sha256(dumps([self._variants, self._seed, material]).encode()).hexdigest()
            self._worlds[world] = found
        return self._worlds[world]

    def key(self, case_id: str, world: str, translation: dict[str, Any]) -> str | None:
        """The entry's key (``translation``: the model's JSON dict; its ``cached`` flag is left out)."""
        worlds = self._world_key(world)
        if worlds is None:
            return None
        bare = {k: v for k, v in translation.items() if k != "cached"}
        return hashlib.sha256(f"{worlds}\0{ENCODE([case_id, bare])}".encode()).hexdigest()

    def get(
        self, key: str, case_id: str, translation: dict[str, Any], translation_text: str
    ) -> tuple[dict[str, Any], str, Framed] | None:
        """(record, its appended line, how to serialise it again) for a stored line, else None.

        The record holds only what the rest of the run reads (``LIGHT``, the case id, the translation and
        the scores); the line and ``Framed`` hold all of it."""
        value = self._store.scope(self.scope).get(key)
        if value is None:
            self.misses += 1
            return None
        head, middle, tail, light = value.split(_SEP)
        rest = middle + translation_text + tail
        record = {"case_id": case_id, **json.loads(light), "translation": translation, "scores": {}}
        self.hits += 1
        return record, head + "{}" + rest + "\n", Framed(head, rest, record)

    def put(self, key: str, record: dict[str, Any], parts: Parts) -> None:
        """Store ``record`` (as appended: empty scores) in pieces around its scores and translation, and
        the ``LIGHT`` fields apart."""
        try:
            head, middle, tail = frame(record, parts)
        except ValueError:  # a placeholder's text inside the record itself: not cached
            return
        light = ENCODE({k: record[k] for k in LIGHT})
        self._store.put(self.scope, key, _SEP.join((head, middle, tail, light)))
        self.writes += 1

    def close(self) -> None:
        """Drop the stored lines of this suite name under other code or suite versions (after new ones
        were written: a rerun that only read leaves the file alone)."""
        if self.writes:
            self._store.drop_scopes(self._prefix, keep=self.scope)

    def stats(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "writes": self.writes}


class CaseRecorder:
    """Builds a case's record, appended line and facts: from the record cache when it has the line,
    else by executing (``Executor``: verdict cache, engines) and serialising, then storing the line."""

    def __init__(self, executor: Any, cache: RecordCache | None = None) -> None:
        self.executor = executor
        self.cache = cache

    def record(
        self, case: Any, translation: Translation
    ) -> tuple[dict[str, Any], str, CaseFacts, Parts | Framed]:
        """(record, its line, its facts, what ``write_samples`` reuses to serialise it again)."""
        key = None
        if self.cache is not None:
            data = translation.model_dump(mode="json")
            key = self.cache.key(case.id, case.world, data)
            hit = None if key is None else self.cache.get(key, case.id, data, ENCODE(data))
            if hit is not None:
                record, line, framed = hit
                predicted = record["predicted"]
                verdict = None if predicted is None else Verdict.model_validate(predicted)
                facts = case_facts(case, translation, verdict, record["denotation"], record["test_suite"])
                return record, line, facts, framed
        predicted, predicted_ra = self.executor.run(case.world, translation)
        cross = self.executor.cross_fields(case.world, case.gold, translation)
        facts = case_facts(case, translation, predicted, cross["denotation"], cross["suite"])
        # Per-case scores are filled by the final scoring pass (one vectorised pass over all cases); the
        # appended record already carries the failure type and diagnosis.
        record = build_record(case, translation, predicted, predicted_ra, cross=cross, facts=facts)
        line, parts = dump_parts(record)
        if key is not None:
            self.cache.put(key, record, parts)  # type: ignore[union-attr]
        return record, line, facts, parts


def record_cache(store: VerdictStore | None, meta: dict[str, Any], translator: Any) -> RecordCache | None:
    """The record cache of a run: beside its verdict cache (none without one, e.g. ``--no-cache``, a
    stand-in engine, ``REACHBENCH_VERDICT_CACHE=off``), off with ``REACHBENCH_RECORD_CACHE=off``, and
    only for translators whose answers are cached (the others' answers, latency included, differ in
    every run: their lines would be stored and never read)."""
    suite = meta.get("suite") or {}
    if store is None or not suite.get("hash") or not record_cache_enabled():
        return None
    if not getattr(translator, "cacheable", False):
        return None
    from bench.run.crossworld import suite_config

    variants, seed = suite_config(meta)
    return RecordCache(store, str(suite.get("name")), str(suite["hash"]), variants, seed)


def record_cache_enabled() -> bool:
    return env_switch("REACHBENCH_RECORD_CACHE")


def frame(record: dict[str, Any], parts: Parts) -> tuple[str, str, str]:
    """The record's line without its trailing newline, cut where the scores' and the translation's
    JSON go: ``head + scores + middle + translation + tail`` (keys sorted: scores before translation)."""
    line = dump_line({**record, "scores": _Mark.SCORES, "translation": _Mark.TRANSLATION}, parts)
    head, rest = line.rstrip("\n").split(_Mark.SCORES_TEXT)
    middle, tail = rest.split(_Mark.TRANSLATION_TEXT)
    return head, middle, tail


class _Mark:
    """Placeholders serialised as strings that JSON text cannot otherwise contain."""

    SCORES = f"{_SEP}scores{_SEP}"
    TRANSLATION = f"{_SEP}translation{_SEP}"
    SCORES_TEXT = json.dumps(SCORES)
    TRANSLATION_TEXT = json.dumps(TRANSLATION)


__all__ = [
    "FORMAT",
    "RECORD_SOURCES",
    "CaseRecorder",
    "RecordCache",
    "code_fingerprint",
    "frame",
    "record_cache",
]
