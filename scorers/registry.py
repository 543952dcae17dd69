"""The one registry of metrics: every metric carries its own direction, applicability and aggregation.

Reports, the gate and the leaderboard read ``metric_specs()`` and never hard-code whether a metric goes
up or down. A metric is a pure function of one case's ``CaseFacts`` returning the case's *components*
(or None when the metric does not apply); the aggregation turns column sums of components into a value.
Because every aggregation is a function of sums, a bootstrap resample is a weighted sum (one matrix
product), and ratio-of-sums metrics (precision over slots, F1) resample numerator and denominator
together rather than averaging per-case ratios.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scorers.facts import CaseFacts

Components = tuple[float, ...]
MetricFn = Callable[["CaseFacts"], "Components | None"]


class Aggregation(StrEnum):
    """How per-case components combine; each value names a function of column sums."""

    MEAN = "mean"  # components (x,): sum(x) / n_applicable
    RATIO = "ratio"  # components (num, den): sum(num) / sum(den)
    F1 = "f1"  # components (tp, fp, fn): 2tp / (2tp + fp + fn)
    BALANCED = "balanced"  # components (pos, pos_ok, neg, neg_ok): mean recall over present classes


_WIDTH = {Aggregation.MEAN: 2, Aggregation.RATIO: 2, Aggregation.F1: 3, Aggregation.BALANCED: 4}


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def reduce_sums(aggregation: Aggregation, sums: np.ndarray) -> np.ndarray:
    """Metric value(s) from column sums; ``sums[..., k]`` is component k (works on a bootstrap batch)."""
    if aggregation in (Aggregation.MEAN, Aggregation.RATIO):
        return _div(sums[..., 0], sums[..., 1])
    if aggregation is Aggregation.F1:
        tp, fp, fn = sums[..., 0], sums[..., 1], sums[..., 2]
        return _div(2 * tp, 2 * tp + fp + fn)
    pos, pos_ok, neg, neg_ok = (sums[..., i] for i in range(4))
    rec_pos, rec_neg = _div(pos_ok, pos), _div(neg_ok, neg)
    present = (pos > 0).astype(float) + (neg > 0).astype(float)
    total = np.nan_to_num(rec_pos) + np.nan_to_num(rec_neg)
    return _div(total, present)


def per_case_value(aggregation: Aggregation, comps: Components) -> float | None:
    """The value shown for one case in ``samples.jsonl`` (the aggregate of that case alone).

    Plain Python rather than numpy: it runs once per case and metric, and must stay cheap.
    """
    c = _pad(aggregation, comps)
    if aggregation in (Aggregation.MEAN, Aggregation.RATIO):
        return c[0] / c[1] if c[1] > 0 else None
    if aggregation is Aggregation.F1:
        den = 2 * c[0] + c[1] + c[2]
        return 2 * c[0] / den if den > 0 else None
    recalls = [ok / n for n, ok in ((c[0], c[1]), (c[2], c[3])) if n > 0]
    return sum(recalls) / len(recalls) if recalls else None


def _pad(aggregation: Aggregation, comps: Components) -> Components:
    # MEAN metrics return (x,) for brevity; the denominator 1 is implied.
    return (comps[0], 1.0) if aggregation is Aggregation.MEAN and len(comps) == 1 else comps


@dataclass(frozen=True)
class MetricSpec:
    """What a report needs to know about a metric (the contract in docs/contracts.md)."""

    name: str
    scorer: str  # the scorer family it belongs to (resource, region, scope, ...)
    description: str
    applies_to: str
    higher_is_better: bool
    aggregation: Aggregation
    headline: bool = False
    paired_binary: bool = False  # per-case value is 0/1: usable in McNemar's test

    @property
    def width(self) -> int:
        return _WIDTH[self.aggregation]


@dataclass(frozen=True)
class Metric:
    spec: MetricSpec
    fn: MetricFn

    def components(self, facts: CaseFacts) -> Components | None:
        comps = self.fn(facts)
        return None if comps is None else _pad(self.spec.aggregation, comps)


_METRICS: dict[str, Metric] = {}


def metric(
    name: str,
    *,
    scorer: str,
    description: str,
    applies_to: str,
    higher_is_better: bool,
    aggregation: Aggregation = Aggregation.MEAN,
    headline: bool = False,
    paired_binary: bool = False,
) -> Callable[[MetricFn], MetricFn]:
    """Register a metric; names are unique (a second registration is a programming error)."""

    def wrap(fn: MetricFn) -> MetricFn:
        if name in _METRICS:
            raise ValueError(f"metric {name!r} registered twice")
        spec = MetricSpec(
            name=name,
            scorer=scorer,
            description=description,
            applies_to=applies_to,
            higher_is_better=higher_is_better,
            aggregation=aggregation,
            headline=headline,
            paired_binary=paired_binary,
        )
        _METRICS[name] = Metric(spec, fn)
        return fn

    return wrap


ConfusionFn = Callable[["CaseFacts"], "tuple[float, float, float] | None"]


def precision_recall_f1(
    prefix: str,
    *,
    scorer: str,
    confusion: ConfusionFn,
    applies_to: str,
    descriptions: tuple[str, str, str],
    headline_f1: bool = False,
) -> None:
    """Register ``<prefix>_precision``, ``_recall`` and ``_f1`` from one case's (tp, fp, fn).

    The three are ratio-of-sums metrics over the same counts (tp / (tp + fp), tp / (tp + fn),
    2tp / (2tp + fp + fn)), so one confusion function defines them all; None = not applicable.
    """

    def precision(facts: CaseFacts) -> Components | None:
        counts = confusion(facts)
        return None if counts is None else (counts[0], counts[0] + counts[1])

    def recall(facts: CaseFacts) -> Components | None:
        counts = confusion(facts)
        return None if counts is None else (counts[0], counts[0] + counts[2])

    def f1(facts: CaseFacts) -> Components | None:
        counts = confusion(facts)
        return None if counts is None else tuple(float(c) for c in counts)

    parts = (
        ("precision", precision, Aggregation.RATIO),
        ("recall", recall, Aggregation.RATIO),
        ("f1", f1, Aggregation.F1),
    )
    for (suffix, fn, aggregation), description in zip(parts, descriptions, strict=True):
        metric(
            f"{prefix}_{suffix}",
            scorer=scorer,
            description=description,
            applies_to=applies_to,
            higher_is_better=True,
            aggregation=aggregation,
            headline=headline_f1 and suffix == "f1",
        )(fn)


def _load() -> None:
    # Importing the metric modules runs their decorators; done lazily so the registry has no import cycle.
    from scorers import resource, reachability, verdict, abstention  # noqa: F401, I001


def metrics() -> dict[str, Metric]:
    """Every registered metric, by name, in registration order."""
    _load()
    return dict(_METRICS)


def metric_specs() -> dict[str, MetricSpec]:
    """Metadata of every metric, for reports, the gate and the leaderboard."""
    return {name: m.spec for name, m in metrics().items()}


def get_metric(name: str) -> Metric:
    """One metric by name; unknown names get suggestions."""
    import difflib

    found = metrics().get(name)
    if found is None:
        close = difflib.get_close_matches(name, list(_METRICS), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown metric {name!r}{hint}")
    return found
