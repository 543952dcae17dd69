"""Docs that cannot rot: every command of the README's "Everyday commands" list runs and exits 0.

The commands are read from README.md itself, so editing the list changes what runs. They run in-process
(CliRunner) on the small ``seed`` suite, with only what a test must change substituted: output folders,
placeholders like ``<run-id>``, the model servers (the OpenAI command talks to a fake chat-completions
server on 127.0.0.1, the Bedrock one to a stand-in client), and one scenario for ``worlds build --check``.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.translators.llm.prompt import TOOL_NAME
from tests.test_llm_openai import FakeServer, answer

REPO = Path(__file__).resolve().parents[1]
ABSTAIN = {"decision": "abstain", "abstain_reason": "other"}


def everyday_commands() -> list[list[str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("## Everyday commands", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    out = []
    for line in block.splitlines():
        line = re.sub(r"\s+#\s.*$", "", line).strip()
        if line:
            argv = shlex.split(line)
            assert argv[0] == "reachbench", line
            out.append(argv[1:])
    return out


class _FakeBedrock:
    """Stands in for a bedrock-runtime client: every Converse call abstains through the tool."""

    def converse(self, **_: Any) -> dict[str, Any]:
        return {
            "output": {"message": {"content": [{"toolUse": {"name": TOOL_NAME, "input": ABSTAIN}}]}},
            "usage": {"inputTokens": 10, "outputTokens": 5},
            "stopReason": "tool_use",
        }


@pytest.mark.slow
def test_every_everyday_command_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.translators.llm import bedrock

    monkeypatch.chdir(REPO)  # docs/gate.example.toml is given relative to the checkout
    monkeypatch.setenv("REACHBENCH_CACHE", str(tmp_path / "cache.sqlite"))
    monkeypatch.setattr(bedrock.BedrockTranslator, "_make_client", lambda self: _FakeBedrock())
    runs = tmp_path / "runs"
    fake = FakeServer()
    fake.script = [answer(ABSTAIN)] * 50
    made: list[Path] = []
    commands = everyday_commands()
    assert len(commands) >= 12 and [c[0] for c in commands].count("run") >= 3
    try:
        for argv in commands:
            args = list(argv)
            if args[0] == "run":
                i = args.index("--translator") + 1
                if args[i].startswith("openai:"):
                    args[i] = re.sub(r"base_url=[^,]+", f"base_url={fake.url}", args[i])
                if "--suite" not in args:
                    args += ["--suite", "seed"]
                args = ["seed" if a == "core" else a for a in args]
                args += ["--out", str(runs), "-q", "--resamples", "100"]
            elif args[:2] == ["cases", "validate"]:
                args = ["seed" if a == "core" else a for a in args]
            elif args[:2] == ["worlds", "build"]:
                args.append("field-test")  # the whole catalogue is the slow CI job's
            elif args[:2] == ["worlds", "import"]:
                # "./capture": AWS CLI output of a built world, imported into a scratch file
                from bench.world.catalog import resolve
                from bench.world.importer import export_folder
                from bench.world.snapshot import read_snapshot

                capture = tmp_path / "capture"
                export_folder(read_snapshot(resolve("field-test__baseline")), capture)
                args = [str(capture) if a == "./capture" else a for a in args]
                args += ["--out", str(tmp_path / "mine.json")]
            elif args[0] == "perf":
                # the whole report takes minutes: the engine section on one small world stands for it
                args = [str(tmp_path / "perf.json") if a == "perf.json" else a for a in args]
                args += ["--skip", "rerun", "--skip", "jobs", "--sizes", "200", "--queries", "50"]
                args += ["--repeats", "1"]
            elif args[0] == "leaderboard":
                args = [str(runs / "*") if a == "results/runs/*" else a for a in args]
                args = [str(tmp_path / "board") if a == "results/" else a for a in args]
                expanded = []
                for a in args:
                    expanded.extend(sorted(str(p) for p in runs.glob("*")) if a.endswith("*") else [a])
                args = expanded
            args = [_placeholder(a, made, tmp_path) for a in args]
            # folders the README writes relative to the checkout go to the scratch folder
            args = [
                re.sub(
                    r"^(predictions:)?(to-answer/)",
                    lambda m: (m.group(1) or "") + f"{tmp_path}/to-answer/",
                    a,
                )
                for a in args
            ]
            sheet = next((a.split(":", 1)[1] for a in args if a.startswith("predictions:")), None)
            if sheet:
                _fill_answer_sheet(Path(sheet))  # the README's sheet is the one export-inputs left blank
            res = CliRunner().invoke(app, args)
            assert res.exit_code == 0, f"reachbench {shlex.join(args)}\n{res.output}\n{res.exception!r}"
            if args[0] == "run":
                made.extend(sorted(p for p in runs.iterdir() if p not in made))
    finally:
        fake.close()
    assert len(made) >= 3
    assert (tmp_path / "gate.xml").exists() or Path("gate.xml").exists()
    assert json.loads((tmp_path / "perf.json").read_text())["headlines"]
    for run_dir in made:
        assert json.loads((run_dir / "run.json").read_text())["status"] == "complete"


def _placeholder(arg: str, made: list[Path], tmp_path: Path) -> str:
    if arg in ("results/runs/<run-id>", "RUN", "RUN_A"):
        return str(made[0])
    if arg == "RUN_B":
        return str(made[1])
    if arg == "gate.xml":
        return str(tmp_path / "gate.xml")
    return arg


def _fill_answer_sheet(path: Path) -> None:
    """Answer every row of an exported sheet as a console assistant that could not tell: a claimed
    verdict of "can't tell" is not possible to score, so each row abstains (what a person would fill)."""
    import csv

    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows, path
    for row in rows:
        row["abstain_reason"] = "other"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
