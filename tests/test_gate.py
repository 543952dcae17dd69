"""gate: right exit codes for pass / fail / unusable input, and JUnit XML that parses."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.reports.synthetic import simulate_scores, synthetic_cases, write_run

SKILL = {"strict_accuracy": 0.8, "false_positive_reachability": 0.05, "region_accuracy": 0.9}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("gate-runs")
    cases = synthetic_cases(300, seed=5)
    good = write_run(root, "good", cases, simulate_scores(cases, SKILL, seed=6))
    worse = write_run(root, "worse", cases, simulate_scores(cases, {**SKILL, "strict_accuracy": 0.6}, seed=6))
    return {"good": good, "worse": worse}


def _gate(tmp_path: Path, body: str, *args: str) -> tuple[int, str]:
    cfg = tmp_path / "gate.toml"
    cfg.write_text(body, encoding="utf-8")
    result = CliRunner().invoke(app, ["gate", *args[:1], "--config", str(cfg), *args[1:]])
    return result.exit_code, result.output


def _value(run: Path, metric: str, slice_key: str | None = None) -> dict:
    import json

    summary = json.loads((run / "summary.json").read_text())
    return summary["metrics"][metric] if slice_key is None else summary["slices"][slice_key][metric]


def test_pass_and_fail_on_the_right_thresholds(tmp_path: Path, runs: dict[str, Path]) -> None:
    acc = _value(runs["good"], "strict_accuracy")["value"]
    ja = _value(runs["good"], "region_accuracy", "lang:ja")["value"]
    passing = f"""
[[check]]
metric = "strict_accuracy"
min = {acc - 0.01}

[[check]]
metric = "region_accuracy"
slice = "lang:ja"
min = {ja - 0.01}
"""
    code, out = _gate(tmp_path, passing, str(runs["good"]))
    assert code == 0, out
    assert "PASSED" in out
    failing = (
        passing
        + f"""
[[check]]
rule = "strict_accuracy >= {acc + 0.01}"
"""
    )
    code, out = _gate(tmp_path, failing, str(runs["good"]))
    assert code == 1 and "FAILED" in out and "2 passed, 1 failed" in out


def test_bounds_judge_the_interval(tmp_path: Path, runs: dict[str, Path]) -> None:
    e = _value(runs["good"], "strict_accuracy")
    mid = (e["value"] + e["ci_low"]) / 2  # between the lower bound and the point estimate
    body = f'[gate]\nbound = "{{}}"\n[[check]]\nmetric = "strict_accuracy"\nmin = {mid}\n'
    assert _gate(tmp_path, body.format("point"), str(runs["good"]))[0] == 0
    assert _gate(tmp_path, body.format("lower"), str(runs["good"]))[0] == 1
    assert _gate(tmp_path, body.format("conservative"), str(runs["good"]))[0] == 1
    fp = _value(runs["good"], "false_positive_reachability")
    fp_mid = (fp["value"] + fp["ci_high"]) / 2
    fp_body = f'[[check]]\nmetric = "false_positive_reachability"\nmax = {fp_mid}\nbound = "{{}}"\n'
    assert _gate(tmp_path, fp_body.format("point"), str(runs["good"]))[0] == 0
    assert _gate(tmp_path, fp_body.format("conservative"), str(runs["good"]))[0] == 1


def test_max_drop_against_baseline_and_junit(tmp_path: Path, runs: dict[str, Path]) -> None:
    drop = (
        _value(runs["good"], "strict_accuracy")["value"] - _value(runs["worse"], "strict_accuracy")["value"]
    )
    assert drop > 0.1
    body = (
        '[[check]]\nmetric = "strict_accuracy"\nmax_drop = 0.02\n\n'
        '[[check]]\nmetric = "region_accuracy"\nmin = 0.0\n'
    )
    junit = tmp_path / "out" / "gate.xml"
    code, out = _gate(
        tmp_path, body, str(runs["worse"]), "--baseline", str(runs["good"]), "--junit", str(junit)
    )
    assert code == 1, out
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "2" and root.get("failures") == "1"
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == ["strict_accuracy drop <= 0.02", "region_accuracy >= 0"]
    assert cases[0].find("failure") is not None and cases[1].find("failure") is None
    code, _ = _gate(tmp_path, body, str(runs["good"]), "--baseline", str(runs["worse"]))
    assert code == 0  # improving is never a drop


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('[[check]]\nmetric = "strict_acuracy"\nmin = 0.5\n', "check[0].metric"),
        ('[[check]]\nmetric = "strict_accuracy"\nmni = 0.5\n', "check[0].mni"),
        ('[[check]]\nmetric = "strict_accuracy"\nslice = "lang:xx"\nmin = 0.5\n', "check[0].slice"),
        ('[[check]]\nmetric = "strict_accuracy"\nmax_drop = 0.5\n', "check[0].max_drop"),
        ('[[check]\nmetric = "strict_accuracy"\n', "invalid TOML"),
        ('[gate]\nbound = "median"\n[[check]]\nmetric = "strict_accuracy"\nmin = 0.1\n', "gate.bound"),
    ],
)
def test_unusable_input_exits_2_naming_file_and_key(
    tmp_path: Path, runs: dict[str, Path], body: str, needle: str
) -> None:
    code, out = _gate(tmp_path, body, str(runs["good"]))
    flat = "".join(out.split())  # rich wraps long (xdist) tmp paths anywhere, even inside a word
    assert code == 2, out
    assert "".join(needle.split()) in flat and "gate.toml" in flat


def test_missing_metric_can_be_skipped(tmp_path: Path, runs: dict[str, Path]) -> None:
    body = (
        '[[check]]\nmetric = "false_positive_reachability"\nslice = "fault:none"\n'
        'max = 0.1\nmissing = "skip"\n'
    )
    junit = tmp_path / "g.xml"
    code, out = _gate(tmp_path, body, str(runs["good"]), "--junit", str(junit))
    assert code == 0, out  # fault:none cases are all reachable: no false positive is possible there
    assert ET.parse(junit).getroot().find("./testsuite/testcase/skipped") is not None
