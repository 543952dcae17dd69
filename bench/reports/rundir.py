"""Reading run directories (``run.json``, ``samples.jsonl`` or ``samples.jsonl.gz``, ``summary.json``) with
errors that name the file.

Reports must never crash on a half-written or foreign directory with a bare ``KeyError``: every problem
becomes a :class:`RunDirError` naming the file, the line when there is one, and the field.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any


class RunDirError(ValueError):
    """A run directory that cannot be used; the message names the file and field."""


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise RunDirError(f"{path}: missing (is {path.parent} a run directory?)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RunDirError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise RunDirError(f"{path}: expected a JSON object at the top level")
    return data


def _require(data: dict[str, Any], key: str, path: Path, kind: type | tuple[type, ...]) -> Any:
    if key not in data:
        raise RunDirError(f"{path}: {key}: missing")
    value = data[key]
    if not isinstance(value, kind):
        raise RunDirError(
            f"{path}: {key}: expected {getattr(kind, '__name__', kind)}, got {type(value).__name__}"
        )
    return value


@dataclass
class Run:
    """One run directory; ``samples`` are read on first use because leaderboards rarely need all of them."""

    path: Path
    meta: dict[str, Any]
    summary: dict[str, Any]
    _samples: list[dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def run_id(self) -> str:
        return str(self.meta.get("run_id") or self.summary.get("run_id") or self.path.name)

    @property
    def translator(self) -> dict[str, Any]:
        return dict(self.meta.get("translator") or {})

    @property
    def translator_name(self) -> str:
        """The display name (``run --name``; ``command:<program>`` for programs), else the registry name."""
        t = self.translator
        return str(t.get("display_name") or t.get("name") or t.get("spec") or "unknown")

    @property
    def translator_version(self) -> str:
        return str(self.translator.get("version") or "")

    @property
    def model(self) -> str:
        """The model behind the translator when its settings name one (LLM backends), else empty."""
        settings = self.translator.get("settings") or {}
        for key in ("model", "model_id", "modelId", "deployment"):
            if settings.get(key):
                return str(settings[key])
        return ""

    @property
    def suite(self) -> dict[str, Any]:
        return dict(self.meta.get("suite") or {})

    @property
    def suite_name(self) -> str:
        return str(self.suite.get("name") or "")

    @property
    def suite_version(self) -> str:
        return str(self.suite.get("version") or "")

    @property
    def date(self) -> str:
        """The day the run finished (``YYYY-MM-DD``), from run.json; empty when unknown."""
        stamp = str(self.meta.get("finished_at") or self.meta.get("started_at") or "")
        return stamp[:10]

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        return dict(self.summary.get("metrics") or {})

    @property
    def slices(self) -> dict[str, dict[str, dict[str, Any]]]:
        return dict(self.summary.get("slices") or {})

    @property
    def samples(self) -> list[dict[str, Any]]:
        if self._samples is None:
            self._samples = _read_samples(samples_file(self.path))
        return self._samples

    @cached_property
    def samples_by_id(self) -> dict[str, dict[str, Any]]:
        return {s["case_id"]: s for s in self.samples}

    def metric(self, name: str, slice_key: str | None = None) -> dict[str, Any] | None:
        """The summary entry for ``name`` overall or on one slice (``axis:value``), or None."""
        table = self.metrics if slice_key is None else self.slices.get(slice_key, {})
        entry = table.get(name)
        return dict(entry) if isinstance(entry, dict) else None


def samples_file(root: Path) -> Path:
    """``samples.jsonl``, or the compressed ``samples.jsonl.gz`` of a published run when there is no plain
    file (the plain one wins when both exist: it is the one a resumed run writes)."""
    plain, packed = root / "samples.jsonl", root / "samples.jsonl.gz"
    return packed if not plain.is_file() and packed.is_file() else plain


def _read_samples(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise RunDirError(f"{path}: missing (is {path.parent} a run directory?)")
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            return _parse_samples(path, handle)
    except (OSError, EOFError) as exc:  # a truncated or foreign .gz
        raise RunDirError(f"{path}: unreadable: {exc}") from exc


def _parse_samples(path: Path, lines: Iterable[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RunDirError(f"{path}:{lineno}: invalid JSON: {exc.msg}") from exc
        if not isinstance(record, dict) or not isinstance(record.get("case_id"), str):
            raise RunDirError(f"{path}:{lineno}: case_id: missing or not a string")
        scores = record.get("scores")
        if not isinstance(scores, dict):
            raise RunDirError(f"{path}:{lineno}: scores: missing or not an object")
        out.append(record)
    return out


def load_run(path: str | Path) -> Run:
    """Load one run directory (``summary.json`` and ``run.json``; samples lazily)."""
    root = Path(path)
    if not root.is_dir():
        raise RunDirError(f"{root}: not a directory")
    summary_path = root / "summary.json"
    summary = _read_json(summary_path)
    _require(summary, "metrics", summary_path, dict)
    for name, entry in summary["metrics"].items():
        if not isinstance(entry, dict) or "value" not in entry:
            raise RunDirError(f"{summary_path}: metrics.{name}: expected an object with 'value'")
    meta = _read_json(root / "run.json")
    return Run(path=root, meta=meta, summary=summary)


def load_runs(paths: list[str | Path] | list[Path]) -> list[Run]:
    """Load many run directories; a directory holding run directories (``results/runs``) is expanded."""
    runs: list[Run] = []
    for raw in paths:
        root = Path(raw)
        if root.is_dir() and not (root / "summary.json").exists():
            children = sorted(p for p in root.iterdir() if (p / "summary.json").is_file())
            if not children:
                raise RunDirError(f"{root}: neither a run directory nor a folder of run directories")
            runs.extend(load_run(child) for child in children)
        else:
            runs.append(load_run(root))
    return runs
