"""The leaderboard page in a real headless Chromium: rows render, sorting works, plots load.

Driven through the page's own URL hash (``#sort=<column>&dir=asc|desc&tab=<axis>``), which the page's
script applies by clicking the column header, so the real click handler runs; ``--dump-dom`` then shows
the DOM after the scripts and the ``load`` event (where the page records how many plot images decoded).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.reports.synthetic import demo_runs

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


def _flags(profile: Path) -> list[str]:
    return [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
    ]


class _Rows(HTMLParser):
    """Collects the run ids of the main table's rows, in DOM order, and the body's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[str] = []
        self.body: dict[str, str | None] = {}
        self.sorted: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("data-run"):
            self.rows.append(str(a["data-run"]))
        elif tag == "body":
            self.body = a
        elif tag == "table" and a.get("id") == "leaderboard":
            self.sorted = a.get("data-sorted")


def _dom(url: str, profile: Path) -> _Rows:
    done = subprocess.run(
        [*_flags(profile), "--dump-dom", url], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    parsed = _Rows()
    parsed.feed(done.stdout)
    return parsed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    runs = demo_runs(root, n=120)
    result = CliRunner().invoke(app, ["leaderboard", str(runs), "--out", str(root / "results")])
    assert result.exit_code == 0, result.output
    return root / "results" / "site" / "index.html"


@needs_chromium
def test_table_sorting_and_plots(site: Path, tmp_path: Path) -> None:
    url = site.as_uri()
    page = _dom(url, tmp_path / "p1")
    assert page.rows == ["bedrock-new", "openai-new", "rules-new"]  # ranked by strict accuracy
    assert page.body.get("data-plots-loaded") == "2/2"  # both PNGs decoded (naturalWidth > 0)
    by_fp = _dom(url + "#sort=false_positive_reachability&dir=desc", tmp_path / "p2")
    assert by_fp.sorted == "false_positive_reachability:desc"
    assert by_fp.rows == ["rules-new", "openai-new", "bedrock-new"]
    by_name = _dom(url + "#sort=translator&dir=asc", tmp_path / "p3")
    assert by_name.rows == ["bedrock-new", "openai-new", "rules-new"]
    by_latency = _dom(url + "#sort=latency&dir=desc", tmp_path / "p4")
    assert by_latency.rows == ["bedrock-new", "openai-new", "rules-new"]
    by_latency_up = _dom(url + "#sort=latency&dir=asc", tmp_path / "p5")
    assert by_latency_up.rows == ["rules-new", "openai-new", "bedrock-new"]


@needs_chromium
def test_screenshot_renders(site: Path, tmp_path: Path) -> None:
    shot = tmp_path / "leaderboard.png"
    done = subprocess.run(
        [
            *_flags(tmp_path / "p"),
            "--window-size=1400,1600",
            f"--screenshot={shot}",
            site.as_uri() + "#tab=lang",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert re.search(rb"IHDR\x00\x00\x05x", data)  # 1400 px wide
