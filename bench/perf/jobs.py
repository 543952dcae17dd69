"""Throughput with a slow translator (issue 14, item 4): ``reachbench run --jobs J`` against a fake
OpenAI-compatible server that answers every request after a fixed delay.

    python -m bench.perf.jobs [--cases 640] [--jobs 1 8 32] [--delay 0.1] [--repeats 3] [--suite core]

``measure(...)`` returns the rows (one dict per ``--jobs`` value) for an umbrella report.

The fake server is a ``ThreadingHTTPServer`` on 127.0.0.1 in a **subprocess** (its own work never shares
the GIL with the run it serves), HTTP/1.1 keep-alive like the servers of docs/local-servers.md. It
answers ``/v1/chat/completions`` after ``--delay`` seconds with the gold answer of the case whose user
message it received (a table the harness writes from the suite; an unknown message gets a fixed
abstention and is counted), so runs are deterministic and the engine executes real queries.

Each run is ``python -m bench.cli run -t openai:... --no-cache`` in a subprocess (so the code measured is
whatever ``PYTHONPATH`` names: ``--pythonpath /old/tree`` measures another checkout with this harness).
Per run:

- ``translate s``: the translate phase as the server sees it, from the first request it received to the
  last response it sent (every call, none of the work left after the last answer);
- ``pool s``: the pool's own clock (``pool.elapsed_s`` in run.json): first call submitted to the last
  result recorded, i.e. the translate phase plus any per-case work (execute, record) still queued;
- ``after start-up s``: wall clock from the first request the server received to the end of the process
  (the whole run minus the fixed start-up: imports, suite, worlds; it includes the final scoring);
- ``pool only s``: ``translate_all`` alone in a subprocess of the same tree (the translator and the pool,
  no engine, no records; ``on_result`` does nothing), with its process CPU per call;
- ``ideal s`` = cases x delay / jobs; ``efficiency`` = ideal / measured (each of the above).

Figures are medians of ``--repeats`` runs. ``identical`` says whether every run's summary.json (run id
masked) equals the first run's: more jobs must not change a single result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FALLBACK = {"decision": "abstain", "query": None, "abstain_reason": "other"}


def message_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------- server


class _Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.connections = 0
        self.misses = 0
        self.inflight = 0
        self.max_inflight = 0
        self.first: float | None = None
        self.last: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "connections": self.connections,
            "misses": self.misses,
            "max_inflight": self.max_inflight,
            "first_request": self.first,
            "last_response": self.last,
        }


def make_server(
    delay: float, answers: dict[str, Any] | None = None, port: int = 0
) -> tuple[ThreadingHTTPServer, _Stats]:
    """The fake server (not started) and its counters. Timestamps are ``time.monotonic()`` (one clock
    for every process of the machine on Linux)."""
    answers = answers or {}
    stats = _Stats()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers
        # TCP_NODELAY, as real servers (uvicorn, llama.cpp): else every response waits out the client's
        # delayed ACK (~40 ms on Linux) and the server, not the harness, is what gets measured.
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            with stats.lock:
                stats.connections += 1

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path == "/stats":
                with stats.lock:
                    doc = stats.as_dict()
                self._send(200, doc)
            elif self.path == "/reset":
                with stats.lock:
                    stats.reset()
                self._send(200, {"ok": True})
            else:
                self._send(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:  # noqa: N802
            now = time.monotonic()
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with stats.lock:
                stats.requests += 1
                stats.inflight += 1
                stats.max_inflight = max(stats.max_inflight, stats.inflight)
                if stats.first is None:
                    stats.first = now
            try:
                if self.path != "/v1/chat/completions":
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                doc = json.loads(body)
                user = [m for m in doc.get("messages", []) if m.get("role") == "user"]
                answer = answers.get(message_key(user[-1]["content"])) if user else None
                if answer is None:
                    with stats.lock:
                        stats.misses += 1
                    answer = FALLBACK
                time.sleep(delay)
                self._send(
                    200,
                    {
                        "id": "fake",
                        "object": "chat.completion",
                        "model": doc.get("model"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": json.dumps(answer)},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": len(body) // 4, "completion_tokens": 40},
                    },
                )
            finally:
                with stats.lock:
                    stats.inflight -= 1
                    stats.last = time.monotonic()

        def _send(self, status: int, doc: dict[str, Any]) -> None:
            payload = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self._headers_buffer.append(b"\r\n" + payload)  # headers and body in one write
            self.flush_headers()

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    return Server(("127.0.0.1", port), Handler), stats


def serve(delay: float, answers_path: str | None, port: int = 0) -> None:
    """Serve until stdin closes; prints ``PORT <n>`` once listening."""
    answers = json.loads(Path(answers_path).read_text()) if answers_path else {}
    httpd, _ = make_server(delay, answers, port)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    print(f"PORT {httpd.server_address[1]}", flush=True)
    sys.stdin.read()  # the harness closes our stdin to stop us
    httpd.shutdown()


class FakeServer:
    """The server subprocess, as a context manager: ``.url`` (…/v1), ``.stats()``, ``.reset()``."""

    def __init__(self, delay: float, answers: Path | None) -> None:
        args = [sys.executable, "-m", "bench.perf.jobs", "serve", "--delay", str(delay)]
        if answers is not None:
            args += ["--answers", str(answers)]
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "PORT":
            self.close()
            raise RuntimeError(f"fake server did not start: {line!r}")
        self.port = int(line[1])
        self.url = f"http://127.0.0.1:{self.port}/v1"

    def _get(self, path: str) -> dict[str, Any]:
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as resp:
            return json.loads(resp.read())

    def stats(self) -> dict[str, Any]:
        return self._get("/stats")

    def reset(self) -> None:
        self._get("/reset")

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------------------------- harness


def write_answers(suite: str, n: int, path: Path) -> int:
    """The gold answer of each of the first ``n`` test cases, keyed by the sha256 of the user message
    the ``openai`` translator sends for it (default prompt options). Returns the number of cases."""
    from bench.cases.loader import load_suite
    from bench.run.options import RunOptions, select_cases
    from bench.translators.llm.prompt import PromptBuilder, gold_answer

    loaded = load_suite(suite, splits=["test"])
    cases = select_cases(loaded.cases, RunOptions(suite=suite, limit=n))
    builder = PromptBuilder()
    answers: dict[str, Any] = {}
    for case in cases:
        key = message_key(builder.build(case.input).messages[-1].content)
        answers.setdefault(key, json.loads(gold_answer(case).model_dump_json()))
    path.write_text(json.dumps(answers, sort_keys=True))
    return len(cases)


# The translator and the pool alone (``on_result`` does nothing): what the calls cost without the engine
# and the records. Only APIs the old trees have too, so ``--pythonpath`` can measure them.
_POOL_ONLY = """
import json, resource, sys, time
from bench.cases.loader import load_suite
from bench.run.options import RunOptions, select_cases
from bench.translators.pool import translate_all
from bench.translators.registry import make_translator
suite, n, jobs, url = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cases = select_cases(load_suite(suite, splits=["test"]).cases, RunOptions(suite=suite, limit=n))
translator = make_translator("openai:model=fake,base_url=" + url)
statuses = []
r0, w0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
translate_all(translator, ((c.id, c.input) for c in cases), jobs, lambda i, t: statuses.append(t.status))
wall, r1 = time.perf_counter() - w0, resource.getrusage(resource.RUSAGE_SELF)
cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
import bench
print(json.dumps({"wall_s": wall, "cpu_s": cpu, "errors": statuses.count("error"), "n": len(statuses),
                  "tree": bench.__file__}))
"""


def _env(pythonpath: str | None) -> dict[str, str]:
    """The subprocesses' environment: the measured tree first on ``PYTHONPATH`` (``--pythonpath``, else
    this checkout), and no API key for the fake server to see."""
    from bench.perf.rerun import ROOT, tree_env

    env = tree_env(Path(pythonpath) if pythonpath else ROOT)
    env.pop("OPENAI_API_KEY", None)
    return env


def _one_pool(
    server: FakeServer, suite: str, n: int, jobs: int, pythonpath: str | None, cwd: Path
) -> dict[str, Any]:
    env = _env(pythonpath)
    args = [sys.executable, "-c", _POOL_ONLY, suite, str(n), str(jobs), server.url]
    done = subprocess.run(
        args, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"pool-only run failed ({done.returncode}):\n{done.stdout[-3000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if out["errors"] or out["n"] != n:
        raise RuntimeError(f"pool-only run: {out}")
    return out


def _one_run(
    server: FakeServer, suite: str, n: int, jobs: int, out: Path, run_id: str, pythonpath: str | None
) -> dict[str, Any]:
    env = _env(pythonpath)
    env["REACHBENCH_CACHE"] = str(out / "cache" / "translations.sqlite")
    env["REACHBENCH_VERDICT_CACHE"] = "off"
    spec = f"openai:model=fake,base_url={server.url}"
    args = [
        sys.executable, "-m", "bench.cli", "run", "-t", spec, "--suite", suite, "--limit", str(n),
        "--jobs", str(jobs), "--no-cache", "--quiet", "--out", str(out), "--run-id", run_id,
    ]  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    server.reset()
    started = time.monotonic()
    # From the run folder: ``python -m`` puts the working directory first on sys.path, before PYTHONPATH.
    done = subprocess.run(args, env=env, cwd=out, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ended = time.monotonic()
    if done.returncode != 0:
        raise RuntimeError(f"run failed ({done.returncode}):\n{done.stdout[-3000:]}")
    stats = server.stats()
    meta = json.loads((out / run_id / "run.json").read_text())
    summary = (out / run_id / "summary.json").read_text().replace(run_id, "RUN")
    first = stats["first_request"] or started
    return {
        "wall_s": ended - started,
        "startup_s": first - started,
        "after_startup_s": ended - first,
        "translate_s": (stats["last_response"] or ended) - first,
        "pool_s": float(meta["pool"]["elapsed_s"]),
        "requests": stats["requests"],
        "connections": stats["connections"],
        "misses": stats["misses"],
        "max_inflight": stats["max_inflight"],
        "summary_sha256": hashlib.sha256(summary.encode()).hexdigest(),
    }


def measure(
    cases: int = 640,
    jobs: tuple[int, ...] = (1, 8, 32),
    delay: float = 0.1,
    repeats: int = 3,
    suite: str = "core",
    pythonpath: str | None = None,
) -> list[dict[str, Any]]:
    """One row per ``jobs`` value: medians of ``repeats`` runs (see the module docstring)."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="reachbench-jobs-") as tmp:
        root = Path(tmp)
        answers = root / "answers.json"
        n = write_answers(suite, cases, answers)
        reference: str | None = None
        with FakeServer(delay, answers) as server:
            for j in jobs:
                runs = [
                    _one_run(server, suite, n, j, root / "runs", f"j{j}-r{i}", pythonpath)
                    for i in range(repeats)
                ]
                pools = [_one_pool(server, suite, n, j, pythonpath, root) for _ in range(repeats)]
                tree = pools[0]["tree"]
                pool_wall = statistics.median(p["wall_s"] for p in pools)
                pool_cpu = statistics.median(p["cpu_s"] for p in pools)
                reference = reference or runs[0]["summary_sha256"]
                ideal = n * delay / j
                timed = ("wall_s", "startup_s", "after_startup_s", "translate_s", "pool_s")
                med = {k: statistics.median(r[k] for r in runs) for k in timed}
                rows.append(
                    {
                        "jobs": j,
                        "cases": n,
                        "delay_s": delay,
                        **{k: round(v, 3) for k, v in med.items()},
                        "translate_runs_s": [round(r["translate_s"], 3) for r in runs],
                        "cases_per_s": round(n / med["translate_s"], 1),
                        "ideal_s": round(ideal, 3),
                        "efficiency_translate": round(ideal / med["translate_s"], 3),
                        "efficiency_after_startup": round(ideal / med["after_startup_s"], 3),
                        "pool_only_s": round(pool_wall, 3),
                        "pool_only_cpu_ms_per_case": round(1000 * pool_cpu / n, 2),
                        "efficiency_pool_only": round(ideal / pool_wall, 3),
                        "misses": max(r["misses"] for r in runs),
                        "max_inflight": max(r["max_inflight"] for r in runs),
                        "connections": max(r["connections"] for r in runs),
                        "identical": all(r["summary_sha256"] == reference for r in runs),
                        "load_avg": round(os.getloadavg()[0], 2),
                        "tree": str(Path(tree).parents[1]),
                    }
                )
    return rows


def report(rows: list[dict[str, Any]], console: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=160)
    table = Table(title="slow translator throughput (fake server, medians of repeats)")
    cols = ("jobs", "cases", "ideal s", "translate s", "cases/s", "eff. translate", "pool s",
            "after start-up s", "eff. run", "pool only s", "eff. pool only", "CPU ms/call", "identical",
            "load")  # fmt: skip
    for col in cols:
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            str(r["jobs"]), str(r["cases"]), f"{r['ideal_s']:.2f}", f"{r['translate_s']:.2f}",
            f"{r['cases_per_s']:.1f}", f"{r['efficiency_translate']:.0%}", f"{r['pool_s']:.2f}",
            f"{r['after_startup_s']:.2f}", f"{r['efficiency_after_startup']:.0%}", f"{r['pool_only_s']:.2f}",
            f"{r['efficiency_pool_only']:.0%}", f"{r['pool_only_cpu_ms_per_case']:.2f}",
            "yes" if r["identical"] and not r["misses"] else "[red]NO[/]", f"{r['load_avg']:.2f}",
        )  # fmt: skip
    console.print(table)


def run(
    cases: int = 640,
    jobs: tuple[int, ...] = (1, 8, 32),
    delay: float = 0.1,
    repeats: int = 3,
    suite: str = "core",
    pythonpath: str | None = None,
    console: Any = None,
    as_json: bool = False,
) -> int:
    rows = measure(cases, jobs, delay, repeats, suite, pythonpath)
    if as_json:
        for r in rows:
            print(json.dumps(r, sort_keys=True))
    else:
        report(rows, console)
    return 0 if all(r["identical"] and not r["misses"] for r in rows) else 1


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        sp = argparse.ArgumentParser(prog="bench.perf.jobs serve")
        sp.add_argument("--delay", type=float, default=0.1)
        sp.add_argument("--answers")
        sp.add_argument("--port", type=int, default=0)
        a = sp.parse_args(argv[1:])
        serve(a.delay, a.answers, a.port)
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=640)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--delay", type=float, default=0.1, help="Server latency per request, seconds.")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--suite", default="core")
    parser.add_argument("--pythonpath", help="Run the measured `reachbench run` from this tree.")
    parser.add_argument("--json", action="store_true", help="One JSON line per row instead of a table.")
    a = parser.parse_args(argv)
    raise SystemExit(run(a.cases, tuple(a.jobs), a.delay, a.repeats, a.suite, a.pythonpath, as_json=a.json))


if __name__ == "__main__":
    main()
