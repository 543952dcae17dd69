"""``command:PATH`` -- any program as a translator, in any language.

Protocol: the case input (``CaseInput`` JSON: ``turns`` and ``context``) on stdin; one JSON object on
stdout, either a Translation (``{"status": "query", "query": {...}}``, ``{"status": "abstain",
"abstain_reason": "..."}``) or a bare Query. Exit status 0. Anything else is a scored failure:
non-zero exit -> ``translator:exit_status``, no answer in time -> ``translator:timeout`` (the whole
process group is killed), unreadable stdout -> ``parse:invalid_json`` / ``parse:invalid_schema``.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import signal
import subprocess
from pathlib import Path

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


@register_translator("command")
class CommandTranslator(Translator):
    version = "1"
    description = "Runs a program: CaseInput JSON on stdin, Translation JSON on stdout."
    options_model = CommandOptions
    positional_option = "path"

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self.argv = shlex.split(self.options["path"])
        if not self.argv:
            raise TranslatorError("command translator: empty program")

    def settings(self) -> dict[str, object]:
        # The program's bytes change its answers: hash every argument that is a file, so the cache and the
        # run record notice an edited script.
        out = super().settings()
        digests = {}
        for arg in self.argv:
            p = Path(arg)
            if p.is_file():
                digests[arg] = hashlib.sha256(p.read_bytes()).hexdigest()[:16]
        out["program_sha256"] = digests
        return out

    def _translate(self, case_input: CaseInput) -> Translation:
        limit = remaining_time(self.options["timeout"])
        limit = min(limit, self.options["timeout"]) if limit is not None else self.options["timeout"]
        try:
            proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # so a timeout kills the program's children too
            )
        except OSError as exc:
            return Translation.failure("translator:cannot_start", raw=f"{self.argv[0]}: {exc}")
        try:
            out, err = proc.communicate(canonical_input(case_input).encode("utf-8"), timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()
            return Translation.failure("translator:timeout", raw=f"no answer within {limit:g}s")
        stdout = out.decode("utf-8", errors="replace")
        if proc.returncode != 0:
            tail = err.decode("utf-8", errors="replace")[-2000:]
            return Translation.failure(
                "translator:exit_status", raw=f"exit status {proc.returncode}\n{tail}".strip()
            )
        result = translation_from_json(stdout)
        return result if result.raw is not None else result.model_copy(update={"raw": stdout[-4000:]})


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
