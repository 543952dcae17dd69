"""Executing translated queries on their worlds: engines built once per world, failures as verdicts.

The engine never raises by contract; the executor still guards the call, because one bad engine path
must cost one case (``engine:exception``), not the run.
"""

from __future__ import annotations

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
    ) -> None:
        self._factory = factory
        self._engines: dict[str, EngineLike] = {}
        # Denotations and test-suite verdicts need the real worlds: not computed with a stand-in engine.
        self._cross: Any = None
        self._cross_config = (suite_variants, suite_seed)
        self._cross_enabled = factory is None

    def cross_fields(self, world: str, gold: Any, translation: Translation) -> dict[str, Any]:
        """The record's ``denotation`` and ``suite`` fields (``bench.run.crossworld``); None with a
        stand-in engine."""
        if not self._cross_enabled:
            return {"denotation": None, "suite": None}
        if self._cross is None:
            from bench.run.crossworld import DEFAULT_SUITE_SEED, DEFAULT_VARIANTS, shared

            variants, seed = self._cross_config
            self._cross = shared(
                DEFAULT_VARIANTS if variants is None else variants,
                DEFAULT_SUITE_SEED if seed is None else seed,
            )
        try:
            return self._cross.fields(world, gold, translation)
        except (ValueError, KeyError, OSError):
            # A world the catalogue does not have (a suite with its own engine): no denotation and no
            # suite verdicts; suite_accuracy does not apply to the case (its n shows it).
            return {"denotation": None, "suite": None}

    def prepare(self, worlds: Iterable[str], on_world: Callable[[str], None] | None = None) -> None:
        """Load and index every world up front: a missing world stops the run before any model call."""
        for world in sorted(set(worlds)):
            if on_world is not None:
                on_world(world)
            self.engine(world)

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
        engine = self.engine(world)
        return self._analyze(engine, translation, "truth"), self._analyze(engine, translation, "ra")

    @staticmethod
    def _analyze(engine: EngineLike, translation: Translation, profile: str) -> Verdict:
        try:
            return engine.analyze(translation.query, profile=profile)
        except Exception as exc:  # noqa: BLE001 - a crash is a scored engine failure
            return Verdict(profile=profile, error="engine:exception", message=f"{type(exc).__name__}: {exc}")
