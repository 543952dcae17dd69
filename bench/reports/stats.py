"""Paired statistics for comparing two runs on the same cases.

The paired bootstrap resamples *cases* (the same indices for both runs), so the interval reflects how much
the difference depends on which cases happened to be in the suite. It is vectorised and done in blocks so
that a 10,000-case suite with 2,000 resamples stays within a few tens of MB. McNemar's exact test is the
binomial test on the discordant pairs, the right test for two 0/1 outcomes on the same cases.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 20240611


@dataclass(frozen=True)
class PairedInterval:
    mean_a: float
    mean_b: float
    diff: float  # mean(b - a)
    ci_low: float
    ci_high: float
    n: int


def metric_seed(seed: int, name: str) -> int:
    """A per-metric seed, so one metric's interval does not depend on which other metrics were compared."""
    return (seed * 1_000_003 + zlib.crc32(name.encode("utf-8"))) % (2**32)


def paired_bootstrap(
    a: np.ndarray,
    b: np.ndarray,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
    block: int = 250,
) -> PairedInterval:
    """Percentile interval of mean(b - a) over case resamples (same resampled cases for both runs)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("paired_bootstrap needs two 1-d arrays of the same length")
    n = int(a.size)
    if n == 0:
        nan = float("nan")
        return PairedInterval(nan, nan, nan, nan, nan, 0)
    diffs = b - a
    rng = np.random.default_rng(seed)
    means = np.empty(n_resamples, dtype=float)
    for start in range(0, n_resamples, block):
        stop = min(start + block, n_resamples)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = diffs[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return PairedInterval(
        mean_a=float(a.mean()),
        mean_b=float(b.mean()),
        diff=float(diffs.mean()),
        ci_low=float(low),
        ci_high=float(high),
        n=n,
    )


@dataclass(frozen=True)
class McNemar:
    only_a: int  # cases where A has 1 and B has 0
    only_b: int  # cases where B has 1 and A has 0
    p_value: float


def mcnemar_exact(a: np.ndarray, b: np.ndarray) -> McNemar:
    """Exact McNemar test: two-sided binomial test of the discordant pairs against p = 0.5."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    only_a = int(np.sum((a == 1) & (b == 0)))
    only_b = int(np.sum((a == 0) & (b == 1)))
    discordant = only_a + only_b
    p = 1.0 if discordant == 0 else float(binomtest(only_a, discordant, 0.5).pvalue)
    return McNemar(only_a=only_a, only_b=only_b, p_value=p)
