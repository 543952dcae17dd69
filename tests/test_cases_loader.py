"""Loader, errors, export round trip and the CLI, on a suite generated from the hand-made world."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cases_support import ToyAnalyzer, mini_world
from typer.testing import CliRunner

from bench.cases.export import FEATURES, export_suite, record_to_case, to_dataset
from bench.cases.generate import GenConfig, generate_suite
from bench.cases.loader import CaseFileError, dump_case, load_suite


@pytest.fixture(scope="module")
def suite_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("suite") / "mini"
    generate_suite([mini_world()], ToyAnalyzer, out, GenConfig(suite="mini", total=120))
    return out


def test_load_suite_has_identity(suite_dir: Path) -> None:
    suite = load_suite(suite_dir)
    assert suite.name == "mini" and suite.version == GenConfig().version
    assert len(suite.hash) == 64 and suite.cases and not suite.problems
    assert {c.split for c in suite.cases} == {"dev", "test"}
    only_test = load_suite(suite_dir, splits=["test"])
    assert only_test.splits == ("test",) and all(c.split == "test" for c in only_test.cases)
    assert only_test.hash != suite.hash


def _corrupt(src: Path, dst: Path, lineno: int, mutate) -> None:  # noqa: ANN001
    dst.mkdir(parents=True, exist_ok=True)
    (dst / "suite.json").write_text((src / "suite.json").read_text())
    (dst / "inventories.jsonl").write_text(
        (src / "inventories.jsonl").read_text(encoding="utf-8"), encoding="utf-8"
    )
    lines = (src / "test.jsonl").read_text(encoding="utf-8").splitlines()
    lines[lineno - 1] = mutate(lines[lineno - 1])
    (dst / "test.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_malformed_line_names_file_line_and_field(suite_dir: Path, tmp_path: Path) -> None:
    def drop_home(line: str) -> str:
        data = json.loads(line)
        del data["input"]["context"]["home_region"]
        return json.dumps(data)

    bad = tmp_path / "bad"
    _corrupt(suite_dir, bad, 3, drop_home)
    with pytest.raises(CaseFileError) as info:
        load_suite(bad)
    err = info.value
    assert err.line == 3 and err.field == "input.context.home_region"
    assert str(err).startswith(f"{bad / 'test.jsonl'}:3: input.context.home_region: ")
    # keep_going: the rest still loads and the problem is listed.
    suite = load_suite(bad, keep_going=True)
    n_test = len(load_suite(suite_dir, splits=["test"]).cases)
    assert len(suite.cases) == n_test - 1 and [p.line for p in suite.problems] == [3]


def test_invalid_json_and_wrong_split_are_reported(suite_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "json"
    _corrupt(suite_dir, bad, 2, lambda line: line[:-5])
    with pytest.raises(CaseFileError, match=r"test.jsonl:2: <json>: invalid JSON"):
        load_suite(bad)
    wrong = tmp_path / "split"
    _corrupt(suite_dir, wrong, 1, lambda line: line.replace('"split":"test"', '"split":"dev"'))
    with pytest.raises(CaseFileError, match=r"test.jsonl:1: split: case says 'dev', file is 'test'"):
        load_suite(wrong)
    dup = tmp_path / "dup"
    lines = (suite_dir / "test.jsonl").read_text().splitlines()
    _corrupt(suite_dir, dup, 2, lambda line: lines[0])
    with pytest.raises(CaseFileError, match=r"test.jsonl:2: id: duplicate id"):
        load_suite(dup)


def test_unknown_split_and_missing_suite(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match="suite.json"):
        load_suite(tmp_path / "nowhere")


def test_export_round_trip_and_features(suite_dir: Path, tmp_path: Path) -> None:
    suite = load_suite(suite_dir)
    ds = to_dataset(suite.cases)
    assert ds.features == FEATURES and len(ds) == len(suite.cases)
    back = [record_to_case(r) for r in ds]
    assert [dump_case(c) for c in back] == [dump_case(c) for c in suite.cases]
    written = export_suite(suite, "parquet", tmp_path / "pq")
    assert (tmp_path / "pq" / "test.parquet") in written
    written = export_suite(suite, "jsonl", tmp_path / "js")
    # The jsonl export is self-contained: inventories inline, loadable as a suite on its own.
    exported = (tmp_path / "js" / "test.jsonl").read_text(encoding="utf-8").splitlines()
    assert exported == [dump_case(c) for c in suite.split("test")]
    assert load_suite(tmp_path / "js").cases == suite.cases
    meta = json.loads((tmp_path / "js" / "suite.json").read_text())
    assert meta["hash"] == suite.hash and meta["version"] == suite.version


def test_cli_export_hf_and_stats(suite_dir: Path, tmp_path: Path) -> None:
    from datasets import load_from_disk

    from bench.cli import app

    runner = CliRunner()
    res = runner.invoke(
        app, ["cases", "export", str(tmp_path / "hf"), "--format", "hf", "--suite", str(suite_dir)]
    )
    assert res.exit_code == 0, res.output
    dd = load_from_disk(str(tmp_path / "hf" / "hf"))
    assert set(dd) == {"dev", "test"} and dd["test"].features == FEATURES
    res = runner.invoke(
        app, ["cases", "export", str(tmp_path / "x"), "--format", "xml", "--suite", str(suite_dir)]
    )
    assert res.exit_code == 2 and "unknown format" in res.output
    md = tmp_path / "slices.md"
    res = runner.invoke(
        app, ["cases", "stats", str(suite_dir), "--markdown", str(md), "--csv", str(tmp_path / "s.csv")]
    )
    assert res.exit_code == 0, res.output
    assert "| axis | value | dev | test | total |" in md.read_text()
    res = runner.invoke(app, ["cases", "stats", str(suite_dir), "--check"])
    assert res.exit_code == 1  # a 120-case suite cannot have 30 test cases per slice
