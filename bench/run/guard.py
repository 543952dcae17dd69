"""What keeps a run honest: one writer per run directory, a translator that cannot work stops the run at
once, and a run whose translator failed on too many cases says so (and exits non-zero).

* ``RunLock`` -- an exclusive ``flock`` on ``<run dir>/.lock`` for as long as a run or a resume writes
  there; a second writer gets a one-line ``RunDirError`` instead of interleaving records with the first.
  The kernel drops the lock when the process dies, so a crashed run never blocks its ``--resume``.
* ``FailFast`` -- watches the first results of a run: when the first ``window`` are all *infrastructure*
  failures (nothing listens at the address, the program does not exist, the key is refused, the model is
  unknown) the run stops with ``RunAbortedError`` naming the cause, instead of failing every case for
  hours and exiting 0. Those failures are not written as records, so ``--resume`` retries them once the
  cause is fixed.
* ``health`` -- translator error rate and truncated outputs of a set of records, for the summary.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from bench.model import Translation
from bench.run.scoring import RunDirError

#: Failures that say the translator cannot work at all, whatever the case.
INFRASTRUCTURE_FAILURES = frozenset(
    {
        "translator:cannot_start",  # command: program missing or not executable
        "translator:connection",  # nothing listens at the address
        "translator:access_denied",  # key refused (401/403)
        "translator:no_credentials",
        "translator:not_found",  # model (or endpoint) unknown (404)
        "translator:model_not_found",
        "translator:missing_dependency",
    }
)
#: Default of ``--max-error-rate``: a run whose translator failed (``translator:*``) on more cases is
#: reported as failed (exit status 3), its numbers being about the harness rather than the translator.
DEFAULT_MAX_ERROR_RATE = 0.1
LOCK_FILE = ".lock"


class RunAbortedError(RuntimeError):
    """The translator cannot work (an infrastructure failure on every first case): one line."""


class RunLockedError(RunDirError):
    """Another process writes to this run directory."""


class RunLock:
    """Exclusive lock on a run directory (context manager)."""

    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / LOCK_FILE
        self._fh: IO[str] | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until __exit__
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            fh.close()
            raise RunLockedError(
                f"{self.path.parent}: another run (pid {holder}) is writing to this run directory"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def is_locked(run_dir: Path) -> bool:
    """True while some process holds the run directory's lock (the run is really running)."""
    path = Path(run_dir) / LOCK_FILE
    if not path.exists():
        return False
    with open(path, encoding="utf-8") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return False


def is_infrastructure_failure(translation: Translation) -> bool:
    return translation.status == "error" and (translation.failure_type or "") in INFRASTRUCTURE_FAILURES


class FailFast:
    """Holds back the first results while they are all infrastructure failures; aborts after ``window``."""

    def __init__(self, translator_name: str, n_todo: int, window: int = 3) -> None:
        self.name = translator_name
        self.window = max(1, min(window, n_todo))
        self.held: list[tuple[str, Translation]] = []
        self.decided = n_todo == 0

    def offer(self, case_id: str, translation: Translation) -> list[tuple[str, Translation]]:
        """Results to record now (possibly several held back); raises ``RunAbortedError`` to stop."""
        if self.decided:
            return [(case_id, translation)]
        if not is_infrastructure_failure(translation):
            self.decided = True
            out, self.held = [*self.held, (case_id, translation)], []
            return out
        self.held.append((case_id, translation))
        if len(self.held) >= self.window:
            first = translation.raw or ""
            detail = first.strip().splitlines()[0][:300] if first.strip() else ""
            raise RunAbortedError(
                f"translator {self.name!r} cannot work: {translation.failure_type} on the first "
                f"{len(self.held)} cases ({detail}); nothing was scored"
            )
        return []


def health(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """``{"n", "translator_errors", "error_rate", "output_truncated"}`` of a run's records: how many cases
    the translator failed to answer (``translator:*``, harness-side trouble) and how many raw outputs
    were cut at the per-case limit."""
    n = errors = truncated = 0
    for record in records:
        n += 1
        translation = record.get("translation") or {}
        if translation.get("status") == "error" and str(translation.get("failure_type") or "").startswith(
            "translator:"
        ):
            errors += 1
        if (translation.get("extra") or {}).get("output_truncated"):
            truncated += 1
    return {
        "n": n,
        "translator_errors": errors,
        "error_rate": round(errors / n, 4) if n else 0.0,
        "output_truncated": truncated,
    }
