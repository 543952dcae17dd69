"""The static leaderboard site: ``index.html``, one page per translator, PNG plots beside them.

Static and self-contained (CSS and JS inlined, no CDN, relative links) so it works from a ``file://`` URL,
from a CI artifact or from GitHub Pages alike.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from bench.reports.plots import LABEL_BOXES, accuracy_plot, fp_vs_accuracy_plot
from bench.reports.rundir import Run, RunDirError

TEMPLATES = Path(__file__).parent / "templates"
MAX_FAILURES = 25
WORST_SLICES = 10
MIN_SLICE_N = 5


def _num(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _wbr(name: str) -> Markup:
    """A metric name that may wrap after each underscore (narrow table headers)."""
    return Markup(str(escape(name)).replace("_", "_<wbr>"))


def _val(e: dict[str, Any] | None) -> str:
    return "–" if not e or e.get("value") is None else f"{e['value']:.3f}"


def _opt(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _heat(e: dict[str, Any] | None, hib: bool) -> str:
    """A background from red (bad) to green (good), in the metric's own direction."""
    if not e or e.get("value") is None or not math.isfinite(float(e["value"])):
        return ""
    v = min(max(float(e["value"]), 0.0), 1.0)
    good = v if hib else 1.0 - v
    return f"background: hsl({round(good * 120)}, 62%, 88%)"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters.update(num=_num, val=_val, opt=_opt, heat=_heat, wbr=_wbr)
    return env


def _compact(obj: Any) -> str:
    if obj is None:
        return "–"
    if isinstance(obj, dict):
        obj = {k: v for k, v in obj.items() if v not in (None, [], {}, ())}
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=1)


def _failures(run: Run, metric: str, hib: bool) -> tuple[int, list[dict[str, Any]]]:
    try:
        samples = run.samples
    except RunDirError:
        return 0, []
    bad = []
    for s in samples:
        v = s["scores"].get(metric)
        if v is None or (hib and v >= 1.0) or (not hib and v <= 0.0):
            continue
        bad.append(s)
    bad.sort(key=lambda s: s["case_id"])
    out = []
    for s in bad[:MAX_FAILURES]:
        t = s.get("translation") or {}
        gold = s.get("gold") or {}
        pred = s.get("predicted") or {}
        gold_verdict = gold.get("verdict") or {}
        if t.get("query"):
            predicted_query = _compact(t["query"])
        else:
            predicted_query = f"({t.get('status') or 'no query'}" + (
                f": {t['abstain_reason']})" if t.get("abstain_reason") else ")"
            )
        out.append(
            {
                "case_id": s["case_id"],
                "tags": list(s.get("tags") or []),
                "turns": [str(x) for x in ((s.get("input") or {}).get("turns") or [])],
                "failure_type": s.get("failure_type"),
                "status": t.get("status"),
                "gold_query": _compact(gold.get("query"))
                if gold.get("answerable", True)
                else f"(unanswerable: {gold.get('abstain_reason') or 'abstain'})",
                "predicted_query": predicted_query,
                "gold_reachable": gold_verdict.get("reachable"),
                "predicted_reachable": pred.get("reachable") if isinstance(pred, dict) else None,
            }
        )
    return len(bad), out


def _worst(row: dict[str, Any], metric: str, hib: bool) -> list[tuple[str, dict[str, Any]]]:
    cand = [
        (k, t[metric])
        for k, t in row["slices"].items()
        if t.get(metric) and t[metric].get("value") is not None and (t[metric].get("n") or 0) >= MIN_SLICE_N
    ]
    cand.sort(key=lambda kv: ((kv[1]["value"] if hib else -kv[1]["value"]), kv[0]))
    return cand[:WORST_SLICES]


def build_index(boards: dict[str, dict[str, Any]], path: Path) -> Path:
    """The suites' index page (``OUT/index.html``): one row per suite, linking to its site."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(environment().get_template("suites.html.j2").render(boards=boards), encoding="utf-8")
    return path


def build_site(board: dict[str, Any], runs: list[Run], out: Path) -> list[Path]:
    """Write the site under ``out`` (index.html, translators/*.html, *.png); returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    pages = out / "translators"
    pages.mkdir(exist_ok=True)
    env = environment()
    by_id = {r.run_id: r for r in runs}
    metric = board["primary_metric"]
    hib = board["metric_specs"][metric]["higher_is_better"]
    written: list[Path] = []
    acc = accuracy_plot(board, out / "accuracy.png")
    fp = fp_vs_accuracy_plot(board, out / "fp_vs_accuracy.png")
    if fp is None and (out / "fp_vs_accuracy.png").exists():
        (out / "fp_vs_accuracy.png").unlink()
    written += [p for p in (acc, fp) if p is not None]
    boxes = LABEL_BOXES.get(str(fp)) if fp is not None else None
    index = env.get_template("index.html.j2").render(
        board=board,
        primary_hib=hib,
        plots={"accuracy": acc.name, "fp": fp.name if fp else None},
        label_boxes=json.dumps(boxes or [], separators=(",", ":")),
    )
    (out / "index.html").write_text(index, encoding="utf-8")
    written.append(out / "index.html")
    keep = set()
    for row in board["rows"]:
        n_fail, failures = _failures(by_id[row["run_id"]], metric, hib)
        html = env.get_template("translator.html.j2").render(
            board=board,
            r=row,
            worst=_worst(row, metric, hib),
            min_n=MIN_SLICE_N,
            failures=failures,
            n_failures=n_fail,
        )
        path = pages / f"{row['slug']}.html"
        path.write_text(html, encoding="utf-8")
        keep.add(path.name)
        written.append(path)
    for stale in sorted(pages.glob("*.html")):
        if stale.name not in keep:
            stale.unlink()
    return written
