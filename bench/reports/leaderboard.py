"""The leaderboard: one row per translator, built only from run directories and the scorers' metadata.

Files (``leaderboard.md``, ``.csv``, ``.json``) are byte-identical for the same runs: rows are ranked by the
primary metric in its own direction with deterministic tie-breaks, and nothing depends on the clock.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from bench.reports.rundir import Run, RunDirError
from bench.reports.specs import MetricSpec, registry_specs, resolve_specs

PRIMARY = "strict_accuracy"
FALSE_POSITIVE = "false_positive_reachability"
#: Slice axes get tabs in this order; any other axis found in the runs follows alphabetically.
AXIS_ORDER = ("fault", "lang", "dest", "ref")
AXIS_LABELS = {
    "fault": "fault kind",
    "lang": "language",
    "dest": "destination kind",
    "ref": "reference style",
}


def _key(run: Run) -> tuple[str, str, str, str, str]:
    return (run.translator_name, run.model, run.translator_version, run.suite_name, run.suite_version)


def latest_per_translator(runs: list[Run]) -> tuple[list[Run], list[str]]:
    """Keep the newest run per (translator, model, version, suite, suite version); report the rest."""
    best: dict[tuple[str, ...], Run] = {}
    for run in runs:
        k = _key(run)
        cur = best.get(k)
        if cur is None or (str(run.meta.get("finished_at") or ""), run.run_id) > (
            str(cur.meta.get("finished_at") or ""),
            cur.run_id,
        ):
            best[k] = run
    kept = set(id(r) for r in best.values())
    dropped = sorted(r.run_id for r in runs if id(r) not in kept)
    return list(best.values()), dropped


def column_metrics(runs: list[Run], specs: dict[str, MetricSpec]) -> list[str]:
    """Headline metrics in the scorers' order; without scorer metadata, every metric the runs report."""
    present = {m for r in runs for m in r.metrics}
    registry = registry_specs()
    cols = [m for m, s in registry.items() if s.headline and m in present]
    if not cols:
        cols = sorted(present)
    for special in (FALSE_POSITIVE, PRIMARY):  # the two the issue names lead when present
        if special in present:
            cols = [special] + [c for c in cols if c != special]
    return cols


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "run"


def _latency_cost(run: Run) -> dict[str, float | None]:
    """Latency p50/p95 without the warm-up calls (the first call of each worker pays for lazy imports and
    compiled patterns: 417 ms against 4.7 ms on seed), and cost. The runner records which cases those were
    (``run.json`` ``warmup_case_ids``); cache hits are left out too (they measure the cache)."""
    lat: list[float] = []
    cost: list[float] = []
    try:
        samples = run.samples
    except RunDirError:
        samples = []
    warmup = set(run.meta.get("warmup_case_ids") or ())
    for s in samples:
        t = s.get("translation") or {}
        if (
            isinstance(t.get("latency_ms"), int | float)
            and s.get("case_id") not in warmup
            and not t.get("cached")
        ):
            lat.append(float(t["latency_ms"]))
        usage = t.get("usage") or {}
        if isinstance(usage.get("cost_usd"), int | float):
            cost.append(float(usage["cost_usd"]))
    arr = np.asarray(lat, dtype=float)
    return {
        "latency_ms_median": round(float(np.median(arr)), 3) if lat else None,
        "latency_ms_p95": round(float(np.quantile(arr, 0.95)), 3) if lat else None,
        "cost_usd_total": round(sum(cost), 6) if cost else None,
        "cost_usd_per_case": round(sum(cost) / len(samples), 8) if cost and samples else None,
    }


def answer_only(run: Run) -> bool:
    """The system gave verdicts without queries (a console assistant read back, ``predictions:`` with
    only ``claimed_verdict``): it has no query for the query metrics to credit, so its row is marked."""
    statuses = (run.summary.get("tables") or {}).get("translation_status") or {}
    return bool(statuses.get("answer")) and not statuses.get("query")


def _entry(e: dict[str, Any] | None) -> dict[str, Any] | None:
    if not e:
        return None
    return {k: e.get(k) for k in ("value", "ci_low", "ci_high", "n")}


def _sort_value(row: dict[str, Any], metric: str, hib: bool) -> tuple[int, float]:
    e = row["metrics"].get(metric)
    v = None if e is None else e.get("value")
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return (1, 0.0)
    return (0, -float(v) if hib else float(v))


def build_leaderboard(all_runs: list[Run]) -> dict[str, Any]:
    """The leaderboard as a JSON-ready dict; the renderers only format it."""
    if not all_runs:
        raise RunDirError("no runs given")
    runs, dropped = latest_per_translator(all_runs)
    specs = resolve_specs(runs)
    cols = column_metrics(runs, specs)
    primary = PRIMARY if PRIMARY in cols else cols[0]
    rows: list[dict[str, Any]] = []
    used_slugs: set[str] = set()
    for run in sorted(runs, key=lambda r: (r.translator_name, r.model, r.run_id)):
        slug = slugify(f"{run.translator_name}-{run.model}" if run.model else run.translator_name)
        if slug in used_slugs:
            slug = slugify(f"{slug}-{run.run_id}")
        used_slugs.add(slug)
        rows.append(
            {
                "slug": slug,
                "translator": run.translator_name,
                "model": run.model,
                "version": run.translator_version,
                "spec": str(run.translator.get("spec") or ""),
                "date": run.date,
                "suite": run.suite_name,
                "suite_version": run.suite_version,
                "suite_hash": str(run.suite.get("hash") or ""),
                "run_id": run.run_id,
                "run_path": run.path.name,
                "n_cases": int(run.summary.get("n_cases") or len(run.samples)),
                "answer_only": answer_only(run),
                "metrics": {m: _entry(run.metric(m)) for m in sorted(run.metrics)},
                "slices": {
                    k: {m: _entry(v) for m, v in sorted(t.items())} for k, t in sorted(run.slices.items())
                },
                **_latency_cost(run),
            }
        )
    hib = specs[primary].higher_is_better
    rows.sort(key=lambda r: (_sort_value(r, primary, hib), r["translator"], r["model"], r["run_id"]))
    for i, row in enumerate(rows, start=1):
        row["rank"] = i
    axes: dict[str, list[str]] = {}
    for row in rows:
        for key in row["slices"]:
            axis, _, value = key.partition(":")
            axes.setdefault(axis, [])
            if value not in axes[axis]:
                axes[axis].append(value)
    axis_order = [a for a in AXIS_ORDER if a in axes] + sorted(a for a in axes if a not in AXIS_ORDER)
    suites = sorted({(r["suite"], r["suite_version"]) for r in rows})
    return {
        "primary_metric": primary,
        "false_positive_metric": FALSE_POSITIVE
        if any(FALSE_POSITIVE in r["metrics"] for r in rows)
        else None,
        "columns": [
            {
                "metric": m,
                "higher_is_better": specs[m].higher_is_better,
                "description": specs[m].description,
                "direction_source": specs[m].source,
            }
            for m in cols
        ],
        "metric_specs": {
            m: {"higher_is_better": s.higher_is_better, "description": s.description}
            for m, s in specs.items()
        },
        "slice_axes": [
            {"axis": a, "label": AXIS_LABELS.get(a, a), "values": sorted(axes[a])} for a in axis_order
        ],
        "suites": [{"name": n, "version": v} for n, v in suites],
        "rows": rows,
        "superseded_runs": dropped,
    }


def split_by_suite(runs: list[Run]) -> dict[str, list[Run]]:
    """Runs grouped by suite name: each suite gets its own board (a 6-case seed run ranked beside 3,696-case
    core runs would be meaningless)."""
    out: dict[str, list[Run]] = {}
    for run in runs:
        out.setdefault(run.suite_name or "unknown", []).append(run)
    return dict(sorted(out.items(), key=lambda kv: (SUITE_ORDER.get(kv[0], len(SUITE_ORDER)), kv[0])))


# The order of the boards: the hand-written suite first (the one to rank translators on), then the
# template-made one, then the field test's six stories; any other suite after them by name.
SUITE_ORDER = {"natural": 0, "core": 1, "seed": 2}


def build_boards(all_runs: list[Run]) -> dict[str, dict[str, Any]]:
    """One leaderboard per suite: natural, core, seed, then the others by name."""
    if not all_runs:
        raise RunDirError("no runs given")
    return {suite: build_leaderboard(runs) for suite, runs in split_by_suite(all_runs).items()}


def index_markdown(boards: dict[str, dict[str, Any]], site: bool = True) -> str:
    """``index.md``: one line per suite with its leader and links to its board (and site)."""
    lines = [
        "# reachbench leaderboards",
        "",
        "One board per suite; scores of different suites are not comparable.",
        "",
    ]
    lines += ["| suite | runs | leader | board |", "|---|---:|---|---|"]
    for suite, board in boards.items():
        primary = board["primary_metric"]
        top = board["rows"][0] if board["rows"] else None
        leader = "–"
        if top is not None:
            leader = f"{top['translator']} ({primary} {fmt_ci(top['metrics'].get(primary))})"
        versions = ", ".join(f"{s['name']}@{s['version']}" for s in board["suites"])
        links = f"[{suite}/leaderboard.md]({suite}/leaderboard.md)"
        if site:
            links += f" · [site]({suite}/site/index.html)"
        lines.append(f"| {versions} | {len(board['rows'])} | {leader} | {links} |")
    return "\n".join(lines) + "\n"


def fmt_ci(e: dict[str, Any] | None, digits: int = 3) -> str:
    if not e or e.get("value") is None:
        return "–"
    text = f"{e['value']:.{digits}f}"
    if e.get("ci_low") is not None and e.get("ci_high") is not None:
        text += f" [{e['ci_low']:.{digits}f}, {e['ci_high']:.{digits}f}]"
    return text


def fmt_opt(x: float | None, unit: str = "", digits: int = 1) -> str:
    return "–" if x is None else f"{x:.{digits}f}{unit}"


def to_markdown(board: dict[str, Any]) -> str:
    cols = board["columns"]
    head = ["#", "translator", "model", "version", "date", "suite"]
    head += [f"{c['metric']} {'↑' if c['higher_is_better'] else '↓'}" for c in cols]
    head += ["latency p50 / p95 (ms)", "cost (USD)", "n"]
    lines = [
        "# reachbench leaderboard",
        "",
        f"Ranked by `{board['primary_metric']}`; values are point estimates with 95% bootstrap intervals "
        "(↑ higher is better, ↓ lower is better, directions from the scorers' metadata).",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---:" if h in ("#", "n") else "---" for h in head]) + "|",
    ]
    for r in board["rows"]:
        cells = [
            str(r["rank"]),
            r["translator"] + (" (answer-only)" if r.get("answer_only") else ""),
            r["model"] or "–",
            r["version"] or "–",
            r["date"] or "–",
            f"{r['suite']}@{r['suite_version']}",
        ]
        cells += [fmt_ci(r["metrics"].get(c["metric"])) for c in cols]
        latency = f"{fmt_opt(r['latency_ms_median'])} / {fmt_opt(r['latency_ms_p95'])}"
        cells += [latency, fmt_opt(r["cost_usd_total"], digits=4), str(r["n_cases"])]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if any(r.get("answer_only") for r in board["rows"]):
        lines += [
            "",
            "(answer-only): the system gave verdicts without queries; it is scored on the verdict, "
            "false positives (cause `claimed_without_query`), abstention and the blamed component, and "
            "with no query its query metrics (strict accuracy, pair match, Region) count it wrong.",
        ]
    if board["superseded_runs"]:
        lines += [
            "",
            "Superseded runs (a newer run of the same translator exists): "
            + ", ".join(f"`{x}`" for x in board["superseded_runs"]),
        ]
    return "\n".join(lines) + "\n"


def to_csv(board: dict[str, Any]) -> str:
    cols = [c["metric"] for c in board["columns"]]
    header = ["rank", "translator", "model", "version", "date", "suite", "suite_version", "run_id", "n_cases"]
    for m in cols:
        header += [m, f"{m}_ci_low", f"{m}_ci_high"]
    header += ["latency_ms_median", "latency_ms_p95", "cost_usd_total", "cost_usd_per_case"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for r in board["rows"]:
        row: list[Any] = [r[k] for k in header[:9]]
        for m in cols:
            e = r["metrics"].get(m) or {}
            row += [e.get("value"), e.get("ci_low"), e.get("ci_high")]
        row += [r["latency_ms_median"], r["latency_ms_p95"], r["cost_usd_total"], r["cost_usd_per_case"]]
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def to_json(board: dict[str, Any]) -> str:
    return json.dumps(board, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_tables(board: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (
        ("leaderboard.md", to_markdown(board)),
        ("leaderboard.csv", to_csv(board)),
        ("leaderboard.json", to_json(board)),
    ):
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
