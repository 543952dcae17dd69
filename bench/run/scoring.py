"""Scoring a run directory from its records alone: the step ``run`` ends with and ``score`` repeats.

Both paths go through ``score_records`` with the header taken from ``run.json``, so ``reachbench score``
reproduces ``summary.json`` byte for byte (and re-scores with fixed scorers without a model call).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bench.run.crossworld import fill_records, suite_config
from bench.run.records import SAMPLES_GZ, diagnosis, facts_of, read_samples, samples_path, write_samples
from scorers import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    CaseFacts,
    component_matrix,
    dumps_summary,
    failure_type,
    summarize,
)

RUN_JSON = "run.json"


def health(records: list[dict[str, Any]]) -> dict[str, Any]:
    from bench.run.guard import health as _health

    return _health(records)

SUMMARY = "summary.json"


class RunDirError(ValueError):
    """A run directory that cannot be scored; the message names the file."""


def summary_header(meta: dict[str, Any]) -> dict[str, Any]:
    """The fixed part of summary.json, from run.json (no timestamps: they would break reproduction)."""
    suite = {k: v for k, v in (meta.get("suite") or {}).items() if k != "source"}  # a local path
    variants, seed = suite_config(meta)
    # The fingerprint (a hash of code) and resume options (a local folder) are run.json's business.
    translator = {
        k: v for k, v in (meta.get("translator") or {}).items() if k not in ("fingerprint", "resume_options")
    }
    return {
        "run_id": meta.get("run_id"),
        "suite": suite,
        "translator": translator,
        # The test suite of suite_accuracy: every scenario world plus this many seeded variants per case.
        "test_suite": {"variants": variants, "seed": seed},
    }


def score_records(
    records: list[dict[str, Any]],
    meta: dict[str, Any],
    *,
    where: str = "",
    known: dict[str, CaseFacts] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Fill each record's ``scores``/``failure_type``/``diagnosis`` and build the summary (sorted by id).

    ``known`` holds facts the caller already built from validated models (the cases a run just
    translated, whose records ``build_record`` made from these facts), so that they are not parsed back
    from their records and their failure type and diagnosis are not derived twice; the result is the
    same.
    """
    records = sorted(records, key=lambda r: str(r["case_id"]))
    # Records without denotations and test-suite verdicts (older runs) get them now, from the worlds.
    if fill_records(records, *suite_config(meta)):
        known = {}
    known = known or {}
    facts: list[CaseFacts] = []
    fresh: list[bool] = []
    for r in records:
        f = known.get(str(r["case_id"]))
        fresh.append(f is not None)
        facts.append(f if f is not None else facts_of(r, where))
    matrix = component_matrix(facts)
    for record, f, scores, built in zip(records, facts, matrix.scores, fresh, strict=True):
        record["scores"] = scores
        if not built:  # a known case's record was built from these very facts: both fields are theirs
            record["failure_type"] = failure_type(f)
            record["diagnosis"] = diagnosis(f)
    summary = summarize(
        facts,
        seed=int(meta.get("seed", DEFAULT_SEED)),
        n_resamples=int(meta.get("n_resamples", DEFAULT_RESAMPLES)),
        header=summary_header(meta),
        matrix=matrix,
    )
    summary["health"] = health(records)
    return records, summary


def read_meta(run_dir: Path) -> dict[str, Any]:
    path = run_dir / RUN_JSON
    if not path.is_file():
        raise RunDirError(f"{path}: no run.json (not a run directory?)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RunDirError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None


def write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_summary(run_dir: Path, summary: dict[str, Any]) -> None:
    tmp = run_dir / (SUMMARY + ".tmp")
    tmp.write_text(dumps_summary(summary), encoding="utf-8")
    os.replace(tmp, run_dir / SUMMARY)


def rescore(run_dir: str | Path) -> dict[str, Any]:
    """Re-score a run directory in place from its records; returns the summary written."""
    root = Path(run_dir)
    meta = read_meta(root)
    path = samples_path(root)
    records = list(read_samples(path))
    if not records:
        raise RunDirError(f"{path}: no samples to score")
    seen: set[str] = set()
    for r in records:
        if r.get("case_id") in seen:
            raise RunDirError(f"{path}: case {r.get('case_id')!r} appears twice (unfinished run?)")
        seen.add(str(r.get("case_id")))
    ids = [str(r["case_id"]) for r in records]
    before = [(r.get("scores"), r.get("failure_type"), r.get("diagnosis")) for r in records]
    records, summary = score_records(records, meta, where=str(path))
    after = [(r.get("scores"), r.get("failure_type"), r.get("diagnosis")) for r in records]
    # Rewrite the records only when a scorer change altered them (or they were unsorted): most re-scores
    # then skip serialising every record again. A compressed run stays compressed.
    if ids != sorted(ids) or before != after:
        write_samples(root, records, compress=path.name == SAMPLES_GZ)
    write_summary(root, summary)
    return summary
