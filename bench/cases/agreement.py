"""Gold checked twice: a second, independent annotation of every natural question, compared by meaning.

The writer of a question writes its gold query in the source files. A second annotator, who sees only what
a translator sees (the turns, the home Region and the console inventory), writes the gold again in an
*annotation file*: ``{cases: [{key, query: {...}} | {key, abstain: ambiguous}]}`` with the same
placeholders. Two golds **agree** when both abstain, or when both queries get the same verdict
(reachable; when not, the explanation code and the blocking component; and the same ``ra`` answerability)
on *every* world of the case's scenario (the baseline and each fault variant) **and** their slots denote
the same things: a host named by its Name, id, ENI, private or public address or DNS name is one host, so
``{app-1}`` and its ENI or its private address agree, while another port never does, even where the
scenario's worlds happen to give it the same verdict.

``annotation_sheet`` writes what the annotator may see; ``compare_annotations`` lists the disagreements
with the slots that differ, for review. The data card reports the first-pass agreement and the causes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.cases.gold import Analyzer
from bench.cases.natural import Entry, NaturalError, _index, read_entries, resolve, resolve_query
from bench.model import Query
from bench.world.model import World


def annotation_sheet(entries: Iterable[Entry], load_world: Callable[[str], World]) -> list[dict[str, Any]]:
    """What the second annotator sees of each entry: key, world, home Region and the turns (names that
    the writer wrote as placeholders resolved, as a translator sees them). Never the gold."""
    out = []
    for e in entries:
        for required in ("world", "turns"):
            if required not in e.data:
                raise NaturalError(f"{e.where(required)}: required")
        try:
            world = load_world(str(e.data["world"]))
        except Exception as exc:  # noqa: BLE001 - a world that does not load is this entry's error
            raise NaturalError(f"{e.where('world')}: {exc}") from None
        by_name = _index(world)
        turns = [resolve(t, world, by_name, e.where("turns")) for t in e.data["turns"]]
        out.append(
            {
                "key": e.key,
                "world": world.name,
                "home_region": str(e.data.get("home_region") or "us-east-1"),
                "turns": turns,
            }
        )
    return out


class _SheetDumper(yaml.SafeDumper):
    """Multi-line turns as literal blocks, so pasted logs read as the user pasted them."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not any(c in value for c in "\t\r") and not value.endswith(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_SheetDumper.add_representer(str, _str)


def sheet_inventories(sheet: list[dict[str, Any]], load_world: Callable[[str], World]) -> str:
    """The console inventory of every world on the sheet, exactly the items a translator gets, one JSON
    line per item (compact, so an annotator can grep it): ``{"world": ..., <item fields>}``."""
    import json

    from bench.cases.inventory import inventory

    lines = []
    for name in sorted({c["world"] for c in sheet}):
        for item in inventory(load_world(name)):
            fields = item.model_dump(mode="json", exclude_defaults=True)
            lines.append(json.dumps({"world": name, **fields}, ensure_ascii=False, sort_keys=True))
    return "\n".join(lines) + "\n"


def write_sheet(path: Path, sheet: list[dict[str, Any]]) -> None:
    path.write_text(
        yaml.dump({"cases": sheet}, Dumper=_SheetDumper, allow_unicode=True, sort_keys=False, width=110),
        encoding="utf-8",
    )


@dataclass
class Disagreement:
    key: str
    world: str
    slots: tuple[str, ...]  # the slots that differ in spelling (after resolving names)
    first: str
    second: str
    where: str = ""  # the first world where the verdicts part, when both have queries

    def __str__(self) -> str:
        at = f" (parts in {self.where})" if self.where else ""
        slots = ", ".join(self.slots) or "verdict"
        return f"{self.key} [{self.world}]: {slots}{at}: first {self.first} | second {self.second}"


@dataclass
class Agreement:
    compared: int = 0
    agreed: int = 0
    missing: list[str] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.agreed / self.compared if self.compared else 0.0

    def causes(self) -> Counter[str]:
        return Counter(s for d in self.disagreements for s in (d.slots or ("verdict",)))


def _query(raw: dict[str, Any], world: World, where: str, home: str) -> Query:
    return resolve_query(raw, world, _index(world), where, home)


def _signature(q: Query, engine: Analyzer) -> tuple[Any, ...]:
    truth = engine.analyze(q, profile="truth")
    ra = engine.analyze(q, profile="ra")
    blocking = truth.blocking_component.id if truth.blocking_component else None
    return (
        truth.reachable,
        truth.explanation_code,
        blocking,
        truth.error,
        ra.analysable,
        ra.reason,
        ra.error,
    )


def _aliases(world: World) -> dict[str, str]:
    """Every way of naming one host, written as that host: an ENI as the instance, DB or interface
    endpoint it belongs to; a private or public address or a DNS name as the resource that holds it; a
    unique Name tag as its resource; a Lambda's ARN as the function. Keys are lower case."""
    from bench.cases.inventory import endpoints

    alias: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    for ep in endpoints(world):
        if ep.type == "network-interface":
            continue
        for name in (ep.eni_id, *ep.private_ips, *ep.public_ips, *ep.dns_names):
            if name:
                alias.setdefault(name.lower(), ep.id)
        if ep.name:
            names.setdefault(ep.name.lower(), []).append(ep.id)
    for i in world.instances.values():
        for eni in i.eni_ids:
            alias[eni.lower()] = i.id
    for vpce in world.vpc_endpoints.values():
        for eni in vpce.eni_ids:
            alias[eni.lower()] = vpce.id
    for name, ids in names.items():
        if len(ids) == 1:  # a Name tag written as such (the engine resolves it) is the resource
            alias.setdefault(name, ids[0])
    for other in world.other_resources.values():  # a Lambda by name or by its ARN
        if other.resource_type == "lambda-function":
            alias[f"arn:aws:lambda:{other.region}:{world.account_id}:function:{other.id}".lower()] = other.id
    return alias


def _spelling(q: Query, alias: dict[str, str]) -> dict[str, Any]:
    """The query's slots with source and destination written as the host they name (``_aliases``)."""
    d = q.model_dump()
    for slot in ("source", "destination"):
        d[slot] = alias.get(str(d[slot]).lower(), d[slot])
    return d


def compare_annotations(
    source_files: Iterable[Path],
    annotation_files: Iterable[Path],
    load_world: Callable[[str], World],
    engine_for: Callable[[str], Analyzer],
    scenario_worlds: Callable[[str], list[str]],
) -> Agreement:
    """Compare the writers' golds with the second annotation, entry by entry (see the module doc)."""
    entries = {e.key: e for e in read_entries(source_files)}
    second: dict[str, Entry] = {}
    for e in read_entries(annotation_files):
        if e.key in second:
            raise NaturalError(f"{e.where('key')}: annotated twice")
        second[e.key] = e
    result = Agreement()
    aliases: dict[str, dict[str, str]] = {}  # per world: built once, used for both golds of every entry
    for key, first in entries.items():
        other = second.get(key)
        if other is None:
            result.missing.append(key)
            continue
        result.compared += 1
        world = load_world(str(first.data["world"]))
        home = str(first.data.get("home_region") or "us-east-1")
        a_abs, b_abs = "query" not in first.data, "query" not in other.data
        if a_abs or b_abs:
            if a_abs and b_abs:
                result.agreed += 1
            else:
                a = (
                    "abstain"
                    if a_abs
                    else _brief(_query(first.data["query"], world, first.where("query"), home))
                )
                b = (
                    "abstain"
                    if b_abs
                    else _brief(_query(other.data["query"], world, other.where("query"), home))
                )
                result.disagreements.append(Disagreement(key, world.name, ("abstain",), a, b))
            continue
        qa = _query(first.data["query"], world, first.where("query"), home)
        qb = _query(other.data["query"], world, other.where("query"), home)
        if world.name not in aliases:
            aliases[world.name] = _aliases(world)
        sa, sb = _spelling(qa, aliases[world.name]), _spelling(qb, aliases[world.name])
        slots = tuple(k for k in sa if sa[k] != sb[k])
        parts = ""
        for name in scenario_worlds(world.name):
            engine = engine_for(name)
            if _signature(qa, engine) != _signature(qb, engine):
                parts = name
                break
        if not parts and not slots:
            result.agreed += 1
        else:
            result.disagreements.append(Disagreement(key, world.name, slots, _brief(qa), _brief(qb), parts))
    return result


def _brief(q: Query) -> str:
    extra = "".join(
        f" {k}={v}"
        for k, v in (
            ("source_ip", q.source_ip),
            ("destination_ip", q.destination_ip),
            ("destination_region", q.destination_region),
        )
        if v
    )
    return f"{q.region}: {q.source} -> {q.destination} {q.protocol}/{q.port}{extra}"


def check_annotation(
    sheet: Path, annotation: Path, load_world: Callable[[str], World], engine_for: Callable[[str], Analyzer]
) -> tuple[list[str], list[str]]:
    """An annotator's own check, without the writer's gold: every annotated key is on the sheet, every
    query resolves and runs. Returns (one line per annotated question with the engine's verdict, errors)."""
    doc = yaml.safe_load(sheet.read_text(encoding="utf-8")) or {}
    on_sheet = {str(c["key"]): c for c in doc.get("cases") or ()}
    lines, errors = [], []
    seen: set[str] = set()
    for e in read_entries([annotation]):
        try:
            if e.key not in on_sheet:
                raise NaturalError(f"{e.where('key')}: not on the sheet {sheet}")
            if e.key in seen:
                raise NaturalError(f"{e.where('key')}: annotated twice")
            seen.add(e.key)
            if ("query" in e.data) == ("abstain" in e.data):
                raise NaturalError(f"{e.where('query')}: give exactly one of 'query' or 'abstain: ambiguous'")
            if "abstain" in e.data:
                lines.append(f"{e.key}\tabstain")
                continue
            world = load_world(str(on_sheet[e.key]["world"]))
            q = _query(
                e.data["query"],
                world,
                e.where("query"),
                str(on_sheet[e.key].get("home_region") or "us-east-1"),
            )
            v = engine_for(world.name).analyze(q, profile="truth")
            ra = engine_for(world.name).analyze(q, profile="ra")
            outcome = v.error or ("reachable" if v.reachable else f"blocked {v.explanation_code}")
            if not ra.analysable or ra.error:
                outcome += f" (ra: {ra.reason or ra.error})"
            lines.append(f"{e.key}\t{_brief(q)}\t{outcome}")
        except NaturalError as exc:
            errors.append(str(exc))
    missing = sorted(set(on_sheet) - seen)
    if missing:
        errors.append(
            f"{annotation}: {len(missing)} keys of the sheet not annotated yet (first: {missing[0]})"
        )
    return lines, errors
