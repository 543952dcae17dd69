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

from bench.cases.schema import Case

SPLITS: tuple[str, ...] = ("dev", "test")


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


def cases_root() -> Path:
    """The repository's ``cases/`` folder, overridable with ``REACHBENCH_CASES`` (for tests and users)."""
    env = os.environ.get("REACHBENCH_CASES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "cases"


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


def parse_case_line(text: str, file: str | Path, line: int) -> Case:
    """One JSONL line -> Case, or CaseFileError naming file, line and the first bad field."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseFileError(file, line, "<json>", f"invalid JSON at column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise CaseFileError(file, line, "<case>", f"expected a JSON object, got {type(data).__name__}")
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        loc, msg = _field_of(exc)
        raise CaseFileError(file, line, loc, msg) from None


def read_suite_meta(directory: Path) -> dict:
    meta_path = directory / "suite.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaseFileError(meta_path, 0, "suite.json", "no such file (is this a suite folder?)") from None
    except json.JSONDecodeError as exc:
        raise CaseFileError(meta_path, exc.lineno, "<json>", exc.msg) from None
    for key in ("name", "version"):
        if not isinstance(meta.get(key), str) or not meta[key]:
            raise CaseFileError(meta_path, 1, key, "required string field missing")
    return meta


def split_files(directory: Path, splits: Iterable[str] | None) -> list[tuple[str, Path]]:
    wanted = tuple(splits) if splits is not None else SPLITS
    for name in wanted:
        if name not in SPLITS:
            raise CaseFileError(directory, 0, "splits", f"unknown split {name!r}; known: {', '.join(SPLITS)}")
    return [(name, directory / f"{name}.jsonl") for name in wanted if (directory / f"{name}.jsonl").exists()]


def content_hash(files: Iterable[Path]) -> str:
    """sha256 over the bytes of the split files in order: what a run records to pin its cases."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_suite(name: str | Path, splits: Iterable[str] | None = None, keep_going: bool = False) -> Suite:
    """Load a suite by name (``cases/<name>/``) or folder path.

    Each case must sit in the file of its own split and carry the suite's name, and ids are unique
    across the suite; violations are reported like malformed lines.
    """
    directory = suite_dir(name)
    meta = read_suite_meta(directory)
    files = split_files(directory, splits)
    problems: list[CaseFileError] = []
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for split_name, path in files:
        for lineno, case in _numbered(path, keep_going, problems):
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
        hash=content_hash(p for _, p in files),
        splits=tuple(s for s, _ in files),
        cases=cases,
        problems=problems,
        path=directory,
    )


def _numbered(path: Path, keep_going: bool, problems: list[CaseFileError]) -> Iterator[tuple[int, Case]]:
    with open(path, encoding="utf-8") as fh:
        for lineno, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                yield lineno, parse_case_line(text, path, lineno)
            except CaseFileError as exc:
                if not keep_going:
                    raise
                problems.append(exc)


def dump_case(case: Case) -> str:
    """The canonical one-line JSON of a case: sorted keys, fields at their defaults left out (the
    inventory repeats in every case, so empty lists and nulls would double the corpus size)."""
    return json.dumps(
        case.model_dump(mode="json", exclude_defaults=True),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def write_cases(path: Path, cases: Iterable[Case]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for case in cases:
            fh.write(dump_case(case) + "\n")
            n += 1
    tmp.replace(path)
    return n
