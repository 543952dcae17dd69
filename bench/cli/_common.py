"""Helpers shared by the command modules: the console and uniform error exits."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a clear error (no traceback) and exit; 2 means unusable input, by convention."""
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)
