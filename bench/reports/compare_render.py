"""Rendering a comparison: a rich terminal table, Markdown for a pull-request comment, and JSON."""

from __future__ import annotations

import json
import math
from typing import Any

from rich.console import Console
from rich.table import Table


def _clean(value: Any) -> Any:
    """JSON has no NaN: undefined numbers become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(_clean(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _num(x: float | None, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.{digits}f}"


def _signed(x: float | None, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:+.{digits}f}"


def _p(mc: dict[str, Any] | None) -> str:
    if not mc:
        return ""
    p = mc["p_value"]
    text = "<0.0001" if p < 1e-4 else f"{p:.4f}"
    return f"{text} ({mc['a_right_b_wrong']}/{mc['a_wrong_b_right']})"


def _arrow(entry: dict[str, Any]) -> str:
    return "↑" if entry["higher_is_better"] else "↓"


def to_markdown(result: dict[str, Any], max_rows: int = 10) -> str:
    a, b = result["a"], result["b"]
    lines = [
        f"### reachbench compare: `{a['translator']}` (A) vs `{b['translator']}` (B)",
        "",
        f"A: `{a['run_id']}` · B: `{b['run_id']}` · suite `{a['suite']['name']}@{a['suite']['version']}` · "
        f"{result['shared_cases']} shared cases · paired bootstrap, {result['n_resamples']} resamples, "
        f"seed {result['seed']}",
        "",
    ]
    lines += [f"> ⚠️ {w}" for w in result["warnings"]]
    if result["warnings"]:
        lines.append("")
    lines += [
        "| metric | n | A | B | B − A | 95% CI | McNemar p (A✓B✗/A✗B✓) | verdict |",
        "|---|---:|---:|---:|---:|---|---|---|",
    ]
    for m in result["metrics"]:
        lines.append(
            f"| {m['metric']} {_arrow(m)} | {m['n']} | {_num(m['a'])} | {_num(m['b'])} | "
            f"{_signed(m['diff'])} | [{_signed(m['ci_low'])}, {_signed(m['ci_high'])}] | "
            f"{_p(m['mcnemar'])} | "
            f"{m['verdict']} |"
        )
    for metric, rows in result["slices"].items():
        lines += [
            "",
            f"#### Largest per-slice changes in {metric}",
            "",
            "| slice | n | A | B | B − A | 95% CI |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for r in rows[:max_rows]:
            lines.append(
                f"| `{r['slice']}` | {r['n']} | {_num(r['a'])} | {_num(r['b'])} | {_signed(r['diff'])} | "
                f"[{_signed(r['ci_low'])}, {_signed(r['ci_high'])}] |"
            )
    for metric, groups in result["flips"].items():
        for key, title in (("a_right_b_wrong", "A right, B wrong"), ("a_wrong_b_right", "A wrong, B right")):
            cases = groups[key]
            lines += ["", f"<details><summary>{metric}: {title} ({len(cases)} cases)</summary>", ""]
            for c in cases[:max_rows]:
                fa = c["failure_type_a"] or "—"
                fb = c["failure_type_b"] or "—"
                lines.append(f"- `{c['case_id']}` ({fa} → {fb}): {c['question']}")
            if len(cases) > max_rows:
                lines.append(f"- … {len(cases) - max_rows} more (see `--format json`)")
            lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def print_table(result: dict[str, Any], console: Console, max_rows: int = 10) -> None:
    a, b = result["a"], result["b"]
    console.print(
        f"[bold]A[/] {a['translator']} ({a['run_id']})  vs  [bold]B[/] {b['translator']} ({b['run_id']})  "
        f"on {a['suite']['name']}@{a['suite']['version']}: {result['shared_cases']} shared cases"
    )
    for w in result["warnings"]:
        console.print(f"[yellow]warning:[/] {w}")
    table = Table(title="B − A, paired bootstrap 95% CI")
    for col, justify in (
        ("metric", "left"),
        ("n", "right"),
        ("A", "right"),
        ("B", "right"),
        ("B − A", "right"),
        ("95% CI", "left"),
        ("McNemar p (A✓B✗/A✗B✓)", "left"),
        ("verdict", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for m in result["metrics"]:
        style = {"A better": "red", "B better": "green"}.get(m["verdict"], "")
        table.add_row(
            f"{m['metric']} {_arrow(m)}",
            str(m["n"]),
            _num(m["a"]),
            _num(m["b"]),
            _signed(m["diff"]),
            f"[{_signed(m['ci_low'])}, {_signed(m['ci_high'])}]",
            _p(m["mcnemar"]),
            f"[{style}]{m['verdict']}[/]"
            if style
            else m["verdict"].replace("no significant difference", "n.s."),
        )
    console.print(table)
    for metric, rows in result["slices"].items():
        st = Table(title=f"largest per-slice changes in {metric}")
        for col in ("slice", "n", "A", "B", "B − A", "95% CI"):
            st.add_column(col)
        for r in rows[:max_rows]:
            st.add_row(
                r["slice"],
                str(r["n"]),
                _num(r["a"]),
                _num(r["b"]),
                _signed(r["diff"]),
                f"[{_signed(r['ci_low'])}, {_signed(r['ci_high'])}]",
            )
        console.print(st)
    for metric, groups in result["flips"].items():
        for key, title in (("a_right_b_wrong", "A right, B wrong"), ("a_wrong_b_right", "A wrong, B right")):
            cases = groups[key]
            console.print(f"[bold]{metric}: {title}[/] ({len(cases)})")
            for c in cases[:max_rows]:
                console.print(
                    f"  {c['case_id']}  {c['failure_type_a'] or '—'} → {c['failure_type_b'] or '—'}"
                    f"  {c['question']}",
                    markup=False,
                    highlight=False,
                )
            if len(cases) > max_rows:
                console.print(f"  … {len(cases) - max_rows} more (--format json lists all)")
