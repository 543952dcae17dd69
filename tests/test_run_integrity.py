"""Issue 13 regressions: no silent wrong numbers from the cache or a run directory, fail fast, no secret
and no unbounded output in any written file (each test failed before its fix)."""

from __future__ import annotations

import importlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.run.guard import RunLock
from bench.runner import RunDirError, RunOptions, resume, run
from bench.translators.cache import TranslationCache
from bench.translators.registry import make_translator
from tests.test_runner import fake_factory, make_cases, write_suite
from tests.test_translators_base import INPUT

PY = sys.executable


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, list[Any]]:
    cases = make_cases()
    folder = write_suite(tmp_path / "cases", cases)
    monkeypatch.setattr("bench.run.execute.default_engine_factory", lambda: fake_factory(cases))
    monkeypatch.setenv("REACHBENCH_CACHE", str(tmp_path / "cache.sqlite"))
    return folder, tmp_path / "runs", cases


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _program(path: Path, body: str) -> Path:
    path.write_text(f"#!{PY}\n" + textwrap.dedent(body), encoding="utf-8")
    path.chmod(0o755)
    return path


ABSTAIN = """
import json, sys
json.load(sys.stdin)
print(json.dumps({"status": "abstain", "abstain_reason": "%s"}))
"""


def _samples(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]


# ----------------------------------------------------------------------------- 1. cache correctness
def test_editing_a_python_translator_without_a_version_bump_gets_new_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "probe_translator_mod.py"
    source = textwrap.dedent(
        """
        from bench.model import Translation
        from bench.translators import Translator

        class Probe(Translator):
            name = "probe"
            version = "1"

            def _translate(self, case_input):
                return Translation(status="abstain", abstain_reason="%s")
        """
    )
    module.write_text(source % "old", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    mod = importlib.import_module("probe_translator_mod")
    cache = TranslationCache(tmp_path / "c.sqlite")
    first = mod.Probe()
    first.use_cache(cache)
    assert first.translate(INPUT).abstain_reason == "old"
    module.write_text(source % "a new answer", encoding="utf-8")  # same version "1"
    importlib.invalidate_caches()
    mod = importlib.reload(mod)
    second = mod.Probe()
    second.use_cache(cache)
    out = second.translate(INPUT)
    assert out.abstain_reason == "a new answer" and not out.cached
    assert first.fingerprint() != second.fingerprint()
    again = mod.Probe()
    again.use_cache(cache)
    assert again.translate(INPUT).cached  # an unchanged translator still hits


def test_editing_a_command_program_gets_new_answers(tmp_path: Path) -> None:
    prog = _program(tmp_path / "prog.py", ABSTAIN % "old")
    cache = TranslationCache(tmp_path / "c.sqlite")
    t = make_translator(f"command:{prog}")
    t.use_cache(cache)
    assert t.translate(INPUT).abstain_reason == "old"
    _program(prog, ABSTAIN % "new")
    t2 = make_translator(f"command:{prog}")
    t2.use_cache(cache)
    assert t2.translate(INPUT).abstain_reason == "new"


@pytest.mark.parametrize("kind", ["garbage", "foreign", "bad_row"])
def test_a_corrupt_or_foreign_cache_is_reported_once_and_bypassed(
    env: tuple[Path, Path, list[Any]], kind: str, tmp_path: Path
) -> None:
    folder, out, cases = env
    spec = f"command:{_program(tmp_path / 'p.py', ABSTAIN % 'x')}"
    path = Path(os.environ["REACHBENCH_CACHE"])
    if kind == "garbage":
        path.write_bytes(b"this is not a database\x00" * 100)
    elif kind == "foreign":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE translations (a, b)")
    res = _cli("run", "-t", spec, "--suite", str(folder), "--out", str(out), "--run-id", "r1", "-q")
    assert res.exit_code == 0, res.output
    if kind == "bad_row":
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE translations SET value = '{\"status\": 42}'")
        res = _cli("run", "-t", spec, "--suite", str(folder), "--out", str(out), "--run-id", "r2", "-q")
        assert res.exit_code == 0, res.output
        meta = json.loads((out / "r2" / "run.json").read_text())
        assert meta["cache"]["invalid_rows"] == len(cases) and meta["cache"]["writes"] == len(cases)
        return
    assert " ".join(res.output.split()).count("unusable translation cache") == 1
    meta = json.loads((out / "r1" / "run.json").read_text())
    assert "unusable" in meta["cache"]["problem"] and meta["status"] == "complete"


# ----------------------------------------------------------------------------- 2. run directories
def test_an_existing_run_directory_is_never_reused_silently(env: tuple[Path, Path, list[Any]]) -> None:
    folder, out, cases = env
    base = ("--suite", str(folder), "--out", str(out), "--run-id", "R", "-q", "--resamples", "50")
    assert _cli("run", "-t", "oracle", *base).exit_code == 0
    res = _cli("run", "-t", "null", *base)
    assert res.exit_code == 2 and "--resume" in res.output and "--overwrite" in res.output
    assert json.loads((out / "R" / "run.json").read_text())["translator"]["name"] == "oracle"
    res = _cli("run", "-t", "null", *base, "--overwrite")
    assert res.exit_code == 0, res.output
    records = _samples(out / "R")
    assert len(records) == len(cases) and {r["translation"]["status"] for r in records} == {"abstain"}


def test_a_second_writer_is_locked_out(env: tuple[Path, Path, list[Any]]) -> None:
    folder, out, _ = env
    opts = RunOptions(translator="null", suite=str(folder), out=out, run_id="R", n_resamples=50)
    result = run(opts, progress=False)
    with RunLock(result.run_dir):
        with pytest.raises(RunDirError, match="another run"):
            resume(result.run_dir, progress=False)
        with pytest.raises(RunDirError, match="another run"):
            run(RunOptions(**{**opts.__dict__, "overwrite": True}), progress=False)
    # Generated ids never collide either: two runs started in the same second get two directories.
    a = run(RunOptions(translator="null", suite=str(folder), out=out, n_resamples=50), progress=False)
    b = run(RunOptions(translator="null", suite=str(folder), out=out, n_resamples=50), progress=False)
    assert a.run_dir != b.run_dir


def _interrupted_command_run(folder: Path, out: Path, spec: str) -> Path:
    stop = threading.Event()
    seen: list[str] = []

    def after_two(case_id: str) -> None:
        seen.append(case_id)
        if len(seen) == 2:
            stop.set()

    opts = RunOptions(translator=spec, suite=str(folder), out=out, run_id="R", jobs=1, n_resamples=50)
    part = run(opts, progress=False, stop=stop, on_case=after_two)
    assert part.meta["status"] == "interrupted"
    return part.run_dir


def test_resume_refuses_an_edited_program_and_resolves_relative_paths(
    env: tuple[Path, Path, list[Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, out, cases = env
    work = tmp_path / "work"
    work.mkdir()
    _program(work / "prog.py", ABSTAIN % "one")
    monkeypatch.chdir(work)
    run_dir = _interrupted_command_run(folder, out, "command:./prog.py")
    # From another folder, the relative path still means the program the run started with ...
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _program(elsewhere / "prog.py", ABSTAIN % "two")
    monkeypatch.chdir(elsewhere)
    done = resume(run_dir, progress=False)
    assert done.meta["status"] == "complete"
    assert {r["translation"]["abstain_reason"] for r in _samples(run_dir)} == {"one"}
    assert len(_samples(run_dir)) == len(cases)
    # ... and an edited program is refused.
    out2 = tmp_path / "runs2"
    monkeypatch.chdir(work)
    run_dir2 = _interrupted_command_run(folder, out2, "command:./prog.py")
    _program(work / "prog.py", ABSTAIN % "edited")
    with pytest.raises(RunDirError, match="differs from the one this run started with"):
        resume(run_dir2, progress=False)


def test_a_crash_after_the_last_record_is_completed_by_resume(env: tuple[Path, Path, list[Any]]) -> None:
    folder, out, _ = env
    opts = RunOptions(translator="null", suite=str(folder), out=out, run_id="R", n_resamples=50)
    whole = run(opts, progress=False)
    summary = (whole.run_dir / "summary.json").read_bytes()
    meta = json.loads((whole.run_dir / "run.json").read_text())
    (whole.run_dir / "run.json").write_text(json.dumps({**meta, "status": "running"}))
    (whole.run_dir / "summary.json").unlink()
    done = resume(whole.run_dir, progress=False)
    assert done.meta["status"] == "complete" and done.n_new == 0
    assert (whole.run_dir / "summary.json").read_bytes() == summary


SIGTERM_DRIVER = """
import sys
from tests.test_runner import fake_factory, make_cases
import bench.run.execute as ex
cases = make_cases()
ex.default_engine_factory = lambda: fake_factory(cases)
from bench.cli import app
sys.argv = ["reachbench", *sys.argv[1:]]
app()
"""


def test_sigterm_is_handled_like_ctrl_c(env: tuple[Path, Path, list[Any]], tmp_path: Path) -> None:
    folder, out, _ = env
    slow = _program(tmp_path / "slow.py", "import time, sys\nsys.stdin.read()\ntime.sleep(30)\n")
    driver = tmp_path / "driver.py"
    driver.write_text(SIGTERM_DRIVER, encoding="utf-8")
    repo = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        [PY, str(driver), "run", "-t", f"command:{slow}", "--suite", str(folder), "--out", str(out),
         "--run-id", "T", "-q", "-j", "1"],
        cwd=repo, env={**os.environ, "PYTHONPATH": str(repo)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while not (out / "T" / "run.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err.decode()
    assert json.loads((out / "T" / "run.json").read_text())["status"] == "interrupted"


# ----------------------------------------------------------------------------- 3. fail fast
def test_a_missing_program_stops_the_run_at_once(env: tuple[Path, Path, list[Any]], tmp_path: Path) -> None:
    folder, out, _ = env
    started = time.monotonic()
    res = _cli("run", "-t", f"command:{tmp_path / 'no-such-program'}", "--suite", str(folder),
               "--out", str(out), "--run-id", "M", "-q")
    assert res.exit_code != 0 and "translator:cannot_start" in res.output
    assert "Traceback" not in res.output and time.monotonic() - started < 10
    assert json.loads((out / "M" / "run.json").read_text())["status"] == "aborted"
    assert not (out / "M" / "samples.jsonl").read_text()  # nothing recorded: a resume retries them


def test_no_server_at_the_address_stops_the_run_at_once(env: tuple[Path, Path, list[Any]]) -> None:
    import socket

    folder, out, _ = env
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    res = _cli("run", "-t", f"openai:model=m,base_url=http://127.0.0.1:{port}/v1", "--suite", str(folder),
               "--out", str(out), "--run-id", "S", "-q", "--no-cache")
    assert res.exit_code != 0 and "translator:connection" in res.output
    assert time.monotonic() - started < 15


def test_too_many_translator_errors_exit_non_zero(env: tuple[Path, Path, list[Any]], tmp_path: Path) -> None:
    folder, out, cases = env
    # Answers every third case, exits 1 on the others: a translator that mostly fails.
    prog = _program(tmp_path / "half.py", """
        import json, sys, zlib
        doc = json.load(sys.stdin)
        if zlib.crc32(doc["turns"][0].encode()) % 3:
            sys.exit(1)
        print(json.dumps({"status": "abstain", "abstain_reason": "x"}))
        """)
    base = ("--suite", str(folder), "--out", str(out), "--resamples", "50", "--no-cache")
    res = _cli("run", "-t", f"command:{prog}", *base, "--run-id", "E1")
    assert res.exit_code == 3, res.output
    assert "translator errors:" in res.output and "--max-error-rate" in res.output
    res = _cli("run", "-t", f"command:{prog}", *base, "--run-id", "E2", "--max-error-rate", "1")
    assert res.exit_code == 0, res.output


# ----------------------------------------------------------------------------- 4 & 5. what is written
def test_the_api_key_reaches_no_written_file(
    env: tuple[Path, Path, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_llm_openai import API_KEY, KEY_ENV, FakeServer, completion

    folder, out, cases = env
    monkeypatch.setenv(KEY_ENV, API_KEY)
    fake = FakeServer()
    try:
        echo_obj = json.dumps({"decision": "abstain", "abstain_reason": f"key {API_KEY}",
                               "query": {"source": API_KEY, "note": {"k": API_KEY}}})
        fake.script = [
            completion(content=f"my key is {API_KEY}"),
            completion(tool_args=echo_obj),
            (401, {}, json.dumps({"error": {"message": f"bad key {API_KEY}"}}).encode()),
        ] * len(cases)
        spec = f"openai:model=fake-model,base_url={fake.url},api_key_env={KEY_ENV},mode=tools"
        res = _cli("run", "-t", spec, "--suite", str(folder), "--out", str(out), "--run-id", "K", "-q",
                   "-j", "1", "--max-error-rate", "1", "--resamples", "50")
        assert res.exit_code == 0, res.output
    finally:
        fake.close()
    written = [p for p in (out / "K").rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"samples.jsonl", "run.json", "summary.json"}
    for path in [*written, Path(os.environ["REACHBENCH_CACHE"])]:
        assert API_KEY.encode() not in path.read_bytes(), path
    assert "[REDACTED]" in (out / "K" / "samples.jsonl").read_text()


def test_output_is_bounded_per_case(env: tuple[Path, Path, list[Any]], tmp_path: Path) -> None:
    folder, out, cases = env
    prog = _program(tmp_path / "big.py", "import sys\nsys.stdin.read()\nsys.stdout.write('x' * 3_000_000)\n")
    res = _cli("run", "-t", f"command:{prog}", "--suite", str(folder), "--out", str(out), "--run-id", "B",
               "-q", "--resamples", "50", "--limit", "2")
    assert res.exit_code == 0, res.output
    assert (out / "B" / "samples.jsonl").stat().st_size < 2 * 1_100_000
    record = _samples(out / "B")[0]
    assert "output truncated" in record["translation"]["raw"]
    summary = json.loads((out / "B" / "summary.json").read_text())
    assert summary["health"]["output_truncated"] == 2
    assert Path(os.environ["REACHBENCH_CACHE"]).stat().st_size < 4 * 1_100_000
    assert "2 outputs truncated" in res.output


def test_timeout_kills_a_descendant_in_its_own_session(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    prog = _program(tmp_path / "spawner.py", f"""
        import os, subprocess, sys, time
        sys.stdin.read()
        child = subprocess.Popen([{PY!r}, "-c", "import time; time.sleep(60)"], start_new_session=True)
        open({str(pidfile)!r}, "w").write(str(child.pid))
        time.sleep(60)
        """)
    t = make_translator(f"command:{prog},timeout=1")
    started = time.monotonic()
    out = t.translate_or_fail(INPUT, timeout=30)
    assert out.failure_type == "translator:timeout" and time.monotonic() - started < 10
    pid = int(pidfile.read_text())
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        try:  # reap if it became ours
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    else:
        pytest.fail(f"descendant {pid} in a new session survived the timeout")


# ----------------------------------------------------------------------------- 8. names and warm-up
def test_run_name_and_warmup_are_recorded(env: tuple[Path, Path, list[Any]], tmp_path: Path) -> None:
    folder, out, _ = env
    prog = _program(tmp_path / "mine.py", ABSTAIN % "x")
    base = ("--suite", str(folder), "--out", str(out), "-q", "--resamples", "50", "-j", "2")
    assert _cli("run", "-t", f"command:{prog}", *base, "--run-id", "C").exit_code == 0
    assert _cli("run", "-t", "null", *base, "--run-id", "N", "--name", "floor").exit_code == 0
    c = json.loads((out / "C" / "run.json").read_text())
    n = json.loads((out / "N" / "run.json").read_text())
    assert c["translator"]["display_name"] == "command:mine.py" and n["translator"]["display_name"] == "floor"
    assert len(c["warmup_case_ids"]) == 2  # one first call per worker
    summary = json.loads((out / "C" / "summary.json").read_text())
    assert summary["translator"]["display_name"] == "command:mine.py"
    assert "fingerprint" not in summary["translator"] and "resume_options" not in summary["translator"]
