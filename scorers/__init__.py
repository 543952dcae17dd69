"""Scorers: pure functions of (case gold, translation, predicted verdict), with their own metadata.

``metric_specs()`` is what reports read; ``CaseFacts`` is one case's input; ``summarize`` aggregates
overall and per slice with bootstrap intervals. See docs/scoring.md for every metric.
"""

from __future__ import annotations

from scorers.aggregate import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    case_scores,
    component_matrix,
    dumps_summary,
    summarize,
    summary_frame,
)
from scorers.facts import CaseFacts
from scorers.registry import Aggregation, MetricSpec, get_metric, metric, metric_specs, metrics
from scorers.tables import build_tables, failure_type

__all__ = [
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "Aggregation",
    "CaseFacts",
    "MetricSpec",
    "build_tables",
    "case_scores",
    "component_matrix",
    "dumps_summary",
    "failure_type",
    "get_metric",
    "metric",
    "metric_specs",
    "metrics",
    "summarize",
    "summary_frame",
]
