"""Scenarios: declarative YAML topologies built in moto, with FIS and hand faults, written as snapshots.

``build_scenario(path_or_name, out_dir)`` builds every fault world of one scenario
(``<scenario>__<fault>.json``, ``baseline`` = no fault); see docs/worlds.md for the format.
"""

from __future__ import annotations

from bench.scenarios.build import (
    build_scenario,
    build_world,
    list_scenarios,
    scenario_dir,
    scenario_path,
    world_names,
)
from bench.scenarios.fis import FisTemplateError
from bench.scenarios.spec import ScenarioError, load_scenario

__all__ = [
    "FisTemplateError",
    "ScenarioError",
    "build_scenario",
    "build_world",
    "list_scenarios",
    "load_scenario",
    "scenario_dir",
    "scenario_path",
    "world_names",
]
