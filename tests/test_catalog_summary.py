"""World summary for `worlds show`: counts per Region, the name index, and the rich rendering."""

from __future__ import annotations

import json

from rich.console import Console
from test_normalize_fixture import snapshot

from bench.world.normalize import normalize
from bench.world.summary import render, summarize
from bench.world.synthetic import generate_snapshot


def test_summary_counts_and_names() -> None:
    s = summarize(normalize(snapshot()))
    assert s["regions"] == ["ap-northeast-1", "us-east-1"]
    assert s["counts"]["us-east-1"]["subnet"] == 3 and s["counts"]["ap-northeast-1"]["transit-gateway"] == 1
    assert s["totals"]["transit-gateway"] == 2 and s["totals"]["lambda-function"] == 1
    assert s["by_name"]["bastion"] == [{"type": "instance", "id": "i-bastion", "region": "us-east-1"}]
    assert s["by_name"]["orders-db"][0]["type"] == "db-instance"
    assert {"type": "autoscaling-group", "id": "web-asg", "region": "us-east-1"} in s["by_name"]["web-asg"]
    assert s["network_interfaces_by_kind"]["rds"] == 2
    assert s["faults"] == ["nacl-all"] and s["dns"]["s3.ap-northeast-1.amazonaws.com"] == ["35.78.9.203"]
    assert json.loads(json.dumps(s)) == s  # plain data, printable as JSON


def test_render_shows_names_and_counts() -> None:
    console = Console(width=140, record=True)
    console.print(render(summarize(normalize(snapshot()))))
    text = console.export_text()
    for needle in ("fixture", "resources per Region", "lab-vpc", "orders-db", "nacl-all", "35.78.9.203"):
        assert needle in text


def test_render_cuts_long_name_lists() -> None:
    s = summarize(normalize(generate_snapshot(3, 6, 60, seed=0, regions=("us-east-1",))))
    console = Console(width=140, record=True)
    console.print(render(s, max_names=10))
    assert "more named resources" in console.export_text()
