"""``reachbench gate RUN --config gate.toml``: pass/fail a run against release thresholds (exit 0/1/2)."""

from __future__ import annotations

from pathlib import Path

import typer

from bench.cli._common import console, fail


def gate_command(
    run: Path = typer.Argument(..., help="Run directory to judge."),
    config: Path = typer.Option(..., "--config", "-c", help="Gate file (TOML); see docs/gate.example.toml."),
    baseline: Path | None = typer.Option(
        None, "--baseline", "-b", help="Baseline run for max_drop checks (overrides gate.baseline)."
    ),
    junit: Path | None = typer.Option(
        None, "--junit", help="Also write JUnit XML (one test case per check)."
    ),
) -> None:
    """Judge a run against thresholds; exit 0 pass, 1 fail, 2 unusable input."""
    from bench.reports.gate import GateConfigError, evaluate, load_config
    from bench.reports.gate_render import print_report, write_junit
    from bench.reports.rundir import RunDirError, load_run

    try:
        target = load_run(run)
        defaults, _ = load_config(config)
        base_path = baseline or (Path(defaults["baseline"]) if defaults.get("baseline") else None)
        base = load_run(base_path) if base_path is not None else None
        report = evaluate(target, config, base)
    except (GateConfigError, RunDirError) as exc:
        fail(str(exc))
    print_report(report, console)
    if junit is not None:
        write_junit(report, junit)
        console.print(f"wrote {junit}")
    raise typer.Exit(0 if report.passed else 1)


def register(app: typer.Typer) -> None:
    app.command("gate")(gate_command)
