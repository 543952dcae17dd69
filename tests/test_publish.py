"""publish: corpus and per-case run records as parquet with a dataset card the Hub can read."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from bench.cases.loader import write_cases
from bench.cases.schema import Case, CaseInput, Context, Gold
from bench.cli import app
from bench.reports.synthetic import simulate_scores, synthetic_cases, write_run


def _suite(root: Path, n: int) -> Path:
    """A tiny real suite (valid Case records) whose ids match the synthetic runs' case ids."""
    folder = root / "mini"
    folder.mkdir()
    (folder / "suite.json").write_text(json.dumps({"name": "mini", "version": "1", "description": "test"}))
    cases = [
        Case(
            id=f"mini-{i:05d}",
            suite="mini",
            split="test",
            world="hub-spoke__none",
            lang="ja" if i % 2 else "en",
            input=CaseInput(
                turns=(f"question {i}",),
                context=Context(home_region="ap-northeast-1", account_id="123456789012"),
            ),
            gold=Gold(answerable=False, abstain_reason="unsupported"),
            tags=("lang:en",),
        )
        for i in range(n)
    ]
    write_cases(folder / "test.jsonl", cases)
    return folder


@pytest.fixture()
def setup(tmp_path: Path) -> tuple[Path, Path]:
    suite = _suite(tmp_path, 30)
    cases = synthetic_cases(30, seed=2, suite="mini")
    for name in ("rules", "null"):
        write_run(
            tmp_path / "runs",
            name,
            cases,
            simulate_scores(cases, {"strict_accuracy": 0.5, "false_positive_reachability": 0.1}, seed=3),
            translator=name,
        )
    return suite, tmp_path / "runs"


def test_publish_writes_parquet_and_card(tmp_path: Path, setup: tuple[Path, Path]) -> None:
    suite, runs = setup
    out = tmp_path / "hf"
    result = CliRunner().invoke(app, ["publish", str(runs), "--hf", str(out), "--suite", str(suite)])
    assert result.exit_code == 0, result.output
    card = (out / "README.md").read_text()
    assert card.startswith("---\n")
    front = yaml.safe_load(card.split("---\n")[1])
    assert {c["config_name"] for c in front["configs"]} == {"cases", "samples", "runs"}
    assert front["language"] == ["en", "ja"] and front["license"] == "apache-2.0"
    for config in front["configs"]:
        for files in config["data_files"]:
            assert (out / files["path"]).is_file()
    cases = pq.read_table(out / "cases" / "test.parquet")
    assert cases.num_rows == 30 and "verdict_json" in cases.column_names
    samples = pq.read_table(out / "samples" / "samples.parquet").to_pylist()
    assert len(samples) == 60 and {s["run_id"] for s in samples} == {"rules", "null"}
    assert set(samples[0]["scores"]) == {"strict_accuracy", "false_positive_reachability"}
    assert pq.read_table(out / "runs" / "runs.parquet").num_rows == 2


def test_publish_loads_with_datasets(tmp_path: Path, setup: tuple[Path, Path], monkeypatch) -> None:
    from datasets import load_dataset

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    suite, runs = setup
    out = tmp_path / "hf"
    assert (
        CliRunner().invoke(app, ["publish", str(runs), "--hf", str(out), "--suite", str(suite)]).exit_code
        == 0
    )
    ds = load_dataset(str(out), "samples", cache_dir=str(tmp_path / "cache"))
    assert ds["test"].num_rows == 60


def test_publish_refuses_suite_version_mismatch(tmp_path: Path, setup: tuple[Path, Path]) -> None:
    suite, runs = setup
    (suite / "suite.json").write_text(json.dumps({"name": "mini", "version": "2"}))
    result = CliRunner().invoke(
        app, ["publish", str(runs), "--hf", str(tmp_path / "hf"), "--suite", str(suite)]
    )
    assert result.exit_code == 2 and "version 2" in " ".join(result.output.split())


def test_publish_keeps_the_newest_run_per_translator_and_rounds_intervals(
    tmp_path: Path, setup: tuple[Path, Path]
) -> None:
    suite, runs = setup
    cases = synthetic_cases(30, seed=2, suite="mini")
    write_run(runs, "rules-old", cases, simulate_scores(cases, {"strict_accuracy": 0.2}, seed=4),
              translator="rules", finished_at="2025-01-01T00:00:00Z")
    out = tmp_path / "hf"
    result = CliRunner().invoke(app, ["publish", str(runs), "--hf", str(out), "--suite", str(suite)])
    assert result.exit_code == 0, result.output
    run_ids = {r["run_id"] for r in pq.read_table(out / "runs" / "runs.parquet").to_pylist()}
    assert run_ids == {"rules", "null"}  # the superseded rules-old is not exported
    card = (out / "README.md").read_text()
    import re

    intervals = re.findall(r"\[(\d+\.\d+), (\d+\.\d+)\]", card)
    assert intervals and all(len(a.split(".")[1]) == 3 and len(b.split(".")[1]) == 3 for a, b in intervals)
