"""The reference reachability engine: the gold oracle of the benchmark (pure, no I/O).

``Engine(world).analyze(query, profile)`` answers in Reachability Analyzer's vocabulary; the rules are
written down in ``docs/semantics.md``. ``naive_check`` is a deliberately separate per-packet checker used
to cross-check the engine.
"""

from __future__ import annotations

from bench.engine.engine import Engine, engine_for

__all__ = ["Engine", "engine_for"]
