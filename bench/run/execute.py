"""Executing translated queries on their worlds: engines built once per world, failures as verdicts.

The engine never raises by contract; the executor still guards the call, because one bad engine path
must cost one case (``engine:exception``), not the run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from bench.model import Translation, Verdict


class EngineLike(Protocol):
    def analyze(self, query: Any, profile: str = "truth") -> Verdict: ...


EngineFactory = Callable[[str], EngineLike]


def default_engine_factory() -> EngineFactory:
    """``bench.engine.engine_for`` (cached per world name), imported when a run needs it."""
    from bench.engine import engine_for

    return engine_for


class Executor:
    """Runs ``translation.query`` through the engine of the case's world, under both profiles."""

    def __init__(
        self,
        factory: EngineFactory | None = None,
        suite_variants: int | None = None,
        suite_seed: int | None = None,
        verdicts: Any = None,
    ) -> None:
        self._factory = factory
        # ``verdicts``: a ``bench.run.verdicts.VerdictStore``; used with the real engines only (a stand-in
        # engine's answers are not a function of the world's bytes).
        self._store = verdicts if factory is None else None
        self._engines: dict[str, EngineLike] = {}
        # Denotations and test-suite verdicts need the real worlds: not computed with a stand-in engine.
        self._cross: Any = None
        self._cross_config = (suite_variants, suite_seed)
        self._cross_enabled = factory is None
        self._exec_scopes: dict[str, str | None] = {}
        self._cross_scopes: dict[str, str] = {}
        # (world, query key) -> (truth, ra) verdicts of gold queries computed elsewhere (``seed_gold``).
        self._seeded: dict[tuple[str, str], tuple[Verdict, Verdict]] = {}

    @property
    def cross_enabled(self) -> bool:
        return self._cross_enabled

    def cross(self) -> Any:
        """The process's ``CrossWorld`` of this run's test-suite configuration."""
        if self._cross is None:
            from bench.run.crossworld import DEFAULT_SUITE_SEED, DEFAULT_VARIANTS, shared

            variants, seed = self._cross_config
            self._cross = shared(
                DEFAULT_VARIANTS if variants is None else variants,
                DEFAULT_SUITE_SEED if seed is None else seed,
            )
        return self._cross

    def warm(self, worlds: Iterable[str]) -> bool:
        """Whether the verdict cache holds executed verdicts of every one of ``worlds``."""
        if self._store is None:
            return False
        scopes = [self._exec_scope(w) for w in set(worlds)]
        return all(scope is not None and self._store.scope(scope) for scope in scopes)

    def seed_gold(self, world: str, qkey: str, verdicts: tuple[Verdict, Verdict] | None, part: Any) -> None:
        """Results of a case's gold computed elsewhere (``bench.run.goldwork``): its executed (truth, ra)
        verdicts (what a prediction equal to the gold executes to) and its ``CrossWorld.gold_part``."""
        if verdicts is not None:
            self._seeded[(world, qkey)] = verdicts
        if part is not None and self._cross_enabled:
            self.cross().put_gold(world, part)

    def cross_fields(self, world: str, gold: Any, translation: Translation) -> dict[str, Any]:
        """The record's ``denotation`` and ``suite`` fields (``bench.run.crossworld``); None with a
        stand-in engine."""
        if not self._cross_enabled:
            return {"denotation": None, "suite": None}
        self.cross()
        try:
            if self._store is None or self._exec_scope(world) is None:
                return self._cross.fields(world, gold, translation)
            return self._cached_cross(world, gold, translation)
        except (ValueError, KeyError, OSError):
            # A world the catalogue does not have (a suite with its own engine): no denotation and no
            # suite verdicts; suite_accuracy does not apply to the case (its n shows it).
            return {"denotation": None, "suite": None}

    def _cached_cross(self, world: str, gold: Any, translation: Translation) -> dict[str, Any]:
        from bench.run.verdicts import dumps, engine_fingerprint, world_digest

        cross = self._cross
        scope = self._cross_scopes.get(world)
        if scope is None:
            names = cross.scenario_worlds(world)
            material = [[n, world_digest(n, self._store)] for n in names]
            digest = hashlib.sha256(dumps(material).encode()).hexdigest()
            scope = f"cross:{engine_fingerprint()}:{cross.variants}:{cross.seed}:{digest}"
            self._cross_scopes[world] = scope
        gold_q = getattr(gold, "query", None)
        pred_q = translation.query if translation.status == "query" else None
        key = dumps(
            [
                world,
                bool(getattr(gold, "answerable", False)),
                None if gold_q is None else gold_q.model_dump(mode="json"),
                None if pred_q is None else pred_q.model_dump(mode="json"),
            ]
        )
        hit = self._store.get(scope, key)
        if hit is not None:
            return json.loads(hit)
        fields = cross.fields(world, gold, translation)
        self._store.put(scope, key, dumps(fields))
        return fields

    def prepare(self, worlds: Iterable[str], on_world: Callable[[str], None] | None = None) -> None:
        """Load and index every world up front: a missing world stops the run before any model call.
        With a verdict cache, a world whose executed verdicts are cached is only checked (its file
        exists and hashes); its engine is built on the first miss."""
        for world in sorted(set(worlds)):
            if on_world is not None:
                on_world(world)
            scope = self._exec_scope(world) if self._store is not None else None
            if scope is not None and self._store.scope(scope):
                continue
            self.engine(world)

    def _exec_scope(self, world: str) -> str | None:
        """The verdict cache's scope of a world; None for a world with no snapshot file to hash (its
        engine comes from elsewhere: never cached)."""
        from bench.run.verdicts import engine_fingerprint, world_digest

        if world in self._exec_scopes:
            return self._exec_scopes[world]
        try:
            digest = world_digest(world, self._store)
        except (ValueError, OSError):
            found = None
        else:
            found = f"exec:{engine_fingerprint()}:{world}:{digest}"
        self._exec_scopes[world] = found
        return found

    def engine(self, world: str) -> EngineLike:
        found = self._engines.get(world)
        if found is None:
            if self._factory is None:
                self._factory = default_engine_factory()
            found = self._engines[world] = self._factory(world)
        return found

    def run(self, world: str, translation: Translation) -> tuple[Verdict | None, Verdict | None]:
        """(truth verdict, ra verdict) of the translated query; (None, None) when there is no query."""
        if translation.status != "query" or translation.query is None:
            return None, None
        scope = self._exec_scope(world) if self._store is not None else None
        if scope is None:
            return self._execute(world, translation.query)
        from bench.run.verdicts import dumps

        key = dumps(translation.query.model_dump(mode="json"))
        hit = self._store.get(scope, key)
        if hit is not None:
            truth, ra = json.loads(hit)
            return Verdict.model_validate(truth), Verdict.model_validate(ra)
        pair = self._execute(world, translation.query)
        self._store.put(scope, key, dumps([v.model_dump(mode="json") for v in pair]))
        return pair

    def _execute(self, world: str, query: Any) -> tuple[Verdict, Verdict]:
        if self._seeded:
            from bench.run.crossworld import query_key

            found = self._seeded.get((world, query_key(query)))
            if found is not None:
                return found
        return execute_query(self.engine(world), query)


def execute_query(engine: EngineLike, query: Any) -> tuple[Verdict, Verdict]:
    """(truth, ra) verdicts of ``query`` on ``engine``; a crash is a scored engine failure."""
    return _analyze(engine, query, "truth"), _analyze(engine, query, "ra")


def _analyze(engine: EngineLike, query: Any, profile: str) -> Verdict:
    try:
        return engine.analyze(query, profile=profile)
    except Exception as exc:  # noqa: BLE001 - a crash is a scored engine failure
        return Verdict(profile=profile, error="engine:exception", message=f"{type(exc).__name__}: {exc}")
