"""Reports over run directories: compare two runs, gate a release, build a leaderboard, publish datasets.

Everything here reads run directories (``docs/contracts.md``) and the scorers' metadata; nothing here
scores a case. Metric directions always come from ``scorers.registry.metric_specs()`` (falling back to
the ``higher_is_better`` recorded in ``summary.json``), never from a hard-coded list.
"""

from __future__ import annotations

from bench.reports.rundir import Run, RunDirError, load_run, load_runs
from bench.reports.specs import MetricSpec, resolve_specs

__all__ = ["MetricSpec", "Run", "RunDirError", "load_run", "load_runs", "resolve_specs"]
