"""``reachbench run | score | merge | show`` in-process, with the fake engine of test_runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app
from tests.test_runner import fake_factory, make_cases, write_suite


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    cases = make_cases()
    folder = write_suite(tmp_path / "cases", cases)
    monkeypatch.setattr("bench.run.execute.default_engine_factory", lambda: fake_factory(cases))
    return folder, tmp_path / "runs"


def _run(*args: str) -> object:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_run_score_show(env: tuple[Path, Path]) -> None:
    folder, out = env
    res = _run(
        "run",
        "-t",
        "null",
        "--suite",
        str(folder),
        "--out",
        str(out),
        "--run-id",
        "n1",
        "-q",
        "--resamples",
        "100",
    )
    assert res.exit_code == 0, res.output
    assert "strict_accuracy" in res.output and "run directory" in res.output
    run_dir = out / "n1"
    summary = (run_dir / "summary.json").read_bytes()
    res = _run("score", str(run_dir))
    assert res.exit_code == 0, res.output
    assert (run_dir / "summary.json").read_bytes() == summary
    res = _run("show", str(run_dir), "--failures", "--tag", "dest:ip")
    assert res.exit_code == 0, res.output
    assert "c-ip" in res.output and "abstention:declined_answerable" in res.output
    assert "1 of 1 matching cases shown" in res.output
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["options"]["cache"] == "use" and meta["status"] == "complete"


def test_shards_and_merge_cli(env: tuple[Path, Path]) -> None:
    folder, out = env
    for i in (1, 2):
        res = _run(
            "run",
            "-t",
            "oracle",
            "--suite",
            str(folder),
            "--out",
            str(out),
            "--shard",
            f"{i}/2",
            "-q",
            "--run-id",
            f"s{i}",
            "--resamples",
            "50",
        )
        assert res.exit_code == 0, res.output
    res = _run("merge", str(out / "s1"), str(out / "s2"), "--out", str(out), "--run-id", "all")
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "all" / "summary.json").read_text())
    assert summary["n_cases"] == 14 and summary["metrics"]["strict_accuracy"]["value"] == 1.0


def test_clear_errors(env: tuple[Path, Path]) -> None:
    folder, out = env
    res = _run("run", "--suite", str(folder), "--shard", "5/4", "--out", str(out))
    assert res.exit_code == 2 and "shards are numbered from 1" in res.output
    res = _run("run", "-t", "no-such-translator", "--suite", str(folder), "--out", str(out), "-q")
    assert res.exit_code == 2 and "no-such-translator" in res.output
    res = _run("score", str(out / "missing"))
    assert res.exit_code == 2 and "run.json" in res.output
    res = _run(
        "run", "-t", "oracle", "--suite", str(folder), "--tags", "fault:nothing", "--out", str(out), "-q"
    )
    assert res.exit_code == 2 and "no cases selected" in res.output
