"""Where a run came from: package versions and the git revision, for run.json (never for summary.json)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "reachbench",
    "pydantic",
    "numpy",
    "pandas",
    "scikit-learn",
    "netaddr",
    "botocore",
    "boto3",
    "typer",
    "rich",
)


def now() -> str:
    """UTC timestamp, second resolution, ISO 8601 (run.json only)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp() -> str:
    """Compact UTC timestamp for run ids."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


@lru_cache(maxsize=1)
def git_revision() -> str | None:
    """The checkout's commit (with ``+dirty`` when tracked files changed), or None outside git."""
    root = Path(__file__).resolve().parents[2]
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{rev}+dirty" if dirty else rev
