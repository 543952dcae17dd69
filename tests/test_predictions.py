"""Outside systems: export the questions, fill the answer sheet, score it with ``predictions:FILE``.

Round trip: the answers of ``oracle`` and ``naive`` written to a sheet and replayed score exactly like
the translators themselves; every column of a malformed sheet is reported as ``file:line:field``;
answer-only sheets are scored on verdict, false positives, abstention and the blamed component.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.cases.answers import ANSWER_COLUMNS, translation_to_row
from bench.cases.inputs import export_inputs, write_answers
from bench.cases.loader import load_suite
from bench.cases.schema import CaseInput
from bench.reports.leaderboard import build_leaderboard, to_markdown
from bench.reports.rundir import load_run
from bench.run.options import RunOptions, select_cases
from bench.runner import run
from bench.translators.base import TranslatorError
from bench.translators.predictions import PredictionsTranslator, read_predictions
from bench.translators.registry import make_translator

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _run(tmp_path: Path, spec: str, suite: str = "seed", limit: int | None = None, run_id: str = "r"):
    options = RunOptions(
        translator=spec,
        suite=suite,
        out=tmp_path / "runs",
        run_id=run_id,
        cache="off",
        n_resamples=50,
        limit=limit,
    )
    result = run(options, progress=False)
    records = {}
    for line in (result.run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        records[rec["case_id"]] = rec
    return result, records


def _fill(tmp_path: Path, suite_name: str, spec: str, sheet: str, limit: int | None = None) -> Path:
    """Export the inputs, answer every exported question with ``spec``, write the sheet."""
    suite = load_suite(suite_name, splits=["test"])
    chosen_cases = select_cases(suite.cases, RunOptions(suite=suite_name, limit=limit))
    chosen = {c.id for c in chosen_cases}
    export_inputs(replace(suite, cases=chosen_cases), tmp_path / "export", "jsonl")
    translator = make_translator(spec)
    translator.bind_gold({c.id: c.gold for c in suite.cases})  # only the oracle listens
    rows = []
    for line in (tmp_path / "export" / "inputs.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        if doc["case_id"] not in chosen:
            continue
        translation = translator.translate_or_fail(
            CaseInput.model_validate(doc["input"]), case_id=doc["case_id"]
        )
        rows.append(translation_to_row(doc["case_id"], translation))
    return write_answers(rows, tmp_path / sheet)


def test_export_inputs_shows_only_what_a_translator_may_see(tmp_path: Path) -> None:
    suite = load_suite("seed", splits=["test"])
    for fmt in ("jsonl", "csv", "md"):
        first = export_inputs(suite, tmp_path / fmt, fmt)  # type: ignore[arg-type]
        again = export_inputs(suite, tmp_path / f"{fmt}-again", fmt)  # type: ignore[arg-type]
        for a, b in zip(first, again, strict=True):
            assert a.read_bytes() == b.read_bytes(), a.name  # same inputs, same bytes
        text = first[0].read_text(encoding="utf-8")
        assert all(c.id in text for c in suite.cases)
        for leak in ("answerable", "BAD_STATE_ROUTE", "story:", "blackholed", "explanation_code"):
            assert leak not in text, (fmt, leak)
        assert "cannot ping" in text and "ソウルじゃないよ" in text
    console = export_inputs(suite, tmp_path / "console", "csv", "console")
    header = console[0].read_text(encoding="utf-8").splitlines()[0]
    assert header == "case_id,turn_1,turn_2,home_region,world"
    with console[1].open(encoding="utf-8") as fh:
        sheet = list(csv.DictReader(fh))
    assert list(sheet[0]) == list(ANSWER_COLUMNS)
    assert [r["case_id"] for r in sheet] == [c.id for c in suite.cases]
    assert all(v == "" for r in sheet for k, v in r.items() if k != "case_id")


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "sheet"), [("oracle", "answers.csv"), ("naive", "answers.jsonl")])
def test_round_trip_scores_like_the_translator(tmp_path: Path, spec: str, sheet: str) -> None:
    for suite, limit in (("seed", None), ("core", 60)):
        path = _fill(tmp_path / suite, suite, spec, sheet, limit)
        direct, direct_records = _run(tmp_path / suite, spec, suite, limit, "direct")
        replay, replay_records = _run(tmp_path / suite, f"predictions:{path}", suite, limit, "replay")
        assert direct.summary["metrics"] == replay.summary["metrics"]
        assert direct.summary["slices"] == replay.summary["slices"]
        assert direct.summary["tables"] == replay.summary["tables"]
        assert direct_records.keys() == replay_records.keys()
        for case_id, rec in direct_records.items():
            other = replay_records[case_id]
            assert rec["scores"] == other["scores"], case_id
            assert rec["failure_type"] == other["failure_type"], case_id
            assert rec["predicted"] == other["predicted"], case_id


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_csv_names_file_line_and_field(tmp_path: Path) -> None:
    header = ",".join(ANSWER_COLUMNS)
    rows = [
        ",us-east-1,i-1,,i-2,,tcp,22,,,,,",  # 2 case_id blank
        "c3,us east 1,i-1,,i-2,,tcp,22,,,,,",  # 3 region
        "c4,us-east-1,,,i-2,,tcp,22,,,,,",  # 4 source missing
        "c5,us-east-1,i-1,,,,tcp,22,,,,,",  # 5 destination missing
        "c6,us-east-1,i-1,,i-2,,tcpx,22,,,,,",  # 6 protocol
        "c7,us-east-1,i-1,,i-2,,tcp,http,,,,,",  # 7 port
        "c8,us-east-1,i-1,,i-2,,tcp,70000,,,,,",  # 8 port range
        "c9,us-east-1,i-1,,i-2,,tcp,22,a b,,,,",  # 9 destination_region
        "c10,us-east-1,i-1,,i-2,,tcp,22,,declined,,,",  # 10 abstain_reason with a query
        "c11,,,,,,,,,,maybe,,",  # 11 claimed_verdict
        "c12,,,,,,,,,,reachable,acl-1,",  # 12 claimed_blocking on reachable
        "c13,,,,,,,,,,,acl-1,",  # 13 claimed_blocking alone
        "c14,,,,,,,,,gave up,reachable,,",  # 14 abstain + claim
        "c15,us-east-1,i-1,,i-2,,tcp,22",  # 15 short row
        "c3,,,,,,,,,,reachable,,",  # 16 duplicate
        "c17,us-east-1,i-1,10.0.0.300,i-2,,tcp,22,,,,,",  # 17 source_ip
        "c18,us-east-1,i-1,,igw-1,dns.example,tcp,22,,,,,",  # 18 destination_ip
    ]
    path = _write(tmp_path / "bad.csv", header + "\n" + "\n".join(rows) + "\n")
    _, _, problems = read_predictions(path)
    expected = {
        2: "case_id",
        3: "region",
        4: "source",
        5: "destination",
        6: "protocol",
        7: "port",
        8: "port",
        9: "destination_region",
        10: "abstain_reason",
        11: "claimed_verdict",
        12: "claimed_blocking",
        13: "claimed_blocking",
        14: "claimed_verdict",
        15: "<row>",
        16: "case_id",
        17: "source_ip",
        18: "destination_ip",
    }
    got = {int(p.split(":")[1]): p.split(":")[2] for p in problems}
    assert got == expected, problems
    assert all(p.startswith(f"{path}:") for p in problems)
    with pytest.raises(TranslatorError) as err:
        make_translator(f"predictions:{path}")
    assert "17 problem(s)" in str(err.value) and f"{path}:16:case_id: duplicate" in str(err.value)
    bad_header = _write(tmp_path / "cols.csv", "case_id,regoin\nc1,us-east-1\n")
    assert read_predictions(bad_header)[2] == [
        f"{bad_header}:1:regoin: unknown column (columns: {', '.join(ANSWER_COLUMNS)})"
    ]
    no_id = _write(tmp_path / "noid.csv", "region\nus-east-1\n")
    assert read_predictions(no_id)[2] == [f"{no_id}:1:case_id: missing column"]
    assert read_predictions(tmp_path / "absent.csv")[2] == [
        f"{tmp_path / 'absent.csv'}:0:<file>: no such file"
    ]


def test_malformed_jsonl_names_file_line_and_field(tmp_path: Path) -> None:
    good = {"case_id": "c1", "region": "us-east-1", "source": "i-1", "destination": "i-2", "port": 22}
    lines = [
        json.dumps(good),
        "{not json",
        "[1, 2]",
        json.dumps({**good, "case_id": "c4", "source_ip": ["10.0.0.1"]}),
        json.dumps({**good, "case_id": "c5", "destination_ip": {"a": 1}}),
        json.dumps({**good, "case_id": "c6", "note": {"from": "x"}}),
        json.dumps({**good, "case_id": "c7", "porty": 1}),
        json.dumps({"case_id": "c8", "claimed_verdict": 3}),
        json.dumps({**good, "case_id": 9.5, "port": True}),
        json.dumps(good),
    ]
    path = _write(tmp_path / "bad.jsonl", "\n".join(lines) + "\n")
    by_id, _, problems = read_predictions(path)
    got = {int(p.split(":")[1]): p.split(":")[2] for p in problems}
    assert got == {
        2: "<line>",
        3: "<line>",
        4: "source_ip",
        5: "destination_ip",
        6: "note",
        7: "porty",
        8: "claimed_verdict",
        9: "port",
        10: "case_id",
    }, problems
    assert by_id["c1"] is not None and by_id["c1"].query is not None and by_id["c1"].query.port == 22


def test_missing_and_unknown_ids(tmp_path: Path) -> None:
    suite = load_suite("seed", splits=["test"])
    ids = [c.id for c in suite.cases]
    answered = ids[:2]
    rows = [{"case_id": ids[0], "claimed_verdict": "not reachable"}, {"case_id": ids[1]}]  # one blank row
    path = write_answers(rows, tmp_path / "some.jsonl")
    result, records = _run(tmp_path, f"predictions:{path}")
    assert records[answered[0]]["translation"]["status"] == "answer"
    for case_id in ids[1:]:
        assert records[case_id]["failure_type"] == "translator:missing_prediction"
    assert result.meta["translator"]["settings"]["rows"] == 2
    stray = write_answers([*rows, {"case_id": "seed-000000000000"}], tmp_path / "stray.csv")
    with pytest.raises(TranslatorError, match=rf"{stray}:4:case_id: unknown case id 'seed-000000000000'"):
        _run(tmp_path, f"predictions:{stray}", run_id="stray")


def test_answer_only_is_scored_on_verdict_abstention_and_blame(tmp_path: Path) -> None:
    suite = load_suite("seed", splits=["test"])
    rows: list[dict[str, Any]] = []
    expected_fp = set()
    for case in suite.cases:
        if not case.gold.answerable:
            rows.append({"case_id": case.id, "claimed_verdict": "can't tell"})
        elif case.gold.verdict is not None and case.gold.verdict.reachable is False:
            blocking = case.gold.blocking or case.gold.verdict.blocking_component
            if "ping" in case.input.turns[0]:
                rows.append(
                    {
                        "case_id": case.id,
                        "claimed_verdict": "not reachable",
                        "claimed_blocking": blocking.id if blocking else "",
                    }
                )
            else:
                rows.append({"case_id": case.id, "claimed_verdict": "reachable"})
                expected_fp.add(case.id)
        else:
            rows.append({"case_id": case.id, "claimed_verdict": "reachable"})
    path = write_answers(rows, tmp_path / "answers.csv")
    translator = make_translator(f"predictions:{path}")
    assert isinstance(translator, PredictionsTranslator) and translator.answer_only
    result, records = _run(tmp_path, f"predictions:{path}")
    metrics = result.summary["metrics"]
    assert metrics["blocking_component_accuracy"]["value"] == 1 / len(
        [c for c in suite.cases if c.gold.answerable and c.gold.verdict and c.gold.verdict.reachable is False]
    )
    assert metrics["abstention_f1"]["value"] == 1.0
    assert metrics["strict_accuracy"]["value"] < 1.0  # no query: strict accuracy needs one
    assert expected_fp
    for case_id in expected_fp:
        assert records[case_id]["failure_type"] == "false_positive:claimed_without_query"
    causes = result.summary["tables"]["false_positive_causes"]
    assert causes == {"claimed_without_query": len(expected_fp)}
    board = build_leaderboard([load_run(result.run_dir)])
    assert board["rows"][0]["answer_only"] is True
    assert "predictions (answer-only)" in to_markdown(board)


FIELD_TEST = Path(__file__).resolve().parents[1] / "docs" / "examples" / "field-test" / "amazon-q-answers.csv"
FIELD_TEST_DOC = Path(__file__).resolve().parents[1] / "docs" / "outside-systems.md"
DOC_METRICS = (
    "strict_accuracy",
    "execution_accuracy",
    "false_positive_reachability",
    "region_accuracy",
    "abstention_f1",
    "over_abstention",
    "blocking_component_accuracy",
)


def test_field_test_transcription_reproduces_its_findings(tmp_path: Path) -> None:
    """The published field test's answers, scored from the outside: the Region error (Seoul), the
    widened-destination false positive (0.0.0.0/5) and the abstentions all show in the run's tables."""
    result, records = _run(tmp_path, f"predictions:{FIELD_TEST}")
    tables = result.summary["tables"]
    assert {"slot": "region", "gold": "us-east-1", "predicted": "ap-northeast-2", "count": 1} in tables[
        "region_confusion"
    ]
    assert tables["false_positive_causes"] == {"destination_widened": 1}
    assert tables["failure_types"] == {
        "abstention:declined_answerable": 2,  # "the question is badly formed" after the correction
        "false_positive:destination_widened": 1,
        "query:region_mismatch": 1,
    }
    by_key = {rec["case_id"]: rec for rec in records.values()}
    tgw = by_key["seed-b0d4c6cb66df"]  # "unable to find relevant network resources": the right abstention
    assert tgw["translation"]["status"] == "abstain" and tgw["failure_type"] is None
    ping = by_key["seed-70ad69e2f24b"]  # the NACL found: an answer without a query, blaming the right ACL
    assert ping["translation"]["status"] == "answer" and ping["scores"]["blocking_component_accuracy"] == 1.0
    doc = FIELD_TEST_DOC.read_text(encoding="utf-8")
    for metric in DOC_METRICS:  # the worked example's table is this run's numbers
        entry = result.summary["metrics"][metric]
        assert f"| `{metric}` | {entry['value']:.3f} | {entry['n']} |" in doc, metric


_CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "us-east-1",
            "i-1",
            "10.0.0.5",
            "0.0.0.0/5",
            "tcp",
            "icmp",
            "443",
            "-1",
            "reachable",
            "not reachable",
            "can't tell",
            "acl-1",
            "s3.amazonaws.com",
            "",
        ]
    ),
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _CELLS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)


@st.composite
def _sheets(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(st.sampled_from(["raw-csv", "raw-jsonl", "csv", "jsonl"]))
    if kind.startswith("raw"):
        return (".csv" if kind == "raw-csv" else ".jsonl"), draw(st.text(max_size=300))
    columns = draw(st.lists(st.sampled_from([*ANSWER_COLUMNS, "extra"]), min_size=1, max_size=8))
    rows = draw(st.lists(st.lists(_CELLS, min_size=len(columns), max_size=len(columns)), max_size=5))
    if kind == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return ".csv", buf.getvalue()
    docs = [dict(zip(columns, [draw(_JSON) for _ in columns], strict=True)) for _ in rows]
    return ".jsonl", "".join(json.dumps(d) + "\n" for d in docs)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=_sheets())
def test_no_answer_sheet_crashes_the_reader(tmp_path: Path, sheet: tuple[str, str]) -> None:
    """Whatever the sheet holds, the reader answers with rows or file:line:field problems, never an
    exception; the translator is built exactly when there is no problem."""
    suffix, text = sheet
    path = tmp_path / f"sheet{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    by_id, lines, problems = read_predictions(path)
    assert set(by_id) <= set(lines)  # rows with a problem are counted for duplicates, not kept
    assert all(p.startswith(f"{path}:") and p.count(":") >= 3 for p in problems)
    try:
        make_translator(f"predictions:{path}")
    except TranslatorError:
        assert problems
    else:
        assert not problems


def test_ids_of_other_splits_are_known_not_unknown(tmp_path: Path) -> None:
    """A sheet answering the whole suite scores one split: dev ids are in the suite's id registry."""
    from bench.runner import _check_cases

    test_split = load_suite("core", splits=["test"])
    dev_id = load_suite("core", splits=["dev"]).cases[0].id
    sheet = write_answers(
        [{"case_id": dev_id, "claimed_verdict": "reachable"}, {"case_id": test_split.cases[0].id}],
        tmp_path / "both.csv",
    )
    _check_cases(make_translator(f"predictions:{sheet}"), test_split)  # no error
    bogus = write_answers([{"case_id": "core-ffffffffffff"}], tmp_path / "bogus.csv")
    with pytest.raises(TranslatorError, match="unknown case id 'core-ffffffffffff'.*loaded split"):
        _check_cases(make_translator(f"predictions:{bogus}"), test_split)
