"""Read a suite of cases from ``cases/<suite>/``: ``suite.json`` plus one JSONL file per split.

A benchmark run must be able to say exactly which cases it saw, so a suite carries a version (from
``suite.json``) and a content hash (sha256 over the JSONL bytes in split order) that runs record. A
malformed line is never skipped silently: it raises ``CaseFileError`` naming the file, the line and the
field, or, with ``keep_going``, is collected in ``Suite.problems`` while the rest of the suite loads.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from bench import corpus_dir
from bench.cases.schema import Case, InventoryItem

SPLITS: tuple[str, ...] = ("dev", "test")
INVENTORIES = "inventories.jsonl"


class CaseFileError(ValueError):
    """A case file that cannot be used; the message is ``<file>:<line>: <field>: <reason>``."""

    def __init__(self, file: str | Path, line: int, field_path: str, reason: str) -> None:
        self.file = str(file)
        self.line = line
        self.field = field_path
        self.reason = reason
        super().__init__(f"{self.file}:{line}: {field_path}: {reason}")


@dataclass(frozen=True)
class Suite:
    """A loaded suite: its identity (name, version, hash) and its cases in file order."""

    name: str
    version: str
    hash: str
    description: str = ""
    splits: tuple[str, ...] = SPLITS
    cases: list[Case] = field(default_factory=list)
    problems: list[CaseFileError] = field(default_factory=list)
    path: Path | None = None

    def by_id(self) -> dict[str, Case]:
        return {c.id: c for c in self.cases}

    def split(self, name: str) -> list[Case]:
        return [c for c in self.cases if c.split == name]


@dataclass(frozen=True)
class WorldInventory:
    """One line of ``inventories.jsonl``: what the console shows of one world's account."""

    world: str
    account_id: str
    items: tuple[InventoryItem, ...]


@dataclass
class Inventories:
    """A suite's inventories by world name, and the file they came from (for error messages)."""

    path: Path
    worlds: dict[str, WorldInventory] = field(default_factory=dict)

    def get(self, world: str) -> WorldInventory | None:
        return self.worlds.get(world)


def cases_root() -> Path:
    """The repository's ``cases/`` folder, overridable with ``REACHBENCH_CASES`` (for tests and users)."""
    env = os.environ.get("REACHBENCH_CASES")
    if env:
        return Path(env)
    return corpus_dir()


def suite_dir(name_or_path: str | Path) -> Path:
    """A suite name (``core``) or a path to a suite folder."""
    path = Path(name_or_path)
    if path.is_dir() and (path / "suite.json").exists():
        return path
    return cases_root() / str(name_or_path)


def list_suites() -> list[str]:
    root = cases_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "suite.json").is_file())


def _field_of(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    loc = ".".join(str(part) for part in first.get("loc", ())) or "<case>"
    return loc, first.get("msg", "invalid")


def parse_case_line(text: str, file: str | Path, line: int, inventories: Inventories | None = None) -> Case:
    """One JSONL line -> Case, or CaseFileError naming file, line and the first bad field.

    A line without ``input.context.inventory`` takes its world's inventory from ``inventories`` (the
    suite's ``inventories.jsonl``); a line that carries one inline keeps it (older suites, or a case
    whose console saw something other than its world's inventory).
    """
    fast = _parse_valid_line(text, inventories)
    if fast is not None:
        return fast
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseFileError(file, line, "<json>", f"invalid JSON at column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise CaseFileError(file, line, "<case>", f"expected a JSON object, got {type(data).__name__}")
    _expand_inventory(data, file, line, inventories)
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        loc, msg = _field_of(exc)
        raise CaseFileError(file, line, loc, msg) from None


def _parse_valid_line(text: str, inventories: Inventories | None) -> Case | None:
    """A well-formed line parsed straight from its JSON (pydantic's parser, about twice as fast as
    ``json.loads`` then validation), its world's inventory put in as ``_expand_inventory`` would; None
    for anything else (invalid, no inventory for the world, another account), which the slow path then
    reports exactly as before."""
    try:
        case = Case.model_validate_json(text)
    except ValidationError:
        return None
    context = case.input.context
    if "inventory" in context.model_fields_set:
        return case  # inline: kept as is
    found = inventories.get(case.world) if inventories is not None else None
    if found is None or context.account_id != found.account_id:
        return None
    # The context was made by this call and nobody else holds it: give it the validated items the slow
    # path passes in (models are frozen; this is what validating them as a field would store).
    context.__dict__["inventory"] = found.items
    context.__pydantic_fields_set__.add("inventory")
    return case


def _expand_inventory(data: dict, file: str | Path, line: int, inventories: Inventories | None) -> None:
    context = (data.get("input") or {}).get("context") if isinstance(data.get("input"), dict) else None
    if not isinstance(context, dict) or "inventory" in context:
        return  # inline (or a malformed case that validation reports with its own field)
    world = data.get("world")
    if not isinstance(world, str):
        return  # the missing/invalid world is reported by validation
    found = inventories.get(world) if inventories is not None else None
    if found is None:
        where = inventories.path if inventories is not None else Path(file).parent / INVENTORIES
        raise CaseFileError(file, line, "world", f"no inventory for world {world!r} in {where}")
    account = context.get("account_id")
    if isinstance(account, str) and account != found.account_id:
        raise CaseFileError(
            file,
            line,
            "input.context.account_id",
            f"case says {account!r}, {INVENTORIES} says {found.account_id!r} for world {world!r}",
        )
    # Validated items are shared by every case of the world (pydantic keeps model instances as they are).
    context["inventory"] = found.items


def read_suite_meta(directory: Path) -> dict:
    meta_path = directory / "suite.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaseFileError(meta_path, 0, "suite.json", "no such file (is this a suite folder?)") from None
    except json.JSONDecodeError as exc:
        raise CaseFileError(meta_path, exc.lineno, "<json>", exc.msg) from None
    except UnicodeDecodeError as exc:
        raise CaseFileError(meta_path, 0, "<utf-8>", f"not UTF-8 text ({exc.reason})") from None
    if not isinstance(meta, dict):
        raise CaseFileError(meta_path, 1, "<root>", f"expected a JSON object, got {type(meta).__name__}")
    for key in ("name", "version"):
        if not isinstance(meta.get(key), str) or not meta[key]:
            raise CaseFileError(meta_path, 1, key, "required string field missing")
    share = meta.get("dev_share")
    if share is not None and (not isinstance(share, int) or isinstance(share, bool) or not 0 <= share <= 100):
        raise CaseFileError(meta_path, 1, "dev_share", f"expected a whole percentage 0-100, got {share!r}")
    return meta


def split_files(directory: Path, splits: Iterable[str] | None) -> list[tuple[str, Path]]:
    wanted = tuple(splits) if splits is not None else SPLITS
    for name in wanted:
        if name not in SPLITS:
            raise CaseFileError(directory, 0, "splits", f"unknown split {name!r}; known: {', '.join(SPLITS)}")
    return [(name, directory / f"{name}.jsonl") for name in wanted if (directory / f"{name}.jsonl").exists()]


def read_inventories(
    path: Path, keep_going: bool = False, problems: list[CaseFileError] | None = None
) -> Inventories:
    """Parse ``inventories.jsonl``: one ``{"world", "account_id", "inventory"}`` object per line, each
    world once. Errors name the file, the line and the field (``inventory.3.region``)."""
    found = Inventories(path)
    if not path.is_file():
        return found
    for lineno, text in _utf8_lines(path):
        if not text.strip():
            continue
        try:
            entry = _parse_inventory_line(text, path, lineno)
            if entry.world in found.worlds:
                raise CaseFileError(path, lineno, "world", f"world {entry.world!r} appears twice")
        except CaseFileError as exc:
            if not keep_going or problems is None:
                raise
            problems.append(exc)
            continue
        found.worlds[entry.world] = entry
    return found


def _parse_inventory_line(text: str, path: Path, lineno: int) -> WorldInventory:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseFileError(
            path, lineno, "<json>", f"invalid JSON at column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise CaseFileError(path, lineno, "<line>", f"expected a JSON object, got {type(data).__name__}")
    extra = sorted(set(data) - {"world", "account_id", "inventory"})
    if extra:
        raise CaseFileError(path, lineno, extra[0], "unknown field")
    for key in ("world", "account_id"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise CaseFileError(path, lineno, key, "required string field missing")
    raw = data.get("inventory")
    if not isinstance(raw, list):
        raise CaseFileError(path, lineno, "inventory", "expected a list of inventory items")
    items = []
    for i, item in enumerate(raw):
        try:
            items.append(InventoryItem.model_validate(item))
        except ValidationError as exc:
            loc, msg = _field_of(exc)
            raise CaseFileError(path, lineno, f"inventory.{i}.{loc}", msg) from None
    return WorldInventory(data["world"], data["account_id"], tuple(items))


def content_hash(files: Iterable[Path]) -> str:
    """sha256 over the bytes of the given files in order: what a run records to pin its cases
    (``suite_files`` lists them: the split files, then ``inventories.jsonl`` when the suite has one)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def suite_files(directory: Path, split_paths: Iterable[Path]) -> list[Path]:
    """The files whose bytes make a suite's content: its split files, then ``inventories.jsonl``."""
    out = list(split_paths)
    if (directory / INVENTORIES).is_file():
        out.append(directory / INVENTORIES)
    return out


def load_suite(name: str | Path, splits: Iterable[str] | None = None, keep_going: bool = False) -> Suite:
    """Load a suite by name (``cases/<name>/``) or folder path.

    Each case must sit in the file of its own split and carry the suite's name, and ids are unique
    across the suite; violations are reported like malformed lines. Case lines get their world's
    inventory from ``inventories.jsonl``, so in memory every case carries the full console context.
    """
    directory = suite_dir(name)
    meta = read_suite_meta(directory)
    files = split_files(directory, splits)
    problems: list[CaseFileError] = []
    inventories = read_inventories(directory / INVENTORIES, keep_going, problems)
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for split_name, path in files:
        for lineno, case in _numbered(path, keep_going, problems, inventories):
            issue = None
            if case.split != split_name:
                issue = CaseFileError(
                    path, lineno, "split", f"case says {case.split!r}, file is {split_name!r}"
                )
            elif case.suite != meta["name"]:
                issue = CaseFileError(
                    path, lineno, "suite", f"case says {case.suite!r}, suite is {meta['name']!r}"
                )
            elif case.id in seen:
                issue = CaseFileError(
                    path, lineno, "id", f"duplicate id {case.id!r} (first at {seen[case.id]})"
                )
            if issue is not None:
                if not keep_going:
                    raise issue
                problems.append(issue)
                continue
            seen[case.id] = f"{path.name}:{lineno}"
            cases.append(case)
    return Suite(
        name=meta["name"],
        version=meta["version"],
        description=meta.get("description", ""),
        hash=content_hash(suite_files(directory, (p for _, p in files))),
        splits=tuple(s for s, _ in files),
        cases=cases,
        problems=problems,
        path=directory,
    )


def load_case_file(path: str | Path, keep_going: bool = False) -> tuple[list[Case], list[CaseFileError]]:
    """The cases of one JSONL file, expanded with the ``inventories.jsonl`` beside it: for readers that
    want one file rather than a suite (few-shot examples from ``dev.jsonl``)."""
    path = Path(path)
    problems: list[CaseFileError] = []
    inventories = read_inventories(path.parent / INVENTORIES, keep_going, problems)
    return [case for _, case in _numbered(path, keep_going, problems, inventories)], problems


def _numbered(
    path: Path, keep_going: bool, problems: list[CaseFileError], inventories: Inventories | None = None
) -> Iterator[tuple[int, Case]]:
    for lineno, text in _utf8_lines(path):
        if not text.strip():
            continue
        try:
            yield lineno, parse_case_line(text, path, lineno, inventories)
        except CaseFileError as exc:
            if not keep_going:
                raise
            problems.append(exc)


def _utf8_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Numbered lines of a text file; bytes that are not UTF-8 are a ``CaseFileError`` on their line."""
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                yield lineno, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                byte = f"byte {exc.object[exc.start]:#04x} at column {exc.start + 1}"
                raise CaseFileError(path, lineno, "<utf-8>", f"not UTF-8 text ({byte})") from None


def _dumps(data: object) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def dump_case(case: Case) -> str:
    """The canonical one-line JSON of a whole case, inventory included (exports, comparisons): sorted
    keys, fields at their defaults left out."""
    return _dumps(case.model_dump(mode="json", exclude_defaults=True))


def dump_case_line(case: Case, world_inventory: WorldInventory | None) -> str:
    """A case as its suite file stores it: without the inventory when it is its world's
    (``world_inventory``), inline otherwise (even when empty, so that loading cannot fill it in)."""
    data = case.model_dump(mode="json", exclude_defaults=True)
    context = data["input"]["context"]
    context.pop("inventory", None)
    ctx = case.input.context
    same = world_inventory is not None and ctx.account_id == world_inventory.account_id
    if not same or (ctx.inventory is not world_inventory.items and ctx.inventory != world_inventory.items):
        context["inventory"] = [item.model_dump(mode="json", exclude_defaults=True) for item in ctx.inventory]
    return _dumps(data)


def dump_inventory_line(entry: WorldInventory) -> str:
    return _dumps(
        {
            "world": entry.world,
            "account_id": entry.account_id,
            "inventory": [item.model_dump(mode="json", exclude_defaults=True) for item in entry.items],
        }
    )


def world_inventories(cases: Iterable[Case], path: Path) -> Inventories:
    """Each world's inventory: the (account, inventory) its cases share most (ties: the first case by id).
    A generated suite has one per world; a hand-made case that differs keeps its own inline."""
    counts: dict[str, dict[tuple[str, str], int]] = {}
    items_of: dict[str, tuple[InventoryItem, ...]] = {}
    dumped: dict[int, str] = {}  # generated cases share one tuple per world: dump it once
    for case in sorted(cases, key=lambda c: c.id):
        ctx = case.input.context
        text = dumped.get(id(ctx.inventory))
        if text is None:
            text = dumped[id(ctx.inventory)] = _dumps([i.model_dump(mode="json") for i in ctx.inventory])
        items_of.setdefault(text, ctx.inventory)
        per_world = counts.setdefault(case.world, {})
        per_world[(ctx.account_id, text)] = per_world.get((ctx.account_id, text), 0) + 1
    found = Inventories(path)
    for world in sorted(counts):
        (account, text), _ = max(counts[world].items(), key=lambda kv: kv[1])  # first maximum wins
        found.worlds[world] = WorldInventory(world, account, items_of[text])
    return found


def _write_lines(path: Path, lines: Iterable[str]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            fh.write(line + "\n")
            n += 1
    tmp.replace(path)
    return n


def write_inventories(inventories: Inventories) -> int:
    """Write ``inventories.jsonl``: one line per world, sorted by world name."""
    return _write_lines(
        inventories.path, (dump_inventory_line(inventories.worlds[w]) for w in sorted(inventories.worlds))
    )


def write_suite_cases(
    directory: Path, cases: Iterable[Case], splits: Iterable[str] = SPLITS
) -> dict[str, int]:
    """Write a suite's case files: ``inventories.jsonl`` (every world of ``cases``, written afresh)
    and one ``<split>.jsonl`` per split (sorted by id, possibly empty). Returns cases per split."""
    directory = Path(directory)
    ordered = sorted(cases, key=lambda c: c.id)
    inventories = world_inventories(ordered, directory / INVENTORIES)
    write_inventories(inventories)
    counts = {}
    for split in splits:
        chosen = (c for c in ordered if c.split == split)
        counts[split] = _write_lines(
            directory / f"{split}.jsonl", (dump_case_line(c, inventories.get(c.world)) for c in chosen)
        )
    return counts


def write_cases(path: Path, cases: Iterable[Case]) -> int:
    """Write one case file in file order and add the worlds it needs to the ``inventories.jsonl``
    beside it (worlds already there keep their line; a case that differs from it keeps its own)."""
    path = Path(path)
    cases = list(cases)
    inventories = read_inventories(path.parent / INVENTORIES)
    for world, entry in world_inventories(cases, inventories.path).worlds.items():
        inventories.worlds.setdefault(world, entry)
    if cases or inventories.worlds:
        write_inventories(inventories)
    return _write_lines(path, (dump_case_line(c, inventories.get(c.world)) for c in cases))


def factor_inline_inventories(directory: Path) -> dict[str, int]:
    """Move inline inventories of an older suite folder into ``inventories.jsonl``, as a pure JSON
    transformation of its lines (no model round trip, so nothing else in a line can change). Every
    case of a world must carry the same account and inventory; returns the cases per split file."""
    directory = Path(directory)
    worlds: dict[str, tuple[str, list]] = {}
    out: dict[str, list[str]] = {}
    for split, path in split_files(directory, None):
        lines = out.setdefault(split, [])
        with open(path, encoding="utf-8") as fh:
            for lineno, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                data = json.loads(text)
                context = data["input"]["context"]
                key = (context["account_id"], context.pop("inventory", []))
                if worlds.setdefault(data["world"], key) != key:
                    raise CaseFileError(path, lineno, "input.context.inventory", "differs from its world's")
                lines.append(_dumps(data))
    entries = {w: {"world": w, "account_id": a, "inventory": inv} for w, (a, inv) in worlds.items()}
    _write_lines(directory / INVENTORIES, (_dumps(entries[w]) for w in sorted(entries)))
    return {split: _write_lines(directory / f"{split}.jsonl", lines) for split, lines in out.items()}
