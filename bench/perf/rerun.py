"""Where users wait (issue 14): start-up and a cached rerun, as medians of repeated subprocess runs.

    python -m bench.perf.rerun [--repeats 3] [--suites core] [--translator rules]
    reachbench perf rerun

Start-up is ``reachbench --help`` and ``reachbench translators list`` (a trivial command). The cached
rerun fills a private translation and verdict cache once (``$REACHBENCH_CACHE`` in a temporary folder),
then times runs whose translations and verdicts all come from it; the summaries of every repeat must be
byte-identical to the filling run's (else the figures are void and the command says so). Each figure is
the median wall-clock time of ``--repeats`` runs; ``ratio`` is the figure over its target.

The timed commands run the code of *this* checkout: each subprocess gets the folder this ``bench``
package was imported from as its working directory and first ``PYTHONPATH`` entry, never an installed
copy. ``measure()`` returns the figures (for ``reachbench perf``'s umbrella report); ``run()`` prints them.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

TARGETS = {"help": 0.5, "trivial": 0.5, "rerun core": 3.0, "rerun seed+natural+core": 5.0}


#: The checkout whose code is timed: the folder holding the imported ``bench`` package.
ROOT = Path(__file__).resolve().parents[2]


def tree_env(root: Path = ROOT, base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with checkout ``root`` first on ``PYTHONPATH``
    (and no other entry naming a checkout's top folder: ``.`` would be the working directory)."""
    env = dict(os.environ if base is None else base)
    rest = [
        p
        for p in env.get("PYTHONPATH", "").split(os.pathsep)
        if p and p != "." and Path(p).resolve() != root.resolve()
    ]
    env["PYTHONPATH"] = os.pathsep.join([str(root), *rest])
    return env


def _time(args: list[str], env: dict[str, str], root: Path = ROOT) -> tuple[float, float]:
    """(wall-clock s, CPU s of the subprocess: user + system, which a busy machine inflates less)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bench.cli", *args],
        env=env,
        cwd=root,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _summaries(out: Path) -> dict[str, str]:
    found = {}
    for path in sorted(out.glob("*/summary.json")):
        suite = path.parent.name.split("-", 1)[0]
        found[suite] = path.read_text().replace(path.parent.name, "RUN")
    return found


def measure(repeats: int, translator: str, jobs: int, root: Path = ROOT) -> list[dict[str, Any]]:
    """The figures as rows: ``what``, ``median_s``, ``runs`` (every repeat), ``cpu_median_s`` (user +
    system time of the command, median), ``target_s``, ``ratio`` (median over target; < 1 meets it) and,
    for the reruns, ``fill_s`` (the uncached run) and ``identical`` (every repeat's summaries equal the
    uncached run's; False voids the figure). ``root``: the checkout to time (default: this one)."""
    found: list[dict[str, Any]] = []
    env = tree_env(root)
    found.append(_row("help", [_time(["--help"], env, root) for _ in range(repeats)]))
    found.append(_row("trivial", [_time(["translators", "list"], env, root) for _ in range(repeats)]))
    with tempfile.TemporaryDirectory() as tmp:
        env["REACHBENCH_CACHE"] = str(Path(tmp) / "cache" / "translations.sqlite")
        for label, suites in (
            ("rerun core", ["core"]),
            ("rerun seed+natural+core", ["seed", "natural", "core"]),
        ):
            args = ["run", "-t", translator, "-j", str(jobs)] + [a for s in suites for a in ("--suite", s)]
            first_out = Path(tmp) / f"{label}-fill"
            fill, _ = _time([*args, "--out", str(first_out)], env, root)
            reference = _summaries(first_out)
            times, identical = [], True
            for i in range(repeats):
                out = Path(tmp) / f"{label}-{i}"
                times.append(_time([*args, "--out", str(out)], env, root))
                identical &= _summaries(out) == reference
            found.append({**_row(label, times), "fill_s": fill, "identical": identical})
    return found


def _row(label: str, timed: list[tuple[float, float]]) -> dict[str, Any]:
    times = [wall for wall, _ in timed]
    median = statistics.median(times)
    target = TARGETS[label]
    return {
        "what": label,
        "median_s": median,
        "runs": times,
        "cpu_median_s": statistics.median(cpu for _, cpu in timed),
        "target_s": target,
        "ratio": median / target,
    }


def report(rows: list[dict[str, Any]], console: Console) -> None:
    table = Table(title="where users wait (wall clock, median of repeats)")
    cols = ("what", "median s", "CPU s", "target s", "ratio", "first (uncached) s", "summaries identical")
    for col in cols:
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            r["what"],
            f"{r['median_s']:.2f}",
            f"{r['cpu_median_s']:.2f}",
            f"{r['target_s']:.1f}",
            f"{r['ratio']:.2f}",
            f"{r['fill_s']:.1f}" if "fill_s" in r else "",
            ("yes" if r["identical"] else "[red]NO[/]") if "identical" in r else "",
        )
    console.print(table)


def run(
    repeats: int = 3,
    translator: str = "rules",
    jobs: int = 4,
    console: Console | None = None,
    root: Path = ROOT,
) -> int:
    console = console or Console()
    found = measure(repeats, translator, jobs, root)
    report(found, console)
    return 0 if all(r.get("identical", True) for r in found) else 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--translator", default="rules")
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument(
        "--tree", type=Path, default=ROOT, help="checkout to time (default: this one), e.g. an old tree"
    )
    args = parser.parse_args(argv)
    raise SystemExit(run(args.repeats, args.translator, args.jobs, Console(width=160), args.tree.resolve()))


if __name__ == "__main__":
    main()
