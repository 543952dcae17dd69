"""Terminal views of a run: the final metrics table and the failure browser behind ``reachbench show``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bench.run.options import tag_matches
from scorers import metric_specs


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def metrics_table(summary: dict[str, Any], title: str | None = None, all_metrics: bool = False) -> Table:
    """Headline metrics first, then the rest (when ``all_metrics``), with 95 % intervals."""
    specs = metric_specs()
    table = Table(
        title=title or f"{summary.get('run_id')}  ({summary.get('n_cases')} cases)", title_justify="left"
    )
    for col, justify in (
        ("metric", "left"),
        ("value", "right"),
        ("95% CI", "right"),
        ("n", "right"),
        ("", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    names = list(summary.get("metrics", {}))
    names.sort(
        key=lambda n: (
            not (specs[n].headline if n in specs else False),
            list(specs).index(n) if n in specs else 99,
        )
    )
    for name in names:
        spec = specs.get(name)
        if not all_metrics and (spec is None or not spec.headline):
            continue
        cell = summary["metrics"][name]
        ci = "" if cell["ci_low"] is None else f"[{_fmt(cell['ci_low'])}, {_fmt(cell['ci_high'])}]"
        arrow = "↑" if cell.get("higher_is_better", True) else "↓"
        table.add_row(name, _fmt(cell["value"]), ci, str(cell["n"]), arrow)
    return table


def breakdown(summary: dict[str, Any], top: int = 5) -> Table:
    """The most common failure types, false-positive causes and Region confusions."""
    tables = summary.get("tables", {})
    table = Table(title="where it went wrong", title_justify="left")
    table.add_column("kind")
    table.add_column("what")
    table.add_column("count", justify="right")
    for kind in ("failure_types", "false_positive_causes", "false_negative_causes"):
        rows = sorted(tables.get(kind, {}).items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        for what, count in rows:
            table.add_row(kind.replace("_", " "), what, str(count))
    for row in tables.get("region_confusion", [])[:top]:
        table.add_row(
            "region confusion",
            f"{row['predicted']} taken for {row['gold']} ({row['slot']})",
            str(row["count"]),
        )
    return table


def health_line(summary: dict[str, Any]) -> str | None:
    """``translator errors: 3 of 120 cases (2.5%)`` (and truncated outputs), for the top of a summary."""
    health = summary.get("health")
    if not health:
        return None
    n, errors = int(health.get("n") or 0), int(health.get("translator_errors") or 0)
    style = "bold red" if errors else "green"
    rate = float(health.get("error_rate") or 0)
    line = f"[{style}]translator errors: {errors} of {n} cases ({rate:.1%})[/]"
    if health.get("output_truncated"):
        line += f" · [yellow]{health['output_truncated']} outputs truncated at 1 MB[/]"
    return line


def print_summary(console: Console, summary: dict[str, Any], all_metrics: bool = False) -> None:
    line = health_line(summary)
    if line:
        console.print(line)
    console.print(metrics_table(summary, all_metrics=all_metrics))
    if any(summary.get("tables", {}).get(k) for k in ("failure_types", "region_confusion")):
        console.print(breakdown(summary))


def is_failure(record: dict[str, Any]) -> bool:
    return (
        record.get("failure_type") is not None or (record.get("scores") or {}).get("strict_accuracy") == 0.0
    )


def filter_records(
    records: Iterable[dict[str, Any]],
    *,
    failures: bool = False,
    tags: Sequence[str] = (),
    case_ids: Sequence[str] = (),
    failure_type: str | None = None,
) -> list[dict[str, Any]]:
    out = []
    for r in records:
        if failures and not is_failure(r):
            continue
        if any(not tag_matches(r.get("tags", ()), t) for t in tags):
            continue
        if case_ids and r["case_id"] not in case_ids:
            continue
        if failure_type and not str(r.get("failure_type") or "").startswith(failure_type):
            continue
        out.append(r)
    return out


def _query_text(query: dict[str, Any] | None) -> str:
    if not query:
        return "—"
    parts = [f"{query.get('source')} → {query.get('destination')}"]
    if query.get("destination_ip"):
        parts.append(f"ip {query['destination_ip']}")
    parts.append(f"{query.get('protocol')}" + (f"/{query['port']}" if query.get("port") is not None else ""))
    region = query.get("region")
    if query.get("destination_region"):
        region = f"{region} → {query['destination_region']}"
    parts.append(f"in {region}")
    return "  ".join(parts)


def _verdict_text(verdict: dict[str, Any] | None) -> str:
    if not verdict:
        return "—"
    if verdict.get("error"):
        return f"[red]{verdict['error']}[/] {verdict.get('message') or ''}"
    if not verdict.get("analysable", True):
        return f"not analysable ({verdict.get('reason')})"
    if verdict.get("reachable"):
        w = verdict.get("witness") or {}
        return f"[green]reachable[/] (witness {w.get('src')} → {w.get('dst')} {w.get('protocol')})"
    block = verdict.get("blocking_component") or {}
    code = verdict.get("explanation_code") or ""
    return f"[yellow]unreachable[/] at {block.get('id')} ({block.get('type')}) {code}"


def case_panel(record: dict[str, Any], raw_chars: int = 400) -> Panel:
    """One case, everything needed to see why it failed."""
    tr = record.get("translation") or {}
    gold = record.get("gold") or {}
    diag = record.get("diagnosis") or {}
    lines: list[Any] = []
    for i, turn in enumerate((record.get("input") or {}).get("turns", []), 1):
        lines.append(Text(f"Q{i}: {turn}", style="bold"))
    lines.append(Text.from_markup(f"[dim]tags[/] {' '.join(record.get('tags', []))}"))
    lines.append(
        Text.from_markup(
            f"[dim]gold[/]      {_query_text(gold.get('query'))}"
            + (
                ""
                if gold.get("answerable", True)
                else f"  [magenta]unanswerable: {gold.get('abstain_reason')}[/]"
            )
        )
    )
    status = tr.get("status")
    said = (
        _query_text(tr.get("query"))
        if status == "query"
        else "an answer without a query"
        if status == "answer"
        else f"{status}: {tr.get('abstain_reason') or tr.get('failure_type') or ''}"
    )
    lines.append(Text.from_markup(f"[dim]predicted[/] {said}"))
    lines.append(Text.from_markup(f"[dim]truth[/]     {_verdict_text(gold.get('verdict'))}"))
    lines.append(Text.from_markup(f"[dim]engine[/]    {_verdict_text(record.get('predicted'))}"))
    if tr.get("claimed_verdict") is not None:
        blamed = f" (blames {tr['claimed_blocking']})" if tr.get("claimed_blocking") else ""
        lines.append(Text(f"claimed   {'reachable' if tr['claimed_verdict'] else 'unreachable'}{blamed}"))
    suite = record.get("test_suite")
    split = diag.get("suite_split")
    if split:
        lines.append(
            Text.from_markup(
                f"[dim]suite[/]     parts at [bold]{split['world']}[/]: gold {split['gold']}"
                f" · predicted {split['predicted'] or 'no query'}"
            )
        )
    elif suite and suite.get("predicted") is not None:
        lines.append(Text.from_markup(f"[dim]suite[/]     agrees on all {len(suite['worlds'])} worlds"))
    facts = {k: v for k, v in diag.items() if v not in (None, {}, []) and k != "suite_split"}
    lines.append(
        Text.from_markup(f"[dim]diagnosis[/] {json.dumps(facts, sort_keys=True, ensure_ascii=False)}")
    )
    specs = metric_specs()

    def bad(name: str, value: float | None) -> bool:
        if value is None or name not in specs:
            return False
        return value < 1 if specs[name].higher_is_better else value > 0

    wrong = sorted(k for k, v in (record.get("scores") or {}).items() if bad(k, v))
    if wrong:
        lines.append(Text.from_markup(f"[dim]missed[/]    {', '.join(wrong)}"))
    if tr.get("raw"):
        raw = tr["raw"] if len(tr["raw"]) <= raw_chars else tr["raw"][:raw_chars] + " …"
        lines.append(Text(f"raw: {raw}", style="dim"))
    title = f"{record['case_id']}  [red]{record.get('failure_type') or 'ok'}[/]"
    return Panel(Group(*lines), title=title, title_align="left")
