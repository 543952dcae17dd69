"""Cost of test-suite accuracy: re-score committed runs with the cross-world verdicts computed from scratch.

``python -m bench.perf.suite [RUN_DIR ...]`` (or ``reachbench perf suite``) copies each run directory
to a temporary folder, drops the records' ``denotation`` and ``test_suite`` fields so that every case's
endpoints are denoted and its gold and predicted queries executed on every world of its test suite
(scenario worlds plus the seeded variants), and times ``reachbench score`` on it. With no argument it
takes the committed ``core`` test runs of ``results/runs`` (and ``natural`` runs when there are some).
The target (docs/scoring.md): under 60 s per ``core`` test run on 2 cores, engines and verdicts reused.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.run.records import SAMPLES, SAMPLES_GZ, samples_path
from bench.run.scoring import rescore

RUNS = Path("results/runs")


def _strip(run_dir: Path) -> int:
    """Remove the cross-world fields from the copy's records; returns the number of records."""
    path = samples_path(run_dir)
    opener = gzip.open if path.name == SAMPLES_GZ else open
    with opener(path, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    for r in records:
        r.pop("denotation", None)
        r.pop("test_suite", None)
    path.unlink()
    with (run_dir / SAMPLES).open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n")
    return len(records)


def time_rescore(run_dir: Path) -> tuple[int, float, dict]:
    """(cases, seconds, summary) of re-scoring a stripped copy of ``run_dir``."""
    with tempfile.TemporaryDirectory(prefix="reachbench-suite-perf-") as tmp:
        copy = Path(tmp) / run_dir.name
        shutil.copytree(run_dir, copy)
        n = _strip(copy)
        start = time.perf_counter()
        summary = rescore(copy)
        return n, time.perf_counter() - start, summary


def default_runs() -> list[Path]:
    found = sorted(p for p in RUNS.glob("core-test-*") if p.is_dir())
    found += sorted(p for p in RUNS.glob("natural-*") if p.is_dir())
    return found


def main(argv: list[str] | None = None, console: Console | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", type=Path, help="run directories (default: core test runs)")
    args = parser.parse_args(argv)
    console = console or Console()
    runs = args.runs or default_runs()
    if not runs:
        console.print(f"[red]no run directory given and none under {RUNS}[/]")
        return 2
    table = Table(title="re-scoring with test-suite accuracy (cross-world verdicts from scratch)")
    for col in ("run", "cases", "seconds", "ms/case", "suite_accuracy", "execution_accuracy"):
        table.add_column(col, justify="left" if col == "run" else "right")
    for run in runs:
        n, seconds, summary = time_rescore(run)
        m = summary["metrics"]
        table.add_row(
            run.name,
            str(n),
            f"{seconds:.1f}",
            f"{1000 * seconds / max(n, 1):.2f}",
            f"{m['suite_accuracy']['value']:.3f}" if m["suite_accuracy"]["value"] is not None else "—",
            f"{m['execution_accuracy']['value']:.3f}"
            if m["execution_accuracy"]["value"] is not None
            else "—",
        )
    console.print(table)
    console.print("one process: engines and verdicts computed for the first run are reused by the next ones")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
