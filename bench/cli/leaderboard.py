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
    """Build one leaderboard per suite from run directories (newest run per translator and suite version)
    into OUT/<suite>/ (leaderboard.md/.csv/.json and site/), and an index of the suites in OUT/index.md
    (and OUT/index.html with the site)."""
    from bench.reports.leaderboard import build_boards, index_markdown, split_by_suite, write_tables
    from bench.reports.rundir import RunDirError, load_runs
    from bench.reports.site import build_index, build_site

    try:
        loaded = load_runs(runs)
        with console.status(f"building leaderboards from {len(loaded)} run(s)"):
            boards = build_boards(loaded)
            by_suite = split_by_suite(loaded)
            written = []
            for suite, board in boards.items():
                written += write_tables(board, out / suite)
                if site:
                    written += build_site(board, by_suite[suite], out / suite / "site")
            out.mkdir(parents=True, exist_ok=True)
            (out / "index.md").write_text(index_markdown(boards, site), encoding="utf-8")
            written.append(out / "index.md")
            if site:
                written.append(build_index(boards, out / "index.html"))
    except RunDirError as exc:
        fail(str(exc))
    for suite, board in boards.items():
        versions = {(r["suite"], r["suite_version"]) for r in board["rows"]}
        if len(versions) > 1:
            console.print(
                f"[yellow]warning:[/] {suite}: rows are on different versions: "
                + ", ".join(f"{n}@{v}" for n, v in sorted(versions))
                + "; scores are not directly comparable"
            )
        for run_id in board["superseded_runs"]:
            console.print(f"[dim]superseded (a newer run of the same translator exists): {run_id}[/]")
        primary = board["primary_metric"]
        console.print(f"[bold]{suite}[/] ({out / suite / 'leaderboard.md'})")
        for row in board["rows"]:
            e = row["metrics"].get(primary) or {}
            value = "–" if e.get("value") is None else f"{e['value']:.3f}"
            console.print(
                f"{row['rank']:>3}. {row['translator']} {row['model']} {primary}={value}",
                markup=False,
                highlight=False,
            )
    console.print(f"wrote {len(written)} files under {out} (index: {out / 'index.md'})")


def register(app: typer.Typer) -> None:
    app.command("leaderboard")(leaderboard_command)
