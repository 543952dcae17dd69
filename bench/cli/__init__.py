"""The one command-line entry point, ``reachbench``.

Each module in this package holds one command group and exposes ``register(app)``; they are found by
discovery (sorted by module name) so that adding a command never means editing a central list. Every
command is a thin layer over a library function, so the CLI is tested in-process with typer's runner.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from pathlib import Path

import typer

from bench import __version__

app = typer.Typer(
    name="reachbench",
    help="Benchmark natural-language-to-reachability translators against AWS network worlds.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reachbench {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show version."),
    cases_dir: Path | None = typer.Option(
        None,
        "--cases-dir",
        help="A cases/ tree to use instead of the installed one (suites; its worlds/ and scenarios/ too, "
        "when present). Same as REACHBENCH_CASES.",
    ),
) -> None:
    """Benchmark natural-language-to-reachability translators against AWS network worlds."""
    if cases_dir is not None:
        if not cases_dir.is_dir():
            raise typer.BadParameter(f"{cases_dir}: no such folder", param_hint="--cases-dir")
        os.environ["REACHBENCH_CASES"] = str(cases_dir)
        for sub, var in (("worlds", "REACHBENCH_WORLDS"), ("scenarios", "REACHBENCH_SCENARIOS")):
            if (cases_dir / sub).is_dir():
                os.environ[var] = str(cases_dir / sub)


def _register_all() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_all()


def main() -> None:
    app()
