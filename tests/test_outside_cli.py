"""CLI for outside systems and for another cases/ tree: ``cases export-inputs``, ``run --translator
predictions:FILE`` and ``--cases-dir``; in-process, environment restored after each test."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import bench
from bench.cli import app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _restore_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # --cases-dir sets these for the process; monkeypatch puts the originals back after the test.
    # (setenv first: delenv of an unset variable records nothing to restore.)
    for var in ("REACHBENCH_CASES", "REACHBENCH_WORLDS", "REACHBENCH_SCENARIOS"):
        monkeypatch.setenv(var, "unused")
        monkeypatch.delenv(var)


def invoke(*args: str):  # noqa: ANN201
    return CliRunner().invoke(app, list(args))


def test_export_inputs_then_score_the_filled_sheet(tmp_path: Path) -> None:
    out = tmp_path / "sheet"
    result = invoke(
        "cases", "export-inputs", "seed", "--out", str(out), "--format", "csv", "--view", "console"
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "answers.csv",
        "answers.jsonl",
        "inputs.csv",
        "suite.json",
    ]
    meta = json.loads((out / "suite.json").read_text(encoding="utf-8"))
    assert meta["name"] == "seed" and meta["view"] == "console" and meta["n_cases"] == 6
    with (out / "answers.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:  # a person who answered "can't tell" everywhere
        row["claimed_verdict"] = "can't tell"
    with (out / "answers.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    runs = tmp_path / "runs"
    result = invoke(
        "run",
        "-t",
        f"predictions:{out / 'answers.csv'}",
        "-s",
        "seed",
        "-o",
        str(runs),
        "-q",
        "--resamples",
        "50",
        "--no-cache",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(next(runs.glob("*/summary.json")).read_text(encoding="utf-8"))
    assert summary["tables"]["translation_status"] == {"abstain": 6}
    assert summary["metrics"]["abstention_recall"]["value"] == 1.0


def test_bad_format_view_and_sheet_are_one_line_errors(tmp_path: Path) -> None:
    bad = invoke("cases", "export-inputs", "seed", "--out", str(tmp_path), "--format", "xlsx")
    assert bad.exit_code != 0 and "unknown format 'xlsx'" in bad.output
    bad = invoke("cases", "export-inputs", "seed", "--out", str(tmp_path), "--view", "robot")
    assert bad.exit_code != 0 and "unknown view 'robot'" in bad.output
    sheet = tmp_path / "a.csv"
    sheet.write_text("case_id,claimed_verdict\nseed-x,perhaps\n", encoding="utf-8")
    bad = invoke("run", "-t", f"predictions:{sheet}", "-s", "seed", "-o", str(tmp_path / "r"), "-q")
    flat = "".join(bad.output.split())  # the console may wrap a long path
    assert bad.exit_code != 0 and f"{sheet}:2:claimed_verdict:'perhaps'isnotoneof" in flat, bad.output
    assert "Traceback" not in bad.output


def test_cases_dir_points_every_command_at_another_tree(tmp_path: Path) -> None:
    tree = tmp_path / "mycases"
    shutil.copytree(ROOT / "cases" / "seed", tree / "seed")
    (tree / "worlds").mkdir()
    for world in (
        "field-test__nacl-all.json",
        "field-test__tokyo-blackhole.json",
        "field-test__tgw-peering-cut.json",
    ):
        shutil.copy(ROOT / "cases" / "worlds" / world, tree / "worlds" / world)
    listed = invoke("--cases-dir", str(tree), "cases", "list")
    assert listed.exit_code == 0 and listed.output.split()[0] == "seed", listed.output
    worlds = invoke("--cases-dir", str(tree), "worlds", "list")
    assert worlds.exit_code == 0 and "3 worlds" in worlds.output, worlds.output
    missing = invoke("--cases-dir", str(tmp_path / "nope"), "cases", "list")
    assert missing.exit_code == 2 and "--cases-dir" in missing.output and "folder" in missing.output


def test_corpus_dir_is_the_checkout_here() -> None:
    assert bench.corpus_dir() == ROOT / "cases"  # a wheel install's copy: tests/test_packaging.py
