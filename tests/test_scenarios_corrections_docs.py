"""The corrections table in docs/worlds.md is the registry's documentation: same names, same order,
and each row names the module that holds the correction (so a reader can find it)."""

from __future__ import annotations

import re
from pathlib import Path

from bench.scenarios.corrections import CORRECTIONS

DOC = Path(__file__).resolve().parents[1] / "docs" / "worlds.md"
ROW = re.compile(r"^\| `(?P<name>[a-z_]+)` \(`(?P<module>corrections_[a-z]+\.py)`\) \|", re.MULTILINE)


def test_docs_table_lists_every_correction_in_order_with_its_module() -> None:
    rows = [(m["name"], m["module"]) for m in ROW.finditer(DOC.read_text(encoding="utf-8"))]
    registry = [(fix.__name__, fix.__module__.rsplit(".", 1)[1] + ".py") for fix in CORRECTIONS]
    assert rows == registry


def test_every_correction_module_stays_small() -> None:
    modules = {fix.__module__ for fix in CORRECTIONS} | {"bench.scenarios.corrections"}
    root = Path(__file__).resolve().parents[1]
    for module in sorted(modules):
        lines = (root / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8").count("\n")
        assert lines < 400, f"{module}: {lines} lines"
