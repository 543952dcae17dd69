"""Check a checked-in suite against the worlds: ids, the id registry, and every gold re-derived.

``reachbench cases validate`` is the guard that keeps the corpus honest: if the engine or a world
changes, any case whose gold no longer follows from them is reported field by field, and the run fails.
Engines are built once per world (``engine_for`` caches), so the whole corpus re-derives in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from bench.cases.gold import Analyzer, GoldMismatch, validate_cases
from bench.cases.ids import IdRegistry, content_key, split_of
from bench.cases.loader import Suite, read_suite_meta


@dataclass
class Report:
    suite: str
    n_cases: int
    file_problems: list[str] = field(default_factory=list)
    id_problems: list[str] = field(default_factory=list)
    gold_problems: list[GoldMismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.file_problems or self.id_problems or self.gold_problems)


@lru_cache(maxsize=64)
def cached_engine(world_name: str) -> Analyzer:
    """One engine per world per process (indexing a world costs far more than a query)."""
    from bench.engine import Engine
    from bench.world.catalog import load_world

    return Engine(load_world(world_name))


def check_ids(suite: Suite, dev_share: int | None = 20) -> list[str]:
    """Each id is the one issued for its content (registry), and sits in the split its hash picks."""
    problems = []
    if dev_share is not None and suite.path is not None:
        # a suite states its own dev share when it is not the default (natural: 25 %); read_suite_meta
        # has checked it when the suite was loaded
        dev_share = read_suite_meta(suite.path).get("dev_share", dev_share)
    registry = (
        IdRegistry(suite.path / "ids.txt") if suite.path and (suite.path / "ids.txt").exists() else None
    )
    for case in suite.cases:
        if not case.id.startswith(f"{suite.name}-"):
            problems.append(f"{case.id}: id does not start with the suite name {suite.name!r}")
        digest = content_key(case.world, case.input.context.home_region, case.input.turns)
        if registry is None:
            problems.append(f"{case.id}: the suite has no ids.txt registry")
            break
        issue = registry.check(case.id, digest)
        if issue:
            problems.append(f"{case.id}: {issue}")
        if dev_share is not None and suite.name != "seed" and case.split != split_of(case.id, dev_share):
            problems.append(
                f"{case.id}: in split {case.split!r}, its hash says {split_of(case.id, dev_share)!r}"
            )
    return problems


def validate_suite(
    suite: Suite,
    engine_for: Callable[[str], Analyzer] = cached_engine,
    progress: Callable[[int], None] | None = None,
) -> Report:
    report = Report(suite.name, len(suite.cases), file_problems=[str(p) for p in suite.problems])
    report.id_problems = check_ids(suite)
    report.gold_problems = validate_cases(suite.cases, engine_for, progress)
    return report
