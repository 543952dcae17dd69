"""``reachbench perf`` with no sub-command: every figure of "fast where users wait" in one report.

Four sections, each measured by its own benchmark module and summarised here as headline rows (a figure,
its target, the ratio figure / target, and whether the target is met):

* **start-up and cached reruns** (``bench.perf.rerun``): ``reachbench --help``, a trivial command, and
  reruns of ``core`` test and of ``seed`` + ``natural`` + ``core`` whose translations and verdicts all
  come from a private cache (their summaries must equal the uncached run's);
* **large worlds** (``bench.perf.engine``): load + index of synthetic worlds of 1k / 10k / 50k instances
  (the growth from 1k to 50k per instance, peak memory per size), and the mean latency of each kind of
  set destination on the 10k world;
* **slow translators** (``bench.perf.jobs``): a fake OpenAI-compatible server on 127.0.0.1 answering
  after 100 ms, ``--jobs 32``, speed-up against the ideal;
* **verdicts unchanged**: the sha256 of the verdicts of a fixed query set per world size.

Figures are medians of ``--repeats`` runs, wall clock, on whatever else the machine is doing: run it
alone. A missed target is reported, not fatal; the exit code is 1 only when a correctness check fails
(summaries of a cached rerun differ from the uncached run's, or a verdict hash changes between repeats).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Headline:
    section: str
    what: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Figure over target (< 1 is inside a lower-is-better target; > 1 beats a higher-is-better one)."""
        return None if not self.target else self.value / self.target

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


def render(rows: list[Headline], console: Console, title: str = "reachbench perf") -> None:
    table = Table(title=title)
    for col, justify in (
        ("section", "left"),
        ("figure", "left"),
        ("value", "right"),
        ("target", "right"),
        ("ratio", "right"),
        ("met", "center"),
        ("note", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        sign = ">=" if r.higher_is_better else "<"
        table.add_row(
            r.section,
            r.what,
            f"{_fmt(r.value)} {r.unit}",
            "" if r.target is None else f"{sign} {_fmt(r.target)} {r.unit}",
            "" if r.ratio is None else f"{r.ratio:.2f}",
            {True: "[green]yes[/]", False: "[red]no[/]", None: ""}[r.met],
            r.note,
        )
    console.print(table)


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def write_json(rows: list[Headline], path: Path, extra: dict[str, Any] | None = None) -> None:
    payload = {"headlines": [r.as_json() for r in rows], **(extra or {})}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
