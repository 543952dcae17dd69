"""Export a suite as JSONL, Parquet or a Hugging Face ``datasets`` folder, with explicit ``Features``.

Explicit features (rather than letting ``datasets`` infer them) keep the column types identical across
suites and releases: a null-only column is still typed, and a consumer can rely on the schema. The
record is flat where people filter (``answerable``, ``reachable``, ``explanation_code``, ``tags``) and
keeps the full verdicts as JSON strings so that the export converts back to ``Case`` without loss.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Literal

from datasets import Dataset, DatasetDict, Features, Value

try:  # datasets >= 4: ``List`` is a list of anything. ``Sequence`` of a dict there means a dict of lists,
    # which fails to encode the inventory's list of items ("'list' object has no attribute 'get'").
    from datasets import List
except ImportError:  # pragma: no cover - datasets 3, where Sequence of a dict still takes a list of dicts
    from datasets import Sequence as List

from bench.cases.loader import Suite, dump_case
from bench.cases.schema import Case, CaseInput, Context, Gold, InventoryItem
from bench.model import BlockingComponent, Query, Verdict

ExportFormat = Literal["jsonl", "parquet", "hf"]

_QUERY = {
    "region": Value("string"),
    "source": Value("string"),
    "source_ip": Value("string"),
    "destination": Value("string"),
    "destination_ip": Value("string"),
    "protocol": Value("string"),
    "port": Value("int32"),
    "destination_region": Value("string"),
}
_INVENTORY = {
    "id": Value("string"),
    "type": Value("string"),
    "name": Value("string"),
    "region": Value("string"),
    "vpc_id": Value("string"),
    "subnet_id": Value("string"),
    "private_ips": List(Value("string")),
    "public_ips": List(Value("string")),
    "dns_names": List(Value("string")),
    "tags_json": Value("string"),
}

FEATURES = Features(
    {
        "id": Value("string"),
        "suite": Value("string"),
        "split": Value("string"),
        "world": Value("string"),
        "lang": Value("string"),
        "turns": List(Value("string")),
        "home_region": Value("string"),
        "account_id": Value("string"),
        "inventory": List(_INVENTORY),
        "answerable": Value("bool"),
        "abstain_reason": Value("string"),
        "query": _QUERY,
        "reachable": Value("bool"),
        "explanation_code": Value("string"),
        "blocking": {"id": Value("string"), "type": Value("string"), "direction": Value("string")},
        "equivalents_json": Value("string"),
        "verdict_json": Value("string"),
        "ra_verdict_json": Value("string"),
        "tags": List(Value("string")),
        "comment": Value("string"),
    }
)


def json_cell(value: Any) -> str | None:
    """A nested value as one string column (compact, sorted keys): parquet stays flat and readable by
    any tool, and equal values are equal strings. None stays a null cell."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def case_to_record(case: Case) -> dict[str, Any]:
    """One case as a flat, typed record matching ``FEATURES``."""
    gold = case.gold
    verdict = gold.verdict
    empty_query = dict.fromkeys(_QUERY)
    return {
        "id": case.id,
        "suite": case.suite,
        "split": case.split,
        "world": case.world,
        "lang": case.lang,
        "turns": list(case.input.turns),
        "home_region": case.input.context.home_region,
        "account_id": case.input.context.account_id,
        "inventory": [
            {
                **item.model_dump(mode="json", exclude={"tags"}),
                "tags_json": json_cell(item.tags),
            }
            for item in case.input.context.inventory
        ],
        "answerable": gold.answerable,
        "abstain_reason": gold.abstain_reason,
        "query": gold.query.model_dump(mode="json") if gold.query else empty_query,
        "reachable": verdict.reachable if verdict else None,
        "explanation_code": verdict.explanation_code if verdict else None,
        "blocking": gold.blocking.model_dump(mode="json") if gold.blocking else None,
        "equivalents_json": json_cell({k: list(v) for k, v in gold.equivalents.items()}),
        "verdict_json": json_cell(verdict.model_dump(mode="json")) if verdict else None,
        "ra_verdict_json": json_cell(gold.ra_verdict.model_dump(mode="json")) if gold.ra_verdict else None,
        "tags": list(case.tags),
        "comment": case.comment,
    }


def record_to_case(record: dict[str, Any]) -> Case:
    """Inverse of ``case_to_record``: an exported row back to the Case it came from."""
    query = record.get("query") or {}
    inventory = tuple(
        InventoryItem(
            **{k: v for k, v in item.items() if k != "tags_json"},
            tags=json.loads(item["tags_json"]) if item.get("tags_json") else {},
        )
        for item in record["inventory"]
    )
    blocking = record.get("blocking")
    return Case(
        id=record["id"],
        suite=record["suite"],
        split=record["split"],
        world=record["world"],
        lang=record["lang"],
        input=CaseInput(
            turns=tuple(record["turns"]),
            context=Context(
                home_region=record["home_region"], account_id=record["account_id"], inventory=inventory
            ),
        ),
        gold=Gold(
            answerable=record["answerable"],
            abstain_reason=record["abstain_reason"],
            query=Query(**query) if query.get("source") else None,
            verdict=Verdict(**json.loads(record["verdict_json"])) if record["verdict_json"] else None,
            ra_verdict=Verdict(**json.loads(record["ra_verdict_json"]))
            if record["ra_verdict_json"]
            else None,
            blocking=BlockingComponent(**blocking) if blocking and blocking.get("id") else None,
            equivalents={k: tuple(v) for k, v in json.loads(record["equivalents_json"] or "{}").items()},
        ),
        tags=tuple(record["tags"]),
        comment=record["comment"],
    )


def to_dataset(cases: list[Case]) -> Dataset:
    """The cases as a ``datasets.Dataset`` with the explicit ``FEATURES`` (also for no cases: an empty
    split or filter, where ``from_list`` cannot see any column and ``datasets`` 5 refuses the schema)."""
    if not cases:
        return Dataset.from_dict({name: [] for name in FEATURES}, features=FEATURES)
    return Dataset.from_list([case_to_record(c) for c in cases], features=FEATURES)


def to_dataset_dict(suite: Suite) -> DatasetDict:
    return DatasetDict({name: to_dataset(suite.split(name)) for name in suite.splits})


def export_suite(suite: Suite, fmt: ExportFormat, out_dir: str | Path) -> list[Path]:
    """Write the suite to ``out_dir`` in one format; returns the files or folders written.

    jsonl: ``<split>.jsonl`` (canonical lines) + ``suite.json``; parquet: ``<split>.parquet``;
    hf: ``save_to_disk`` of a ``DatasetDict`` keyed by split. Every format carries ``suite.json`` with the
    suite's version and content hash, so an export can always be traced to the cases it came from.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    meta = {
        "name": suite.name,
        "version": suite.version,
        "hash": suite.hash,
        "description": suite.description,
    }
    if fmt == "jsonl":
        for name in suite.splits:
            path = out / f"{name}.jsonl"
            path.write_text("".join(dump_case(c) + "\n" for c in suite.split(name)), encoding="utf-8")
            written.append(path)
    elif fmt == "parquet":
        for name in suite.splits:
            path = out / f"{name}.parquet"
            to_dataset(suite.split(name)).to_parquet(str(path))
            written.append(path)
    elif fmt == "hf":
        target = out / "hf"
        if target.exists():
            shutil.rmtree(target)
        to_dataset_dict(suite).save_to_disk(str(target))
        written.append(target)
    else:
        raise ValueError(f"unknown export format {fmt!r}; use jsonl, parquet or hf")
    meta_path = out / "suite.json"
    meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written.append(meta_path)
    return written
