"""``reachbench perf`` (issue 14, item 5): the umbrella report's headline rows, targets and checks.

The benchmarks themselves are measured, not tested for speed; here the figures are fabricated rows in
the shape each benchmark module returns, and what is checked is what the report makes of them: the
ratio and whether a target is met, that every section is present, and that a correctness failure (not a
missed target) is what makes the command fail.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bench.perf import report

RERUN = [
    {"what": "help", "median_s": 0.2, "target_s": 0.5},
    {"what": "trivial", "median_s": 0.45, "target_s": 0.5},
    {"what": "rerun core", "median_s": 3.5, "target_s": 3.0, "identical": True, "fill_s": 30.0},
]
KINDS = {"cidr 10.0.0.0/8": {"n": 5, "first_ms": 1.6, "ms": 0.8}, "vpc": {"n": 5, "first_ms": 0.7, "ms": 0.1}}


def _engine_row(n: int, load_index: float, sha: str = "ab" * 32, stable: bool = True) -> dict:
    return {
        "instances": n,
        "load_index_s": load_index,
        "peak_rss_mb": n / 100,
        "kinds": KINDS,
        "n_point": 900,
        "n_set": 100,
        "verdicts_sha256": sha,
        "verdicts_stable": stable,
    }


JOBS = [
    {
        "jobs": 32,
        "cases": 640,
        "delay_s": 0.1,
        "ideal_s": 2.0,
        "translate_s": 2.5,
        "efficiency_translate": 0.8,
        "efficiency_after_startup": 0.6,
        "after_startup_s": 3.3,
        "efficiency_pool_only": 0.85,
        "pool_only_s": 2.35,
        "identical": True,
        "misses": 0,
    }
]


def test_ratio_and_met_follow_the_direction_of_the_target() -> None:
    slow = report.Headline("s", "x", 3.5, "s", 3.0)
    assert slow.ratio is not None and abs(slow.ratio - 3.5 / 3.0) < 1e-12 and slow.met is False
    fast = report.Headline("s", "x", 0.8, "", 0.7, higher_is_better=True)
    assert fast.met is True
    assert report.Headline("s", "x", 1.0, "s").met is None


def test_every_section_gives_headlines() -> None:
    rows = report.startup_section(RERUN)
    rows += report.engine_section([_engine_row(1000, 0.05), _engine_row(10000, 0.5), _engine_row(50000, 2.9)])
    rows += report.jobs_section(JOBS)
    by = {(r.section, r.what): r for r in rows}
    assert by[("start-up", "reachbench --help")].met is True
    assert by[("cached rerun", "rerun core")].met is False
    big = by[("large worlds", "load + index, 50,000 instances")]
    assert big.target == 2.0 and big.met is False and "x1.16" in big.note  # (2.9/50000)/(0.05/1000)
    assert by[("large worlds", "load + index, 1,000 instances")].target is None
    assert by[("set queries, 10k", "cidr 10.0.0.0/8")].value == 0.8
    assert "first time asked 1.60 ms" in by[("set queries, 10k", "cidr 10.0.0.0/8")].note
    assert by[("slow translator", "--jobs 32, translate phase: share of ideal")].met is True
    assert by[("slow translator", "--jobs 32, whole run after start-up: share of ideal")].met is False
    assert by[("slow translator", "--jobs 32, translator + pool alone: share of ideal")].value == 0.85
    assert sum(r.section == "verdicts" for r in rows) == 3


def test_a_missed_target_is_not_a_failed_check_but_a_changed_result_is() -> None:
    engine = [_engine_row(1000, 0.05), _engine_row(50000, 9.0)]
    assert report.failed_checks(RERUN, engine, JOBS) == []
    differ = [{**RERUN[2], "identical": False}]
    unstable = [_engine_row(1000, 0.05, stable=False)]
    missed = [{**JOBS[0], "misses": 3}]
    bad = report.failed_checks(differ, unstable, missed)
    assert len(bad) == 3
    assert "summaries differ" in bad[0] and "verdicts differ" in bad[1] and "3 requests" in bad[2]


def test_json_rows_carry_ratio_and_met(tmp_path: Path) -> None:
    out = tmp_path / "perf.json"
    report.write_json(report.startup_section(RERUN), out, {"rerun": RERUN})
    data = json.loads(out.read_text())
    assert [h["met"] for h in data["headlines"]] == [True, True, False]
    assert data["headlines"][2]["ratio"] == 3.5 / 3.0 and data["rerun"] == RERUN


def test_unknown_section_is_a_one_line_error() -> None:
    from bench.cli import app

    result = CliRunner().invoke(app, ["perf", "--skip", "everything"])
    assert result.exit_code == 2
    assert "--skip takes rerun, engine or jobs" in result.output
