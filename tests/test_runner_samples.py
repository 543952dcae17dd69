"""Slim sample records (no inventory, no gold hops) and compressed run directories (``samples.jsonl.gz``):
scoring, showing, comparing and resuming read either form; ``--compress`` output is byte-reproducible."""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bench.cases.schema import Case, InventoryItem
from bench.model import Hop
from bench.reports.rundir import load_run
from bench.run.records import SAMPLES, SAMPLES_GZ, SampleFileError, read_samples, samples_path
from bench.run.scoring import rescore
from bench.runner import merge, resume, run
from tests.test_runner import Flaky, _opts, fake_factory, make_cases, write_suite

ITEM = InventoryItem(id="i-a", type="instance", name="bastion", region="us-east-1", private_ips=("10.0.0.5",))
HOP = Hop(id="sg-1", type="security-group", direction="egress")


def _rich_cases() -> list[Case]:
    """The runner's cases with an inventory and gold hops, the two things records leave out."""
    out = []
    for case in make_cases():
        ctx = case.input.context.model_copy(update={"inventory": (ITEM,)})
        gold = case.gold
        if gold.verdict is not None:
            gold = gold.model_copy(update={"verdict": gold.verdict.model_copy(update={"hops": (HOP,)})})
        out.append(
            case.model_copy(update={"input": case.input.model_copy(update={"context": ctx}), "gold": gold})
        )
    return out


@pytest.fixture
def cases() -> list[Case]:
    return _rich_cases()


@pytest.fixture
def folder(tmp_path: Path, cases: list[Case]) -> Path:
    return write_suite(tmp_path / "cases", cases)


def test_records_leave_out_the_inventory_and_gold_hops(
    folder: Path, cases: list[Case], tmp_path: Path
) -> None:
    result = run(
        _opts(folder, tmp_path / "runs", run_id="r"), engine_factory=fake_factory(cases), progress=False
    )
    records = read_samples(result.run_dir / SAMPLES)
    assert len(records) == len(cases)
    for record in records:
        assert record["input"]["context"] == {"home_region": "us-east-1", "account_id": "123456789012"}
        assert record["input"]["turns"] and record["world"] in {"w1", "w2"}
        verdict = record["gold"]["verdict"]
        assert "hops" not in verdict and "reachable" in verdict and "destination_set" in verdict
    assert any(r["predicted"] and r["predicted"]["hops"] == [HOP.model_dump(mode="json")] for r in records)
    summary = (result.run_dir / "summary.json").read_bytes()
    rescore(result.run_dir)
    assert (result.run_dir / "summary.json").read_bytes() == summary


def test_compressed_run_is_reproducible_and_readable_everywhere(
    folder: Path, cases: list[Case], tmp_path: Path
) -> None:
    factory = fake_factory(cases)
    plain = run(_opts(folder, tmp_path / "p", run_id="r"), engine_factory=factory, progress=False)
    packed = run(
        _opts(folder, tmp_path / "z", run_id="r", compress=True), engine_factory=factory, progress=False
    )
    root = packed.run_dir
    assert not (root / SAMPLES).exists() and samples_path(root) == root / SAMPLES_GZ
    data = (root / SAMPLES_GZ).read_bytes()
    assert data[4:8] == b"\0\0\0\0" and not data[3] & 0x08  # mtime 0, no file name in the header
    assert (root / "summary.json").read_bytes() == (plain.run_dir / "summary.json").read_bytes()

    def strip(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**r, "translation": {**r["translation"], "latency_ms": None}} for r in records]

    assert strip(read_samples(root / SAMPLES)) == strip(read_samples(plain.run_dir / SAMPLES))
    # score keeps the run compressed and reproduces the summary; re-compressing gives the same bytes.
    summary = (root / "summary.json").read_bytes()
    rescore(root)
    assert (root / "summary.json").read_bytes() == summary and (root / SAMPLES_GZ).read_bytes() == data
    assert not (root / SAMPLES).exists()
    # reports read the .gz, and prefer the plain file when both exist.
    assert len(load_run(root).samples) == len(cases)
    (root / SAMPLES).write_text(gzip.decompress(data).decode().splitlines(keepends=True)[0])
    assert len(load_run(root).samples) == 1 and len(read_samples(samples_path(root))) == 1
    (root / SAMPLES).unlink()
    (root / SAMPLES_GZ).write_bytes(data[:40])
    with pytest.raises(SampleFileError, match="gzip"):
        read_samples(root / SAMPLES)


def test_resume_with_compress_appends_to_the_plain_file(
    folder: Path, cases: list[Case], tmp_path: Path
) -> None:
    factory = fake_factory(cases)
    whole = run(_opts(folder, tmp_path / "a", run_id="r"), engine_factory=factory, progress=False)
    stop = threading.Event()
    seen: list[str] = []

    def interrupt(case_id: str) -> None:
        seen.append(case_id)
        if len(seen) == 4:
            stop.set()

    part = run(
        _opts(folder, tmp_path / "b", run_id="r", jobs=1, compress=True),
        engine_factory=factory,
        translator=Flaky(cases),
        progress=False,
        stop=stop,
        on_case=interrupt,
    )
    # Interrupted: the plain file holds the finished cases, nothing is compressed yet.
    assert part.meta["status"] == "interrupted" and (part.run_dir / SAMPLES).exists()
    assert not (part.run_dir / SAMPLES_GZ).exists()
    # Resumed with the translator it started with (another one would be refused).
    done = resume(part.run_dir, engine_factory=factory, translator=Flaky(cases), progress=False)
    assert done.meta["status"] == "complete" and 0 < done.n_new < len(cases)
    assert not (done.run_dir / SAMPLES).exists() and (done.run_dir / SAMPLES_GZ).exists()
    assert len(read_samples(done.run_dir / SAMPLES)) == len(cases)
    # Resuming a compressed, complete run keeps it compressed and changes nothing.
    before = (done.run_dir / SAMPLES_GZ).read_bytes()
    again = resume(done.run_dir, engine_factory=factory, translator=Flaky(cases), progress=False)
    assert again.n_new == 0 and (done.run_dir / SAMPLES_GZ).read_bytes() == before
    assert whole.summary["metrics"].keys() == again.summary["metrics"].keys()


def test_merge_reads_compressed_shards_and_cli_compress(
    folder: Path, cases: list[Case], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = fake_factory(cases)
    whole = run(_opts(folder, tmp_path / "w", run_id="x"), engine_factory=factory, progress=False)
    shards = [
        run(
            _opts(folder, tmp_path / "s", shard=(i, 2), compress=i == 1),
            engine_factory=factory,
            progress=False,
        )
        for i in (1, 2)
    ]
    merged = merge([s.run_dir for s in shards], tmp_path / "m", run_id="x", compress=True)
    assert (merged.run_dir / SAMPLES_GZ).exists() and not (merged.run_dir / SAMPLES).exists()
    assert (merged.run_dir / "summary.json").read_bytes() == (whole.run_dir / "summary.json").read_bytes()

    from bench.cli import app

    monkeypatch.setattr("bench.run.execute.default_engine_factory", lambda: factory)
    out = tmp_path / "cli"
    args = ["run", "-t", "oracle", "--suite", str(folder), "--out", str(out), "-q", "--resamples", "50"]
    res = CliRunner().invoke(app, [*args, "--run-id", "c1", "--compress"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert (out / "c1" / SAMPLES_GZ).read_bytes() != b""
    one = [json.loads(x) for x in gzip.decompress((out / "c1" / SAMPLES_GZ).read_bytes()).splitlines()]
    assert [r["case_id"] for r in one] == sorted(c.id for c in cases)
    res = CliRunner().invoke(app, ["show", str(out / "c1"), "--case", "c-ip"], catch_exceptions=False)
    assert res.exit_code == 0 and "c-ip" in res.output and "1 of 1 matching" in res.output
    res = CliRunner().invoke(app, ["score", str(out / "c1")], catch_exceptions=False)
    assert res.exit_code == 0 and (out / "c1" / SAMPLES_GZ).exists()
    res = CliRunner().invoke(
        app, ["merge", str(out / "c1"), "--out", str(tmp_path / "cm"), "--run-id", "m", "--compress"]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "cm" / "m" / SAMPLES_GZ).exists()
