"""Aggregation: bootstrap intervals, slices, the DataFrame and deterministic summary bytes."""

from __future__ import annotations

import numpy as np
import pytest

from bench.model import Translation
from scorers import CaseFacts, dumps_summary, metric_specs, summarize, summary_frame
from scorers.aggregate import bootstrap_weights
from tests.test_scorers import asked, gold, q, reachable, unreachable


def _mixed(n: int) -> list[CaseFacts]:
    rng = np.random.default_rng(7)
    facts = []
    for i in range(n):
        truth = bool(rng.integers(0, 2))
        g = gold(q(), reachable() if truth else unreachable())
        right = rng.random() < 0.7
        pred = reachable() if truth == right else unreachable()
        tags = ("fault:nacl" if i % 2 else "fault:route", "dest:ip", "seed-case")
        facts.append(CaseFacts(g, asked(q()), pred, case_id=f"c{i:03d}", tags=tags))
    return facts


def test_bootstrap_is_deterministic_for_a_seed_and_changes_with_it() -> None:
    facts = _mixed(60)
    a = dumps_summary(summarize(facts, seed=1, n_resamples=1000))
    b = dumps_summary(summarize(facts, seed=1, n_resamples=1000))
    c = dumps_summary(summarize(facts, seed=2, n_resamples=1000))
    assert a == b and a != c


def test_interval_brackets_the_value_and_matches_a_naive_bootstrap() -> None:
    facts = _mixed(80)
    cell = summarize(facts, seed=3, n_resamples=2000)["metrics"]["execution_accuracy"]
    assert cell["ci_low"] <= cell["value"] <= cell["ci_high"]
    assert cell["ci_high"] - cell["ci_low"] > 0.05
    # The same resamples drawn case by case give the same interval.
    weights = bootstrap_weights(80, 2000, 3, "all")
    ok = np.array([float(f.predicted_reachable == f.gold_reachable) for f in facts])
    naive = np.percentile((weights @ ok) / 80, [2.5, 97.5])
    assert cell["ci_low"] == pytest.approx(naive[0], abs=1e-6)
    assert cell["ci_high"] == pytest.approx(naive[1], abs=1e-6)
    assert weights.sum(axis=1).tolist() == [80.0] * 2000


def test_slices_per_tag_axis_value() -> None:
    facts = _mixed(40)
    s = summarize(facts, n_resamples=200)
    assert set(s["slices"]) == {"fault:nacl", "fault:route", "dest:ip", "tag:seed-case"}
    assert s["slices"]["fault:nacl"]["strict_accuracy"]["n"] == 20
    assert (
        s["slices"]["dest:ip"]["execution_accuracy"]["value"] == s["metrics"]["execution_accuracy"]["value"]
    )


def test_frame_and_bytes() -> None:
    s = summarize(_mixed(10), n_resamples=100, header={"run_id": "r1", "suite": "core", "translator": "x"})
    frame = summary_frame(s)
    assert list(frame.columns) == ["slice", "metric", "value", "ci_low", "ci_high", "n", "higher_is_better"]
    assert len(frame) == len(metric_specs()) * (1 + len(s["slices"]))
    text = dumps_summary(s)
    assert text.endswith("\n") and '"run_id": "r1"' in text and "NaN" not in text


def test_not_applicable_metric_has_no_value() -> None:
    facts = [CaseFacts(gold(q(), reachable()), Translation(status="abstain"), None)]
    m = summarize(facts, n_resamples=50)["metrics"]
    assert m["false_positive_reachability"] == {
        "value": None,
        "ci_low": None,
        "ci_high": None,
        "n": 0,
        "higher_is_better": False,
    }
    assert m["over_abstention"]["value"] == 1.0
