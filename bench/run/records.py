"""Per-case records of ``samples.jsonl``: built from a case, read back for scoring, written sorted.

A record carries everything needed to understand a failure without the suite at hand: the input, the
translation (raw and parsed), both predicted verdicts, the gold, every metric's per-case value, the
failure type and a ``diagnosis`` (scope relation, cause of a wrong verdict, Region pairs). ``score`` reads
only records, so re-scoring never needs the translator, the suite or the engine.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.cases.schema import Case, Gold
from bench.model import Translation, Verdict
from scorers import CaseFacts, failure_type

SAMPLES = "samples.jsonl"
SAMPLES_GZ = "samples.jsonl.gz"


class SampleFileError(ValueError):
    """A samples file that cannot be used; the message names the file and line."""


#: ``json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))``.
ENCODE = _ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode

#: Fields the final scoring pass rewrites: never taken from an earlier serialisation.
_RESCORED = frozenset({"scores", "failure_type", "diagnosis"})

#: Per case id, the serialised fields of its appended record: field -> (the value object, its JSON).
Parts = dict[str, tuple[Any, str]]


@dataclass
class Framed:
    """A record's line as ``head`` + its scores' JSON + ``tail`` (``bench.run.recordcache``).

    ``record`` may hold only some of the line's fields (the rest are in the text). While it holds, in
    every field but ``scores``, the objects it held when framed, the line is the frame around its
    scores; otherwise the framed line's fields updated with the record's."""

    head: str
    tail: str
    record: dict[str, Any]
    fields: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.fields = {k: v for k, v in self.record.items() if k != "scores"}

    def line(self, record: dict[str, Any]) -> str:
        if record.keys() == self.record.keys() and all(record[k] is v for k, v in self.fields.items()):
            return self.head + _ENCODE(record["scores"]) + self.tail + "\n"
        return _ENCODE({**json.loads(self.head + "{}" + self.tail), **record}) + "\n"


def dump_line(record: dict[str, Any], parts: Parts | Framed | None = None) -> str:
    """The record as one JSON line (sorted keys, compact, UTF-8 as is).

    ``parts``: fields serialised earlier (``dump_parts``); one is reused when the record still holds the
    very object it was made from (``is``), else the field is serialised again. JSON of a dict with sorted
    keys is the sorted ``"key":value`` pairs of its values' own JSON, so the bytes are those of
    ``json.dumps(record, ...)`` either way. A ``Framed`` line is reused around the record's scores.
    """
    if isinstance(parts, Framed):
        return parts.line(record)
    if parts is None:
        return _ENCODE(record) + "\n"
    out = []
    for key in sorted(record):
        value = record[key]
        known = parts.get(key)
        text = known[1] if known is not None and known[0] is value else _ENCODE(value)
        out.append(f"{_ENCODE(key)}:{text}")
    return "{" + ",".join(out) + "}\n"


def dump_parts(record: dict[str, Any]) -> tuple[str, Parts]:
    """The record's line and its serialised fields (all but the re-scored ones), for ``dump_line``."""
    parts = {k: (v, _ENCODE(v)) for k, v in record.items() if k not in _RESCORED}
    return dump_line(record, parts), parts


def slice_tags(case_or_record: Case | dict[str, Any]) -> tuple[str, ...]:
    """Tags used for slicing: the case's own plus ``split:<split>`` (a run may hold several splits)."""
    if isinstance(case_or_record, Case):
        return (*case_or_record.tags, f"split:{case_or_record.split}")
    return (*case_or_record.get("tags", ()), f"split:{case_or_record.get('split')}")


def diagnosis(facts: CaseFacts) -> dict[str, Any]:
    return {
        "predicted_reachable": facts.predicted_reachable,
        "gold_reachable": facts.gold_reachable,
        "scope": facts.scope,
        "scope_widened": facts.scope_widened if facts.scope is not None else None,
        "error_cause": facts.error_cause,
        "regions": {slot: list(pair) for slot, pair in facts.region_pairs.items()},
        "suite_split": suite_split(facts),
    }


def suite_split(facts: CaseFacts) -> dict[str, Any] | None:
    """The first world of the case's test suite where gold and prediction part, with both verdicts."""
    split = facts.suite_split
    if split is None or split < 0 or facts.suite is None:
        return None
    predicted = facts.suite.get("predicted")
    return {
        "world": facts.suite["worlds"][split],
        "gold": facts.suite["gold"][split],
        "predicted": None if predicted is None else predicted[split],
    }


def case_facts(
    case: Case, translation: Translation, predicted: Verdict | None, denotation: Any, suite: Any
) -> CaseFacts:
    """The scorers' facts of one case, the same wherever its record is built or reused."""
    return CaseFacts(
        case.gold,
        translation,
        predicted,
        case_id=case.id,
        tags=slice_tags(case),
        denotation=denotation,
        suite=suite,
    )


def record_input(case: Case) -> dict[str, Any]:
    """The case's input without the inventory: it is the world's (``world`` in the record names it, the
    suite's ``inventories.jsonl`` holds it) and would be half of every record."""
    data = case.input.model_dump(mode="json", exclude={"context": {"inventory"}})
    return data


def record_gold(case: Case) -> dict[str, Any]:
    """The gold without the hops of its verdicts (the suite has them; no scorer reads them)."""
    return case.gold.model_dump(mode="json", exclude={"verdict": {"hops"}, "ra_verdict": {"hops"}})


def build_record(
    case: Case,
    translation: Translation,
    predicted: Verdict | None,
    predicted_ra: Verdict | None,
    scores: dict[str, float | None] | None = None,
    cross: dict[str, Any] | None = None,
    facts: CaseFacts | None = None,
) -> dict[str, Any]:
    """The samples.jsonl record of one case (scores filled in by the caller or by re-scoring).

    ``cross``: the ``denotation`` and ``suite`` fields (``bench.run.crossworld``; stored as ``denotation``
    and ``test_suite``), None when not computed. ``facts``: the case's ``CaseFacts`` when the caller
    already built them from the same arguments (their derived values are then computed once).
    """
    cross = cross or {"denotation": None, "suite": None}
    if facts is None:
        facts = case_facts(case, translation, predicted, cross["denotation"], cross["suite"])
    return {
        "case_id": case.id,
        "suite": case.suite,
        "split": case.split,
        "world": case.world,
        "lang": case.lang,
        "tags": list(case.tags),
        "input": record_input(case),
        "gold": record_gold(case),
        "translation": translation.model_dump(mode="json"),
        "predicted": None if predicted is None else predicted.model_dump(mode="json"),
        "predicted_ra": None if predicted_ra is None else predicted_ra.model_dump(mode="json"),
        "denotation": cross["denotation"],
        "test_suite": cross["suite"],
        "scores": scores or {},
        "failure_type": failure_type(facts),
        "diagnosis": diagnosis(facts),
    }


def facts_of(record: dict[str, Any], where: str = "") -> CaseFacts:
    """The scorers' view of a stored record (validated; errors name the record)."""
    try:
        predicted = record.get("predicted")
        return CaseFacts(
            gold=Gold.model_validate(record["gold"]),
            translation=Translation.model_validate(record["translation"]),
            predicted=None if predicted is None else Verdict.model_validate(predicted),
            case_id=str(record["case_id"]),
            tags=slice_tags(record),
            denotation=record.get("denotation"),
            suite=record.get("test_suite"),
        )
    except (KeyError, ValueError) as exc:
        raise SampleFileError(f"{where or 'sample'}: case {record.get('case_id')!r}: {exc}") from None


def samples_path(run_dir: Path) -> Path:
    """The samples file of a run directory: ``samples.jsonl``, else ``samples.jsonl.gz`` (a published,
    compressed run); the plain name when neither exists. The plain file wins when both do: it is the one
    a running or resumed run appends to."""
    plain = Path(run_dir) / SAMPLES
    packed = Path(run_dir) / SAMPLES_GZ
    return packed if not plain.exists() and packed.exists() else plain


def _read_text(path: Path) -> str:
    if path.name.endswith(".gz"):
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                return fh.read()
        except (OSError, EOFError) as exc:
            raise SampleFileError(f"{path}: not a readable gzip file: {exc}") from None
    return path.read_text(encoding="utf-8")


def read_samples(path: Path, *, tolerate_torn_tail: bool = False) -> list[dict[str, Any]]:
    """Records of a samples file (``.jsonl`` or ``.jsonl.gz``; a missing ``samples.jsonl`` falls back to
    the ``.gz`` beside it). A torn last line (an interrupted write) is dropped when tolerated."""
    path = Path(path)
    if not path.exists() and path.name == SAMPLES:
        path = samples_path(path.parent)
    if not path.exists():
        return []
    lines = _read_text(path).splitlines(keepends=True)
    out: list[dict[str, Any]] = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:
            last = lineno == len(lines)
            if tolerate_torn_tail and last and not line.endswith("\n"):
                break
            raise SampleFileError(f"{path}:{lineno}: not JSON: {exc.msg}") from None
    return out


def compress_samples(run_dir: Path, level: int = 9) -> Path:
    """Replace ``samples.jsonl`` by ``samples.jsonl.gz``, byte-reproducible (mtime 0, no file name in
    the header), so that a published run can be committed compactly and re-compressing changes nothing."""
    plain, packed = Path(run_dir) / SAMPLES, Path(run_dir) / SAMPLES_GZ
    tmp = packed.with_suffix(".gz.tmp")
    with plain.open("rb") as src, tmp.open("wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=level, mtime=0) as out:
            shutil.copyfileobj(src, out, 1 << 20)
    os.replace(tmp, packed)
    plain.unlink()
    return packed


def decompress_samples(run_dir: Path) -> Path:
    """Back to a plain ``samples.jsonl`` (a compressed run being resumed or re-scored appends to it)."""
    plain, packed = Path(run_dir) / SAMPLES, Path(run_dir) / SAMPLES_GZ
    tmp = plain.with_suffix(".jsonl.tmp")
    with gzip.open(packed, "rb") as src, tmp.open("wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
    os.replace(tmp, plain)
    packed.unlink()
    return plain


def write_samples(
    run_dir: Path,
    records: Iterable[dict[str, Any]],
    compress: bool,
    parts: dict[str, Parts | Framed] | None = None,
) -> Path:
    """Write the final, sorted samples of a run: plain, or compressed (and the other form removed).
    ``parts``: per case id, fields serialised when the record was appended (see ``dump_line``)."""
    plain = Path(run_dir) / SAMPLES
    write_sorted(plain, records, parts)
    if compress:
        return compress_samples(run_dir)
    (Path(run_dir) / SAMPLES_GZ).unlink(missing_ok=True)  # a stale copy would disagree with the new file
    return plain


def latest_by_id(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One record per case id (a later line wins: a resumed run may re-append a case)."""
    return {str(r["case_id"]): r for r in records}


def write_sorted(
    path: Path, records: Iterable[dict[str, Any]], parts: dict[str, Parts | Framed] | None = None
) -> None:
    """Rewrite the samples file sorted by case id, atomically (write then rename)."""
    tmp = path.with_suffix(".jsonl.tmp")
    parts = parts or {}
    with tmp.open("w", encoding="utf-8") as fh:
        for record in sorted(records, key=lambda r: str(r["case_id"])):
            fh.write(dump_line(record, parts.get(str(record["case_id"]))))
    os.replace(tmp, path)


class SampleAppender:
    """Appends records as they arrive, so an interrupted run keeps what it finished.

    Flushed at most every ``flush_every`` seconds (and on close): a write per record costs more than the
    rest of the harness on a slow disk, and a crash then loses at most that much work, redone on resume.
    """

    def __init__(self, path: Path, flush_every: float = 0.25) -> None:
        self.path = path
        self.flush_every = flush_every
        self._repair_tail()
        self._fh = path.open("a", encoding="utf-8")
        self._last_flush = time.monotonic()

    def _repair_tail(self) -> None:
        # A crash mid-write leaves a partial last line; cut it so appended lines stay well formed.
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            cut = data.rfind(b"\n") + 1
            with self.path.open("r+b") as fh:
                fh.truncate(cut)

    def append(self, record: dict[str, Any], line: str | None = None) -> None:
        """Append ``record`` (``line``: its ``dump_line``, when the caller already has it)."""
        self._fh.write(line if line is not None else dump_line(record))
        now = time.monotonic()
        if now - self._last_flush >= self.flush_every:
            self._fh.flush()
            self._last_flush = now

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> SampleAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_facts(records: Iterable[dict[str, Any]], where: str = "") -> Iterator[CaseFacts]:
    for record in records:
        yield facts_of(record, where)
