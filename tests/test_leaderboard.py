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
        "leaderboard.md",
        "leaderboard.csv",
        "leaderboard.json",
        "site/index.html",
        "site/accuracy.png",
        "site/fp_vs_accuracy.png",
        "site/translators/rules.html",
    }
    for rel in files:
        assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel
    assert sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file()) == files


def test_rows_ranked_and_superseded(built: tuple[Path, Path]) -> None:
    board = json.loads((built[0] / "leaderboard.json").read_text())
    assert [r["translator"] for r in board["rows"]] == ["bedrock", "openai", "rules"]
    assert [r["rank"] for r in board["rows"]] == [1, 2, 3]
    assert board["superseded_runs"] == ["rules-old"]
    cols = {c["metric"]: c["higher_is_better"] for c in board["columns"]}
    assert cols["strict_accuracy"] is True and cols["false_positive_reachability"] is False
    assert [a["axis"] for a in board["slice_axes"]] == ["fault", "lang", "dest", "ref"]
    rows = list(csv.DictReader(io.StringIO((built[0] / "leaderboard.csv").read_text())))
    assert [r["translator"] for r in rows] == ["bedrock", "openai", "rules"]
    assert rows[2]["cost_usd_total"] == "" and float(rows[1]["latency_ms_median"]) == 800.0
    assert float(rows[0]["strict_accuracy_ci_low"]) <= float(rows[0]["strict_accuracy"])
    md = (built[0] / "leaderboard.md").read_text()
    assert md.count("\n| ") == 4 and "strict_accuracy ↑" in md and "false_positive_reachability ↓" in md


def test_site_pages(built: tuple[Path, Path]) -> None:
    site = built[0] / "site"
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
    assert result.exit_code == 2 and "summary.json" in result.output
