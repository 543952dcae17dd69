"""Leaderboard plots as PNG files, byte-identical for the same runs.

Uses matplotlib's object API on an Agg canvas (no pyplot global state, no backend switching) and saves
without the ``Software`` metadata key, so a rebuild of the same runs produces the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

_RC = {"font.family": "DejaVu Sans", "font.size": 9, "svg.hashsalt": "reachbench", "path.simplify": True}


def _label(row: dict[str, Any]) -> str:
    return f"{row['translator']} ({row['model']})" if row["model"] else row["translator"]


def _save(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig)
    fig.savefig(path, format="png", dpi=110, metadata={"Software": None})


def accuracy_plot(board: dict[str, Any], path: Path) -> Path:
    """Primary metric per translator with its 95% interval, best at the top."""
    metric = board["primary_metric"]
    rows = [r for r in board["rows"] if (r["metrics"].get(metric) or {}).get("value") is not None]
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(7.0, 0.45 * max(len(rows), 2) + 1.2))
        ax = fig.add_subplot(1, 1, 1)
        labels = [_label(r) for r in rows][::-1]
        vals = [r["metrics"][metric]["value"] for r in rows][::-1]
        lows = [r["metrics"][metric].get("ci_low") for r in rows][::-1]
        highs = [r["metrics"][metric].get("ci_high") for r in rows][::-1]
        err = [
            [v - (lo if lo is not None else v) for v, lo in zip(vals, lows, strict=True)],
            [(hi if hi is not None else v) - v for v, hi in zip(vals, highs, strict=True)],
        ]
        ys = list(range(len(rows)))
        ax.barh(ys, vals, color="#4c78a8", height=0.6)
        ax.errorbar(vals, ys, xerr=err, fmt="none", ecolor="#222222", capsize=3, linewidth=1)
        ax.set_yticks(ys, labels)
        ax.set_xlim(0, 1)
        ax.set_xlabel(f"{metric} (95% bootstrap interval)")
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        fig.tight_layout()
        _save(fig, path)
    return path


def fp_vs_accuracy_plot(board: dict[str, Any], path: Path) -> Path | None:
    """False-positive reachability (x) against the primary metric (y); None when runs lack the FP metric."""
    fp, metric = board["false_positive_metric"], board["primary_metric"]
    if fp is None:
        return None
    rows = [
        r
        for r in board["rows"]
        if (r["metrics"].get(metric) or {}).get("value") is not None
        and (r["metrics"].get(fp) or {}).get("value") is not None
    ]
    labels: list[Any] = []
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(7.0, 4.6))
        ax = fig.add_subplot(1, 1, 1)
        for r in rows:
            x, y = r["metrics"][fp], r["metrics"][metric]
            xerr = [
                [x["value"] - (x.get("ci_low") if x.get("ci_low") is not None else x["value"])],
                [(x.get("ci_high") if x.get("ci_high") is not None else x["value"]) - x["value"]],
            ]
            yerr = [
                [y["value"] - (y.get("ci_low") if y.get("ci_low") is not None else y["value"])],
                [(y.get("ci_high") if y.get("ci_high") is not None else y["value"]) - y["value"]],
            ]
            ax.errorbar(
                [x["value"]],
                [y["value"]],
                xerr=xerr,
                yerr=yerr,
                fmt="o",
                color="#4c78a8",
                ecolor="#9ab",
                capsize=2,
                markersize=6,
            )
            labels.append(
                ax.annotate(_label(r), (x["value"], y["value"]), textcoords="offset points", xytext=(6, 4))
            )
        ax.set_xlabel(f"{fp} ({_direction(board, fp)})")
        ax.set_ylabel(f"{metric} ({_direction(board, metric)})")
        ax.set_ylim(0, 1.02)
        ax.set_xlim(left=0)
        ax.grid(color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        fig.tight_layout()
        boxes = _place_labels(fig, labels)
        _save(fig, path)
    LABEL_BOXES[str(path)] = boxes
    return path


#: Label boxes (x0, y0, x1, y1 in figure pixels) of the last scatter written to each path: the site puts
#: them on the image (``data-label-boxes``) so that tests can check that no two labels overlap.
LABEL_BOXES: dict[str, list[list[float]]] = {}
#: Offsets (points) tried in order for a scatter label: right-up, right-down, further up/down, left.
_OFFSETS = [(6, 4), (6, -12), (6, 14), (6, -22), (6, 24), (-6, 4), (-6, -12), (6, -32), (6, 34), (-6, 14)]


def _overlap(a: Any, b: Any) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _place_labels(fig: Figure, labels: list[Any]) -> list[list[float]]:
    """Move scatter labels off each other: each takes the first offset whose box clears the ones placed
    before it (deterministic: labels in plotting order). Returns the final boxes."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    placed: list[Any] = []
    for text in labels:
        for dx, dy in _OFFSETS:
            text.set_position((dx, dy))
            text.set_horizontalalignment("left" if dx >= 0 else "right")
            box = text.get_window_extent(renderer)
            if not any(_overlap(box, other) for other in placed):
                break
        placed.append(text.get_window_extent(renderer))
    return [[round(b.x0, 1), round(b.y0, 1), round(b.x1, 1), round(b.y1, 1)] for b in placed]


def _direction(board: dict[str, Any], metric: str) -> str:
    return "higher is better" if board["metric_specs"][metric]["higher_is_better"] else "lower is better"
