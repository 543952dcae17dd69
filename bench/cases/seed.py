"""Build the ``seed`` suite from its hand-written source (``cases/seed/source.yaml``).

People write the question, the gold query and the story; resources are written as ``{Name tag}`` (and
``{Name tag}.eni`` for the primary interface) because ids come from the seeded build and a human should
never copy them by hand. The engine fills in everything that is an answer (verdicts, answerability,
blocking component), exactly as for generated cases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bench.cases.generate import _outcome_tags, world_tags
from bench.cases.gold import Analyzer, compute_gold
from bench.cases.ids import IdRegistry, content_key
from bench.cases.inventory import endpoints, inventory
from bench.cases.loader import cases_root, write_suite_cases
from bench.cases.pool import Candidate, Spec, Target
from bench.cases.schema import Case, CaseInput, Context
from bench.model import Query
from bench.world.model import World

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.\-]+?)(\.eni)?\}")


class SeedError(ValueError):
    """A seed source entry that cannot be built; names the case key and the field."""


def resolve_names(text: str, world: World, where: str) -> str:
    """Replace ``{name}`` by the id of the resource with that Name tag (``{name}.eni``: its ENI)."""
    by_name: dict[str, list[Any]] = {}
    for ep in endpoints(world):
        if ep.name:
            by_name.setdefault(ep.name, []).append(ep)

    def sub(m: re.Match[str]) -> str:
        found = [e for e in by_name.get(m.group(1), []) if e.type != "network-interface"]
        if len(found) != 1:
            raise SeedError(f"{where}: {{{m.group(1)}}} names {len(found)} resources in {world.name}")
        ep = found[0]
        if m.group(2):
            if not ep.eni_id:
                raise SeedError(f"{where}: {m.group(1)} has no network interface")
            return ep.eni_id
        return ep.id

    return _PLACEHOLDER.sub(sub, text)


def source_path() -> Path:
    return cases_root() / "seed" / "source.yaml"


def build_seed(
    load_world: Callable[[str], World],
    engine_for: Callable[[World], Analyzer],
    source: str | Path | None = None,
    out_dir: str | Path | None = None,
) -> list[Case]:
    """Build (and write) the seed suite; returns its cases."""
    src = Path(source) if source else source_path()
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    out = Path(out_dir) if out_dir else src.parent
    suite = doc["suite"]
    registry = IdRegistry(out / "ids.txt")
    cases = []
    for entry in doc["cases"]:
        where = f"{src}: cases[{entry.get('key')}]"
        world = load_world(entry["world"])
        turns = tuple(resolve_names(t, world, f"{where}.turns") for t in entry["turns"])
        q = {
            k: resolve_names(str(v), world, f"{where}.query.{k}") if isinstance(v, str) else v
            for k, v in entry["query"].items()
        }
        try:
            query = Query(**q)
        except ValueError as exc:
            raise SeedError(f"{where}.query: {exc}") from None
        equivalents = {
            slot: tuple(resolve_names(x, world, f"{where}.equivalents") for x in ids)
            for slot, ids in (entry.get("equivalents") or {}).items()
        }
        gold = compute_gold(query, engine_for(world), equivalents)
        home = doc.get("home_region", "us-east-1")
        case_id = registry.issue(suite, content_key(world.name, home, turns))
        dummy = Candidate(
            Spec(endpoints(world)[0], Target("resource", query.destination), query.protocol, query.port), gold
        )
        tags = set(entry.get("tags", ())) | set(_outcome_tags(dummy)) | set(world_tags(world.name))
        tags |= {"seed-case", f"lang:{entry['lang']}"}
        cases.append(
            Case(
                id=case_id,
                suite=suite,
                split="test",
                world=world.name,
                lang=entry["lang"],
                input=CaseInput(
                    turns=turns,
                    context=Context(
                        home_region=home, account_id=world.account_id, inventory=inventory(world)
                    ),
                ),
                gold=gold,
                tags=tuple(sorted(tags)),
                comment=" ".join(str(entry["comment"]).split()),
            )
        )
    cases.sort(key=lambda c: c.id)
    write_suite_cases(out, cases, splits=("test",))
    registry.save()
    meta = {
        "name": suite,
        "version": str(doc["version"]),
        "description": " ".join(doc["description"].split()),
    }
    (out / "suite.json").write_text(
        json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return cases
