"""Aggregation: every metric overall and per slice, with seeded percentile-bootstrap 95 % intervals.

Cases are resampled with replacement; a resample is a row of integer weights, so the sums of every
metric's components over a resample are one matrix product ``W @ A`` (resamples x cases times cases x
components). Ratio-of-sums metrics thus resample numerator and denominator together, and every metric
and every slice share the same resamples of the run's cases (drawn from ``default_rng([seed,
crc32("all")])``): a slice's interval comes from the resampled cases that fall in the slice, so slice
sizes vary across resamples as they would across samples of the population. A case where a metric does
not apply contributes zeros to it.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from threadpoolctl import threadpool_limits

from scorers.facts import CaseFacts
from scorers.registry import Metric, metrics, per_case_value, reduce_sums
from scorers.tables import build_tables

if TYPE_CHECKING:  # pandas costs every command ~0.4 s: imported where a frame is built
    import pandas as pd

DEFAULT_SEED = 20240601
DEFAULT_RESAMPLES = 1000
DIGITS = 6
OVERALL = "all"


@dataclass
class ComponentMatrix:
    """Per-case components of every metric: ``values`` (cases x components) and where each metric sits."""

    values: np.ndarray
    applicable: np.ndarray  # cases x metrics, bool
    columns: dict[str, slice]
    scores: list[dict[str, float | None]]  # per case: metric -> per-case value (None = not applicable)
    _distinct: tuple[np.ndarray, np.ndarray] | None = None

    def distinct_columns(self) -> tuple[np.ndarray, np.ndarray]:
        """(distinct columns as float32, index of each original column among them)."""
        if self._distinct is None:
            distinct, inverse = np.unique(self.values, axis=1, return_inverse=True)
            self._distinct = (np.ascontiguousarray(distinct, dtype=np.float32), inverse.reshape(-1))
        return self._distinct

    def resampled_sums(self, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Column sums over ``rows`` in every resample (resamples x columns, float64); ``weights`` are
        the resample counts (cases x resamples). Many metrics share a column (a mean's denominator is
        its applicability): the distinct columns are resampled, then spread back."""
        distinct, inverse = self.distinct_columns()
        return (distinct[rows].T @ weights[rows]).T.astype(np.float64)[:, inverse]


def component_matrix(
    facts: Sequence[CaseFacts], registry: dict[str, Metric] | None = None
) -> ComponentMatrix:
    """Run every metric on every case once."""
    registry = registry if registry is not None else metrics()
    columns: dict[str, slice] = {}
    start = 0
    for name, m in registry.items():
        columns[name] = slice(start, start + m.spec.width)
        start += m.spec.width
    values = np.zeros((len(facts), start), dtype=np.float64)
    applicable = np.zeros((len(facts), len(registry)), dtype=bool)
    scores: list[dict[str, float | None]] = []
    for i, f in enumerate(facts):
        row: dict[str, float | None] = {}
        for j, (name, m) in enumerate(registry.items()):
            comps = m.components(f)
            if comps is None:
                row[name] = None
                continue
            values[i, columns[name]] = comps
            applicable[i, j] = True
            row[name] = per_case_value(m.spec.aggregation, comps)
        scores.append(row)
    return ComponentMatrix(values, applicable, columns, scores)


def case_scores(facts: CaseFacts, registry: dict[str, Metric] | None = None) -> dict[str, float | None]:
    """Every metric's value on one case (None = not applicable), as stored in samples.jsonl."""
    registry = registry if registry is not None else metrics()
    out: dict[str, float | None] = {}
    for name, m in registry.items():
        comps = m.components(facts)
        out[name] = None if comps is None else per_case_value(m.spec.aggregation, comps)
    return out


def _round(value: float | None) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), DIGITS) + 0.0  # + 0.0 turns -0.0 into 0.0


def bootstrap_weights(n: int, n_resamples: int, seed: int, key: str = OVERALL) -> np.ndarray:
    """Resample counts (n_resamples x n): row b says how often each case is drawn in resample b."""
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    draws = rng.integers(0, n, size=(n_resamples, n), dtype=np.int32 if n < 2**31 else np.int64)
    counts = np.empty((n_resamples, n), dtype=np.float32)
    for b in range(n_resamples):
        counts[b] = np.bincount(draws[b], minlength=n)
    return counts


def metric_block(
    matrix: ComponentMatrix,
    rows: np.ndarray,
    registry: dict[str, Metric],
    weights: np.ndarray | None,
) -> dict[str, dict[str, Any]]:
    """Value, 95 % interval and n of every metric over the cases ``rows`` (indices into the matrix).

    ``weights`` are the run's resample counts (all cases x resamples); a slice uses its own rows.
    """
    return metric_blocks(matrix, [rows], registry, weights)[0]


def metric_blocks(
    matrix: ComponentMatrix,
    blocks: Sequence[np.ndarray],
    registry: dict[str, Metric],
    weights: np.ndarray | None,
) -> list[dict[str, dict[str, Any]]]:
    """``metric_block`` of each row set, the percentiles of all of them taken together."""
    prepared = []
    for rows in blocks:
        sums = matrix.values[rows].sum(axis=0)
        counts = matrix.applicable[rows].sum(axis=0)
        dist: tuple[list[str], np.ndarray] | None = None
        if len(rows) and weights is not None:
            dist = _distributions(matrix, registry, matrix.resampled_sums(rows, weights), counts)
        prepared.append((sums, counts, dist))
    intervals = _intervals([d for _, _, d in prepared])
    out = []
    for (sums, counts, _), found in zip(prepared, intervals, strict=True):
        block: dict[str, dict[str, Any]] = {}
        for j, (name, m) in enumerate(registry.items()):
            col = matrix.columns[name]
            n = int(counts[j])
            value = float(reduce_sums(m.spec.aggregation, sums[col])) if n else None
            low, high = found.get(name, (None, None))
            block[name] = {
                "value": _round(value),
                "ci_low": _round(low),
                "ci_high": _round(high),
                "n": n,
                "higher_is_better": m.spec.higher_is_better,
            }
        out.append(block)
    return out


def _distributions(
    matrix: ComponentMatrix, registry: dict[str, Metric], boot: np.ndarray, counts: np.ndarray
) -> tuple[list[str], np.ndarray] | None:
    """(names, resamples x metrics) of the applicable metrics' bootstrap values; metrics of one
    aggregation are reduced together (the same element-wise arithmetic as one metric at a time)."""
    by_aggregation: dict[Any, list[str]] = {}
    for j, (name, m) in enumerate(registry.items()):
        if counts[j]:
            by_aggregation.setdefault(m.spec.aggregation, []).append(name)
    names: list[str] = []
    dists: list[np.ndarray] = []
    for aggregation, group in by_aggregation.items():
        width = registry[group[0]].spec.width
        picked = np.concatenate([np.arange(matrix.columns[n].start, matrix.columns[n].stop) for n in group])
        stacked = boot[:, picked].reshape(boot.shape[0], len(group), width)
        dists.append(reduce_sums(aggregation, stacked))
        names += group
    return (names, np.concatenate(dists, axis=1)) if names else None


def _intervals(
    blocks: Sequence[tuple[list[str], np.ndarray] | None],
) -> list[dict[str, tuple[float, float]]]:
    """Per block, the 2.5 and 97.5 percentiles of each metric's finite bootstrap values. The columns
    that are finite throughout, of every block, go through one ``np.percentile(axis=0)`` call: the same
    arithmetic column by column as one call per metric, so the same floats."""
    out: list[dict[str, tuple[float, float]]] = [{} for _ in blocks]
    present = [(i, b) for i, b in enumerate(blocks) if b is not None]
    if not present:
        return out
    dist = np.concatenate([d for _, (_, d) in present], axis=1)  # resamples x (block, metric)
    where = [(i, name) for i, (names, _) in present for name in names]
    finite = np.isfinite(dist)
    whole = finite.all(axis=0)
    if whole.any():
        low, high = np.percentile(dist[:, whole], [2.5, 97.5], axis=0)
        for k, lo, hi in zip(np.flatnonzero(whole), low, high, strict=True):
            i, name = where[k]
            out[i][name] = (lo, hi)
    for k in np.flatnonzero(~whole):
        kept = dist[finite[:, k], k]
        if kept.size:
            i, name = where[k]
            out[i][name] = tuple(np.percentile(kept, [2.5, 97.5]))
    return out


def slice_keys(tags: Sequence[str]) -> list[str]:
    """The slices a case belongs to: one per tag, ``axis:value`` (a bare tag becomes ``tag:<tag>``)."""
    return sorted({t if ":" in t else f"tag:{t}" for t in tags})


def summarize(
    facts: Sequence[CaseFacts],
    *,
    seed: int = DEFAULT_SEED,
    n_resamples: int = DEFAULT_RESAMPLES,
    header: dict[str, Any] | None = None,
    matrix: ComponentMatrix | None = None,
) -> dict[str, Any]:
    """The summary.json document: header fields, overall metrics, per-slice metrics, tables."""
    registry = metrics()
    matrix = matrix if matrix is not None else component_matrix(facts, registry)
    everyone = np.arange(len(facts))
    members: dict[str, list[int]] = {}
    for i, f in enumerate(facts):
        for key in slice_keys(f.tags):
            members.setdefault(key, []).append(i)
    weights = (
        bootstrap_weights(len(facts), n_resamples, seed, OVERALL) if len(facts) and n_resamples else None
    )
    # Cases as rows: a slice then gathers contiguous rows of the resample counts.
    counts = None if weights is None else np.ascontiguousarray(weights.T)
    # Many small products: BLAS threads cost far more than they save here (10x on a busy 2-core box).
    keys = sorted(members)
    with threadpool_limits(limits=1, user_api="blas"):
        overall, *blocks = metric_blocks(
            matrix, [everyone, *(np.asarray(members[k]) for k in keys)], registry, counts
        )
    slices = dict(zip(keys, blocks, strict=True))
    summary: dict[str, Any] = dict(header or {})
    summary.update(
        n_cases=len(facts),
        seed=seed,
        n_resamples=n_resamples,
        metrics=overall,
        slices=slices,
        tables=build_tables(facts),
    )
    return summary


def dumps_summary(summary: dict[str, Any]) -> str:
    """Deterministic bytes: sorted keys, fixed indentation, floats already rounded, trailing newline."""
    return json.dumps(summary, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def summary_frame(summary: dict[str, Any]) -> pd.DataFrame:
    """One row per (slice, metric): the summary as a DataFrame (``slice`` is ``all`` overall)."""
    records = []
    blocks = [(OVERALL, summary["metrics"])] + sorted(summary.get("slices", {}).items())
    for key, block in blocks:
        for name, cell in block.items():
            records.append({"slice": key, "metric": name, **cell})
    columns = ["slice", "metric", "value", "ci_low", "ci_high", "n", "higher_is_better"]
    import pandas as pd

    return pd.DataFrame.from_records(records, columns=columns)
