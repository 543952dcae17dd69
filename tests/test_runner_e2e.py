"""End to end on the real seed suite, worlds and engine: the field test's three failures, and the oracle.

Skipped when the seed suite or its worlds are absent (a fresh checkout before ``reachbench cases seed``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.cases.schema import CaseInput
from bench.model import Translation
from bench.run.options import RunOptions
from bench.runner import run
from bench.translators.oracle import OracleTranslator
from scorers import metric_specs

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "cases" / "seed"

pytestmark = pytest.mark.skipif(
    not (SEED / "test.jsonl").exists() or not any((ROOT / "cases" / "worlds").glob("field-test__*.json")),
    reason="seed suite or field-test worlds not built",
)


class FieldTestAssistant(OracleTranslator):
    """The oracle, except for the field test's mistakes: Seoul for Tokyo, 0.0.0.0/5 for 35.78.9.203, and
    an answer to the cross-Region question instead of declining it."""

    name = "field-test-assistant"
    cacheable = False

    def _translate_case(self, case_input: CaseInput, case_id: str | None) -> Translation:
        gold = self._by_id[case_id] if case_id else None
        if gold is None or gold.query is None:
            return super()._translate_case(case_input, case_id)
        text = " ".join(case_input.turns)
        query = gold.query
        if "s3.ap-northeast-1" in text and len(case_input.turns) > 1:
            query = query.model_copy(update={"destination": "s3.ap-northeast-2.amazonaws.com"})
        elif "35.78.9.203" in text:
            query = query.model_copy(update={"destination": "0.0.0.0/5"})
        elif not gold.answerable:
            return Translation(status="query", query=query)  # answers instead of declining
        else:
            return super()._translate_case(case_input, case_id)
        return Translation(status="query", query=query)


def _run(tmp_path: Path, translator: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    options = RunOptions(
        translator=translator.name, suite="seed", out=tmp_path, run_id="r", cache="off", n_resamples=200
    )
    result = run(options, translator=translator, progress=False)
    lines = (result.run_dir / "samples.jsonl").read_text().splitlines()
    return result.summary, {json.loads(x)["case_id"]: json.loads(x) for x in lines}


def test_oracle_is_perfect_with_the_real_engine(tmp_path: Path) -> None:
    summary, _ = _run(tmp_path, OracleTranslator())
    specs = metric_specs()
    for name, cell in summary["metrics"].items():
        if cell["n"]:
            assert cell["value"] == (1.0 if specs[name].higher_is_better else 0.0), name


def test_the_field_tests_three_failures(tmp_path: Path) -> None:
    summary, samples = _run(tmp_path, FieldTestAssistant())
    by_story = {next(t for t in s["tags"] if t.startswith("story:")): s for s in samples.values()}
    widened = by_story["story:widened-destination"]
    assert widened["predicted"]["reachable"] is True  # the engine finds a path into 0.0.0.0/5
    assert widened["failure_type"] == "false_positive:destination_widened"
    assert widened["scores"]["false_positive_reachability"] == 1.0
    seoul = by_story["story:correction"]
    assert seoul["scores"]["region_accuracy"] == 0.0
    assert seoul["diagnosis"]["regions"]["destination_region"] == ["ap-northeast-1", "ap-northeast-2"]
    assert any(
        row["gold"] == "ap-northeast-1" and row["predicted"] == "ap-northeast-2"
        for row in summary["tables"]["region_confusion"]
    )
    cross = by_story["story:cross-region"]
    assert cross["failure_type"] == "abstention:answered_unanswerable"
    assert cross["scores"]["abstention_recall"] == 0.0
    assert summary["tables"]["false_positive_causes"].get("destination_widened", 0) >= 1
