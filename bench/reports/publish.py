"""Publishing: the corpus and the runs' per-case records as Hugging Face datasets (parquet + dataset card).

The folder is what ``huggingface_hub`` uploads as a dataset repository: ``README.md`` carries the YAML
front matter that tells the Hub (and ``load_dataset(DIR, config)``) which parquet files form which config
and split. Nothing here talks to the network; pushing stays an explicit step for the user.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml
from datasets import Dataset, Features, Sequence, Value

from bench.cases.export import json_cell
from bench.reports.leaderboard import build_leaderboard, fmt_ci, latest_per_translator
from bench.reports.rundir import Run, RunDirError


class PublishError(ValueError):
    """The corpus or a run cannot be published (names the suite or file)."""


def _sample_features(metric_names: list[str]) -> Features:
    return Features(
        {
            "run_id": Value("string"),
            "translator": Value("string"),
            "translator_version": Value("string"),
            "model": Value("string"),
            "suite": Value("string"),
            "suite_version": Value("string"),
            "case_id": Value("string"),
            "split": Value("string"),
            "world": Value("string"),
            "tags": Sequence(Value("string")),
            "turns": Sequence(Value("string")),
            "status": Value("string"),
            "failure_type": Value("string"),
            "latency_ms": Value("float64"),
            "cost_usd": Value("float64"),
            "scores": {m: Value("float64") for m in metric_names},
            "gold_json": Value("string"),
            "translation_json": Value("string"),
            "predicted_json": Value("string"),
            "predicted_ra_json": Value("string"),
        }
    )


_RUN_FEATURES = Features(
    {
        "run_id": Value("string"),
        "translator": Value("string"),
        "translator_version": Value("string"),
        "model": Value("string"),
        "spec": Value("string"),
        "suite": Value("string"),
        "suite_version": Value("string"),
        "suite_hash": Value("string"),
        "n_cases": Value("int64"),
        "git_revision": Value("string"),
        "reachbench_version": Value("string"),
        "finished_at": Value("string"),
        "metrics_json": Value("string"),
        "run_json": Value("string"),
    }
)


def _write(ds: Dataset, path: Path) -> None:
    """Parquet with the datasets features in the schema metadata, without a progress bar."""
    pq.write_table(ds.data.table, str(path))


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else None


def sample_records(run: Run, metric_names: list[str]) -> list[dict[str, Any]]:
    out = []
    for s in run.samples:
        t = s.get("translation") or {}
        usage = t.get("usage") or {}
        out.append(
            {
                "run_id": run.run_id,
                "translator": run.translator_name,
                "translator_version": run.translator_version,
                "model": run.model,
                "suite": run.suite_name,
                "suite_version": run.suite_version,
                "case_id": s["case_id"],
                "split": s.get("split"),
                "world": s.get("world"),
                "tags": [str(x) for x in s.get("tags") or []],
                "turns": [str(x) for x in ((s.get("input") or {}).get("turns") or [])],
                "status": t.get("status"),
                "failure_type": s.get("failure_type"),
                "latency_ms": _num(t.get("latency_ms")),
                "cost_usd": _num(usage.get("cost_usd")),
                "scores": {m: _num(s["scores"].get(m)) for m in metric_names},
                "gold_json": json_cell(s.get("gold")),
                "translation_json": json_cell(t or None),
                "predicted_json": json_cell(s.get("predicted")),
                "predicted_ra_json": json_cell(s.get("predicted_ra")),
            }
        )
    return out


def run_record(run: Run) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "translator": run.translator_name,
        "translator_version": run.translator_version,
        "model": run.model,
        "spec": str(run.translator.get("spec") or ""),
        "suite": run.suite_name,
        "suite_version": run.suite_version,
        "suite_hash": str(run.suite.get("hash") or ""),
        "n_cases": len(run.samples),
        "git_revision": str(run.meta.get("git_revision") or ""),
        "reachbench_version": str(run.meta.get("reachbench_version") or ""),
        "finished_at": str(run.meta.get("finished_at") or ""),
        "metrics_json": json_cell(run.metrics),
        "run_json": json_cell(run.meta),
    }


def _corpus_table(cases: list[Any]) -> Any:
    """The cases as an Arrow table: ``bench.cases.export``'s typed dataset, or, should its explicit
    features not encode with the installed ``datasets``, the same flat records with inferred types."""
    from bench.cases.export import case_to_record, to_dataset

    try:
        return to_dataset(cases).data.table
    except (AttributeError, TypeError, ValueError):
        import pyarrow as pa

        return pa.Table.from_pylist([case_to_record(c) for c in cases])


def _load_corpus(runs: list[Run], suite: str | Path | None) -> tuple[Any, dict[str, Any]]:
    from bench.cases.loader import load_suite

    names = sorted({r.suite_name for r in runs})
    target = suite if suite is not None else (names[0] if len(names) == 1 else None)
    if target is None:
        raise PublishError(f"runs are on several suites ({', '.join(names)}); name the corpus with --suite")
    try:
        loaded = load_suite(target)
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise PublishError(f"cannot load suite {target!s} for the corpus: {exc}") from exc
    versions = sorted({r.suite_version for r in runs})
    if versions != [str(loaded.version)]:
        raise PublishError(
            f"suite {loaded.name} on disk is version {loaded.version}, runs are on {', '.join(versions)}: "
            "publish the runs with the cases they were made on"
        )
    return loaded, {split: _corpus_table(loaded.split(split)) for split in loaded.splits}


def publish(
    runs: list[Run], out: str | Path, *, suite: str | Path | None = None, corpus: bool = True
) -> list[Path]:
    """Write ``out/README.md`` and the parquet files; returns the files written."""
    if not runs:
        raise PublishError("no runs to publish")
    runs, _superseded = latest_per_translator(runs)  # the newest run per translator and suite only
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    configs: list[dict[str, Any]] = []
    suite_meta = None
    langs: set[str] = set()
    if corpus:
        suite_meta, splits = _load_corpus(runs, suite)
        (root / "cases").mkdir(exist_ok=True)
        files = []
        for split, table in splits.items():
            path = root / "cases" / f"{split}.parquet"
            pq.write_table(table, str(path))
            langs.update(str(x) for x in table.column("lang").to_pylist())
            written.append(path)
            files.append({"split": split, "path": f"cases/{split}.parquet"})
        configs.append({"config_name": "cases", "data_files": files, "default": True})
    metric_names = sorted({m for r in runs for s in r.samples for m in s["scores"]})
    records = [rec for r in sorted(runs, key=lambda r: r.run_id) for rec in sample_records(r, metric_names)]
    (root / "samples").mkdir(exist_ok=True)
    (root / "runs").mkdir(exist_ok=True)
    sample_path, run_path = root / "samples" / "samples.parquet", root / "runs" / "runs.parquet"
    _write(Dataset.from_list(records, features=_sample_features(metric_names)), sample_path)
    _write(
        Dataset.from_list(
            [run_record(r) for r in sorted(runs, key=lambda r: r.run_id)], features=_RUN_FEATURES
        ),
        run_path,
    )
    written += [sample_path, run_path]
    configs.append(
        {"config_name": "samples", "data_files": [{"split": "test", "path": "samples/samples.parquet"}]}
    )
    configs.append({"config_name": "runs", "data_files": [{"split": "test", "path": "runs/runs.parquet"}]})
    card = dataset_card(runs, configs, suite_meta, sorted(langs), len(records))
    (root / "README.md").write_text(card, encoding="utf-8")
    written.append(root / "README.md")
    return written


def _size(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return label
    return "100K<n<1M"


def dataset_card(
    runs: list[Run], configs: list[dict[str, Any]], suite: Any, langs: list[str], n_samples: int
) -> str:
    front = {
        "pretty_name": "reachbench" + (f" {suite.name}@{suite.version}" if suite is not None else " runs"),
        "license": "apache-2.0",
        "language": langs or ["en"],
        "task_categories": ["text-generation"],
        "tags": ["aws", "networking", "reachability", "benchmark", "evaluation", "text-to-query"],
        "size_categories": [_size(max(n_samples, len(suite.cases) if suite is not None else 0))],
        "configs": configs,
    }
    try:
        board = build_leaderboard(runs)
    except RunDirError:
        board = None
    lines = [
        "---",
        yaml.safe_dump(front, sort_keys=False, allow_unicode=True).rstrip(),
        "---",
        "",
        f"# {front['pretty_name']}",
        "",
        "Natural-language questions about reachability in AWS networks (VPCs, subnets, security groups, "
        "NACLs, route tables, transit gateways) with gold queries and verdicts computed by a reference "
        "engine, plus the per-case records of translator runs scored by reachbench.",
        "",
        "## Configs",
        "",
    ]
    if suite is not None:
        lines.append(
            f"- `cases`: the corpus, suite `{suite.name}` version `{suite.version}` "
            f"(content hash `{suite.hash}`), {len(suite.cases)} cases in splits "
            f"{', '.join(suite.splits)}. Full gold verdicts are JSON strings (`verdict_json`)."
        )
    lines += [
        f"- `samples`: {n_samples} per-case records, one per (run, case): translation, predicted verdict "
        "(JSON strings) and every metric's per-case value in `scores` (null = not applicable).",
        f"- `runs`: {len(runs)} runs with translator, suite version, git revision and overall metrics "
        "(`metrics_json`: value and 95% bootstrap interval per metric).",
        "",
    ]
    if board is not None:
        primary = board["primary_metric"]
        lines += [
            "## Runs",
            "",
            f"| translator | model | suite | {primary} | cases |",
            "|---|---|---|---|---:|",
        ]
        for r in board["rows"]:
            value = fmt_ci(r["metrics"].get(primary))
            lines.append(
                f"| {r['translator']} | {r['model'] or '–'} | {r['suite']}@{r['suite_version']} | "
                f"{value} | {r['n_cases']} |"
            )
        lines.append("")
    lines += [
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        'cases = load_dataset("path/to/this/folder", "cases")',
        'samples = load_dataset("path/to/this/folder", "samples")["test"]',
        "```",
        "",
        "## Publishing",
        "",
        "This folder is a complete dataset repository. Upload it as is:",
        "",
        "```bash",
        "huggingface-cli upload ORG/NAME . --repo-type dataset",
        "```",
        "",
        'or per config: `load_dataset(folder, "samples").push_to_hub("ORG/NAME", config_name="samples")`.',
        "",
    ]
    return "\n".join(lines)
