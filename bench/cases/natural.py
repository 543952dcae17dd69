"""Build the ``natural`` suite from hand-written sources (``cases/natural/source/*.yaml``).

Every question in the sources was written by a person, one at a time, as an engineer would type it; the
gold query is written with names (``{app-1}``, ``{app-1@ap-northeast-1}``, ``{orders-db.eni}``) and
addresses, and everything that is an answer (ids, verdicts, answerability, blocking component) is filled
in by the engine, exactly as for the seed suite. The suite's metadata is ``cases/natural/source/suite.yaml``.

Placeholders: ``{name}`` is the id of the one resource whose Name tag is ``name`` (an ENI never counts);
``{name@q}`` narrows by Region code or by VPC Name tag when a name exists more than once; ``{name.eni}``
(or ``{name@q.eni}``) is that resource's primary network interface. They may appear in turns too.

A source entry::

    - key: w1-017                      # unique in the suite, never reused
      world: web-tier__baseline
      lang: en                         # en | ja | mixed
      difficulty: medium               # easy | medium | hard (rubric: docs/corpus.md)
      turns: ["..."]                   # 1-5 turns; the gold is the question in force at the end
      query: {source: "{shop-bastion}", destination: "{catalog-db}", protocol: tcp, port: 3306}
      # or, for a question too ambiguous to name one resource:  abstain: ambiguous
      tags: [style:chat, ref:name, proto:port, region:none]
      comment: why the gold is what it is (optional)

``query.region`` defaults to the source resource's Region (the gold's rule: analyse in the source's
Region), or to the entry's ``home_region`` (default ``us-east-1``) when the source is not a resource.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.cases.generate import outcome_tags, world_tags
from bench.cases.gold import AMBIGUOUS, Analyzer, compute_gold
from bench.cases.ids import IdRegistry, content_key, split_of
from bench.cases.inventory import Endpoint, endpoints, inventory
from bench.cases.loader import cases_root, write_suite_cases
from bench.cases.schema import Case, CaseInput, Context
from bench.model import Query
from bench.model.query import DestinationKind, destination_kind
from bench.world.model import World

SUITE = "natural"
DEV_SHARE = 25  # % of ids in dev; the split is a hash of the id (bench.cases.ids.split_of)
LANGS = ("en", "ja", "mixed")
DIFFICULTIES = ("easy", "medium", "hard")
ENTRY_FIELDS = {
    "key",
    "world",
    "lang",
    "difficulty",
    "turns",
    "query",
    "abstain",
    "tags",
    "comment",
    "home_region",
}
# Tag families a writer sets by hand (the rest are derived from the gold and the world).
WRITER_TAG_PREFIXES = ("style", "artefact", "ref", "proto", "region", "dialog", "noise", "story")
DERIVED_TAG_PREFIXES = (
    "lang",
    "difficulty",
    "turns",
    "dest",
    "unans",
    "answerable",
    "reach",
    "code",
    "world",
    "scenario",
    "fault",
    "src-type",
    "dst-type",
)
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*?)(?:@([A-Za-z0-9_\-]+))?(\.eni)?\}")


class NaturalError(ValueError):
    """A source entry that cannot be built: ``<file>:<line>: cases[<key>].<field>: <reason>``."""


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping (as ``__line__``)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def source_dir() -> Path:
    return cases_root() / SUITE / "source"


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


@dataclass(frozen=True)
class Entry:
    file: Path
    line: int
    data: dict[str, Any]

    @property
    def key(self) -> str:
        return str(self.data.get("key", "?"))

    def where(self, field: str = "") -> str:
        return f"{self.file}:{self.line}: cases[{self.key}]" + (f".{field}" if field else "")


def read_entries(files: Iterable[Path]) -> list[Entry]:
    """Every entry of the given source files, in file order; structural errors raise ``NaturalError``."""
    out: list[Entry] = []
    for path in files:
        try:
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (safe subclass)
        except UnicodeDecodeError as exc:
            raise NaturalError(f"{path}:0: not UTF-8 ({exc.reason})") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise NaturalError(f"{path}:{mark.line + 1 if mark else 0}: not valid YAML: {problem}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
            raise NaturalError(f"{path}:1: cases: expected a mapping with a 'cases' list")
        for item in doc["cases"]:
            if not isinstance(item, dict):
                raise NaturalError(f"{path}:0: cases: every entry must be a mapping")
            out.append(Entry(path, int(item.get("__line__", 0)), _strip_lines(item)))
    return out


def _index(world: World) -> dict[str, list[Endpoint]]:
    by_name: dict[str, list[Endpoint]] = {}
    for ep in endpoints(world):
        if ep.name and ep.type != "network-interface":
            by_name.setdefault(ep.name, []).append(ep)
    return by_name


def resolve(text: str, world: World, by_name: dict[str, list[Endpoint]], where: str) -> str:
    """Replace every placeholder in ``text`` by the id it stands for (see the module doc)."""
    vpc_names = {v.id: v.name for v in world.vpcs.values()}

    def sub(m: re.Match[str]) -> str:
        name, qual, eni = m.group(1), m.group(2), m.group(3)
        found = by_name.get(name, [])
        if qual:
            found = [e for e in found if qual in (e.region, vpc_names.get(e.vpc_id or ""))]
        if len(found) != 1:
            hint = "" if qual or len(found) < 2 else f" (narrow it: {{{name}@<region or VPC name>}})"
            label = f"{name}@{qual}" if qual else name
            raise NaturalError(f"{where}: {{{label}}} names {len(found)} resources in {world.name}{hint}")
        ep = found[0]
        if eni:
            if not ep.eni_id:
                raise NaturalError(f"{where}: {name} has no network interface")
            return ep.eni_id
        return ep.id

    return _PLACEHOLDER.sub(sub, text)


_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d):", re.I)


def default_region(q: dict[str, Any], world: World, home: str) -> str:
    """The gold's Region when the writer gave none: the source's Region (the rule), found from the
    source resource, the Region field of an ARN, or the resource holding a source address; for a source
    outside the account (a mistyped id, an office address), the console's home Region."""
    eps = endpoints(world)
    by_id = {e.id: e for e in eps}
    src = str(q.get("source") or "")
    if src in by_id:
        return by_id[src].region
    m = _ARN_REGION.match(src)
    if m:
        return m.group(1).lower()
    for e in eps:
        if e.type != "network-interface" and src in (*e.private_ips, *e.public_ips):
            return e.region
    return home


def resolve_query(raw: Any, world: World, by_name: dict[str, list[Endpoint]], where: str, home: str) -> Query:
    """A gold query as written in a source or an annotation: placeholders resolved, the Region
    defaulted (``default_region``), validated; errors name ``where``."""
    if not isinstance(raw, dict):
        raise NaturalError(f"{where}: expected a mapping")
    q = {k: resolve(v, world, by_name, f"{where}.{k}") if isinstance(v, str) else v for k, v in raw.items()}
    if "region" not in q:
        q["region"] = default_region(q, world, home)
    try:
        return Query(**q)
    except ValueError as exc:
        raise NaturalError(f"{where}: {' '.join(str(exc).splitlines()[:3])}") from None


def _dest_tag(query: Query | None, world: World) -> str:
    if query is None:
        return "dest:none"
    kind = destination_kind(query.destination)
    if kind is DestinationKind.IP:
        return "dest:ipv6" if ":" in query.destination else "dest:ip"
    if kind is DestinationKind.CIDR:
        return "dest:cidr"
    if kind is DestinationKind.FQDN:
        return "dest:fqdn"
    if query.destination in world.internet_gateways:
        return "dest:internet"
    return "dest:resource"


def _types(query: Query | None, world: World) -> list[str]:
    if query is None:
        return []
    types = {e.id: e.type for e in endpoints(world)}
    out = []
    for slot, value in (("src-type", query.source), ("dst-type", query.destination)):
        out.append(f"{slot}:{types.get(value, _unnamed_kind(value))}")
    return out


def _unnamed_kind(value: str) -> str:
    """The type tag of a value that is no endpoint of the world: an address, or an unknown resource."""
    return "address" if destination_kind(value) is not DestinationKind.RESOURCE else "unknown"


def _check_entry(entry: Entry, seen: dict[str, Entry]) -> None:
    d = entry.data
    unknown = sorted(set(d) - ENTRY_FIELDS)
    if unknown:
        raise NaturalError(
            f"{entry.where(unknown[0])}: unknown field (allowed: {', '.join(sorted(ENTRY_FIELDS))})"
        )
    for field in ("key", "world", "lang", "difficulty", "turns"):
        if field not in d:
            raise NaturalError(f"{entry.where(field)}: required")
    if entry.key in seen:
        raise NaturalError(f"{entry.where('key')}: duplicate of {seen[entry.key].where()}")
    if d["lang"] not in LANGS:
        raise NaturalError(f"{entry.where('lang')}: {d['lang']!r} is not one of {', '.join(LANGS)}")
    if d["difficulty"] not in DIFFICULTIES:
        raise NaturalError(
            f"{entry.where('difficulty')}: {d['difficulty']!r} is not one of {', '.join(DIFFICULTIES)}"
        )
    turns = d["turns"]
    if (
        not isinstance(turns, list)
        or not 1 <= len(turns) <= 5
        or not all(isinstance(t, str) and t.strip() for t in turns)
    ):
        raise NaturalError(f"{entry.where('turns')}: 1 to 5 non-empty strings")
    if ("query" in d) == ("abstain" in d):
        raise NaturalError(f"{entry.where('query')}: give exactly one of 'query' or 'abstain: ambiguous'")
    if "abstain" in d and d["abstain"] != AMBIGUOUS:
        raise NaturalError(
            f"{entry.where('abstain')}: only 'ambiguous' has no query (other reasons come from the engine)"
        )
    for i, tag in enumerate(d.get("tags") or ()):
        prefix = str(tag).split(":", 1)[0]
        if ":" not in str(tag) or prefix not in WRITER_TAG_PREFIXES:
            raise NaturalError(
                f"{entry.where(f'tags.{i}')}: {tag!r}: "
                f"use one of the families {', '.join(WRITER_TAG_PREFIXES)}"
            )


def build_case(
    entry: Entry, load_world: Callable[[str], World], engine_for: Callable[[World], Analyzer]
) -> tuple[Case, tuple[str, ...]]:
    """One case from one entry (without its split); returns the case and its content key's turns."""
    d = entry.data
    try:
        world = load_world(str(d["world"]))
    except Exception as exc:  # noqa: BLE001 - any failure to load is this entry's error
        raise NaturalError(f"{entry.where('world')}: {exc}") from None
    by_name = _index(world)
    turns = tuple(resolve(t, world, by_name, entry.where(f"turns.{i}")) for i, t in enumerate(d["turns"]))
    home = str(d.get("home_region") or "us-east-1")
    query = resolve_query(d["query"], world, by_name, entry.where("query"), home) if "query" in d else None
    gold = compute_gold(query, engine_for(world) if query else None, None, None if query else AMBIGUOUS)
    tags = {str(t) for t in d.get("tags") or ()}
    tags |= set(outcome_tags(gold)) | set(world_tags(world.name))
    tags |= {
        f"lang:{d['lang']}",
        f"difficulty:{d['difficulty']}",
        f"turns:{len(turns)}",
        _dest_tag(query, world),
    }
    tags |= set(_types(query, world))
    case = Case(
        id="pending",
        suite=SUITE,
        split="test",
        world=world.name,
        lang=d["lang"],
        input=CaseInput(
            turns=turns,
            context=Context(home_region=home, account_id=world.account_id, inventory=inventory(world)),
        ),
        gold=gold,
        tags=tuple(sorted(tags)),
        comment=" ".join(str(d.get("comment") or "").split()),
    )
    return case, turns


@dataclass
class BuildResult:
    cases: list[Case]
    problems: list[str]
    keys: dict[str, str]  # case id -> source key


def build_natural(
    load_world: Callable[[str], World],
    engine_for: Callable[[World], Analyzer],
    files: Iterable[Path] | None = None,
    out_dir: Path | None = None,
    write: bool = True,
    keep_going: bool = False,
) -> BuildResult:
    """Build the suite from its sources (all of ``source/*.yaml`` unless ``files``) and write it."""
    src = source_dir()
    files = (
        sorted(files)
        if files is not None
        else sorted(p for p in src.glob("*.yaml") if p.name != "suite.yaml")
    )
    out = Path(out_dir) if out_dir else src.parent
    problems: list[str] = []
    entries = read_entries(files)
    seen: dict[str, Entry] = {}
    registry = IdRegistry(out / "ids.txt" if write else None)
    cases: list[Case] = []
    keys: dict[str, str] = {}
    by_content: dict[str, Entry] = {}
    for entry in entries:
        try:
            _check_entry(entry, seen)
            seen[entry.key] = entry
            case, turns = build_case(entry, load_world, engine_for)
            ck = content_key(case.world, case.input.context.home_region, turns)
            if ck in by_content:
                raise NaturalError(
                    f"{entry.where('turns')}: same world and turns as {by_content[ck].where()}"
                )
            by_content[ck] = entry
            cid = registry.issue(SUITE, ck)
        except NaturalError as exc:
            if not keep_going:
                raise
            problems.append(str(exc))
            continue
        cases.append(case.model_copy(update={"id": cid, "split": split_of(cid, DEV_SHARE)}))
        keys[cid] = entry.key
    cases.sort(key=lambda c: c.id)
    if write:
        out.mkdir(parents=True, exist_ok=True)
        write_suite_cases(out, cases, splits=("dev", "test"))
        registry.save()
        meta_doc = yaml.safe_load((src / "suite.yaml").read_text(encoding="utf-8"))
        meta = {
            "name": SUITE,
            "version": str(meta_doc["version"]),
            "description": " ".join(str(meta_doc["description"]).split()),
            "dev_share": DEV_SHARE,
        }
        (out / "suite.json").write_text(
            json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return BuildResult(cases, problems, keys)
