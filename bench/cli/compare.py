"""``reachbench compare RUN_A RUN_B``: a paired comparison of two runs on their shared cases."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from bench.cli._common import console, fail


class CompareFormat(StrEnum):
    table = "table"
    md = "md"
    json = "json"


def compare_command(
    run_a: Path = typer.Argument(..., help="Baseline run directory (A)."),
    run_b: Path = typer.Argument(..., help="Candidate run directory (B); differences are B − A."),
    fmt: CompareFormat = typer.Option(CompareFormat.table, "--format", "-f", help="table, md or json."),
    allow_suite_mismatch: bool = typer.Option(
        False, "--allow-suite-mismatch", help="Compare runs on different suite versions (shared cases only)."
    ),
    metric: list[str] = typer.Option(
        None,
        "--metric",
        "-m",
        help="Metric to break down by slice and list flipped cases for (repeatable; default: "
        "strict_accuracy and false_positive_reachability).",
    ),
    resamples: int = typer.Option(2000, "--resamples", min=100, help="Paired bootstrap resamples."),
    seed: int = typer.Option(20240611, "--seed", help="Bootstrap seed."),
    max_rows: int = typer.Option(10, "--max-rows", min=1, help="Slices and flipped cases shown (table/md)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
) -> None:
    """Compare two runs case by case: paired bootstrap intervals, McNemar's test, slices, flipped cases."""
    from bench.reports.compare import DEFAULT_FOCUS, CompareOptions, SuiteMismatchError, compare_runs
    from bench.reports.compare_render import print_table, to_json, to_markdown
    from bench.reports.rundir import RunDirError, load_run

    try:
        a, b = load_run(run_a), load_run(run_b)
        options = CompareOptions(
            n_resamples=resamples,
            seed=seed,
            allow_suite_mismatch=allow_suite_mismatch,
            focus=tuple(metric) if metric else DEFAULT_FOCUS,
        )
        result = compare_runs(a, b, options)
    except (RunDirError, SuiteMismatchError) as exc:
        fail(str(exc))
    if fmt is CompareFormat.table and output is None:
        print_table(result, console, max_rows=max_rows)
        return
    if fmt is CompareFormat.json:
        text = to_json(result)
    elif fmt is CompareFormat.md:
        text = to_markdown(result, max_rows=max_rows)
    else:
        from io import StringIO

        from rich.console import Console

        buffer = StringIO()
        print_table(result, Console(file=buffer, width=140, color_system=None), max_rows=max_rows)
        text = buffer.getvalue()
    if output is not None:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}")
    else:
        typer.echo(text, nl=False)


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_command)
