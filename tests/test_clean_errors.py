"""Issue 13: bad input that used to end in a traceback now ends in one line naming file and field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "cases" / "seed"
BASELINE = REPO / "cases" / "worlds" / "field-test__baseline.json"
SOURCE = "i-b7cbb957b075f864f"


def _cli(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def _one_clean_line(res: object, *needles: str) -> None:
    text = " ".join(res.output.split())  # type: ignore[attr-defined]
    assert res.exit_code not in (0, None), text  # type: ignore[attr-defined]
    exc = res.exception  # type: ignore[attr-defined]
    assert exc is None or isinstance(exc, SystemExit), repr(exc)
    assert "Traceback" not in text and text.startswith("error:"), text
    squeezed = "".join(text.split())  # rich wraps long paths anywhere
    for needle in needles:
        assert "".join(needle.split()) in squeezed, text


def _suite(tmp_path: Path, name: str = "s") -> Path:
    return Path(shutil.copytree(SEED, tmp_path / name))


def test_suite_file_with_invalid_utf8(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    with open(suite / "test.jsonl", "ab") as fh:
        fh.write(b"\xff\xfe{}\n")
    _one_clean_line(_cli("run", "-t", "null", "--suite", str(suite), "--out", str(tmp_path / "r"), "-q"),
                    "test.jsonl:7", "not UTF-8")
    _one_clean_line(_cli("cases", "validate", str(suite)), "test.jsonl:7", "not UTF-8")


def test_inventories_with_invalid_utf8(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    (suite / "inventories.jsonl").write_bytes(b"\xff" + (SEED / "inventories.jsonl").read_bytes())
    _one_clean_line(_cli("run", "-t", "null", "--suite", str(suite), "--out", str(tmp_path / "r"), "-q"),
                    "inventories.jsonl:1", "not UTF-8")


def test_suite_json_that_is_not_an_object(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    (suite / "suite.json").write_text("[1, 2]\n")
    _one_clean_line(_cli("run", "-t", "null", "--suite", str(suite), "--out", str(tmp_path / "r"), "-q"),
                    "suite.json", "expected a JSON object")


def test_world_file_with_invalid_utf8(tmp_path: Path) -> None:
    world = tmp_path / "w.json"
    world.write_bytes(b"\xff" + BASELINE.read_bytes())
    _one_clean_line(_cli("analyze", str(world), "-s", SOURCE, "-d", "10.0.0.5"), "w.json", "not UTF-8")
    _one_clean_line(_cli("worlds", "show", str(world)), "w.json", "not UTF-8")


def test_route_cidr_that_is_not_a_cidr(tmp_path: Path) -> None:
    doc = json.loads(BASELINE.read_text())
    tables = doc["regions"]["ap-northeast-1"]["ec2:DescribeRouteTables"]["RouteTables"]
    tables[0]["Routes"][0]["DestinationCidrBlock"] = "10.0.0.0/33"
    world = tmp_path / "w.json"
    world.write_text(json.dumps(doc))
    _one_clean_line(_cli("analyze", str(world), "-s", SOURCE, "-d", "10.0.0.5"),
                    "w.json", "RouteTables[0]", "DestinationCidrBlock '10.0.0.0/33'")


def test_invalid_destination_ip() -> None:
    _one_clean_line(
        _cli("analyze", "field-test__baseline", "-s", SOURCE, "-d", "10.0.0.5",
             "--destination-ip", "999.1.2.3"),
        "--destination-ip '999.1.2.3'",
    )


def test_world_whose_snapshot_is_missing(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    for name in ("test.jsonl", "inventories.jsonl"):
        path = suite / name
        path.write_text(path.read_text().replace("field-test__tokyo-blackhole", "field-test__gone"))
    _one_clean_line(_cli("cases", "validate", str(suite)), "field-test__gone")
    _one_clean_line(_cli("run", "-t", "null", "--suite", str(suite), "--out", str(tmp_path / "r"), "-q"),
                    "field-test__gone")


@pytest.mark.parametrize("how", ["empty", "missing"])
def test_validate_fails_on_an_empty_or_missing_split(tmp_path: Path, how: str) -> None:
    suite = _suite(tmp_path)
    if how == "empty":
        (suite / "test.jsonl").write_text("")
    else:
        (suite / "test.jsonl").unlink()
    res = _cli("cases", "validate", str(suite))
    _one_clean_line(res, "split test has no cases" if how == "empty" else "no split file")
