"""``command:PATH`` -- any program as a translator, in any language.

Protocol: the case input (``CaseInput`` JSON: ``turns`` and ``context``) on stdin; one JSON object on
stdout, either a Translation (``{"status": "query", "query": {...}}``, ``{"status": "abstain",
"abstain_reason": "..."}``) or a bare Query. Exit status 0. Anything else is a scored failure:
non-zero exit -> ``translator:exit_status``, no answer in time -> ``translator:timeout`` (the program's
whole process tree is killed: its process group, and every descendant that carries the call's marker in
its environment -- which catches those that start a session of their own), a program that cannot be
started -> ``translator:cannot_start`` (an infrastructure failure: the run stops at once), unreadable
stdout -> ``parse:invalid_json`` / ``parse:invalid_schema``.

Relative program paths (and arguments naming files) are resolved once, when the translator is made, against
``workdir`` (default: the current folder); ``--resume`` passes the recorded folder back. The program's
bytes are the translator's fingerprint, so an edited program is never answered from the cache or resumed
into a run made with the old one.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import threading
import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bench.cases.schema import CaseInput
from bench.model.translation import Translation
from bench.translators.base import (
    Translator,
    TranslatorError,
    canonical_input,
    remaining_time,
    translation_from_json,
)
from bench.translators.registry import register_translator


class CommandOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="Program (and arguments, shell-quoted) to run once per case.")
    timeout: float = Field(default=60.0, gt=0, description="Seconds per case before the program is killed.")
    workdir: str | None = Field(
        default=None, description="Folder relative paths are resolved against (default: the current one)."
    )


@register_translator("command")
class CommandTranslator(Translator):
    version = "1"
    description = "Runs a program: CaseInput JSON on stdin, Translation JSON on stdout."
    options_model = CommandOptions
    positional_option = "path"

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        given = shlex.split(self.options["path"])
        if not given:
            raise TranslatorError("command translator: empty program")
        self.workdir = str(Path(self.options.get("workdir") or os.getcwd()).resolve())
        self.argv = [_resolve(arg, self.workdir, first=i == 0) for i, arg in enumerate(given)]
        self._given = given
        self._running: dict[int, tuple[subprocess.Popen[bytes], str]] = {}
        self._running_lock = threading.Lock()

    def settings(self) -> dict[str, object]:
        # The program's bytes change its answers: hash every argument that is a file, so the cache and the
        # run record notice an edited script. Keys are the paths as given (no machine paths in records).
        out = {k: v for k, v in super().settings().items() if k != "workdir"}
        digests = {}
        for given, arg in zip(self._given, self.argv, strict=True):
            p = Path(arg)
            if p.is_file():
                digests[given] = hashlib.sha256(p.read_bytes()).hexdigest()[:16]
        out["program_sha256"] = digests
        return out

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for arg in self.argv:
            p = Path(arg)
            digest.update(arg.encode() + b"\0")
            if p.is_file():
                digest.update(hashlib.sha256(p.read_bytes()).digest())
        return f"program:{digest.hexdigest()}"

    def resume_options(self) -> dict[str, Any]:
        return {"workdir": self.workdir}

    def cancel(self) -> None:
        with self._running_lock:
            running = list(self._running.values())
        for proc, marker in running:
            _kill_tree(proc, marker)

    def _translate(self, case_input: CaseInput) -> Translation:
        limit = remaining_time(self.options["timeout"])
        limit = min(limit, self.options["timeout"]) if limit is not None else self.options["timeout"]
        marker = uuid.uuid4().hex
        try:
            proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=self.workdir,
                env={**os.environ, _MARKER_ENV: marker},
                start_new_session=True,  # so a timeout kills the program's children too
            )
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return Translation.failure("translator:cannot_start", raw=f"{self._given[0]}: {reason}")
        with self._running_lock:
            self._running[proc.pid] = (proc, marker)
        try:
            out, err = proc.communicate(canonical_input(case_input).encode("utf-8"), timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_tree(proc, marker)
            try:
                proc.communicate(timeout=5)
            except subprocess.TimeoutExpired:  # a descendant we could not find still holds the pipes
                for stream in (proc.stdout, proc.stderr):
                    if stream is not None:
                        stream.close()
                proc.wait(5)
            return Translation.failure("translator:timeout", raw=f"no answer within {limit:g}s")
        finally:
            with self._running_lock:
                self._running.pop(proc.pid, None)
        stdout = out.decode("utf-8", errors="replace")
        if proc.returncode != 0:
            tail = err.decode("utf-8", errors="replace")[-2000:]
            return Translation.failure(
                "translator:exit_status", raw=f"exit status {proc.returncode}\n{tail}".strip()
            )
        result = translation_from_json(stdout)
        return result if result.raw is not None else result.model_copy(update={"raw": stdout[-4000:]})


_MARKER_ENV = "REACHBENCH_COMMAND_CALL"


def _resolve(arg: str, workdir: str, *, first: bool) -> str:
    """An argument naming a file relative to ``workdir`` -> its absolute path; a bare program name is
    looked up on PATH; anything else is kept."""
    candidate = Path(workdir) / arg
    if ("/" in arg or not first) and candidate.exists():
        return str(candidate.resolve())
    if first and "/" in arg:
        return str(candidate)  # missing: reported as translator:cannot_start with the given name
    if first:
        return shutil.which(arg) or arg
    return arg


def _marked_processes(marker: str) -> list[int]:
    """Pids whose environment carries ``marker`` (Linux /proc; empty elsewhere)."""
    needle = f"{_MARKER_ENV}={marker}".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found


def _kill_tree(proc: subprocess.Popen[bytes], marker: str) -> None:
    """Kill the program's process group and every process carrying its marker (new sessions too)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    for pid in _marked_processes(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue
