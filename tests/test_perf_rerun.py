"""``bench.perf.rerun`` times the checkout it belongs to (or the one given), never an installed copy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import bench
from bench.perf import rerun


def test_tree_env_puts_the_timed_checkout_first(tmp_path: Path) -> None:
    assert rerun.ROOT == Path(bench.__file__).resolve().parents[1]
    env = rerun.tree_env(base={"PYTHONPATH": os.pathsep.join([".", str(rerun.ROOT), "/elsewhere"])})
    assert env["PYTHONPATH"].split(os.pathsep) == [str(rerun.ROOT), "/elsewhere"]
    other = rerun.tree_env(tmp_path, base={})
    assert other["PYTHONPATH"] == str(tmp_path)


def test_timed_commands_import_the_timed_checkout(tmp_path: Path) -> None:
    """From any working directory, the subprocess imports ``bench`` from ``root``."""
    env = rerun.tree_env()
    found = subprocess.run(
        [sys.executable, "-c", "import bench; print(bench.__file__)"],
        env=env,
        cwd=rerun.ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(found).resolve() == Path(bench.__file__).resolve()
    wall, cpu = rerun._time(["--help"], env)
    assert wall > 0 and cpu > 0
    row = rerun._row("help", [(wall, cpu), (wall + 1, cpu)])
    assert row["median_s"] == wall + 0.5 and row["ratio"] == row["median_s"] / rerun.TARGETS["help"]
