"""Outside plug-ins via the entry-point group, and the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.translators import registry

FIXTURE = Path(__file__).parent / "fixtures" / "entrypoint_pkg"


def test_entry_point_translator_is_discovered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(FIXTURE))
    registry.discover()
    registry._discover_entry_points()  # re-read entry points now that the dist-info is importable
    try:
        rows = {r["name"]: r for r in registry.list_translators()}
        assert rows["demo-plugin"]["origin"].startswith("entry-point:reachbench-demo-plugin")
        assert rows["demo-plugin"]["version"] == "0.1" and rows["demo-plugin"]["error"] is None
        from bench.cases.schema import CaseInput, Context

        t = registry.make_translator("demo-plugin")
        out = t.translate(CaseInput(turns=("x", "y"), context=Context(home_region="us-east-1",
                                                                      account_id="1" * 12)))
        assert out.abstain_reason == "demo plug-in saw 2 turn(s)"
    finally:
        registry._registry.pop("demo-plugin", None)
        sys.modules.pop("reachbench_demo_plugin", None)


def test_cli_list_and_try() -> None:
    from bench.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["translators", "list", "--json"])
    assert res.exit_code == 0, res.output
    names = {r["name"] for r in json.loads(res.output)["translators"]}
    assert {"oracle", "null", "rules", "retrieval", "naive", "command"} <= names
    res = runner.invoke(app, ["translators", "try", "rules", "Can i-0123456789abcdef0 ping 10.0.0.1?"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["abstain_reason"].startswith("unknown_resource")
    res = runner.invoke(app, ["translators", "try", "rulez", "hi"])
    assert res.exit_code == 2 and "did you mean" in res.output
