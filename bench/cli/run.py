"""``reachbench run | score | merge | show``: thin commands over ``bench.runner`` and ``bench.run``.

With no options ``reachbench run`` is the README's main job: the ``rules`` baseline on the ``seed`` suite
and on the test splits of ``natural`` (hand-written) and ``core`` (template-made), one run directory per
suite (runs of different suites are never mixed, so each can be compared and put on a leaderboard
against runs of the same suite).
"""

from __future__ import annotations

import threading
from pathlib import Path

import typer

from bench.cli._common import console, err_console, fail

DEFAULT_SUITES = ("seed", "natural", "core")


def _errors() -> tuple[type[BaseException], ...]:
    from bench.cases.loader import CaseFileError
    from bench.run.guard import RunAbortedError
    from bench.run.options import RunOptionsError
    from bench.run.records import SampleFileError
    from bench.run.scoring import RunDirError

    found: list[type[BaseException]] = [
        CaseFileError,
        RunOptionsError,
        RunDirError,
        SampleFileError,
        RunAbortedError,
    ]
    try:
        from bench.translators.base import TranslatorError

        found.append(TranslatorError)
    except ImportError:  # pragma: no cover - translators always ship
        pass
    try:
        from bench.world.catalog import SnapshotError  # type: ignore[attr-defined]

        found.append(SnapshotError)
    except ImportError:
        pass
    return tuple(found)


def _route_logs(verbose: bool) -> None:
    """Translator failures are recorded per case; print them only when asked, never over the progress bar."""
    import logging

    from rich.logging import RichHandler

    logger = logging.getLogger("bench")
    for old in list(logger.handlers):
        if getattr(old, "_reachbench_run", False):
            logger.removeHandler(old)
    handler: logging.Handler
    if verbose:
        handler = RichHandler(console=err_console, show_path=False, show_time=False)
        logger.setLevel(logging.INFO)
    else:
        handler = logging.NullHandler()
    handler._reachbench_run = True  # type: ignore[attr-defined]
    logger.addHandler(handler)


def run_command(
    translator: str = typer.Option(
        "rules", "--translator", "-t", help="Translator spec, e.g. rules, oracle, openai:model=x."
    ),
    suite: list[str] = typer.Option(
        None,
        "--suite",
        "-s",
        help="Suite name or folder; repeat for several (default: seed, natural and core).",
    ),
    split: list[str] = typer.Option(None, "--split", help="Split(s) to run (default: test)."),
    limit: int | None = typer.Option(None, "--limit", "-n", min=0, help="First N selected cases (by id)."),
    tags: list[str] = typer.Option(
        None,
        "--tags",
        help="Only cases with this tag (glob allowed, e.g. fault:*); repeat to require several.",
    ),
    jobs: int = typer.Option(4, "--jobs", "-j", min=1, help="Translator calls in flight."),
    shard: str | None = typer.Option(
        None, "--shard", help="Run shard i of n (1-based), e.g. 2/4; combine with merge."
    ),
    out: Path = typer.Option(Path("results/runs"), "--out", "-o", help="Parent folder of run directories."),
    run_id: str | None = typer.Option(
        None, "--run-id", help="Run directory name (default: suite-split-translator-time)."
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace the --run-id directory if it exists (default: refuse)."
    ),
    name: str | None = typer.Option(
        None,
        "--name",
        help="Display name on leaderboards (default: the translator's; command: the program's file name).",
    ),
    max_error_rate: float | None = typer.Option(
        None,
        "--max-error-rate",
        min=0.0,
        max=1.0,
        help="Exit 3 when the translator failed (translator:*) on more than this share of cases "
        "(default 0.1).",
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the translation cache."),
    refresh_cache: bool = typer.Option(
        False, "--refresh-cache", help="Call the translator again and overwrite the cache."
    ),
    timeout: float | None = typer.Option(
        None, "--timeout", min=0.0, help="Seconds per translator call (default: the translator's)."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Bootstrap seed."),
    resamples: int | None = typer.Option(
        None, "--resamples", min=0, help="Bootstrap resamples (default 1000)."
    ),
    resume_dir: Path | None = typer.Option(None, "--resume", help="Finish an interrupted run directory."),
    compress: bool = typer.Option(
        False,
        "--compress",
        help="Write samples.jsonl.gz (reproducible gzip) when the run completes, for committing runs.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each translator failure as it happens."),
    all_metrics: bool = typer.Option(
        False, "--all-metrics", help="Print every metric, not just the headline ones."
    ),
) -> None:
    """Translate a suite, execute every query on its world, score, and write a run directory."""
    from bench.run.options import RunOptions, parse_shard
    from bench.run.render import print_summary
    from bench.runner import resume, run

    if no_cache and refresh_cache:
        fail("--no-cache and --refresh-cache exclude each other")
    _route_logs(verbose)
    stop = threading.Event()
    _sigterm_as_interrupt()
    try:
        if resume_dir is not None:
            results = [
                resume(
                    resume_dir,
                    console=err_console,
                    progress=not quiet,
                    stop=stop,
                    compress=True if compress else None,
                )
            ]
        else:
            suites = list(suite) if suite else list(DEFAULT_SUITES)
            if run_id is not None and len(suites) > 1:
                fail("--run-id names one run directory: give one --suite")
            from scorers import DEFAULT_RESAMPLES, DEFAULT_SEED

            base = RunOptions(
                translator=translator,
                splits=tuple(split) if split else ("test",),
                limit=limit,
                tags=tuple(tags or ()),
                jobs=jobs,
                shard=parse_shard(shard),
                out=out,
                run_id=run_id,
                cache="off" if no_cache else "refresh" if refresh_cache else "use",
                seed=DEFAULT_SEED if seed is None else seed,
                n_resamples=DEFAULT_RESAMPLES if resamples is None else resamples,
                timeout=timeout,
                compress=compress,
                overwrite=overwrite,
                max_error_rate=max_error_rate,
                name=name,
            )
            results = []
            for name in suites:
                from dataclasses import replace

                results.append(
                    run(replace(base, suite=name), console=err_console, progress=not quiet, stop=stop)
                )
    except KeyboardInterrupt:
        err_console.print(
            "[yellow]interrupted[/]: finished cases are saved; continue with "
            "[bold]reachbench run --resume <run dir>[/] (the directory printed above)"
        )
        raise typer.Exit(130) from None
    except _errors() as exc:
        fail(str(exc))
    from bench.run.guard import DEFAULT_MAX_ERROR_RATE

    too_many = []
    for result in results:
        if result.meta.get("status") != "complete":
            err_console.print(f"[yellow]run incomplete[/]: {result.run_dir}; continue with --resume")
            continue
        print_summary(console, result.summary, all_metrics=all_metrics)
        console.print(f"run directory: [bold]{result.run_dir}[/]")
        limit = (result.meta.get("options") or {}).get("max_error_rate")
        limit = DEFAULT_MAX_ERROR_RATE if limit is None else float(limit)
        rate = float((result.summary.get("health") or {}).get("error_rate") or 0.0)
        if rate > limit:
            too_many.append(
                f"{result.run_dir}: translator error rate {rate:.1%} > --max-error-rate {limit:.1%}"
            )
    for line in too_many:
        err_console.print(f"[bold red]error[/]: {line}")
    if too_many:
        raise typer.Exit(3)


def _sigterm_as_interrupt() -> None:
    """SIGTERM (a CI timeout, ``kill``) stops a run like Ctrl-C: finished cases kept, run.json updated."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def score_command(
    run_dir: Path = typer.Argument(..., help="A run directory (results/runs/<run-id>)."),
    all_metrics: bool = typer.Option(False, "--all-metrics", help="Print every metric."),
) -> None:
    """Re-score a run from its samples (no translator call): rewrites scores and summary.json."""
    from bench.run.render import print_summary
    from bench.run.scoring import rescore

    try:
        summary = rescore(run_dir)
    except _errors() as exc:
        fail(str(exc))
    print_summary(console, summary, all_metrics=all_metrics)


def merge_command(
    run_dirs: list[Path] = typer.Argument(..., help="Shard run directories of one translator on one suite."),
    out: Path = typer.Option(Path("results/runs"), "--out", "-o", help="Parent folder of the merged run."),
    run_id: str | None = typer.Option(None, "--run-id", help="Name of the merged run directory."),
    compress: bool = typer.Option(False, "--compress", help="Write samples.jsonl.gz (reproducible gzip)."),
) -> None:
    """Combine shard runs into one run directory and score it."""
    from bench.run.render import print_summary
    from bench.runner import merge

    try:
        result = merge(run_dirs, out, run_id, compress=compress)
    except _errors() as exc:
        fail(str(exc))
    print_summary(console, result.summary)
    console.print(f"run directory: [bold]{result.run_dir}[/]")


def show_command(
    run_dir: Path = typer.Argument(..., help="A run directory."),
    failures: bool = typer.Option(
        False, "--failures", "-f", help="Only cases that failed (strict accuracy 0 or a failure type)."
    ),
    tag: list[str] = typer.Option(
        None, "--tag", help="Only cases with this tag (glob allowed); repeat to require several."
    ),
    case: list[str] = typer.Option(None, "--case", help="Only these case ids."),
    failure_type: str | None = typer.Option(
        None, "--type", help="Only failure types starting with this, e.g. false_positive."
    ),
    limit: int = typer.Option(20, "--limit", "-n", min=0, help="Show at most N cases (0: all)."),
) -> None:
    """Browse a run's cases: question, gold and predicted query, verdicts, diagnosis, raw output."""
    from bench.run.records import read_samples, samples_path
    from bench.run.render import case_panel, filter_records, print_summary

    path = samples_path(run_dir)
    if not path.is_file():
        fail(f"{path}: no samples (not a run directory?)")
    try:
        records = read_samples(path, tolerate_torn_tail=True)
    except _errors() as exc:
        fail(str(exc))
    chosen = filter_records(
        records,
        failures=failures,
        tags=tuple(tag or ()),
        case_ids=tuple(case or ()),
        failure_type=failure_type,
    )
    summary_path = run_dir / "summary.json"
    if summary_path.is_file() and not case:
        import json

        print_summary(console, json.loads(summary_path.read_text(encoding="utf-8")))
    shown = chosen if limit == 0 else chosen[:limit]
    for record in shown:
        console.print(case_panel(record))
    console.print(f"{len(shown)} of {len(chosen)} matching cases shown ({len(records)} in the run)")


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
    app.command("score")(score_command)
    app.command("merge")(merge_command)
    app.command("show")(show_command)
