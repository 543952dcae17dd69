"""Paired comparison of two runs on the cases they share.

Why paired: two translators scored on the same cases differ far less by chance than two independent
samples would, so the interval of the per-case difference (and McNemar's test on the discordant cases) can
call a 2-point difference significant where two overlapping summary intervals cannot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.reports.rundir import Run
from bench.reports.specs import MetricSpec, is_binary, resolve_specs
from bench.reports.stats import DEFAULT_RESAMPLES, DEFAULT_SEED, mcnemar_exact, metric_seed, paired_bootstrap

#: The metrics the issue asks to test with McNemar and break down by slice, when the runs have them.
DEFAULT_FOCUS = ("strict_accuracy", "false_positive_reachability")


class SuiteMismatchError(ValueError):
    """The two runs were made on different suites or suite versions."""


@dataclass(frozen=True)
class CompareOptions:
    n_resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED
    allow_suite_mismatch: bool = False
    focus: tuple[str, ...] = DEFAULT_FOCUS
    max_flips: int | None = None  # None keeps every flipped case
    alpha: float = 0.05
    extra: dict[str, Any] = field(default_factory=dict)


def _run_header(run: Run) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "path": str(run.path),
        "translator": run.translator_name,
        "translator_version": run.translator_version,
        "model": run.model,
        "suite": {k: run.suite.get(k) for k in ("name", "version", "hash")},
        "n_cases": len(run.samples),
    }


def check_suites(a: Run, b: Run, allow: bool) -> list[str]:
    """Raise on different suite names/versions unless ``allow``; return warnings (e.g. differing hashes)."""
    warnings: list[str] = []
    ident_a = (a.suite_name, a.suite_version)
    ident_b = (b.suite_name, b.suite_version)
    if ident_a != ident_b:
        message = (
            f"runs are on different suites: {a.run_id} on {a.suite_name}@{a.suite_version or '?'}, "
            f"{b.run_id} on {b.suite_name}@{b.suite_version or '?'}"
        )
        if not allow:
            raise SuiteMismatchError(message + " (pass --allow-suite-mismatch to compare the shared cases)")
        warnings.append(message + "; comparing the shared cases only")
    elif a.suite.get("hash") and b.suite.get("hash") and a.suite.get("hash") != b.suite.get("hash"):
        warnings.append(
            f"same suite version {a.suite_version} but different case-file hashes; "
            "cases may have been edited without a version bump"
        )
    return warnings


def _right_value(spec: MetricSpec) -> float:
    return 1.0 if spec.higher_is_better else 0.0


def _flip_record(case_id: str, sa: dict[str, Any], sb: dict[str, Any]) -> dict[str, Any]:
    turns = ((sa.get("input") or {}).get("turns")) or []
    first = str(turns[0]) if turns else ""
    return {
        "case_id": case_id,
        "world": sa.get("world"),
        "tags": list(sa.get("tags") or []),
        "question": first if len(first) <= 160 else first[:157] + "...",
        "failure_type_a": sa.get("failure_type"),
        "failure_type_b": sb.get("failure_type"),
    }


def _paired_arrays(
    shared: list[str], a: Run, b: Run, metric: str
) -> tuple[list[str], np.ndarray, np.ndarray]:
    ids: list[str] = []
    va: list[float] = []
    vb: list[float] = []
    sa_all, sb_all = a.samples_by_id, b.samples_by_id
    for cid in shared:
        x = sa_all[cid]["scores"].get(metric)
        y = sb_all[cid]["scores"].get(metric)
        if x is None or y is None:
            continue
        ids.append(cid)
        va.append(float(x))
        vb.append(float(y))
    return ids, np.asarray(va, dtype=float), np.asarray(vb, dtype=float)


def _verdict(spec: MetricSpec, lo: float, hi: float) -> str:
    """Which run is better, judged on the paired interval of (B - A) and the metric's direction."""
    if not (lo > 0 or hi < 0):
        return "no significant difference"
    b_higher = lo > 0
    return "B better" if b_higher == spec.higher_is_better else "A better"


def compare_runs(a: Run, b: Run, options: CompareOptions | None = None) -> dict[str, Any]:
    """The full comparison as a JSON-ready dict (deterministic for the same runs and options)."""
    opts = options or CompareOptions()
    warnings = check_suites(a, b, opts.allow_suite_mismatch)
    specs = resolve_specs([a, b])
    ids_a, ids_b = set(a.samples_by_id), set(b.samples_by_id)
    shared = sorted(ids_a & ids_b)
    if not shared:
        raise SuiteMismatchError(f"runs {a.run_id} and {b.run_id} share no case ids; nothing to compare")
    names = sorted({m for s in a.samples for m in s["scores"]} & {m for s in b.samples for m in s["scores"]})
    focus = [m for m in opts.focus if m in names]
    headline_first = sorted(
        names,
        key=lambda m: (
            focus.index(m) if m in focus else len(focus),
            not specs.get(m, MetricSpec(m, True)).headline,
            m,
        ),
    )
    metrics: list[dict[str, Any]] = []
    slices: dict[str, list[dict[str, Any]]] = {}
    flips: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in headline_first:
        spec = specs.get(name) or MetricSpec(name, True, source="unknown")
        ids, va, vb = _paired_arrays(shared, a, b, name)
        if not ids:
            continue
        if spec.aggregation != "mean":
            metrics.append(_summary_only(a, b, spec, len(ids)))
            continue
        iv = paired_bootstrap(va, vb, n_resamples=opts.n_resamples, seed=metric_seed(opts.seed, name))
        binary = spec.paired_binary or is_binary(np.concatenate([va, vb]).tolist())
        entry: dict[str, Any] = {
            "metric": name,
            "higher_is_better": spec.higher_is_better,
            "headline": spec.headline,
            "n": iv.n,
            "a": iv.mean_a,
            "b": iv.mean_b,
            "diff": iv.diff,
            "ci_low": iv.ci_low,
            "ci_high": iv.ci_high,
            "verdict": _verdict(spec, iv.ci_low, iv.ci_high),
            "mcnemar": None,
        }
        if binary:
            right = _right_value(spec)
            test = mcnemar_exact(va == right, vb == right)
            entry["mcnemar"] = {
                "a_right_b_wrong": test.only_a,
                "a_wrong_b_right": test.only_b,
                "p_value": test.p_value,
                "significant": test.p_value < opts.alpha,
            }
        metrics.append(entry)
        if name in focus:
            slices[name] = _slice_deltas(ids, va, vb, a, opts, name)
            if binary:
                flips[name] = _flips(ids, va, vb, a, b, spec, opts.max_flips)
    return {
        "a": _run_header(a),
        "b": _run_header(b),
        "shared_cases": len(shared),
        "only_in_a": len(ids_a - ids_b),
        "only_in_b": len(ids_b - ids_a),
        "n_resamples": opts.n_resamples,
        "seed": opts.seed,
        "warnings": warnings,
        "metrics": metrics,
        "slices": slices,
        "flips": flips,
    }


def _summary_only(a: Run, b: Run, spec: MetricSpec, n: int) -> dict[str, Any]:
    """A ratio/F1/balanced metric is not a mean of per-case values, so samples cannot be resampled into
    it; report the two runs' own summary values (over each run's cases) without a paired interval."""
    ea, eb = a.metric(spec.name) or {}, b.metric(spec.name) or {}
    va, vb = ea.get("value"), eb.get("value")
    return {
        "metric": spec.name,
        "higher_is_better": spec.higher_is_better,
        "headline": spec.headline,
        "n": n,
        "a": va,
        "b": vb,
        "diff": None if va is None or vb is None else vb - va,
        "ci_low": None,
        "ci_high": None,
        "mcnemar": None,
        "verdict": f"not paired ({spec.aggregation} over each run's cases)",
    }


def _slice_deltas(
    ids: list[str], va: np.ndarray, vb: np.ndarray, a: Run, opts: CompareOptions, name: str
) -> list[dict[str, Any]]:
    by_tag: dict[str, list[int]] = {}
    for i, cid in enumerate(ids):
        for tag in a.samples_by_id[cid].get("tags") or []:
            key = str(tag) if ":" in str(tag) else f"tag:{tag}"  # the scorers' slice naming
            by_tag.setdefault(key, []).append(i)
    rows: list[dict[str, Any]] = []
    for tag, idx in by_tag.items():
        sel = np.asarray(idx)
        iv = paired_bootstrap(
            va[sel], vb[sel], n_resamples=opts.n_resamples, seed=metric_seed(opts.seed, f"{name}|{tag}")
        )
        rows.append(
            {
                "slice": tag,
                "n": iv.n,
                "a": iv.mean_a,
                "b": iv.mean_b,
                "diff": iv.diff,
                "ci_low": iv.ci_low,
                "ci_high": iv.ci_high,
            }
        )
    rows.sort(key=lambda r: (-abs(r["diff"]), r["slice"]))
    return rows


def _flips(
    ids: list[str], va: np.ndarray, vb: np.ndarray, a: Run, b: Run, spec: MetricSpec, limit: int | None
) -> dict[str, list[dict[str, Any]]]:
    right = _right_value(spec)
    a_only: list[dict[str, Any]] = []
    b_only: list[dict[str, Any]] = []
    for i, cid in enumerate(ids):
        ra, rb = va[i] == right, vb[i] == right
        if ra == rb:
            continue
        record = _flip_record(cid, a.samples_by_id[cid], b.samples_by_id[cid])
        (a_only if ra else b_only).append(record)
    if limit is not None:
        a_only, b_only = a_only[:limit], b_only[:limit]
    return {"a_right_b_wrong": a_only, "a_wrong_b_right": b_only}
