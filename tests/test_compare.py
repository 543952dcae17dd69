"""compare: a known paired difference is found, tested and attributed; suite mismatches are refused."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.reports.compare import CompareOptions, SuiteMismatchError, compare_runs
from bench.reports.rundir import load_run
from bench.reports.stats import mcnemar_exact, paired_bootstrap
from bench.reports.synthetic import simulate_scores, synthetic_cases, write_run

SKILL = {"strict_accuracy": 0.6, "false_positive_reachability": 0.1, "region_accuracy": 0.9}


def _pair(
    tmp_path: Path, improve: int = 40, worsen: int = 4, b_suite_version: str = "1"
) -> tuple[Path, Path]:
    """Run B = run A with ``improve`` strict-accuracy failures fixed and ``worsen`` successes broken."""
    cases = synthetic_cases(400, seed=1)
    a = simulate_scores(cases, SKILL, seed=2)
    b = copy.deepcopy(a)
    fixed = broken = 0
    for row in b:
        if row["strict_accuracy"] == 0 and fixed < improve:
            row["strict_accuracy"], fixed = 1.0, fixed + 1
        elif row["strict_accuracy"] == 1 and broken < worsen:
            row["strict_accuracy"], broken = 0.0, broken + 1
    ra = write_run(tmp_path, "A", cases, a, translator="rules")
    rb = write_run(tmp_path, "B", cases, b, translator="llm", model="m1", suite_version=b_suite_version)
    return ra, rb


def test_known_difference_is_found_and_significant(tmp_path: Path) -> None:
    ra, rb = _pair(tmp_path)
    result = compare_runs(load_run(ra), load_run(rb), CompareOptions(n_resamples=1000))
    by = {m["metric"]: m for m in result["metrics"]}
    strict = by["strict_accuracy"]
    assert result["shared_cases"] == 400
    assert strict["diff"] == pytest.approx((40 - 4) / 400)
    assert 0 < strict["ci_low"] < strict["diff"] < strict["ci_high"]
    assert strict["mcnemar"]["a_right_b_wrong"] == 4 and strict["mcnemar"]["a_wrong_b_right"] == 40
    assert strict["mcnemar"]["p_value"] < 1e-6 and strict["mcnemar"]["significant"]
    assert strict["verdict"] == "B better"
    # Untouched metrics: no difference, McNemar p = 1.
    fp = by["false_positive_reachability"]
    assert (
        fp["diff"] == 0 and fp["mcnemar"]["p_value"] == 1.0 and fp["verdict"] == "no significant difference"
    )
    flips = result["flips"]["strict_accuracy"]
    assert len(flips["a_wrong_b_right"]) == 40 and len(flips["a_right_b_wrong"]) == 4
    # Slices sorted by the size of the change.
    sizes = [abs(r["diff"]) for r in result["slices"]["strict_accuracy"]]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > 0


def test_lower_is_better_direction_comes_from_metadata(tmp_path: Path) -> None:
    """More false positives in B makes A better, although B's number is higher."""
    cases = synthetic_cases(300, seed=3)
    a = simulate_scores(cases, SKILL, seed=4)
    b = copy.deepcopy(a)
    added = 0
    for row in b:
        if row["false_positive_reachability"] == 0 and added < 30:
            row["false_positive_reachability"], added = 1.0, added + 1
    ra, rb = write_run(tmp_path, "A", cases, a), write_run(tmp_path, "B", cases, b)
    fp = next(
        m
        for m in compare_runs(load_run(ra), load_run(rb))["metrics"]
        if m["metric"] == "false_positive_reachability"
    )
    assert fp["higher_is_better"] is False
    assert fp["diff"] > 0 and fp["verdict"] == "A better"
    assert fp["mcnemar"]["a_right_b_wrong"] == 30


def test_bootstrap_is_seeded_and_mcnemar_matches_binomial() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    a = (rng.random(500) < 0.5).astype(float)
    b = a.copy()
    b[:20] = 1.0
    one = paired_bootstrap(a, b, n_resamples=500, seed=7)
    two = paired_bootstrap(a, b, n_resamples=500, seed=7)
    assert one == two
    test = mcnemar_exact(np.array([1, 1, 0, 0, 1.0]), np.array([0, 1, 1, 1, 1.0]))
    assert (test.only_a, test.only_b) == (1, 2)
    assert test.p_value == pytest.approx(1.0)


def test_suite_mismatch_refused_unless_allowed(tmp_path: Path) -> None:
    ra, rb = _pair(tmp_path, b_suite_version="2")
    with pytest.raises(SuiteMismatchError):
        compare_runs(load_run(ra), load_run(rb))
    runner = CliRunner()
    refused = runner.invoke(app, ["compare", str(ra), str(rb)])
    assert refused.exit_code == 2
    assert "different suites" in refused.output and "--allow-suite-mismatch" in refused.output
    allowed = runner.invoke(
        app, ["compare", str(ra), str(rb), "--allow-suite-mismatch", "--format", "json", "--resamples", "200"]
    )
    assert allowed.exit_code == 0, allowed.output
    data = json.loads(allowed.output)
    assert data["warnings"] and data["shared_cases"] == 400


def test_cli_formats(tmp_path: Path) -> None:
    ra, rb = _pair(tmp_path)
    runner = CliRunner()
    md = runner.invoke(app, ["compare", str(ra), str(rb), "--format", "md", "--resamples", "200"])
    assert md.exit_code == 0, md.output
    assert "| strict_accuracy ↑ | 400 |" in md.output and "A wrong, B right (40 cases)" in md.output
    table = runner.invoke(app, ["compare", str(ra), str(rb), "--resamples", "200"])
    assert table.exit_code == 0 and "B better" in table.output
    missing = runner.invoke(app, ["compare", str(ra), str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "nope" in missing.output
