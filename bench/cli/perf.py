"""``reachbench perf``: performance benchmarks (never timed unit tests; see bench/perf/).

``reachbench perf`` alone prints every figure of "fast where users wait" (start-up, cached reruns, large
worlds, set queries, slow translators, verdict digests) with targets and ratios (``bench.perf.report``).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from bench.cli._common import console


def _wide() -> Console:
    """The CLI's console, or a 200-column one when output goes to a file or a pipe (wide tables)."""
    from bench.perf.report import wide

    return wide(console)


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Performance benchmarks. With no sub-command: the whole report (a few minutes; run it alone).",
        invoke_without_command=True,
    )

    @group.callback()
    def report_cmd(
        ctx: typer.Context,
        repeats: int = typer.Option(3, "--repeats", help="Runs per figure (medians)."),
        sizes: list[int] = typer.Option(  # noqa: B008 - typer reads defaults from here
            None, "--sizes", help="Synthetic world sizes in instances [1000 10000 50000]."
        ),
        queries: int = typer.Option(5000, "--queries", help="Engine queries per world."),
        jobs: list[int] = typer.Option(  # noqa: B008
            None, "--jobs", "-j", help="--jobs values against the slow fake server [32]."
        ),
        cases: int = typer.Option(640, "--cases", help="Cases per slow-translator run."),
        delay: float = typer.Option(0.1, "--delay", help="Fake server latency, seconds."),
        skip: list[str] = typer.Option(  # noqa: B008
            None, "--skip", help="Leave a section out: rerun, engine, jobs (repeatable)."
        ),
        json_out: Path | None = typer.Option(None, "--json", help="Also write every row as JSON here."),
        tree: Path | None = typer.Option(
            None, "--tree", help="Measure another checkout with this harness (e.g. an old revision)."
        ),
    ) -> None:
        """Every figure with its target; exit 1 when a correctness check fails (not for a missed target)."""
        if ctx.invoked_subcommand is not None:
            return
        from bench.perf.report import main

        raise typer.Exit(
            main(
                repeats=repeats,
                sizes=list(sizes or [1000, 10000, 50000]),
                queries=queries,
                jobs=tuple(jobs or [32]),
                cases=cases,
                delay=delay,
                skip=set(skip or []),
                json_out=json_out,
                console=_wide(),
                tree=tree.resolve() if tree else None,
            )
        )

    @group.command("engine")
    def engine_cmd(
        sizes: list[int] = typer.Option(  # noqa: B008 - typer reads defaults from here
            None, "--sizes", help="Synthetic world sizes in instances [1000 10000 50000]."
        ),
        queries: int = typer.Option(10000, "--queries", help="Queries per world."),
        seed: int = typer.Option(0, "--seed", help="Seed of the worlds and the query mix."),
        repeat: int = typer.Option(1, "--repeat", help="Fresh processes per size (medians)."),
        per_kind: int = typer.Option(20, "--per-kind", help="Queries per set-destination kind."),
    ) -> None:
        """Load + index, verdicts/s, set queries per kind and peak memory on synthetic worlds."""
        from bench.perf.engine import run

        run(list(sizes or [1000, 10000, 50000]), queries, seed, _wide(), repeat, per_kind)

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

        raise typer.Exit(run(repeats, translator, jobs, _wide()))

    @group.command("jobs")
    def jobs_cmd(
        jobs: list[int] = typer.Option(None, "--jobs", "-j", help="--jobs values [1 8 32]."),  # noqa: B008
        cases: int = typer.Option(640, "--cases", help="Cases per run."),
        delay: float = typer.Option(0.1, "--delay", help="Fake server latency, seconds."),
        repeats: int = typer.Option(3, "--repeats", help="Runs per figure (medians)."),
        suite: str = typer.Option("core", "--suite", help="Suite whose test split is asked."),
    ) -> None:
        """Speed-up with a slow translator: a fake server on 127.0.0.1 answering after --delay."""
        from bench.perf.jobs import run

        raise typer.Exit(run(cases, tuple(jobs or [1, 8, 32]), delay, repeats, suite, console=_wide()))

    app.add_typer(group, name="perf")
