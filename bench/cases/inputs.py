"""Export a suite's questions for an outside system, with a blank answer sheet (``cases export-inputs``).

Only what a translator may see leaves: the case id, the turns and the console context (home Region,
account, inventory). The ``console`` view is for a person driving a console assistant (Amazon Q network
troubleshooting): the turns, the home Region and the name of the world to deploy in the account, no
inventory (the console shows the account itself). Never the gold, the tags or the comment: tags such as
``fault:nacl-all`` would give the answer away.

Files written to the output folder (same inputs, same bytes):

- ``inputs.jsonl`` / ``inputs.csv`` / ``inputs.md``: the questions, one per case id, in suite order;
- ``answers.csv`` and ``answers.jsonl``: the blank answer sheet (``bench.cases.answers``), one row per
  case id, to fill and score with ``reachbench run --translator predictions:FILE``;
- ``suite.json``: the suite's name, version and hash, so the answers can be traced to the questions.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from bench.cases.answers import ANSWER_COLUMNS, CANT_TELL, NOT_REACHABLE, REACHABLE, blank_row
from bench.cases.loader import Suite
from bench.cases.schema import Case

InputFormat = Literal["jsonl", "csv", "md"]
InputView = Literal["translator", "console"]
FORMATS: tuple[str, ...] = ("jsonl", "csv", "md")
VIEWS: tuple[str, ...] = ("translator", "console")


def input_record(case: Case, view: InputView = "translator") -> dict[str, Any]:
    """What the outside system gets for one case (never the gold)."""
    context = case.input.context
    if view == "console":
        return {
            "case_id": case.id,
            "turns": list(case.input.turns),
            "home_region": context.home_region,
            "world": case.world,
        }
    return {"case_id": case.id, "input": case.input.model_dump(mode="json")}


def _jsonl(rows: Sequence[dict[str, Any]]) -> str:
    return "".join(
        json.dumps(r, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows
    )


def _csv(header: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in header})
    return buf.getvalue()


def _csv_inputs(cases: Sequence[Case], view: InputView) -> str:
    n_turns = max((len(c.input.turns) for c in cases), default=1)
    turn_cols = [f"turn_{i}" for i in range(1, n_turns + 1)]
    if view == "console":
        header = ["case_id", *turn_cols, "home_region", "world"]
    else:
        header = ["case_id", *turn_cols, "home_region", "account_id", "inventory_json"]
    rows = []
    for case in cases:
        row: dict[str, Any] = {"case_id": case.id, "home_region": case.input.context.home_region}
        row.update(zip(turn_cols, case.input.turns, strict=False))
        if view == "console":
            row["world"] = case.world
        else:
            row["account_id"] = case.input.context.account_id
            row["inventory_json"] = json.dumps(
                [i.model_dump(mode="json") for i in case.input.context.inventory],
                sort_keys=True,
                ensure_ascii=False,
                separators=(",", ":"),
            )
        rows.append(row)
    return _csv(header, rows)


def _md_cell(value: Any) -> str:
    text = ", ".join(value) if isinstance(value, list | tuple) else ("" if value is None else str(value))
    return text.replace("|", "\\|").replace("\n", " ")


def _md_inputs(suite: Suite, cases: Sequence[Case], view: InputView) -> str:
    lines = [
        f"# {suite.name} v{suite.version}: questions ({len(cases)} cases)",
        "",
        f"Suite hash `{suite.hash}`. Answer each case in `answers.csv` (one row per case id): the query you",
        f"analysed (`region`, `source`, `destination`, ...), or only the answer: `claimed_verdict` = "
        f"`{REACHABLE}` / `{NOT_REACHABLE}` / `{CANT_TELL}`, with the component blamed in",
        "`claimed_blocking`;",
        "`abstain_reason` when the system declined. Score with "
        "`reachbench run --translator predictions:answers.csv --suite " + suite.name + "`.",
        "",
    ]
    worlds: dict[str, Case] = {}
    for case in cases:
        worlds.setdefault(case.world, case)
        lines.append(f"## `{case.id}`")
        lines.append("")
        lines.append(f"- home Region: `{case.input.context.home_region}`")
        if view == "console":
            lines.append(f"- account's world: `{case.world}` (deploy it, then ask in the console)")
        else:
            lines.append(
                f"- account: `{case.input.context.account_id}` (inventory: world `{case.world}` below)"
            )
        for i, turn in enumerate(case.input.turns, 1):
            lines.append(f"- turn {i}: {turn}")
        lines.append("")
    if view == "translator":
        lines += ["# Inventories", ""]
        for name in sorted(worlds):
            lines += [
                f"## world `{name}`",
                "",
                "| id | type | name | region | vpc | subnet | private IPs | public IPs | DNS names |",
                "|---|---|---|---|---|---|---|---|---|",
            ]
            for item in worlds[name].input.context.inventory:
                cells = (
                    item.id,
                    item.type,
                    item.name,
                    item.region,
                    item.vpc_id,
                    item.subnet_id,
                    item.private_ips,
                    item.public_ips,
                    item.dns_names,
                )
                lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def export_inputs(
    suite: Suite, out_dir: str | Path, fmt: InputFormat = "jsonl", view: InputView = "translator"
) -> list[Path]:
    """Write the questions, the blank answer sheets and ``suite.json`` to ``out_dir``; returns the files."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown input format {fmt!r}; use {', '.join(FORMATS)}")
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; use {', '.join(VIEWS)}")
    cases = suite.cases
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        text = _jsonl([input_record(c, view) for c in cases])
    elif fmt == "csv":
        text = _csv_inputs(cases, view)
    else:
        text = _md_inputs(suite, cases, view)
    written = [out / f"inputs.{fmt}", out / "answers.csv", out / "answers.jsonl", out / "suite.json"]
    blanks = [blank_row(c.id) for c in cases]
    written[0].write_text(text, encoding="utf-8")
    written[1].write_text(_csv(ANSWER_COLUMNS, blanks), encoding="utf-8")
    written[2].write_text(_jsonl(blanks), encoding="utf-8")
    meta = {
        "name": suite.name,
        "version": suite.version,
        "hash": suite.hash,
        "splits": list(suite.splits),
        "n_cases": len(cases),
        "view": view,
    }
    written[3].write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return written


def write_answers(rows: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Write filled answer rows as CSV (``.csv``) or JSONL (anything else), columns in sheet order."""
    target = Path(path)
    if target.suffix.lower() == ".csv":
        target.write_text(_csv(ANSWER_COLUMNS, rows), encoding="utf-8")
    else:
        target.write_text(_jsonl([{k: r.get(k, "") for k in ANSWER_COLUMNS} for r in rows]), encoding="utf-8")
    return target
