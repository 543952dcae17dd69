"""``reachbench analyze`` in-process: readable verdicts, JSON keys, errors as exit code 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bench.cli import app

runner = CliRunner()


def test_analyze_prints_the_blocking_acl() -> None:
    result = runner.invoke(
        app, ["analyze", "field-test__nacl-all", "-s", "app-1", "-d", "app-2", "-p", "icmp"]
    )
    assert result.exit_code == 0, result.output
    assert "NOT REACHABLE" in result.output and "SUBNET_ACL_RESTRICTION" in result.output


def test_analyze_json_has_the_promised_keys() -> None:
    result = runner.invoke(
        app,
        [
            "analyze",
            "field-test__tokyo-blackhole",
            "--source",
            "app-1",
            "--destination",
            "35.78.9.203",
            "--protocol",
            "tcp",
            "--port",
            "443",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in (
        "reachable",
        "explanation_code",
        "blocking_component",
        "witness",
        "hops",
        "analysable",
        "reason",
    ):
        assert key in data
    assert data["reachable"] is False and data["explanation_code"] == "BAD_STATE_ROUTE"
    assert data["blocking_component"]["type"] == "route-table"
    wide = runner.invoke(
        app,
        [
            "analyze",
            "field-test__tokyo-blackhole",
            "-s",
            "app-1",
            "-d",
            "0.0.0.0/5",
            "-p",
            "tcp",
            "--port",
            "443",
            "--json",
        ],
    )
    assert json.loads(wide.output)["reachable"] is True
    assert json.loads(wide.output)["witness"]["dst"] != "35.78.9.203"


def test_analyze_ra_profile_and_errors() -> None:
    ra = runner.invoke(
        app,
        [
            "analyze",
            "field-test__baseline",
            "-s",
            "app-1",
            "-d",
            "tokyo-app",
            "-p",
            "icmp",
            "--profile",
            "ra",
            "--json",
        ],
    )
    data = json.loads(ra.output)
    assert (data["analysable"], data["reason"], data["reachable"]) == (False, "cross_region", None)
    missing = runner.invoke(
        app, ["analyze", "field-test__baseline", "-s", "no-such-thing", "-d", "app-2", "--json"]
    )
    assert missing.exit_code == 2 and json.loads(missing.output)["error"] == "engine:unknown_resource"
    assert runner.invoke(app, ["analyze", "no-such-world", "-s", "a", "-d", "b"]).exit_code == 2
    assert (
        runner.invoke(app, ["analyze", "field-test__baseline", "-s", "a", "-d", "b", "-p", "gre"]).exit_code
        == 2
    )
