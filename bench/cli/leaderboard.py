"""``reachbench leaderboard RUNS… --out results/``: Markdown, CSV, JSON and a static site from run dirs."""

from __future__ import annotations

from pathlib import Path

import typer

from bench.cli._common import console, fail


def leaderboard_command(
    runs: list[Path] = typer.Argument(
        ..., help="Run directories, or folders of run directories (e.g. results/runs)."
    ),
    out: Path = typer.Option(Path("results"), "--out", "-o", help="Output folder (site goes in OUT/site)."),
    site: bool = typer.Option(True, "--site/--no-site", help="Also build the static HTML site with plots."),
) -> None:
    """Build the leaderboard from run directories (newest run per translator and suite version)."""
    from bench.reports.leaderboard import build_leaderboard, write_tables
    from bench.reports.rundir import RunDirError, load_runs
    from bench.reports.site import build_site

    try:
        loaded = load_runs(runs)
        with console.status(f"building leaderboard from {len(loaded)} run(s)"):
            board = build_leaderboard(loaded)
            written = write_tables(board, out)
            if site:
                written += build_site(board, loaded, out / "site")
    except RunDirError as exc:
        fail(str(exc))
    versions = {(r["suite"], r["suite_version"]) for r in board["rows"]}
    if len(versions) > 1:
        console.print(
            "[yellow]warning:[/] rows are on different suites/versions: "
            + ", ".join(f"{n}@{v}" for n, v in sorted(versions))
            + "; scores are not directly comparable"
        )
    for run_id in board["superseded_runs"]:
        console.print(f"[dim]superseded (a newer run of the same translator exists): {run_id}[/]")
    primary = board["primary_metric"]
    for row in board["rows"]:
        e = row["metrics"].get(primary) or {}
        value = "–" if e.get("value") is None else f"{e['value']:.3f}"
        console.print(
            f"{row['rank']:>3}. {row['translator']} {row['model']} {primary}={value}",
            markup=False,
            highlight=False,
        )
    console.print(f"wrote {len(written)} files under {out}")


def register(app: typer.Typer) -> None:
    app.command("leaderboard")(leaderboard_command)
