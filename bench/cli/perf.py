"""``reachbench perf``: performance benchmarks (never timed unit tests; see bench/perf/)."""

from __future__ import annotations

import typer

from bench.cli._common import console


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Performance benchmarks of the pipeline's stages.", no_args_is_help=True)

    @group.command("engine")
    def engine_cmd(
        sizes: list[int] = typer.Option(  # noqa: B008 - typer reads defaults from here
            None, "--sizes", help="Synthetic world sizes in instances [1000 10000 50000]."
        ),
        queries: int = typer.Option(10000, "--queries", help="Queries per world."),
        seed: int = typer.Option(0, "--seed", help="Seed of the worlds and the query mix."),
    ) -> None:
        """Load + index time and verdicts/s of the reference engine on synthetic worlds."""
        from bench.perf.engine import run

        run(list(sizes or [1000, 10000, 50000]), queries, seed, console)

    @group.command("suite")
    def suite_cmd(
        runs: list[str] = typer.Argument(None, help="Run directories [the committed core test runs]."),  # noqa: B008
    ) -> None:
        """Re-scoring time with test-suite accuracy computed from scratch (target: < 60 s per core run)."""
        from bench.perf.suite import main

        raise typer.Exit(main(list(runs or []), console))

    @group.command("rerun")
    def rerun_cmd(
        repeats: int = typer.Option(3, "--repeats", help="Runs per figure (the median is shown)."),
        translator: str = typer.Option("rules", "--translator", "-t", help="Translator spec."),
        jobs: int = typer.Option(4, "--jobs", "-j", help="Translator calls in flight."),
    ) -> None:
        """Start-up (--help, a trivial command) and cached reruns of core and seed+natural+core."""
        from bench.perf.rerun import run

        raise typer.Exit(run(repeats, translator, jobs, console))

    app.add_typer(group, name="perf")
