"""Tests that run anywhere: no machine paths, bare ``pytest`` collects, warnings are errors (issue 13)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# A string literal starting with a machine-specific root (the team's /work, a home folder).
MACHINE_PATH = re.compile(r"""["'](/work/|/home/|/Users/|/root/|[A-Z]:\\\\)""")


def test_no_absolute_machine_paths_in_tests() -> None:
    offenders = [
        f"{p.relative_to(REPO)}:{n}"
        for p in sorted((REPO / "tests").glob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if MACHINE_PATH.search(line) and p.name != "test_hygiene.py"
    ]
    assert not offenders, offenders


def test_warnings_are_errors_and_the_checkout_is_importable() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    config = pyproject["tool"]["pytest"]["ini_options"]
    assert config["filterwarnings"][0] == "error"
    # The checkout on sys.path (tests import `tests.test_runner`); tests/ stays a rootdir-inserted folder
    # (no __init__.py) so that `from test_cases_support import ...` keeps working too.
    assert "." in config["pythonpath"]


def test_bare_pytest_collects() -> None:
    # `pytest` (not `python -m pytest`) does not put the current folder on sys.path: the config must.
    pytest_bin = Path(sys.executable).with_name("pytest")
    cmd = [str(pytest_bin)] if pytest_bin.exists() else [sys.executable, "-c", "import pytest; pytest.main()"]
    proc = subprocess.run(
        [*cmd, "--collect-only", "-q", "-p", "no:cacheprovider", "tests/test_run_cli.py"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={"PATH": str(Path(sys.executable).parent), "HOME": str(REPO)},
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "test_run_score_show" in proc.stdout
