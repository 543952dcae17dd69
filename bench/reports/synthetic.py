"""Synthetic run directories, shaped exactly like the runner's, for tests, demos and docs.

A test double shipped with the package (like the oracle translator): it lets the report commands be
exercised and demonstrated without a translator, an engine or a suite. It does not score anything: the
per-case values are drawn from given rates, and the summary is their mean with a percentile bootstrap.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: Directions of the synthetic metrics (written into summary.json as a real run would).
SYNTHETIC_DIRECTIONS: dict[str, bool] = {
    "strict_accuracy": True,
    "false_positive_reachability": False,
    "pair_match": True,
    "region_accuracy": True,
    "execution_accuracy": True,
    "over_abstention": False,
}

_FAULTS = ("nacl-all", "sg-empty", "tgw-xregion", "route-blackhole", "none")
_LANGS = ("en", "ja", "de")
_DESTS = ("ip", "cidr", "fqdn", "resource")
_REFS = ("id", "name", "ip")


def synthetic_cases(n: int, seed: int = 0, suite: str = "synthetic") -> list[dict[str, Any]]:
    """``n`` case stubs with tags on the four report axes; about a third are gold-unreachable."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n):
        fault = _FAULTS[int(rng.integers(len(_FAULTS)))]
        lang = _LANGS[int(rng.integers(len(_LANGS)))]
        dest = _DESTS[int(rng.integers(len(_DESTS)))]
        ref = _REFS[int(rng.integers(len(_REFS)))]
        reachable = fault == "none" or bool(rng.random() < 0.3)
        cases.append(
            {
                "case_id": f"{suite}-{i:05d}",
                "suite": suite,
                "split": "test",
                "world": f"hub-spoke__{fault}",
                "tags": sorted([f"fault:{fault}", f"lang:{lang}", f"dest:{dest}", f"ref:{ref}"]),
                "input": {
                    "turns": [f"Can i-{i:04x} reach the {dest} destination on port 443? ({lang})"],
                    "context": {"home_region": "ap-northeast-1", "account_id": "123456789012"},
                },
                "gold": {"answerable": True, "verdict": {"reachable": reachable}},
            }
        )
    return cases


def simulate_scores(
    cases: Sequence[Mapping[str, Any]], skill: Mapping[str, float], seed: int = 0
) -> list[dict[str, float | None]]:
    """Per-case 0/1 values: each metric right with probability ``skill[metric]``.

    ``false_positive_reachability`` applies only to gold-unreachable cases (null elsewhere) and is 1 with
    probability ``skill['false_positive_reachability']`` (a rate, lower is better).
    """
    rng = np.random.default_rng(seed)
    out: list[dict[str, float | None]] = []
    for case in cases:
        row: dict[str, float | None] = {}
        for name in sorted(skill):
            draw = float(rng.random() < skill[name])
            if name == "false_positive_reachability" and case["gold"]["verdict"]["reachable"]:
                row[name] = None
            else:
                row[name] = draw
        out.append(row)
    return out


def _aggregate(values: list[float], hib: bool, rng: np.random.Generator, n_resamples: int) -> dict[str, Any]:
    if not values:
        return {"value": None, "ci_low": None, "ci_high": None, "n": 0, "higher_is_better": hib}
    arr = np.asarray(values, dtype=float)
    idx = rng.integers(0, arr.size, size=(n_resamples, arr.size))
    lo, hi = np.quantile(arr[idx].mean(axis=1), [0.025, 0.975])
    return {
        "value": round(float(arr.mean()), 6),
        "ci_low": round(float(lo), 6),
        "ci_high": round(float(hi), 6),
        "n": int(arr.size),
        "higher_is_better": hib,
    }


def write_run(
    root: str | Path,
    run_id: str,
    cases: Sequence[Mapping[str, Any]],
    scores: Sequence[Mapping[str, float | None]],
    *,
    translator: str = "rules",
    version: str = "1.0",
    model: str = "",
    suite_version: str = "1",
    finished_at: str = "2026-01-01T00:00:00Z",
    latency_ms: float | None = None,
    cost_usd: float | None = None,
    directions: Mapping[str, bool] | None = None,
    n_resamples: int = 200,
    seed: int = 0,
) -> Path:
    """Write ``root/run_id/{run.json,samples.jsonl,summary.json}`` and return the directory."""
    dirs = dict(SYNTHETIC_DIRECTIONS if directions is None else directions)
    out = Path(root) / run_id
    out.mkdir(parents=True, exist_ok=True)
    suite = str(cases[0]["suite"]) if cases else "synthetic"
    settings = {"model": model} if model else {}
    meta = {
        "run_id": run_id,
        "translator": {
            "spec": translator + (f":model={model}" if model else ""),
            "name": translator,
            "version": version,
            "settings": settings,
        },
        "suite": {
            "name": suite,
            "version": suite_version,
            "hash": f"sha256:{suite}-{suite_version}",
            "splits": ["test"],
            "n_cases": len(cases),
        },
        "seed": seed,
        "reachbench_version": "0.1.0",
        "git_revision": "synthetic",
        "packages": {},
        "started_at": finished_at,
        "finished_at": finished_at,
        "cache": {},
        "options": {},
    }
    samples = []
    for case, row in sorted(zip(cases, scores, strict=True), key=lambda cr: cr[0]["case_id"]):
        strict = row.get("strict_accuracy")
        translation = {
            "status": "query",
            "query": None,
            "latency_ms": latency_ms,
            "usage": {"cost_usd": cost_usd} if cost_usd is not None else None,
        }
        samples.append(
            {
                **{k: case[k] for k in ("case_id", "suite", "split", "world", "tags", "input", "gold")},
                "translation": translation,
                "predicted": None,
                "predicted_ra": None,
                "scores": dict(row),
                "failure_type": None if strict in (None, 1.0) else "query:wrong_destination",
            }
        )
    rng = np.random.default_rng(seed)
    names = sorted({m for r in scores for m in r})
    metrics = {
        m: _aggregate(
            [s["scores"][m] for s in samples if s["scores"].get(m) is not None],
            dirs.get(m, True),
            rng,
            n_resamples,
        )
        for m in names
    }
    tags = sorted({t for s in samples for t in s["tags"]})
    slices = {
        t: {
            m: _aggregate(
                [s["scores"][m] for s in samples if t in s["tags"] and s["scores"].get(m) is not None],
                dirs.get(m, True),
                rng,
                n_resamples,
            )
            for m in names
        }
        for t in tags
    }
    summary = {
        "run_id": run_id,
        "suite": meta["suite"],
        "translator": meta["translator"],
        "n_cases": len(samples),
        "seed": seed,
        "n_resamples": n_resamples,
        "metrics": metrics,
        "slices": slices,
        "tables": {},
    }
    (out / "run.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (out / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    with (out / "samples.jsonl").open("w", encoding="utf-8") as handle:
        for s in samples:
            handle.write(json.dumps(s, sort_keys=True, ensure_ascii=False) + "\n")
    return out


#: name, model, strict accuracy, false-positive rate, latency (ms), cost per case (USD)
DEMO_TRANSLATORS: tuple[tuple[str, str, float, float, float, float | None], ...] = (
    ("rules", "", 0.55, 0.15, 2.0, None),
    ("openai", "gpt-x", 0.80, 0.05, 800.0, 0.0005),
    ("bedrock", "claude-y", 0.90, 0.02, 1200.0, 0.002),
)


def demo_runs(root: str | Path, n: int = 240) -> Path:
    """``root/runs`` with three translators and an older run of ``rules`` that the newer one supersedes."""
    runs = Path(root) / "runs"
    cases = synthetic_cases(n, seed=11)
    for i, (name, model, acc, fp, lat, cost) in enumerate(DEMO_TRANSLATORS):
        skill = {
            "strict_accuracy": acc,
            "false_positive_reachability": fp,
            "region_accuracy": min(acc + 0.05, 1.0),
            "pair_match": min(acc + 0.03, 1.0),
        }
        write_run(
            runs,
            f"{name}-new",
            cases,
            simulate_scores(cases, skill, seed=20 + i),
            translator=name,
            model=model,
            latency_ms=lat,
            cost_usd=cost,
            finished_at=f"2026-03-0{i + 2}T10:00:00Z",
        )
    old = simulate_scores(cases, {"strict_accuracy": 0.3, "false_positive_reachability": 0.3}, seed=99)
    write_run(runs, "rules-old", cases, old, translator="rules", finished_at="2026-01-01T00:00:00Z")
    return runs
