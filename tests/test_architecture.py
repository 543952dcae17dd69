"""Imports flow one way (docs/DEVELOPING.md): a stage never reaches back up.

Every module of ``bench`` and ``scorers`` is parsed (not imported) and each of its imports, including
the lazy ones inside functions, is checked against the stage it may depend on. A new sub-package of
``bench`` must be given a place in ``ALLOWED`` (or ``TOP``) before it passes, so the map cannot go stale
silently. Besides the direct rules, the stages the guide names as independent of each other are checked
transitively (``translators`` must not reach the engine through a ``cases`` module, for instance).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = ("bench", "scorers")

# stage -> the stages its modules may import (itself included). The root package ``bench`` holds only
# ``__version__`` and may be imported by anyone.
ALLOWED: dict[str, frozenset[str]] = {
    "bench.data": frozenset({"bench.data"}),  # shipped data files (read with importlib.resources)
    "bench.model": frozenset({"bench.model"}),
    "bench.aws": frozenset({"bench.aws", "bench.model"}),
    "bench.world": frozenset({"bench.world", "bench.aws", "bench.model"}),
    "bench.scenarios": frozenset({"bench.scenarios", "bench.world", "bench.aws", "bench.model"}),
    "bench.engine": frozenset({"bench.engine", "bench.world", "bench.aws", "bench.model"}),
    "bench.cases": frozenset({"bench.cases", "bench.engine", "bench.world", "bench.aws", "bench.model"}),
    "bench.translators": frozenset({"bench.translators", "bench.cases", "bench.aws", "bench.model"}),
    # Offline AWS facts (which Region an endpoint hostname or a published address belongs to) are read
    # by the Region metrics; bench.aws itself sits directly on bench.model.
    "scorers": frozenset({"scorers", "bench.aws", "bench.model"}),
}
# Stages on top: they may import any stage below, and only the CLI may import the CLI.
TOP = ("bench.runner", "bench.run", "bench.reports", "bench.perf", "bench.cli")
# Never reachable, directly or through other modules (stage -> stages it must not reach).
NEVER_REACHES: dict[str, tuple[str, ...]] = {
    "bench.model": ("bench.aws", "bench.world", "bench.engine", "bench.cases", "bench.translators"),
    "bench.world": ("bench.scenarios", "bench.engine", "bench.cases", "bench.translators"),
    "bench.engine": ("bench.cases", "bench.translators", "scorers", "bench.runner", "bench.run"),
    "bench.translators": ("bench.engine", "scorers", "bench.runner", "bench.run"),
    "scorers": ("bench.cases", "bench.engine", "bench.world", "bench.translators", "bench.runner"),
}
STAGES = tuple(ALLOWED) + TOP


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool, *, members: bool = False) -> list[tuple[str, int]]:
    """First-party modules ``source`` imports (absolute names, relative ones resolved), with lines.

    With ``members``, ``from a.b import c`` also yields ``a.b.c`` (it is a module when c is one).
    """
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [target]
            if members:
                names += [f"{target}.{alias.name}" for alias in node.names if alias.name != "*"]
        else:
            continue
        found += [(name, node.lineno) for name in names if name.split(".")[0] in FIRST_PARTY]
    return found


def stage_of(module: str) -> str | None:
    """The stage a module belongs to; None for the root package ``bench`` itself."""
    if module == "bench":
        return None
    for stage in sorted(STAGES, key=len, reverse=True):
        if module == stage or module.startswith(stage + "."):
            return stage
    return "?" + ".".join(module.split(".")[:2])


def violations(modules: Iterable[tuple[str, str, bool]]) -> list[str]:
    """Every import that breaks a direct rule, as ``module:line imports target (rule)``."""
    out: list[str] = []
    for module, source, is_package in modules:
        stage = stage_of(module)
        if stage is None:
            continue
        if stage.startswith("?"):
            out.append(f"{module}: stage {stage[1:]} has no place in tests/test_architecture.py ALLOWED/TOP")
            continue
        for target, line in imports_of(source, module, is_package):
            target_stage = stage_of(target)
            if target_stage is None:
                continue
            if target_stage == "bench.cli" and stage != "bench.cli":
                out.append(f"{module}:{line} imports {target} (only the CLI imports the CLI)")
            elif stage in ALLOWED and target_stage not in ALLOWED[stage]:
                allowed = ", ".join(sorted(ALLOWED[stage]))
                out.append(f"{module}:{line} imports {target} ({stage} may import only {allowed})")
    return out


def _sources() -> list[tuple[str, str, bool]]:
    files = sorted(p for top in FIRST_PARTY for p in (ROOT / top).rglob("*.py"))
    return [(module_name(p), p.read_text(encoding="utf-8"), p.name == "__init__.py") for p in files]


def _graph(modules: list[tuple[str, str, bool]]) -> dict[str, set[str]]:
    """module -> first-party modules it imports; importing ``a.b.c`` also runs ``a`` and ``a.b``."""
    known = {name for name, _, _ in modules}
    graph: dict[str, set[str]] = {}
    for module, source, is_package in modules:
        edges: set[str] = set()
        for target, _ in imports_of(source, module, is_package, members=True):
            parts = target.split(".")
            edges.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        graph[module] = {e for e in edges if e in known and e != module}
    return graph


def reach_violations(modules: list[tuple[str, str, bool]]) -> list[str]:
    graph = _graph(modules)
    out: list[str] = []
    for module in sorted(graph):
        stage = stage_of(module)
        forbidden = NEVER_REACHES.get(stage or "", ())
        if not forbidden:
            continue
        # Breadth-first from the module, remembering the way, so a failure shows the chain.
        came_from: dict[str, str] = {}
        frontier = [module]
        while frontier:
            nxt: list[str] = []
            for current in frontier:
                for target in sorted(graph.get(current, ())):
                    if target in came_from or target == module:
                        continue
                    came_from[target] = current
                    nxt.append(target)
            frontier = nxt
        for target in sorted(came_from):
            if stage_of(target) in forbidden:
                chain = [target]
                while chain[-1] != module:
                    chain.append(came_from[chain[-1]])
                out.append(f"{module} reaches {target}: {' -> '.join(reversed(chain))}")
                break
    return out


SOURCES = _sources()


def test_every_stage_is_scanned() -> None:
    # The rules are only as good as the scan: every stage must actually contribute modules.
    seen = {stage_of(name) for name, _, _ in SOURCES}
    assert set(STAGES) <= seen, sorted(set(STAGES) - seen)
    assert len(SOURCES) > 100


def test_imports_follow_the_stage_rules() -> None:
    assert violations(SOURCES) == []


def test_independent_stages_stay_independent_transitively() -> None:
    assert reach_violations(SOURCES) == []


def test_root_package_imports_nothing_first_party() -> None:
    source = (ROOT / "bench" / "__init__.py").read_text(encoding="utf-8")
    assert imports_of(source, "bench", True) == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "scorers.facts",
            "from bench.cases.schema import Gold\n",
            "scorers.facts:1 imports bench.cases.schema",
        ),
        ("bench.model.query", "def f():\n    from bench.world import model\n", "bench.model.query:2 imports"),
        ("bench.engine.walk", "from ..cases import loader\n", "bench.engine.walk:1 imports bench.cases ("),
        ("bench.world.x", "import bench.engine.index\n", "bench.world.x:1 imports bench.engine.index"),
        ("bench.reports.gate", "from bench.cli._common import fail\n", "only the CLI imports the CLI"),
        ("bench.newstage.mod", "import json\n", "stage bench.newstage has no place"),
    ],
)
def test_the_checker_catches_violations(module: str, source: str, expected: str) -> None:
    found = violations([(module, source, False)])
    assert len(found) == 1 and expected in found[0], found


def test_the_checker_allows_downward_imports() -> None:
    fine = [
        (
            "bench.cases.generate",
            "from bench.engine import engine_for\nfrom bench import __version__\n",
            False,
        ),
        ("scorers.facts", "from bench.model import Gold\nfrom bench.aws.regions import all_regions\n", False),
        ("bench.cli.run", "from bench.runner import run\nfrom bench.cli._common import fail\n", False),
    ]
    assert violations(fine) == []


def test_transitive_check_names_the_chain() -> None:
    modules = [
        ("bench.translators.x", "from bench.cases import helper\n", False),
        ("bench.cases", "", True),
        ("bench.cases.helper", "from bench.engine import core\n", False),
        ("bench.engine", "", True),
        ("bench.engine.core", "", False),
    ]
    found = reach_violations(modules)
    assert found == [
        "bench.translators.x reaches bench.engine: bench.translators.x -> bench.cases.helper -> bench.engine"
    ]
