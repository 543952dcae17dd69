"""reachbench as a dependency: the sdist and the wheel carry the corpus, and an installed copy runs anywhere.

The test builds an sdist from a copy of the repository's packaged files, builds the wheel from that sdist
(so both are checked), installs the wheel into a fresh virtualenv, and from an unrelated folder runs
``reachbench run -n 20`` and ``reachbench worlds list``. The virtualenv sees this interpreter's
site-packages through a plain path file (not as a site dir, so no editable install of a checkout leaks
in) for the dependencies: nothing is downloaded except, when the ``wheel`` package is missing here, the
build backend that pip's build isolation fetches.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import site
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGED = ("bench", "scorers", "cases", "docs", "README.md", "pyproject.toml", "setup.py", "MANIFEST.in")

pytestmark = pytest.mark.slow


def _copy_project(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "_corpus")
    for name in PACKAGED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            shutil.copy2(src, dest / name)
    return dest


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


def _corpus_files() -> set[str]:
    return {p.relative_to(ROOT / "cases").as_posix() for p in (ROOT / "cases").rglob("*") if p.is_file()}


def test_wheel_runs_from_an_unrelated_folder(tmp_path: Path) -> None:
    project = _copy_project(tmp_path / "src")
    dist = tmp_path / "dist"
    # sdist through the PEP 517 hook (no extra tools), then the wheel from the sdist.
    _run(
        [sys.executable, "-c", f"from setuptools import build_meta as b; b.build_sdist({str(dist)!r})"],
        project,
    )
    sdist = next(dist.glob("reachbench-*.tar.gz"))
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {f"cases/{f}" for f in _corpus_files()} <= names
    # Offline when this environment can build wheels itself; else pip's build isolation fetches the backend.
    no_isolation = ["--no-build-isolation"] if importlib.util.find_spec("wheel") else []
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", *no_isolation, "-w", str(dist), str(sdist)],
        tmp_path,
    )
    wheel = next(dist.glob("reachbench-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        in_wheel = {n for n in zf.namelist() if n.startswith("bench/_corpus/")}
    assert in_wheel == {f"bench/_corpus/{f}" for f in _corpus_files()}

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    py = venv / "bin" / "python"
    purelib = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path)
    parents = [*site.getsitepackages(), site.getusersitepackages()]
    (Path(purelib.strip()) / "zz_parent_site.pth").write_text("\n".join(parents) + "\n", encoding="utf-8")
    _run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REACHBENCH_", "PYTHON"))}
    env.update(HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    exe = str(venv / "bin" / "reachbench")
    where = _run([str(py), "-c", "import bench; print(bench.__file__, bench.corpus_dir())"], elsewhere, env)
    assert str(venv) in where and "_corpus" in where, where  # the installed copy, not a checkout
    worlds = _run([exe, "worlds", "list"], elsewhere, env)
    n_worlds = len(list((ROOT / "cases" / "worlds").glob("*.json")))
    assert f"{n_worlds} worlds" in worlds, worlds
    out = _run([exe, "run", "-n", "20", "--quiet"], elsewhere, env)
    assert "strict_accuracy" in out, out
    runs = sorted(p.name for p in (elsewhere / "results" / "runs").iterdir())
    assert [r.split("-")[0] for r in runs] == ["core", "natural", "seed"], runs
