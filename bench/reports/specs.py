"""Metric metadata for reports: direction, headline flag, whether a per-case value is 0/1.

The scorers own this metadata (``scorers.registry.metric_specs()``). Reports ask them first; for a metric
the installed scorers do not know (an old run, a plug-in scorer), they fall back to what the run itself
recorded in ``summary.json`` (``higher_is_better``), so a direction is never guessed from a name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bench.reports.rundir import Run, RunDirError


@dataclass(frozen=True)
class MetricSpec:
    name: str
    higher_is_better: bool
    description: str = ""
    headline: bool = False
    paired_binary: bool = False
    aggregation: str = "mean"  # "mean" means the run value is the mean of the per-case values
    source: str = "scorers"  # "scorers" or "summary" (fallback)


def registry_specs() -> dict[str, MetricSpec]:
    """The installed scorers' metadata, or an empty dict while the scorers package is absent."""
    try:
        from scorers.registry import metric_specs  # type: ignore[import-not-found]
    except ImportError:
        return {}
    out: dict[str, MetricSpec] = {}
    for name, spec in metric_specs().items():
        out[name] = MetricSpec(
            name=name,
            higher_is_better=bool(_attr(spec, "higher_is_better", True)),
            description=str(_attr(spec, "description", "") or ""),
            headline=bool(_attr(spec, "headline", False)),
            paired_binary=bool(_attr(spec, "paired_binary", False)),
            aggregation=str(
                getattr(_attr(spec, "aggregation", "mean"), "value", None)
                or _attr(spec, "aggregation", "mean")
            ),
        )
    return out


def _attr(spec: Any, key: str, default: Any) -> Any:
    if isinstance(spec, dict):
        return spec.get(key, default)
    return getattr(spec, key, default)


def _summary_entries(run: Run) -> Iterable[tuple[str, dict[str, Any]]]:
    yield from run.metrics.items()
    for table in run.slices.values():
        yield from table.items()


def resolve_specs(runs: Iterable[Run]) -> dict[str, MetricSpec]:
    """Specs for every metric any of ``runs`` reports (sorted by name)."""
    known = registry_specs()
    out: dict[str, MetricSpec] = {}
    for run in runs:
        for name, entry in _summary_entries(run):
            if name in out:
                continue
            if name in known:
                out[name] = known[name]
                continue
            hib = entry.get("higher_is_better")
            if not isinstance(hib, bool):
                raise RunDirError(
                    f"{run.path / 'summary.json'}: metrics.{name}.higher_is_better: missing, and the "
                    "installed scorers do not know this metric, so its direction is unknown"
                )
            out[name] = MetricSpec(name=name, higher_is_better=hib, source="summary")
    return dict(sorted(out.items()))


def is_binary(values: Iterable[float | None]) -> bool:
    """True when every known value is 0 or 1 (used when the scorers' ``paired_binary`` is unavailable)."""
    seen = False
    for value in values:
        if value is None:
            continue
        seen = True
        if value not in (0, 1, 0.0, 1.0):
            return False
    return seen
