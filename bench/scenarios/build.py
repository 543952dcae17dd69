"""One world = one fresh moto account: topology, then one fault, then a read-only snapshot, corrected.

Each world is built from scratch with the scenario's seed, so the topology's ids are the same in every
world of a scenario (a case can name ``app-1``'s id in the baseline and in a fault world alike), and a
rebuild on another machine gives the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import corpus_dir
from bench.scenarios.context import BuildContext
from bench.scenarios.spec import ScenarioError, ScenarioSource, load_scenario
from bench.world.snapshot import FORMAT, SNAPSHOT_SCHEMA_VERSION, write_snapshot

BASELINE = "baseline"


def scenario_dir() -> Path:
    """The repo's ``cases/scenarios`` (overridable with ``REACHBENCH_SCENARIOS``)."""
    env = os.environ.get("REACHBENCH_SCENARIOS")
    if env:
        return Path(env)
    return corpus_dir() / "scenarios"


def list_scenarios() -> list[str]:
    return sorted(p.stem for p in scenario_dir().glob("*.yaml"))


def scenario_path(path_or_name: str | Path) -> Path:
    path = Path(path_or_name)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    candidate = scenario_dir() / f"{path_or_name}.yaml"
    if not candidate.exists():
        import difflib

        close = difflib.get_close_matches(str(path_or_name), list_scenarios(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ScenarioError(f"no scenario named {path_or_name!r} in {scenario_dir()}{hint}")
    return candidate


def world_names(source: ScenarioSource) -> list[str]:
    faults = [f for f in source.spec.faults if f != BASELINE]
    return [BASELINE] + faults


@contextmanager
def _moto_env() -> Iterator[None]:
    """Fixed moto settings for a build (they change which random numbers moto draws, hence the ids).

    moto loads thousands of public AMIs per Region by default; scenarios use one fixed AMI id.
    """
    saved = os.environ.get(_AMI_VAR)
    os.environ[_AMI_VAR] = "false"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(_AMI_VAR, None)
        else:
            os.environ[_AMI_VAR] = saved


_AMI_VAR = "MOTO_EC2_LOAD_DEFAULT_AMIS"


def build_world(source: ScenarioSource, fault: str) -> dict[str, Any]:
    """Build one world of a scenario in a fresh moto and return its snapshot (not written)."""
    # Imported here: moto is heavy and only the builder needs it.
    from botocore.exceptions import ClientError
    from moto import mock_aws
    from moto.moto_api._internal import mock_random

    from bench.scenarios.builder import Builder
    from bench.scenarios.corrections import apply_corrections
    from bench.scenarios.faults import FaultApplier
    from bench.scenarios.worldinfo import ip_ranges_subset, resource_dns, service_dns
    from bench.world.reader import read_account

    spec = source.spec
    ctx = BuildContext(scenario=spec.name, account_id=spec.account_id)
    with _moto_env(), mock_aws():
        mock_random.seed(spec.seed)
        builder = Builder(source, ctx)
        try:
            builder.build()
            if fault != BASELINE:
                FaultApplier(builder).apply(fault)
        except (ClientError, NotImplementedError) as exc:
            # An AWS error a scenario caused (overlapping CIDRs, a bad zone...) or a moto gap.
            raise ScenarioError(
                f"{source.path}: world {spec.name}__{fault}: AWS refused a call: {exc}"
            ) from None
        regions = read_account(builder.session, sorted(ctx.regions))
    apply_corrections(regions, ctx)
    touched = set(ctx.regions) | set(ctx.fault_regions)
    dns = service_dns(sorted(touched), regions)
    dns.update(resource_dns(regions))
    dns.update(ctx.dns)
    for name, addresses in spec.dns.items():
        # The scenario's addresses first (an observed answer), then any the name already had.
        given = list(dict.fromkeys(addresses))
        dns[name.lower()] = given + [a for a in dns.get(name.lower(), []) if a not in given]
    return {
        "format": FORMAT,
        "schema_version": SNAPSHOT_SCHEMA_VERSION,
        "name": f"{spec.name}__{fault}",
        "account_id": spec.account_id,
        "regions": regions,
        "dns": dns,
        "ip_ranges": ip_ranges_subset(touched),
        "provenance": {
            "scenario": spec.name,
            "fault": fault,
            "description": spec.description.strip(),
            "faults": ctx.faults,
            "notes": ctx.notes,
            "corrections": ctx.corrections,
            "names": {name: ref.id for name, ref in sorted(ctx.refs.items()) if "/" not in name},
        },
    }


def build_scenario(
    path_or_name: str | Path,
    out_dir: str | Path,
    faults: list[str] | None = None,
    on_world: Callable[[str], None] | None = None,
) -> list[Path]:
    """Build every world of a scenario (or the ``faults`` named) into ``out_dir``; returns the paths."""
    source = load_scenario(scenario_path(path_or_name))
    names = world_names(source)
    if faults:
        unknown = [f for f in faults if f not in names]
        if unknown:
            raise ScenarioError(
                f"{source.path}: faults: no fault named {unknown[0]!r} (have {', '.join(names)})"
            )
        names = [n for n in names if n in faults]
    written = []
    for fault in names:
        raw = build_world(source, fault)
        written.append(write_snapshot(raw, Path(out_dir) / f"{source.spec.name}__{fault}.json"))
        if on_world:
            on_world(raw["name"])
    return written
