"""Work that needs the worlds, done once per case and stored in its record for the scorers.

Two fields of a sample record come from here (scorers may not read worlds, docs/scoring.md):

- ``denotation``: what the gold and the predicted query's source and destination denote in the case's
  world (``bench.engine.denote``): slot match is "same denotation", the destination scope compares the
  denoted address sets;
- ``test_suite``: the verdicts of the gold and of the predicted query on every world of the case's test suite:
  every world of its scenario (``<scenario>__<fault>`` in ``cases/worlds``, baseline first) and up to
  ``variants`` single-change variants that cut the gold path (``bench.engine.variants``), chosen from a
  generator seeded with ``seed`` and the gold query, so that they are the same in every run.

Engines (one per world and per variant), verdicts (per world and query), variant plans and
denotations are cached for the process: the gold queries of a suite recur across translators, and most
predictions equal their gold. The gold side of a case (``gold_part``) can be computed elsewhere (a child
process, ``bench.run.goldwork``) and put into these caches (``put_gold``): an engine is built only for a
verdict that is not cached.
"""

from __future__ import annotations

import functools
import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from bench.model import Query, Verdict

DEFAULT_VARIANTS = 4
DEFAULT_SUITE_SEED = 20261204
_MAX_VARIANT_ENGINES = 2048
_MAX_VERDICTS = 400_000
_MAX_DENOTATIONS = 50_000


def signature(verdict: Verdict) -> str:
    """What must agree between gold and prediction in one world: reachable, else component and code."""
    if verdict.error:
        return f"error:{verdict.error}"
    if not verdict.analysable:
        return f"not_analysable:{verdict.reason}"
    if verdict.reachable:
        return "reachable"
    blocking = verdict.blocking_component.id if verdict.blocking_component else "-"
    return f"unreachable:{verdict.explanation_code}@{blocking}"


def _variant_name(base: str, cut: Any, witness: Any) -> str:
    """``<world>~<cut>``; cuts that depend on the packet (rules) also name its protocol and port."""
    name = f"{base}~{cut.label}"
    if cut.kind in _PACKET_CUTS and witness is not None:
        name += f"/{witness.protocol}" + (f":{witness.port}" if witness.port is not None else "")
    return name


_PACKET_CUTS = frozenset({"sg-rule-removed", "nacl-deny"})


def _packet_key(witness: Any) -> Any:
    """A witness reduced to what rule changes read (protocol and port), so equal changes share a key."""
    if witness is None:
        return None
    from bench.model.verdict import Packet

    return Packet(src="0.0.0.0", dst="0.0.0.0", protocol=witness.protocol, port=witness.port)


def _packet_of(query: Query) -> Any:
    """The query's protocol and port as a packet (addresses unused), or None for "any protocol"."""
    from bench.model.verdict import Packet

    if query.protocol not in ("tcp", "udp", "icmp"):
        return None
    return Packet(src="0.0.0.0", dst="0.0.0.0", protocol=query.protocol, port=query.port)


def _qkey(query: Query) -> str:
    return json.dumps(query.model_dump(mode="json"), sort_keys=True)


query_key = _qkey


class CrossWorld:
    """Computes (and caches) denotations and test-suite verdicts; one per process or run."""

    def __init__(
        self,
        variants: int = DEFAULT_VARIANTS,
        seed: int = DEFAULT_SUITE_SEED,
        engine_for: Callable[[str], Any] | None = None,
        worlds: list[str] | None = None,
    ) -> None:
        from bench.world.catalog import list_worlds

        self.variants = variants
        self.seed = seed
        # ``bench.engine`` is imported on the first engine needed (a rerun answered from the caches
        # never needs one).
        self._engine_for = engine_for or _default_engine_for
        self._worlds = sorted(worlds if worlds is not None else list_worlds())
        self._scenarios: dict[str, list[str]] = {}
        self._variant_engines: OrderedDict[tuple[str, Any], Any] = OrderedDict()
        self._variant_plan: dict[tuple[str, str], list[tuple[str, Any]]] = {}
        self._verdicts: dict[tuple[str, str], str] = {}
        self._denotations: dict[tuple[str, str], dict[str, Any]] = {}

    # -- worlds --------------------------------------------------------------------------------------
    def scenario_worlds(self, world: str) -> list[str]:
        """Every catalogued world of ``world``'s scenario, baseline first, then by name."""
        scenario = world.split("__", 1)[0]
        found = self._scenarios.get(scenario)
        if found is None:
            found = [w for w in self._worlds if w.split("__", 1)[0] == scenario] or [world]
            found.sort(key=lambda w: (not w.endswith("__baseline"), w))
            self._scenarios[scenario] = found
        return found if world in found else [world, *found]

    def _variant_engine(self, base: str, cut: Any) -> Any:
        from bench.engine.variants import variant_engine

        key = (base, cut)
        engine = self._variant_engines.get(key)
        if engine is None:
            engine = variant_engine(self._engine_for(base), cut[0], cut[1])
            self._variant_engines[key] = engine
            if len(self._variant_engines) > _MAX_VARIANT_ENGINES:
                self._variant_engines.popitem(last=False)
        else:
            self._variant_engines.move_to_end(key)
        return engine

    def variant_plan(self, world: str, gold: Query) -> list[tuple[str, Any]]:
        """(name, (cut, witness)) of the gold's variants: cuts of its path in the first scenario world
        where it is reachable, ``variants`` of them picked by the seeded generator."""
        from bench.engine.variants import choose, path_cuts

        qkey = _qkey(gold)
        key = (world.split("__", 1)[0], qkey)
        plan = self._variant_plan.get(key)
        if plan is not None:
            return plan
        plan = []
        base, hops, witness = None, (), None
        for name in self.scenario_worlds(world):
            verdict = self._engine_for(name).analyze(gold, profile="truth")
            if verdict.reachable:
                base, hops, witness = name, verdict.hops, verdict.witness
                break
        if base is None:
            # Unreachable everywhere: cut the part of the path the gold's packet crosses before it is
            # stopped (the stopping component itself excluded), so that a query whose packet goes
            # another way is stopped elsewhere. Rules are cut for the query's own protocol and port.
            verdict = self._engine_for(world).analyze(gold, profile="truth")
            if verdict.reachable is False and len(verdict.hops) > 1:
                base, hops, witness = world, verdict.hops[:-1], _packet_of(gold)
        if base is not None:
            cuts = path_cuts(self._engine_for(base).world, hops, witness)
            for cut in choose(cuts, self.variants, f"{base}\x00{qkey}", self.seed):
                # Only rule changes depend on the packet, and only on its protocol and port: variants
                # that are the same change share one engine (and one name).
                packet = _packet_key(witness) if cut.kind in _PACKET_CUTS else None
                plan.append((_variant_name(base, cut, packet), (base, (cut, packet))))
        self._variant_plan[key] = plan
        return plan

    def _verdict(self, name: str, engine: Callable[[], Any], query: Query) -> str:
        """The signature of ``query`` in world ``name`` (``engine``: builds or finds its engine; called
        only when the verdict is not cached)."""
        key = (name, _qkey(query))
        hit = self._verdicts.get(key)
        if hit is None:
            analyze = engine().analyze  # a world that fails to load fails the record, as before
            try:
                hit = signature(analyze(query, profile="truth"))
            except Exception as exc:  # noqa: BLE001 - a crash is a verdict that never matches
                hit = f"error:engine:exception:{type(exc).__name__}"
            if len(self._verdicts) > _MAX_VERDICTS:
                self._verdicts.clear()
            self._verdicts[key] = hit
        return hit

    # -- record fields -------------------------------------------------------------------------------
    def suite(self, world: str, gold: Query, predicted: Query | None) -> dict[str, Any]:
        """The ``test_suite`` field of a record: worlds, and the gold's and prediction's verdict on each."""
        names: list[str] = []
        gold_sigs: list[str] = []
        pred_sigs: list[str] = []
        for name in self.scenario_worlds(world):
            engine = functools.partial(self._engine_for, name)
            names.append(name)
            gold_sigs.append(self._verdict(name, engine, gold))
            if predicted is not None:
                pred_sigs.append(self._verdict(name, engine, predicted))
        for name, (base, cut) in self.variant_plan(world, gold):
            engine = functools.partial(self._variant_engine, base, cut)
            names.append(name)
            gold_sigs.append(self._verdict(name, engine, gold))
            if predicted is not None:
                pred_sigs.append(self._verdict(name, engine, predicted))
        return {
            "worlds": names,
            "gold": gold_sigs,
            "predicted": pred_sigs if predicted is not None else None,
            "variants": self.variants,
            "seed": self.seed,
        }

    def _denote(self, world: str, query: Query, qkey: str | None = None) -> dict[str, Any]:
        """``query``'s denotations in ``world`` as JSON (a fresh copy of the cached one)."""
        key = (world, qkey or _qkey(query))
        found = self._denotations.get(key)
        if found is None:
            from bench.engine.denote import query_denotation

            ix = self._engine_for(world).ix
            found = {k: d.as_json() for k, d in query_denotation(ix, query).items()}
            if len(self._denotations) > _MAX_DENOTATIONS:
                self._denotations.clear()
            self._denotations[key] = found
        return {k: {**d, "addresses": list(d["addresses"])} for k, d in found.items()}

    def denotation(self, world: str, gold: Query, predicted: Query | None) -> dict[str, Any]:
        return {
            "gold": self._denote(world, gold),
            "predicted": None if predicted is None else self._denote(world, predicted),
        }

    # -- the gold side, computed elsewhere -------------------------------------------------------------
    def gold_part(self, world: str, gold: Query, answerable: bool) -> dict[str, Any]:
        """Everything of a case's fields that depends on its gold only: the gold's denotation, and for
        an answerable case its variant plan and its verdict on every test-suite world (``put_gold`` input)."""
        qkey = _qkey(gold)
        part: dict[str, Any] = {"qkey": qkey, "denotation": self._denote(world, gold, qkey)}
        part["plan"] = part["verdicts"] = None
        if answerable:
            suite = self.suite(world, gold, None)
            part["plan"] = self.variant_plan(world, gold)
            part["verdicts"] = list(zip(suite["worlds"], suite["gold"], strict=True))
        return part

    def put_gold(self, world: str, part: dict[str, Any]) -> None:
        """Put a ``gold_part`` (of the same worlds and configuration) into the caches."""
        qkey = part["qkey"]
        self._denotations[(world, qkey)] = part["denotation"]
        if part["plan"] is not None:
            self._variant_plan[(world.split("__", 1)[0], qkey)] = part["plan"]
        if len(self._verdicts) > _MAX_VERDICTS:
            self._verdicts.clear()
        for name, sig in part["verdicts"] or ():
            self._verdicts[(name, qkey)] = sig

    def fields(self, world: str, gold: Any, translation: Any) -> dict[str, Any]:
        """``denotation`` and ``suite`` (the record's ``test_suite``) of a record; None where the gold
        has no query (and ``suite`` None for unanswerable cases)."""
        gold_q = getattr(gold, "query", None)
        if gold_q is None:
            return {"denotation": None, "suite": None}
        pred_q = translation.query if translation.status == "query" else None
        return {
            "denotation": self.denotation(world, gold_q, pred_q),
            "suite": self.suite(world, gold_q, pred_q) if gold.answerable else None,
        }


def _default_engine_for(name: str) -> Any:
    from bench.engine import engine_for

    return engine_for(name)


_SHARED: dict[tuple[int, int], CrossWorld] = {}


def shared(variants: int = DEFAULT_VARIANTS, seed: int = DEFAULT_SUITE_SEED) -> CrossWorld:
    """The process's CrossWorld for one configuration: engines and verdicts are reused across runs
    (``reachbench run`` on seed then core, re-scoring several run directories)."""
    found = _SHARED.get((variants, seed))
    if found is None:
        found = _SHARED[(variants, seed)] = CrossWorld(variants, seed)
    return found


def fill_records(records: list[dict[str, Any]], variants: int, seed: int) -> int:
    """Give every record that lacks them (or has them for another configuration) its ``denotation`` and
    ``suite`` fields; returns how many were computed. Records of a run whose worlds are not catalogued
    (or made with a stand-in engine: the fields are present and null) are left as they are."""
    from bench.model import Gold, Translation

    config = (variants, seed)
    todo = [
        r
        for r in records
        if "test_suite" not in r
        or (
            isinstance(r.get("test_suite"), dict)
            and (r["test_suite"].get("variants"), r["test_suite"].get("seed")) != config
        )
    ]
    if not todo:
        return 0
    cross = shared(variants, seed)
    for r in sorted(todo, key=lambda r: (str(r.get("world")), str(r.get("case_id")))):
        try:
            gold = Gold.model_validate(r["gold"])
            translation = Translation.model_validate(r["translation"])
            fields = cross.fields(str(r["world"]), gold, translation)
            r["denotation"], r["test_suite"] = fields["denotation"], fields["suite"]
        except (KeyError, ValueError, OSError):
            # A world that is not catalogued here (a run made elsewhere): no denotation, no suite
            # verdicts; suite_accuracy then does not apply to the case (its n shows it).
            r["denotation"] = None
            r["test_suite"] = None
    return len(todo)


def suite_config(meta: dict[str, Any]) -> tuple[int, int]:
    """(variants, seed) of a run: ``run.json``'s ``test_suite``, else the defaults."""
    config = meta.get("test_suite") or {}
    return int(config.get("variants", DEFAULT_VARIANTS)), int(config.get("seed", DEFAULT_SUITE_SEED))


__all__ = [
    "DEFAULT_SUITE_SEED",
    "DEFAULT_VARIANTS",
    "CrossWorld",
    "fill_records",
    "shared",
    "signature",
    "suite_config",
]
