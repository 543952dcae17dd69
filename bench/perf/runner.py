"""Runner benchmarks: harness overhead per case, the core test split end to end, re-scoring 10,000 cases.

    python -m bench.perf.runner [--cases 2000] [--rescore 10000] [--core-suite core] [--skip-core]

Targets (issue 8): harness overhead < 1 ms per case beyond the translator; the full ``core`` test split
with ``rules`` end to end < 10 s on a 2-core machine; re-scoring a 10,000-case run < 5 s. Prints one
JSON line per benchmark. Timings are wall-clock on whatever else the machine is doing: run it alone.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.cases.loader import write_cases
from bench.cases.schema import Case, CaseInput, Context, Gold
from bench.model import BlockingComponent, Packet, Query, Translation, Verdict
from bench.run.options import RunOptions
from bench.run.records import SAMPLES, build_record, dump_line, slice_tags
from bench.run.scoring import RUN_JSON, rescore, write_json
from bench.translators.base import Translator
from scorers import CaseFacts, case_scores

_BLOCK = BlockingComponent(id="acl-0b", type="network-acl", direction="ingress")
_UNREACHABLE = Verdict(reachable=False, explanation_code="SUBNET_ACL_RESTRICTION", blocking_component=_BLOCK)
_REACHABLE = Verdict(reachable=True, witness=Packet(src="10.0.0.5", dst="10.0.1.5", protocol="tcp", port=22))


def synthetic_cases(n: int, suite: str = "perf") -> list[Case]:
    """A varied suite: reachable/unreachable, unanswerable, several worlds and tag values."""
    ctx = Context(home_region="us-east-1", account_id="123456789012")
    out = []
    for i in range(n):
        answerable = i % 7 != 0
        query = Query(
            region="us-east-1",
            source=f"i-{i % 50:04x}",
            destination=f"10.0.{i % 200}.5",
            protocol="tcp",
            port=22 if i % 2 else 443,
        )
        verdict = _REACHABLE if i % 3 else _UNREACHABLE
        gold = Gold(
            answerable=answerable,
            abstain_reason=None if answerable else "cross_region",
            query=query,
            verdict=verdict,
            blocking=verdict.blocking_component,
        )
        tags = (
            f"fault:f{i % 5}",
            f"dest:{'ip' if i % 2 else 'fqdn'}",
            f"lang:{'en' if i % 4 else 'ja'}",
            f"ref:r{i % 3}",
            f"proto:{query.protocol}",
            f"turns:{1 + i % 2}",
        )
        out.append(
            Case(
                id=f"perf-{i:06d}",
                suite=suite,
                split="test",
                world=f"w{i % 4}",
                lang="en",
                input=CaseInput(turns=(f"q{i}",), context=ctx),
                gold=gold,
                tags=tags,
            )
        )
    return out


class ZeroCost(Translator):
    """Answers instantly with a fixed query: what is left of a run's time is the harness."""

    name = "zero-cost"
    version = "1"
    cacheable = False

    def _translate(self, case_input: CaseInput) -> Translation:
        return Translation(
            status="query", query=Query(region="us-east-1", source="i-0000", destination="10.0.0.5")
        )


class ConstantEngine:
    def analyze(self, query: Any, profile: str = "truth") -> Verdict:
        return _REACHABLE if profile == "truth" else _REACHABLE.model_copy(update={"profile": "ra"})


def _write_suite(root: Path, cases: list[Case]) -> Path:
    folder = root / "perf"
    folder.mkdir(parents=True)
    (folder / "suite.json").write_text(json.dumps({"name": "perf", "version": "1"}))
    write_cases(folder / "test.jsonl", cases)
    return folder


def bench_overhead(n: int, root: Path) -> dict[str, Any]:
    """Two numbers: the whole ``run`` with a zero-cost translator (pool and the translator base's
    timeout thread included), and the runner's own per-case path (execute, score, record, append) plus
    the final scoring, without the pool."""
    from bench.run.execute import Executor
    from bench.run.records import SampleAppender
    from bench.run.scoring import score_records
    from bench.runner import run

    cases = synthetic_cases(n)
    folder = _write_suite(root / "overhead", cases)
    options = RunOptions(
        translator="zero-cost", suite=str(folder), out=root / "runs", run_id="overhead", cache="off", jobs=4
    )
    started = time.perf_counter()
    run(options, engine_factory=lambda world: ConstantEngine(), translator=ZeroCost(), progress=False)
    total = time.perf_counter() - started

    executor = Executor(lambda world: ConstantEngine())
    translation = ZeroCost()._translate(cases[0].input)
    records = []
    known: dict[str, CaseFacts] = {}
    started = time.perf_counter()
    with SampleAppender(root / "overhead-samples.jsonl") as appender:
        for case in cases:
            predicted, predicted_ra = executor.run(case.world, translation)
            known[case.id] = CaseFacts(
                case.gold, translation, predicted, case_id=case.id, tags=slice_tags(case)
            )
            record = build_record(case, translation, predicted, predicted_ra)
            appender.append(record)
            records.append(record)
    per_case = time.perf_counter() - started
    started = time.perf_counter()
    score_records(records, {"run_id": "x", "seed": 1, "n_resamples": 1000}, known=known)
    final = time.perf_counter() - started
    return {
        "benchmark": "harness_overhead",
        "cases": n,
        "run_total_s": round(total, 3),
        "run_ms_per_case": round(1000 * total / n, 3),
        "runner_path_ms_per_case": round(1000 * per_case / n, 3),
        "final_scoring_ms_per_case": round(1000 * final / n, 3),
        "target_ms_per_case": 1.0,
    }


def bench_core(suite: str, root: Path) -> dict[str, Any]:
    from bench.runner import run

    options = RunOptions(
        translator="rules", suite=suite, out=root / "runs", run_id="core", cache="off", jobs=2
    )
    started = time.perf_counter()
    result = run(options, progress=False)
    total = time.perf_counter() - started
    return {
        "benchmark": "core_test_rules_end_to_end",
        "suite": suite,
        "cases": result.summary.get("n_cases"),
        "total_s": round(total, 3),
        "target_s": 10.0,
        "strict_accuracy": result.summary["metrics"]["strict_accuracy"]["value"],
    }


def bench_rescore(n: int, root: Path) -> dict[str, Any]:
    run_dir = root / "rescore"
    run_dir.mkdir(parents=True)
    cases = synthetic_cases(n)
    with (run_dir / SAMPLES).open("w") as fh:
        for i, case in enumerate(cases):
            if i % 11 == 0:
                tr = Translation(status="abstain", abstain_reason="cross_region")
                verdict = None
            else:
                assert case.gold.query is not None
                dest = case.gold.query.destination if i % 5 else "10.0.0.0/8"
                tr = Translation(
                    status="query",
                    query=case.gold.query.model_copy(update={"destination": dest}),
                    latency_ms=1.0,
                )
                verdict = _REACHABLE if i % 4 else _UNREACHABLE
            facts = CaseFacts(case.gold, tr, verdict, case_id=case.id, tags=slice_tags(case))
            fh.write(dump_line(build_record(case, tr, verdict, None, case_scores(facts))))
    write_json(
        run_dir / RUN_JSON,
        {
            "run_id": "rescore",
            "suite": {"name": "perf"},
            "translator": {"name": "synthetic"},
            "seed": 1,
            "n_resamples": 1000,
        },
    )
    size = (run_dir / SAMPLES).stat().st_size
    started = time.perf_counter()
    summary = rescore(run_dir)
    total = time.perf_counter() - started
    # A scorer change rewrites every record: time that path too.
    for line in [(run_dir / SAMPLES).read_text()]:
        (run_dir / SAMPLES).write_text(line.replace('"scores":{', '"scores":{"stale":null,', 1))
    started = time.perf_counter()
    rescore(run_dir)
    rewrite = time.perf_counter() - started
    return {
        "benchmark": "rescore",
        "cases": n,
        "slices": len(summary["slices"]),
        "samples_mb": round(size / 1e6, 1),
        "total_s": round(total, 3),
        "with_rewrite_s": round(rewrite, 3),
        "target_s": 5.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000, help="cases for the overhead benchmark")
    parser.add_argument("--rescore", type=int, default=10000, help="cases in the synthetic run to re-score")
    parser.add_argument("--core-suite", default="core", help="suite name or folder for the end-to-end run")
    parser.add_argument("--skip-core", action="store_true", help="skip the end-to-end run (no core suite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reachbench-perf-") as tmp:
        root = Path(tmp)
        print(json.dumps(bench_overhead(args.cases, root)), flush=True)
        print(json.dumps(bench_rescore(args.rescore, root)), flush=True)
        if not args.skip_core:
            print(json.dumps(bench_core(args.core_suite, root)), flush=True)


if __name__ == "__main__":
    main()
