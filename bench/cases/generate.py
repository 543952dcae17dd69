"""Generate a suite from the worlds: candidates answered by the engine, chosen, phrased, written.

Steps, per world: ``build_pool`` (every candidate question answered under ``truth`` and ``ra``),
``select`` (quotas: reachable vs unreachable about even, every blocking code, every resource type,
a share of unanswerable kinds), ``Renderer`` (the phrasing axes), then ids and splits. Each world uses
its own RNG seeded from ``"<seed>:<world>"``, so one world can be regenerated alone and compared byte
for byte with the checked-in corpus. Quotas depend on which worlds share a code or a resource type
(a code seen in one world only needs all its cases there); they are computed once and recorded in
``suite.json`` so that the per-world regeneration uses the same numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bench.cases.gold import AMBIGUOUS, Analyzer, compute_gold
from bench.cases.ids import IdRegistry, content_key, split_of
from bench.cases.inventory import home_region, inventory
from bench.cases.loader import write_suite_cases
from bench.cases.phrasing import Phrasebook, default_phrasebook
from bench.cases.pool import Candidate, Pool, Quotas, build_pool, select
from bench.cases.render import Renderer
from bench.cases.schema import Case, CaseInput, Context, Gold
from bench.world.model import World

DEFAULT_SEED = 20261125
SLICE_TARGET = 48  # cases per rare tag value over the corpus, so that ~80 % of them (>= 30) land in test


@dataclass(frozen=True)
class GenConfig:
    suite: str = "core"
    version: str = "1.3.0"
    seed: int = DEFAULT_SEED
    total: int = 2000
    dev_share: int = 20
    description: str = (
        "Generated questions over every world: reachable/unreachable balanced, every blocking code and "
        "resource type, English and Japanese, with unanswerable kinds. Gold computed by the engine."
    )


# Scenarios whose worlds only the hand-written suites use: acme-corp is the natural suite's large account
# (460 named resources, names repeated across Regions and VPCs); template questions generated on it would
# mostly be ambiguous names, and core stays comparable across versions.
NATURAL_ONLY_SCENARIOS = frozenset({"acme-corp"})


def core_worlds(names: Iterable[str]) -> list[str]:
    """The worlds the template generator uses by default: every world except the natural-only ones."""
    return [n for n in names if n.split("__", 1)[0] not in NATURAL_ONLY_SCENARIOS]


def world_tags(world_name: str) -> list[str]:
    scenario, _, fault = world_name.partition("__")
    return [f"world:{world_name}", f"scenario:{scenario}", f"fault:{fault or 'baseline'}"]


def compute_quotas(pools: dict[str, Pool], config: GenConfig) -> dict[str, Quotas]:
    """Per-world quotas: rare codes and types are spread over the worlds that have them."""
    code_worlds: dict[str, int] = {}
    type_worlds: dict[str, int] = {}
    for pool in pools.values():
        for key in pool.outcomes():
            code_worlds[key] = code_worlds.get(key, 0) + 1
        src, dst = pool.types()
        keys = {f"src:{x}" for x in src} | {f"dst:{x}" for x in dst} | {f"traffic:{x}" for x in pool.protos()}
        for t in keys:
            type_worlds[t] = type_worlds.get(t, 0) + 1
    base = math.ceil(config.total / max(len(pools), 1))
    out = {}
    for name, pool in sorted(pools.items()):
        codes = [k for k in pool.outcomes() if k.startswith("code:")]
        per_code = max([math.ceil(SLICE_TARGET / code_worlds[k]) for k in codes] or [0])
        src, dst = pool.types()
        keys = sorted([f"src:{x}" for x in src] + [f"dst:{x}" for x in dst])
        keys += sorted(f"traffic:{x}" for x in pool.protos())
        minimums = tuple((k, math.ceil(SLICE_TARGET / type_worlds[k])) for k in keys)
        per_type = max([n for k, n in minimums if not k.startswith("traffic:")] or [0])
        out[name] = Quotas(total=base, per_code=per_code, per_type=per_type, minimums=minimums)
    return out


def _ambiguous(pool: Pool, renderer: Renderer, n: int) -> list[tuple[Candidate, str]]:
    """Questions whose destination phrase fits several resources ("the app server" with two of them)."""
    choices = []
    for cand in pool.candidates:
        ep = cand.spec.dst.endpoint
        if ep is None or not cand.gold.answerable:
            continue
        for role in renderer.referrer.ambiguous_roles(ep):
            if len(renderer.referrer.role_members(role, None)) > 1:
                choices.append((cand, role.key))
    if not choices:
        return []
    step = max(len(choices) // max(n, 1), 1)
    return [choices[(i * step) % len(choices)] for i in range(n)]


def generate_world(
    world: World,
    pool: Pool,
    quotas: Quotas,
    config: GenConfig,
    registry: IdRegistry,
    book: Phrasebook | None = None,
) -> list[Case]:
    """The cases of one world, in a stable order (by id)."""
    book = book or default_phrasebook()
    renderer = Renderer(world.name, pool.endpoints, book, config.seed)
    context = Context(home_region=home_region(world), account_id=world.account_id, inventory=inventory(world))
    chosen = select(pool, quotas, config.seed)
    jobs: list[tuple[Candidate, str | None]] = [(c, None) for c in chosen]
    n_amb = max(round(len(chosen) * 0.06), 6)
    jobs += [(c, role) for c, role in _ambiguous(pool, renderer, n_amb)]
    cases: dict[str, Case] = {}
    for cand, role in jobs:
        amb = (role, cand.spec.dst.region or "") if role else None
        r = renderer.render(cand, ambiguous=amb)
        if role is None:
            gold = cand.gold.model_copy(update={"equivalents": r.equivalents})
            extra = _outcome_tags(cand)
        else:
            gold = compute_gold(None, None, {"source": r.equivalents.get("source", ())}, AMBIGUOUS)
            extra = ["unans:ambiguous", "answerable:no"]
        digest = content_key(world.name, context.home_region, r.turns)
        case_id = registry.issue(config.suite, digest)
        if case_id in cases:
            continue  # the same words twice: one case
        cases[case_id] = Case(
            id=case_id,
            suite=config.suite,
            split=split_of(case_id, config.dev_share),
            world=world.name,  # type: ignore[arg-type]
            lang=r.lang,
            input=CaseInput(turns=r.turns, context=context),
            gold=gold,
            tags=tuple(sorted(set(r.tags) | set(extra) | set(world_tags(world.name)))),
        )
    return [cases[k] for k in sorted(cases)]


def _outcome_tags(cand: Candidate) -> list[str]:
    return outcome_tags(cand.gold)


def outcome_tags(g: Gold) -> list[str]:
    """The tags a gold decides: answerable, unans, reach and code."""
    tags = ["answerable:yes" if g.answerable else "answerable:no"]
    tags.append("unans:none" if g.answerable else f"unans:{(g.abstain_reason or 'other').replace('_', '-')}")
    v = g.verdict
    if v is not None and v.reachable is not None:
        tags.append("reach:yes" if v.reachable else "reach:no")
        tags.append(f"code:{v.explanation_code}" if not v.reachable and v.explanation_code else "code:none")
    return tags


def generate_suite(
    worlds: Iterable[World],
    engine_for: Callable[[World], Analyzer],
    out_dir: str | Path,
    config: GenConfig | None = None,
    progress: Callable[[str, str], None] | None = None,
) -> dict[str, int]:
    """Generate and write a whole suite (``suite.json``, ``inventories.jsonl``, ``dev.jsonl``,
    ``test.jsonl``, ``ids.txt``); case lines leave the inventory to their world's line."""
    config = config or GenConfig()
    out = Path(out_dir)
    book = default_phrasebook()
    worlds = list(worlds)
    pools: dict[str, Pool] = {}
    for w in worlds:
        if progress:
            progress("pool", w.name)
        pools[w.name] = build_pool(w, engine_for(w), config.seed)
    quotas = compute_quotas(pools, config)
    registry = IdRegistry(out / "ids.txt")
    all_cases: list[Case] = []
    for w in worlds:
        if progress:
            progress("render", w.name)
        all_cases += generate_world(w, pools[w.name], quotas[w.name], config, registry, book)
    counts = write_suite_cases(out, all_cases, ("dev", "test"))
    registry.save()
    meta = {
        "name": config.suite,
        "version": config.version,
        "description": config.description,
        "generator": {
            "seed": config.seed,
            "total": config.total,
            "dev_share": config.dev_share,
            "worlds": sorted(pools),
            "quotas": {name: q.as_dict() for name, q in sorted(quotas.items())},
        },
    }
    (out / "suite.json").write_text(
        json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return counts


def quotas_from_meta(meta: dict, world_name: str) -> Quotas:
    q = meta["generator"]["quotas"][world_name]
    return Quotas(
        total=int(q["total"]),
        per_code=int(q["per_code"]),
        per_type=int(q["per_type"]),
        unanswerable_share=float(q["unanswerable_share"]),
        minimums=tuple(sorted((str(k), int(v)) for k, v in q.get("minimums", {}).items())),
    )


def config_from_meta(meta: dict) -> GenConfig:
    gen = meta["generator"]
    return GenConfig(
        suite=meta["name"],
        version=meta["version"],
        seed=int(gen["seed"]),
        total=int(gen["total"]),
        dev_share=int(gen["dev_share"]),
        description=meta.get("description", GenConfig.description),
    )


def regenerate_world(world: World, engine: Analyzer, suite_dir: str | Path) -> list[Case]:
    """One world's cases exactly as the recorded generation made them (seed and quotas from
    ``suite.json``, ids from the registry, which is read but not written): the determinism check
    that does not need to rebuild every world."""
    folder = Path(suite_dir)
    meta = json.loads((folder / "suite.json").read_text(encoding="utf-8"))
    config = config_from_meta(meta)
    pool = build_pool(world, engine, config.seed)
    registry = IdRegistry(folder / "ids.txt")
    return generate_world(world, pool, quotas_from_meta(meta, world.name), config, registry)
