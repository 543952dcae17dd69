"""leaderboard: one row per translator ranked in the metric's direction, deterministic files and site."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.reports.synthetic import demo_runs


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("lb")
    runs = demo_runs(root)
    runner = CliRunner()
    for out in ("one", "two"):
        result = runner.invoke(app, ["leaderboard", str(runs), "--out", str(root / out)])
        assert result.exit_code == 0, result.output
    return root / "one", root / "two"


def test_files_are_deterministic(built: tuple[Path, Path]) -> None:
    one, two = built
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert {str(f) for f in files} >= {
        "index.md",
        "index.html",
        "synthetic/leaderboard.md",
        "synthetic/leaderboard.csv",
        "synthetic/leaderboard.json",
        "synthetic/site/index.html",
        "synthetic/site/accuracy.png",
        "synthetic/site/fp_vs_accuracy.png",
        "synthetic/site/translators/rules.html",
    }
    for rel in files:
        assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel
    assert sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file()) == files


def test_rows_ranked_and_superseded(built: tuple[Path, Path]) -> None:
    board = json.loads((built[0] / "synthetic" / "leaderboard.json").read_text())
    assert [r["translator"] for r in board["rows"]] == ["bedrock", "openai", "rules"]
    assert [r["rank"] for r in board["rows"]] == [1, 2, 3]
    assert board["superseded_runs"] == ["rules-old"]
    cols = {c["metric"]: c["higher_is_better"] for c in board["columns"]}
    assert cols["strict_accuracy"] is True and cols["false_positive_reachability"] is False
    assert [a["axis"] for a in board["slice_axes"]] == ["fault", "lang", "dest", "ref"]
    rows = list(csv.DictReader(io.StringIO((built[0] / "synthetic" / "leaderboard.csv").read_text())))
    assert [r["translator"] for r in rows] == ["bedrock", "openai", "rules"]
    assert rows[2]["cost_usd_total"] == "" and float(rows[1]["latency_ms_median"]) == 800.0
    assert float(rows[0]["strict_accuracy_ci_low"]) <= float(rows[0]["strict_accuracy"])
    md = (built[0] / "synthetic" / "leaderboard.md").read_text()
    assert md.count("\n| ") == 4 and "strict_accuracy ↑" in md and "false_positive_reachability ↓" in md


def test_site_pages(built: tuple[Path, Path]) -> None:
    site = built[0] / "synthetic" / "site"
    index = (site / "index.html").read_text()
    assert "http://" not in index and "https://" not in index  # no CDN: works offline from file://
    assert index.count('<tr data-run="') == 3
    assert 'src="accuracy.png"' in index and 'src="fp_vs_accuracy.png"' in index
    assert (site / "accuracy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (site / "translators" / "rules.html").read_text()
    assert "Worst slices" in page and "Sample failures" in page and "query:wrong_destination" in page


def test_unusable_run_dir_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "run"
    bad.mkdir()
    (bad / "summary.json").write_text("{not json")
    result = CliRunner().invoke(app, ["leaderboard", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "summary.json" in "".join(result.output.split())


def test_one_board_per_suite_with_an_index(tmp_path: Path) -> None:
    """Runs of two suites never share a board: seed's 6 cases at 1.000 must not rank among core's rows."""
    from bench.reports.synthetic import simulate_scores, synthetic_cases, write_run

    runs = tmp_path / "runs"
    for suite, n, acc in (("seed", 6, 1.0), ("core", 60, 0.6)):
        cases = synthetic_cases(n, seed=1, suite=suite)
        for name in ("rules", "retrieval"):
            scores = simulate_scores(cases, {"strict_accuracy": acc}, seed=2)
            write_run(runs, f"{suite}-{name}", cases, scores, translator=name)
    args = ["leaderboard", *map(str, sorted(runs.iterdir())), "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    for suite in ("seed", "core"):
        board = json.loads((tmp_path / "o" / suite / "leaderboard.json").read_text())
        assert {r["suite"] for r in board["rows"]} == {suite}
        assert sorted(r["translator"] for r in board["rows"]) == ["retrieval", "rules"]  # each name once
    index = (tmp_path / "o" / "index.md").read_text()
    assert "core/leaderboard.md" in index and "seed/site/index.html" in index
    assert 'href="seed/site/index.html"' in (tmp_path / "o" / "index.html").read_text()


def test_command_translators_get_their_own_names(tmp_path: Path) -> None:
    from bench.reports.synthetic import simulate_scores, synthetic_cases, write_run

    runs = tmp_path / "runs"
    cases = synthetic_cases(20, seed=1, suite="core")
    for i, prog in enumerate(("mine.py", "theirs.sh")):
        d = write_run(runs, f"r{i}", cases, simulate_scores(cases, {"strict_accuracy": 0.5}, seed=i),
                      translator="command")
        meta = json.loads((d / "run.json").read_text())
        meta["translator"]["display_name"] = f"command:{prog}"
        (d / "run.json").write_text(json.dumps(meta))
    result = CliRunner().invoke(app, ["leaderboard", str(runs), "--out", str(tmp_path / "o"), "--no-site"])
    assert result.exit_code == 0, result.output
    board = json.loads((tmp_path / "o" / "core" / "leaderboard.json").read_text())
    assert sorted(r["translator"] for r in board["rows"]) == ["command:mine.py", "command:theirs.sh"]
    assert board["superseded_runs"] == []


def test_latency_leaves_out_the_warm_up_calls(tmp_path: Path) -> None:
    from bench.reports.leaderboard import build_leaderboard
    from bench.reports.rundir import load_run
    from bench.reports.synthetic import simulate_scores, synthetic_cases, write_run

    cases = synthetic_cases(10, seed=1, suite="seed")
    scores = simulate_scores(cases, {"strict_accuracy": 0.5}, seed=1)
    d = write_run(tmp_path, "r", cases, scores, translator="rules")
    lines = (d / "samples.jsonl").read_text().splitlines()
    records = [json.loads(x) for x in lines]
    for i, rec in enumerate(records):
        rec["translation"]["latency_ms"] = 400.0 if i < 2 else 5.0
    (d / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    meta = json.loads((d / "run.json").read_text())
    meta["warmup_case_ids"] = [records[0]["case_id"], records[1]["case_id"]]
    (d / "run.json").write_text(json.dumps(meta))
    row = build_leaderboard([load_run(d)])["rows"][0]
    assert row["latency_ms_median"] == 5.0 and row["latency_ms_p95"] == 5.0


def test_boards_put_the_hand_written_suite_first() -> None:
    from types import SimpleNamespace

    from bench.reports.leaderboard import split_by_suite

    runs = [SimpleNamespace(suite_name=n) for n in ("seed", "zeta", "core", "natural", "alpha")]
    assert list(split_by_suite(runs)) == ["natural", "core", "seed", "alpha", "zeta"]
