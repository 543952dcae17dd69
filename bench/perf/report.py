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


def wide(console: Console | None = None) -> Console:
    """``console`` (default: a new one), or a 200-column one writing to the same file when that is not a
    terminal (a log file, a pipe): the benchmarks' tables keep each row on one line."""
    console = console or Console()
    return console if console.is_terminal else Console(width=200, file=console.file)


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


# --- sections -------------------------------------------------------------------------------------


def startup_section(rows: list[dict[str, Any]]) -> list[Headline]:
    """Headlines from ``bench.perf.rerun.measure`` rows."""
    out = []
    for r in rows:
        section = "start-up" if r["what"] in ("help", "trivial") else "cached rerun"
        what = {"help": "reachbench --help", "trivial": "reachbench translators list"}.get(
            r["what"], r["what"]
        )
        note = f"CPU {r['cpu_median_s']:.2f} s" if "cpu_median_s" in r else ""
        if "identical" in r:
            note += "; summaries identical" if r["identical"] else "; SUMMARIES DIFFER"
            note += f"; uncached {r['fill_s']:.1f} s"
        out.append(Headline(section, what, r["median_s"], "s", r["target_s"], note=note))
    return out


SET_TARGET_MS = 1.0
LOAD_INDEX_TARGET_S = 2.0
JOBS_TARGET = 0.70


def engine_section(rows: list[dict[str, Any]]) -> list[Headline]:
    """Headlines from ``bench.perf.engine.measure`` rows (one per world size, smallest first)."""
    from bench.perf.engine import growth

    out: list[Headline] = []
    if not rows:
        return out
    base = rows[0]
    for r in rows:
        n = r["instances"]
        target = LOAD_INDEX_TARGET_S if n >= 50000 else None
        per = growth(base, r)
        note = f"peak RSS {r['peak_rss_mb']:,.0f} MB; per instance x{per:.2f} of {base['instances']:,}"
        out.append(
            Headline(
                "large worlds", f"load + index, {n:,} instances", r["load_index_s"], "s", target, note=note
            )
        )
    ten = next((r for r in rows if r["instances"] == 10000), None)
    if ten is not None:
        for kind, cell in sorted(ten["kinds"].items()):
            note = f"first time asked {cell['first_ms']:.2f} ms"
            out.append(Headline("set queries, 10k", kind, cell["ms"], "ms", SET_TARGET_MS, note=note))
    for r in rows:
        stable = "same in every process" if r.get("verdicts_stable", True) else "CHANGED BETWEEN PROCESSES"
        out.append(
            Headline(
                "verdicts",
                f"sha256 of {r['instances']:,}-instance mix",
                float(r["n_point"] + r["n_set"]),
                "verdicts",
                note=f"{r['verdicts_sha256'][:16]}… {stable}",
            )
        )
    return out


def jobs_section(rows: list[dict[str, Any]]) -> list[Headline]:
    """Headlines from ``bench.perf.jobs.measure`` rows (one per ``--jobs`` value): the share of the ideal
    (cases x delay / jobs) reached by the translate phase, by the whole run after start-up (what a user
    waits for, final scoring included) and by the translator and pool alone (no engine, no records)."""
    out = []
    for r in rows:
        same = "summaries identical" if r["identical"] else "SUMMARIES DIFFER"
        base = f"{r['cases']} cases x {1000 * r['delay_s']:.0f} ms, ideal {r['ideal_s']:.2f} s"
        target = JOBS_TARGET if r["jobs"] > 1 else None
        for what, key, seconds in (
            ("translate phase", "efficiency_translate", r["translate_s"]),
            ("whole run after start-up", "efficiency_after_startup", r["after_startup_s"]),
            ("translator + pool alone", "efficiency_pool_only", r["pool_only_s"]),
        ):
            note = f"{base}, measured {seconds:.2f} s; {same}"
            out.append(
                Headline(
                    "slow translator",
                    f"--jobs {r['jobs']}, {what}: share of ideal",
                    r[key],
                    "",
                    target,
                    higher_is_better=True,
                    note=note,
                )
            )
    return out


def failed_checks(
    rerun: list[dict[str, Any]], engine: list[dict[str, Any]], jobs: list[dict[str, Any]]
) -> list[str]:
    """Correctness checks that void the figures (never a missed target)."""
    bad = [
        f"cached rerun {r['what']}: summaries differ from the uncached run"
        for r in rerun
        if not r.get("identical", True)
    ]
    bad += [
        f"engine {r['instances']}: verdicts differ between processes"
        for r in engine
        if not r.get("verdicts_stable", True)
    ]
    bad += [
        f"--jobs {r['jobs']}: summary differs from the first run's"
        for r in jobs
        if not r.get("identical", True)
    ]
    bad += [
        f"--jobs {r['jobs']}: {r['misses']} requests the fake server could not answer"
        for r in jobs
        if r.get("misses")
    ]
    return bad


def main(
    *,
    repeats: int = 3,
    sizes: list[int] | None = None,
    queries: int = 5000,
    jobs: tuple[int, ...] = (32,),
    cases: int = 640,
    delay: float = 0.1,
    skip: set[str] | None = None,
    json_out: Path | None = None,
    console: Console | None = None,
    tree: Path | None = None,
) -> int:
    """Measure every section not in ``skip``, print the headline table, return the exit code.

    ``tree``: another checkout to measure with this harness (e.g. an old revision, for a before/after
    table in one sitting); every benchmark runs that tree's code in subprocesses."""
    console = wide(console)
    skip = skip or set()
    unknown = skip - {"rerun", "engine", "jobs"}
    if unknown:
        console.print(f"[red]error:[/] --skip takes rerun, engine or jobs, not {', '.join(sorted(unknown))}")
        return 2
    rerun_rows: list[dict[str, Any]] = []
    engine_rows: list[dict[str, Any]] = []
    jobs_rows: list[dict[str, Any]] = []
    if "rerun" not in skip:
        from bench.perf import rerun

        with console.status(f"start-up and cached reruns ({repeats} repeats)…"):
            rerun_rows = rerun.measure(repeats, "rules", 4, *([tree] if tree else []))
    if "engine" not in skip:
        from bench.perf import engine

        engine_rows = engine.run(sizes or [1000, 10000, 50000], queries, 0, console, repeats, tree=tree)
    if "jobs" not in skip:
        from bench.perf import jobs as jobs_bench

        with console.status(f"slow translator: {cases} cases, {delay * 1000:.0f} ms, --jobs {jobs}…"):
            jobs_rows = jobs_bench.measure(
                cases, jobs, delay, repeats, pythonpath=str(tree) if tree else None
            )
    rows = startup_section(rerun_rows) + engine_section(engine_rows) + jobs_section(jobs_rows)
    where = f"tree {tree}" if tree else "this checkout"
    render(rows, console, title=f"reachbench perf, {where} (medians of {repeats}; ratio = figure / target)")
    bad = failed_checks(rerun_rows, engine_rows, jobs_rows)
    for line in bad:
        console.print(f"[red]check failed:[/] {line}")
    if json_out is not None:
        extra = {
            "tree": str(tree) if tree else None,
            "rerun": rerun_rows,
            "engine": engine_rows,
            "jobs": jobs_rows,
        }
        write_json(rows, json_out, extra)
        console.print(f"rows written to {json_out}")
    return 1 if bad else 0
