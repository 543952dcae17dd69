"""``reachbench publish RUNS… --hf DIR``: the corpus and per-case run records as Hugging Face datasets."""

from __future__ import annotations

from pathlib import Path

import typer

from bench.cli._common import console, fail


def publish_command(
    runs: list[Path] = typer.Argument(..., help="Run directories, or folders of run directories."),
    hf: Path = typer.Option(..., "--hf", help="Output folder: a dataset repository ready to upload."),
    suite: str | None = typer.Option(
        None, "--suite", help="Suite name or folder for the corpus (default: the runs' suite)."
    ),
    corpus: bool = typer.Option(True, "--corpus/--no-corpus", help="Include the cases themselves."),
) -> None:
    """Write parquet files and a dataset card; never pushes (upload the folder yourself)."""
    from bench.reports.publish import PublishError, publish
    from bench.reports.rundir import RunDirError, load_runs

    try:
        loaded = load_runs(runs)
        with console.status(f"writing {len(loaded)} run(s) to {hf}"):
            written = publish(loaded, hf, suite=suite, corpus=corpus)
    except (PublishError, RunDirError) as exc:
        fail(str(exc))
    for path in written:
        console.print(f"wrote {path}")
    console.print(f"upload with: huggingface-cli upload ORG/NAME {hf} --repo-type dataset")


def register(app: typer.Typer) -> None:
    app.command("publish")(publish_command)
