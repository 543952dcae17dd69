"""``predictions:FILE`` -- score answers produced elsewhere, replayed by case id.

For systems the harness cannot call: a console assistant driven by a person, a vendor's cluster, a
model served somewhere else. Export the questions with ``reachbench cases export-inputs``, fill the
answer sheet (``answers.csv`` or ``answers.jsonl``; columns in ``bench.cases.answers``), and run
``reachbench run --translator predictions:answers.csv``.

The whole file is read and checked before the run starts: a malformed row, an unknown column, a
duplicate case id or (once the suite is known, ``check_cases``) a case id the suite does not have is an
error naming ``file:line:field``, and every such problem is listed at once. A selected case without a
row (or with a blank row) becomes the scored failure ``translator:missing_prediction``.
"""

from __future__ import annotations

import csv
import hashlib
import ipaddress
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bench.cases.answers import ANSWER_COLUMNS, QUERY_COLUMNS, VERDICT_WORDS
from bench.cases.schema import CaseInput
from bench.model import Query, Translation
from bench.translators.base import Translator, TranslatorError
from bench.translators.registry import register_translator

MAX_LISTED = 50


class PredictionsOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="Answer sheet: .csv (the filled answers.csv) or .jsonl, one row per case.")


class RowProblem(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _text(value: Any, field: str) -> str | None:
    """A cell as trimmed text; blank and null are None. Numbers are accepted where JSON gives them."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RowProblem(field, f"expected text, got {type(value).__name__}")
    text = str(value).strip()
    return text or None


def _verdict(value: Any) -> tuple[bool, bool | None]:
    """(given, claim): the claimed_verdict cell; claim None is "can't tell"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return False, None
    if isinstance(value, bool):
        return True, value
    if not isinstance(value, str):
        raise RowProblem("claimed_verdict", f"expected text, got {type(value).__name__}")
    word = " ".join(value.strip().lower().replace("’", "'").split())
    if word not in VERDICT_WORDS:
        raise RowProblem(
            "claimed_verdict", f"{value!r} is not one of 'reachable', 'not reachable', \"can't tell\""
        )
    return True, VERDICT_WORDS[word]


def row_to_translation(row: dict[str, Any], raw: str) -> Translation | None:
    """One answer-sheet row -> Translation, or None for a blank row; RowProblem names the bad field."""
    slots: dict[str, Any] = {}
    for column in QUERY_COLUMNS:
        value = row.get(column)
        if column == "port" and isinstance(value, int) and not isinstance(value, bool):
            slots[column] = value
            continue
        text = _text(value, column)
        if text is None:
            continue
        if column == "port":
            try:
                slots[column] = int(text)
            except ValueError:
                raise RowProblem("port", f"{text!r} is not a port number") from None
        elif column in ("source_ip", "destination_ip"):
            try:
                ipaddress.ip_address(text)
            except ValueError:
                raise RowProblem(column, f"{text!r} is not an IP address") from None
            slots[column] = text
        else:
            slots[column] = text.lower() if column == "protocol" else text
    abstain_reason = _text(row.get("abstain_reason"), "abstain_reason")
    given, claim = _verdict(row.get("claimed_verdict"))
    blocking = _text(row.get("claimed_blocking"), "claimed_blocking")
    _text(row.get("note"), "note")
    if slots:
        if abstain_reason is not None:
            raise RowProblem("abstain_reason", "a row has either a query or an abstain_reason, not both")
        for required in ("region", "source", "destination"):
            if required not in slots:
                raise RowProblem(required, "required when any query slot is filled")
        try:
            query = Query.model_validate(slots)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "query"
            raise RowProblem(where, str(first.get("msg"))) from None
        return Translation(
            status="query", query=query, claimed_verdict=claim, claimed_blocking=blocking, raw=raw
        )
    if abstain_reason is not None or (given and claim is None):
        if given and claim is not None:
            raise RowProblem("claimed_verdict", "an abstention (abstain_reason) cannot also claim a verdict")
        if blocking is not None:
            raise RowProblem("claimed_blocking", "an abstention cannot blame a component")
        return Translation(status="abstain", abstain_reason=abstain_reason or "can't tell", raw=raw)
    if given:
        if claim is True and blocking is not None:
            raise RowProblem("claimed_blocking", "a 'reachable' answer cannot blame a blocking component")
        return Translation(status="answer", claimed_verdict=claim, claimed_blocking=blocking, raw=raw)
    if blocking is not None:
        raise RowProblem("claimed_blocking", "given without a claimed_verdict")
    return None


def _csv_rows(path: Path, text: str, problems: list[str]) -> Iterator[tuple[int, dict[str, Any], str]]:
    reader = csv.reader(text.splitlines())
    header: list[str] | None = None
    for row in reader:
        lineno = reader.line_num
        if header is None:
            header = [h.strip() for h in row]
            unknown = [h for h in header if h not in ANSWER_COLUMNS]
            for h in unknown:
                problems.append(
                    f"{path}:{lineno}:{h or '<empty>'}: unknown column (columns: {', '.join(ANSWER_COLUMNS)})"
                )
            if "case_id" not in header:
                problems.append(f"{path}:{lineno}:case_id: missing column")
            if unknown or "case_id" not in header:
                return
            dupes = sorted({h for h in header if header.count(h) > 1})
            for h in dupes:
                problems.append(f"{path}:{lineno}:{h}: column given twice")
            if dupes:
                return
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(f"{path}:{lineno}:<row>: {len(row)} cells for {len(header)} columns")
            continue
        yield lineno, dict(zip(header, row, strict=True)), ",".join(row)


def _jsonl_rows(path: Path, text: str, problems: list[str]) -> Iterator[tuple[int, dict[str, Any], str]]:
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{lineno}:<line>: invalid JSON: {exc.msg}")
            continue
        if not isinstance(doc, dict):
            problems.append(f"{path}:{lineno}:<line>: expected an object, got {type(doc).__name__}")
            continue
        unknown = sorted(k for k in doc if k not in ANSWER_COLUMNS)
        if unknown:
            for key in unknown:
                problems.append(f"{path}:{lineno}:{key}: unknown field (fields: {', '.join(ANSWER_COLUMNS)})")
            continue
        yield lineno, doc, line


def read_predictions(path: str | Path) -> tuple[dict[str, Translation | None], dict[str, int], list[str]]:
    """Read an answer sheet: (case id -> translation or None for blank, case id -> line, problems)."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}, {}, [f"{source}:0:<file>: no such file"]
    except (OSError, UnicodeDecodeError) as exc:
        return {}, {}, [f"{source}:0:<file>: cannot read: {exc}"]
    problems: list[str] = []
    rows: Iterable[tuple[int, dict[str, Any], str]]
    rows = (
        _csv_rows(source, text, problems)
        if source.suffix.lower() == ".csv"
        else _jsonl_rows(source, text, problems)
    )
    out: dict[str, Translation | None] = {}
    lines: dict[str, int] = {}
    for lineno, row, raw in rows:
        try:
            case_id = _text(row.get("case_id"), "case_id")
            if case_id is None:
                raise RowProblem("case_id", "missing")
        except RowProblem as exc:
            problems.append(f"{source}:{lineno}:{exc.field}: {exc.reason}")
            continue
        if case_id in lines:
            problems.append(
                f"{source}:{lineno}:case_id: duplicate {case_id!r} (first at line {lines[case_id]})"
            )
            continue
        lines[case_id] = lineno
        try:
            out[case_id] = row_to_translation(row, raw)
        except RowProblem as exc:
            problems.append(f"{source}:{lineno}:{exc.field}: {exc.reason}")
    return out, lines, problems


def _raise(problems: list[str]) -> None:
    shown = problems[:MAX_LISTED]
    more = f"\n... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    raise TranslatorError(
        f"predictions: {len(problems)} problem(s) in the answer sheet:\n" + "\n".join(shown) + more
    )


@register_translator("predictions")
class PredictionsTranslator(Translator):
    version = "1"
    description = "Replays an answer sheet (CSV/JSONL) by case id: queries, abstentions or answers only."
    options_model = PredictionsOptions
    positional_option = "path"
    cacheable = False  # the file is the answer; nothing to save by caching it
    default_timeout = None  # a dictionary look-up needs no watchdog thread

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self.path = Path(self.options["path"])
        self._by_id, self._lines, problems = read_predictions(self.path)
        if problems:
            _raise(problems)
        self._digest = hashlib.sha256(self.path.read_bytes()).hexdigest()

    def settings(self) -> dict[str, object]:
        out = super().settings()
        out["sha256"] = self._digest  # the run record names the exact file scored
        out["rows"] = len(self._by_id)
        out["answer_only_rows"] = sum(
            1 for t in self._by_id.values() if t is not None and t.status == "answer"
        )
        return out

    @property
    def answer_only(self) -> bool:
        """Every filled row is an answer without a query (a console assistant read back)."""
        filled = [t for t in self._by_id.values() if t is not None and t.status != "abstain"]
        return bool(filled) and all(t.status == "answer" for t in filled)

    def check_cases(self, suite_ids: Iterable[str], suite_name: str = "", splits: Iterable[str] = ()) -> None:
        """Raise listing every row whose case id is not in the suite (``file:line:case_id``)."""
        known = set(suite_ids)
        unknown = sorted((line, cid) for cid, line in self._lines.items() if cid not in known)
        where = f" {suite_name!r}" if suite_name else ""
        where += f"; loaded split(s): {', '.join(splits)}" if splits else ""
        if unknown:
            _raise(
                [
                    f"{self.path}:{line}:case_id: unknown case id {cid!r} (not in suite{where})"
                    for line, cid in unknown
                ]
            )

    def _translate_case(self, case_input: CaseInput, case_id: str | None) -> Translation:
        found = self._by_id.get(case_id) if case_id is not None else None
        if found is None:
            why = "blank row" if case_id in self._by_id else "no row"
            return Translation.failure("translator:missing_prediction", raw=f"{why} for case {case_id!r}")
        return found
