"""Counts per slice (tag value) and split: the table in the data card and the minimum-count check.

A slice that is too small gives a score with a confidence interval too wide to compare translators, so
the corpus promises at least ``MIN_TEST_SLICE`` test cases per tag value and at least a quarter of
cases on each side of answerable/unanswerable and reachable/unreachable; ``check_minimums`` says which
promise is broken.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from bench.cases.schema import Case

MIN_TEST_SLICE = 30
MIN_SHARE = 0.25


def slice_table(cases: Iterable[Case]) -> pd.DataFrame:
    """One row per tag value: axis, value, dev, test, total; sorted by axis then value."""
    rows = []
    for case in cases:
        for tag in case.tags:
            axis, _, value = tag.partition(":")
            rows.append((axis, value, case.split))
    frame = pd.DataFrame(rows, columns=["axis", "value", "split"])
    if frame.empty:
        return pd.DataFrame(columns=["axis", "value", "dev", "test", "total"])
    table = frame.pivot_table(index=["axis", "value"], columns="split", aggfunc="size", fill_value=0)
    for split in ("dev", "test"):
        if split not in table.columns:
            table[split] = 0
    table = table[["dev", "test"]].astype(int)
    table["total"] = table["dev"] + table["test"]
    return table.reset_index().sort_values(["axis", "value"]).reset_index(drop=True)


def balance(cases: list[Case]) -> dict[str, float]:
    """Shares of answerable/unanswerable and (true verdict) reachable/unreachable over all cases."""
    n = max(len(cases), 1)
    answerable = sum(c.gold.answerable for c in cases)
    reach = sum(1 for c in cases if c.gold.verdict is not None and c.gold.verdict.reachable is True)
    unreach = sum(1 for c in cases if c.gold.verdict is not None and c.gold.verdict.reachable is False)
    return {
        "cases": float(len(cases)),
        "answerable": answerable / n,
        "unanswerable": (len(cases) - answerable) / n,
        "reachable": reach / n,
        "unreachable": unreach / n,
        "dev": sum(c.split == "dev" for c in cases) / n,
        "test": sum(c.split == "test" for c in cases) / n,
    }


def check_minimums(
    cases: list[Case], min_test: int = MIN_TEST_SLICE, min_share: float = MIN_SHARE
) -> list[str]:
    """Every broken promise, as readable lines (empty: the corpus meets its minimums)."""
    problems = []
    table = slice_table(cases)
    for row in table.itertuples(index=False):
        if row.test < min_test:
            problems.append(f"slice {row.axis}:{row.value} has {row.test} test cases (< {min_test})")
    shares = balance(cases)
    for key in ("answerable", "unanswerable", "reachable", "unreachable"):
        if shares[key] < min_share:
            problems.append(f"{key} share {shares[key]:.1%} < {min_share:.0%}")
    return problems


def markdown_table(table: pd.DataFrame) -> str:
    """The slice table as a Markdown table for the data card (no extra dependency on ``tabulate``)."""
    cols = [str(c) for c in table.columns]
    lines = [
        "| " + " | ".join(cols) + " |",
        "|" + "|".join("---:" if table[c].dtype.kind in "iuf" else "---" for c in table.columns) + "|",
    ]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


BEGIN, END = "<!-- stats:begin -->", "<!-- stats:end -->"


def card_section(suite) -> str:  # noqa: ANN001  (a loader.Suite; imported lazily to keep this module light)
    """The generated part of the data card: identity, balance and the per-slice table."""
    shares = balance(suite.cases)
    worlds = sorted({c.world for c in suite.cases})
    lines = [
        f"Suite `{suite.name}` version {suite.version}, content hash `{suite.hash[:16]}`: "
        f"{len(suite.cases)} cases over {len(worlds)} worlds "
        f"(dev {len(suite.split('dev'))}, test {len(suite.split('test'))}).",
        "",
        f"Answerable {shares['answerable']:.1%} / unanswerable {shares['unanswerable']:.1%}; "
        f"reachable {shares['reachable']:.1%} / unreachable {shares['unreachable']:.1%} "
        "(true verdict; the rest have none: ambiguous, or outside what the engine models).",
        "",
        markdown_table(slice_table(suite.cases)),
    ]
    if suite.name == "natural":
        from bench.cases.natural_stats import groups_markdown

        lines[4:4] = ["What the suite promises (`reachbench cases stats natural --check`):", "",
                      groups_markdown(suite.cases), "Every tag value:", ""]
    return "\n".join(lines)


def update_card(path, suite) -> None:  # noqa: ANN001
    """Replace the text between the stats markers of ``path`` (the rest of the card is hand-written)."""
    from pathlib import Path

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    begin, end = markers(suite.name)
    if begin not in text or end not in text:
        raise ValueError(f"{path}: no {begin} ... {end} markers to fill")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(head + begin + "\n" + card_section(suite) + "\n" + end + tail, encoding="utf-8")


def markers(suite_name: str) -> tuple[str, str]:
    """The markers around a suite's generated section: ``core``'s are the plain ones (its card came
    first); any other suite has its own, ``<!-- stats:<suite>:begin -->``."""
    if suite_name == "core":
        return BEGIN, END
    return f"<!-- stats:{suite_name}:begin -->", f"<!-- stats:{suite_name}:end -->"
