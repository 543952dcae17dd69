"""Live progress of a run in the terminal: cases done, cases/s, errors, ETA."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


class RunProgress:
    """A rich progress bar (or nothing, when ``enabled`` is False) updated once per finished case."""

    def __init__(self, console: Console | None, total: int, label: str, enabled: bool = True) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>7} cases/s"),
            TextColumn("[red]{task.fields[errors]} errors"),
            TimeRemainingColumn(),
            console=console,
            disable=not enabled,
            transient=False,
        )
        self._task = self._progress.add_task(label, total=total, rate="-", errors=0)
        self._started = time.monotonic()
        self._done = 0
        self.errors = 0

    def __enter__(self) -> RunProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def advance(self, error: bool) -> None:
        self._done += 1
        self.errors += int(error)
        elapsed = max(time.monotonic() - self._started, 1e-9)
        self._progress.update(self._task, advance=1, rate=f"{self._done / elapsed:.1f}", errors=self.errors)
