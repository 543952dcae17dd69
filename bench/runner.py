"""Run a translator over a suite, execute each translated query on its world, score, write a run directory.

``run(options)`` is the library behind ``reachbench run``: it loads the suite, selects the cases, loads
and indexes every world once, translates through the worker pool (``jobs`` calls in flight), executes
each query on the case's world as its translation arrives, and appends the case's record to
``samples.jsonl`` at once. A run directory is never reused silently: an existing ``run_id`` is an error
unless ``overwrite`` (or ``resume``), and a lock (``bench.run.guard.RunLock``) keeps a second writer out.
A run stopped at any point is resumed with ``resume(run_dir)``: finished cases
are kept, the rest are translated, and the final files equal those of an uninterrupted run (records are
rewritten sorted by case id and the summary depends only on them). A translator exception, timeout or
garbage answer is a scored failure, never the end of the run.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import __version__
from bench.cases.schema import Case
from bench.model import Translation
from bench.run import goldwork
from bench.run.crossworld import suite_config
from bench.run.execute import EngineFactory, Executor
from bench.run.gctune import relaxed_gc, settle
from bench.run.guard import FailFast, RunAbortedError, RunLock
from bench.run.options import RunOptions, RunOptionsError, parse_shard, select_cases
from bench.run.options import check_cases as _check_cases
from bench.run.options import display_name as _display_name
from bench.run.progress import RunProgress
from bench.run.provenance import git_revision, now, package_versions, stamp
from bench.run.recordcache import CaseRecorder, record_cache
from bench.run.records import (
    SAMPLES,
    SAMPLES_GZ,
    Framed,
    Parts,
    SampleAppender,
    decompress_samples,
    latest_by_id,
    read_samples,
    samples_path,
    write_samples,
)
from bench.run.scoring import RUN_JSON, RunDirError, read_meta, score_records, write_json, write_summary
from scorers import CaseFacts

__all__ = [
    "RunResult",
    "run",
    "resume",
    "merge",
    "RunOptions",
    "RunOptionsError",
    "RunDirError",
    "RunAbortedError",
]


@dataclass
class RunResult:
    run_dir: Path
    summary: dict[str, Any]
    meta: dict[str, Any]
    n_new: int  # cases translated by this invocation (the rest came from a resumed run)


def _load_suite(options: RunOptions) -> Any:
    from bench.cases.loader import load_suite

    return load_suite(options.suite, splits=list(options.splits))


def _make_translator(options: RunOptions, **overrides: Any) -> Any:
    from bench.translators.registry import make_translator

    translator = make_translator(options.translator, **overrides)
    if options.cache != "off" and getattr(translator, "cacheable", False):
        from bench.translators.cache import TranslationCache

        cache = TranslationCache(options.cache_path, mode=options.cache)  # type: ignore[arg-type]
        translator.use_cache(cache)
    return translator


def _new_run_dir(options: RunOptions, translator_name: str, out: Path) -> Path:
    """Create the run directory. A generated id takes the next free ``-N`` (atomically: two runs started
    at once get two directories); an explicit ``run_id`` that exists is an error unless ``overwrite``."""
    out.mkdir(parents=True, exist_ok=True)
    if options.run_id is not None:
        if "/" in options.run_id or options.run_id in ("", ".", ".."):
            raise RunOptionsError(f"--run-id {options.run_id!r}: a directory name, not a path")
        root = out / options.run_id
        if root.exists() and any(root.iterdir()):
            if not options.overwrite:
                raise RunDirError(
                    f"{root}: run directory exists; continue it with --resume {root}, "
                    "replace it with --overwrite, or choose another --run-id"
                )
            with RunLock(root):  # never delete under a live writer
                pass
            shutil.rmtree(root)
        root.mkdir(exist_ok=True)
        return root
    base = f"{Path(str(options.suite)).name}-{'+'.join(options.splits)}-{translator_name}-{stamp()}"
    if options.shard is not None:
        base += f"-shard{options.shard[0]}of{options.shard[1]}"
    run_id, n = base, 1
    while True:
        try:
            (out / run_id).mkdir()
            return out / run_id
        except FileExistsError:
            n += 1
            run_id = f"{base}-{n}"


def _meta(
    options: RunOptions, suite: Any, cases: Sequence[Case], translator: Any, run_id: str
) -> dict[str, Any]:
    described = translator.describe()
    return {
        "run_id": run_id,
        "status": "running",
        "translator": {
            "spec": options.translator,
            **described,
            "display_name": options.name or _display_name(options.translator, described),
            "resume_options": translator.resume_options() if hasattr(translator, "resume_options") else {},
        },
        "suite": {
            "name": suite.name,
            "version": suite.version,
            "hash": suite.hash,
            "splits": list(options.splits),
            "n_cases": len(cases),
            "source": str(options.suite),
        },
        "case_ids": [c.id for c in cases],
        "seed": options.seed,
        "n_resamples": options.n_resamples,
        "test_suite": {"variants": options.suite_variants, "seed": options.suite_seed},
        "reachbench_version": __version__,
        "git_revision": git_revision(),
        "packages": package_versions(),
        "started_at": now(),
        "finished_at": None,
        "cache": None,
        "pool": None,
        "options": options.recorded(),
    }


def run(
    options: RunOptions,
    *,
    engine_factory: EngineFactory | None = None,
    translator: Any = None,
    console: Console | None = None,
    progress: bool = True,
    stop: threading.Event | None = None,
    on_case: Callable[[str], None] | None = None,
) -> RunResult:
    """Run ``options`` into a new run directory under ``options.out`` (see module docstring)."""
    with relaxed_gc():
        return _run(options, engine_factory, translator, console, progress, stop, on_case)


def _run(
    options: RunOptions,
    engine_factory: EngineFactory | None,
    translator: Any,
    console: Console | None,
    progress: bool,
    stop: threading.Event | None,
    on_case: Callable[[str], None] | None,
) -> RunResult:
    suite = _load_suite(options)
    settle()
    cases = select_cases(suite.cases, options)
    if not cases:
        raise RunOptionsError(
            f"suite {suite.name!r}: no cases selected "
            f"(splits {list(options.splits)}, tags {list(options.tags)}, shard {options.shard})"
        )
    translator = translator if translator is not None else _make_translator(options)
    _check_cases(translator, suite)
    _report_cache_problem(translator, console)
    run_dir = _new_run_dir(options, translator.name, Path(options.out))
    with RunLock(run_dir):
        meta = _meta(options, suite, cases, translator, run_dir.name)
        write_json(run_dir / RUN_JSON, meta)
        return _execute(
            run_dir, meta, cases, translator, options, engine_factory, console, progress, stop, on_case
        )


def _report_cache_problem(translator: Any, console: Console | None) -> None:
    cache = getattr(translator, "_cache", None)
    problem = getattr(cache, "problem", None)
    if problem and console is not None:
        console.print(f"[yellow]warning[/]: {problem}")


def _check_same_translator(root: Path, recorded: dict[str, Any], translator: Any) -> None:
    """``--resume`` must go on with the translator the run started with: same name, version, settings and
    fingerprint (code, program bytes or prompt), else two translators would be mixed in one run."""
    now_described = translator.describe()
    for key in ("name", "version", "settings", "fingerprint"):
        if key not in recorded and key == "fingerprint":
            continue  # a run started before fingerprints were recorded
        if recorded.get(key) != now_described.get(key):
            raise RunDirError(
                f"{root / RUN_JSON}: translator {key} differs from the one this run started with "
                f"({_short(recorded.get(key))} then, {_short(now_described.get(key))} now); "
                "start a new run instead of resuming"
            )


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def resume(
    run_dir: str | Path,
    *,
    engine_factory: EngineFactory | None = None,
    translator: Any = None,
    console: Console | None = None,
    progress: bool = True,
    jobs: int | None = None,
    stop: threading.Event | None = None,
    compress: bool | None = None,
) -> RunResult:
    """Finish an interrupted run: same translator spec, suite and selection, from its run.json
    (``compress``: override the recorded choice of writing ``samples.jsonl.gz`` at the end)."""
    root = Path(run_dir).resolve()
    with RunLock(root), relaxed_gc():
        return _resume_locked(root, engine_factory, translator, console, progress, jobs, stop, compress)


def _resume_locked(
    root: Path,
    engine_factory: EngineFactory | None,
    translator: Any,
    console: Console | None,
    progress: bool,
    jobs: int | None,
    stop: threading.Event | None,
    compress: bool | None,
) -> RunResult:
    meta = read_meta(root)
    recorded = meta.get("options") or {}
    options = RunOptions(
        translator=meta["translator"]["spec"],
        suite=meta["suite"].get("source") or meta["suite"]["name"],
        splits=tuple(meta["suite"].get("splits") or recorded.get("splits") or ("test",)),
        limit=recorded.get("limit"),
        tags=tuple(recorded.get("tags") or ()),
        jobs=jobs or int(recorded.get("jobs") or 4),
        shard=parse_shard(recorded.get("shard")),
        out=root.parent,
        run_id=root.name,
        cache=str(recorded.get("cache") or "use"),
        seed=int(meta.get("seed")),
        n_resamples=int(meta.get("n_resamples")),
        timeout=recorded.get("timeout"),
        compress=bool(recorded.get("compress", False)) if compress is None else compress,
        max_error_rate=recorded.get("max_error_rate"),
        suite_variants=suite_config(meta)[0],
        suite_seed=suite_config(meta)[1],
    )
    suite = _load_suite(options)
    if suite.hash != meta["suite"]["hash"]:
        raise RunDirError(
            f"{root / RUN_JSON}: suite {suite.name!r} changed since the run started "
            f"(hash {meta['suite']['hash'][:12]}... now {suite.hash[:12]}...); start a new run"
        )
    by_id = suite.by_id()
    missing = [i for i in meta.get("case_ids", []) if i not in by_id]
    if missing:
        raise RunDirError(f"{root / RUN_JSON}: cases no longer in the suite: {missing[:5]}")
    cases = (
        [by_id[i] for i in meta["case_ids"]] if meta.get("case_ids") else select_cases(suite.cases, options)
    )
    if translator is None:
        translator = _make_translator(options, **(meta["translator"].get("resume_options") or {}))
    _check_same_translator(root, meta["translator"], translator)
    _check_cases(translator, suite)
    _report_cache_problem(translator, console)
    meta = {**meta, "status": "running", "resumed_at": now()}
    write_json(root / RUN_JSON, meta)
    return _execute(root, meta, cases, translator, options, engine_factory, console, progress, stop, None)


def _execute(
    run_dir: Path,
    meta: dict[str, Any],
    cases: list[Case],
    translator: Any,
    options: RunOptions,
    engine_factory: EngineFactory | None,
    console: Console | None,
    show_progress: bool,
    stop: threading.Event | None,
    on_case: Callable[[str], None] | None,
) -> RunResult:
    from bench.run.verdicts import store_for
    from bench.translators.pool import translate_all

    store = store_for(options.cache, options.cache_path, stand_in=engine_factory is not None)
    if store is not None and store.problem and console is not None:
        console.print(f"[yellow]warning[/]: {store.problem}")
    executor = Executor(engine_factory, options.suite_variants, options.suite_seed, verdicts=store)
    recorder = CaseRecorder(executor, record_cache(store, meta, translator))
    translator.bind_gold({c.id: c.gold for c in cases}, {c.id: c.input for c in cases})
    # A compressed run being resumed goes back to the plain file that appends go to (and is compressed
    # again when it completes).
    was_compressed = not (run_dir / SAMPLES).exists() and (run_dir / SAMPLES_GZ).exists()
    if was_compressed:
        decompress_samples(run_dir)
    samples_file = run_dir / SAMPLES
    wanted = {c.id for c in cases}
    done = {
        k: v
        for k, v in latest_by_id(read_samples(samples_file, tolerate_torn_tail=True)).items()
        if k in wanted
    }
    todo = [c for c in cases if c.id not in done]
    gold = goldwork.start(executor, todo, console)  # the gold side of todo's cases, in a child process
    try:
        executor.prepare(c.world for c in cases)
    except BaseException:
        if gold is not None:
            gold.close()
        raise
    by_id = {c.id: c for c in cases}
    label = f"{meta['suite']['name']} · {meta['translator']['name']}"
    status = "interrupted"
    gate = FailFast(meta["translator"]["name"], len(todo))
    # The first call on each worker pays the warm-up (imports, compiled patterns, connections); reports
    # leave these cases out of latency percentiles.
    warmup: list[str] = list(meta.get("warmup_case_ids") or [])
    warm_slots = options.jobs
    fresh: dict[str, CaseFacts] = {}
    finished: dict[str, dict[str, Any]] = {}
    parts: dict[str, Parts | Framed] = {}  # serialised appended records, reused by the final write
    try:
        with (
            SampleAppender(samples_file) as appender,
            RunProgress(console, total=len(cases), label=label, enabled=show_progress) as bar,
        ):
            for _ in done:
                bar.advance(False)

            def on_result(case_id: str, translation: Translation) -> None:
                for held_id, held in gate.offer(case_id, translation):
                    record_result(held_id, held)

            def record_result(case_id: str, translation: Translation) -> None:
                nonlocal warm_slots
                if warm_slots > 0 and not translation.cached:
                    warm_slots -= 1
                    warmup.append(case_id)
                if gold is not None:
                    gold.ready(case_id)
                record, line, fresh[case_id], parts[case_id] = recorder.record(by_id[case_id], translation)
                finished[case_id] = record
                appender.append(record, line)
                bar.advance(
                    record["failure_type"] is not None
                    and record["failure_type"].startswith(("translator:", "engine:", "parse:"))
                )
                if on_case is not None:
                    on_case(case_id)

            # Cached answers are read in one batch and recorded here, on this thread; only misses go to
            # the pool (a rerun whose answers are all cached never starts a call).
            batch = getattr(translator, "cached_translations", None)
            hits = batch((c.id, c.input) for c in todo) if todo and callable(batch) else {}
            for case_id in sorted(hits):
                on_result(case_id, hits[case_id])
            pool_stats = translate_all(
                translator,
                ((c.id, c.input) for c in todo if c.id not in hits),
                options.jobs,
                on_result,
                timeout=options.timeout,
                stop=stop,
            )
            pool_stats.submitted += len(hits)
            pool_stats.completed += len(hits)
            pool_stats.cached += len(hits)
            pool_stats.errors += sum(t.status == "error" for t in hits.values())
        status = "complete" if stop is None or not stop.is_set() else "interrupted"
    except RunAbortedError as exc:
        status = "aborted"
        meta = {**meta, "aborted": str(exc)}
        raise
    finally:
        if gold is not None:
            gold.close()
        if status != "complete" and hasattr(translator, "cancel"):
            translator.cancel()  # interrupted (Ctrl-C, SIGTERM) or aborted: no program left running
        meta = {**meta, "status": status, "warmup_case_ids": sorted(set(warmup))}
        cache = getattr(translator, "_cache", None)
        if cache is not None:
            meta["cache"] = cache.stats().as_dict()
        if store is not None:
            if recorder.cache is not None:
                recorder.cache.close()
                meta["record_cache"] = recorder.cache.stats()
            store.close()
            meta["verdict_cache"] = store.stats()
        write_json(run_dir / RUN_JSON, meta)
    records = list({**done, **finished}.values())
    if status != "complete" or len(records) < len(cases):
        meta["status"] = "interrupted"
        write_json(run_dir / RUN_JSON, meta)
        return RunResult(run_dir, {}, meta, len(todo))
    records, summary = score_records(records, meta, where=str(samples_file), known=fresh)
    write_samples(run_dir, records, compress=options.compress or was_compressed, parts=parts)
    write_summary(run_dir, summary)
    meta = {**meta, "finished_at": now(), "pool": pool_stats.as_dict()}
    write_json(run_dir / RUN_JSON, meta)
    return RunResult(run_dir, summary, meta, len(todo))


def merge(
    shard_dirs: Sequence[str | Path], out: str | Path, run_id: str | None = None, compress: bool = False
) -> RunResult:
    """Combine shard runs of one translator on one suite into a new run directory and score it
    (``compress``: write ``samples.jsonl.gz``). Shards may be plain or compressed."""
    if not shard_dirs:
        raise RunOptionsError("merge needs at least one run directory")
    metas = [read_meta(Path(d)) for d in shard_dirs]
    first = metas[0]
    for d, m in zip(shard_dirs, metas, strict=True):
        for key in ("translator", "seed", "n_resamples"):
            if m.get(key) != first.get(key):
                raise RunDirError(
                    f"{Path(d) / RUN_JSON}: {key} differs from {Path(shard_dirs[0]) / RUN_JSON}"
                )
        if m["suite"]["hash"] != first["suite"]["hash"] or m["suite"]["splits"] != first["suite"]["splits"]:
            raise RunDirError(f"{Path(d) / RUN_JSON}: suite differs from {Path(shard_dirs[0]) / RUN_JSON}")
        if m.get("status") != "complete":
            raise RunDirError(f"{Path(d) / RUN_JSON}: run is {m.get('status')!r}; resume it before merging")
    records: dict[str, dict[str, Any]] = {}
    for d in shard_dirs:
        shard_samples = samples_path(Path(d))
        for record in read_samples(shard_samples):
            if record["case_id"] in records:
                raise RunDirError(f"{shard_samples}: case {record['case_id']!r} is in two shards")
            records[record["case_id"]] = record
    shards = sorted({m["options"].get("shard") for m in metas if m.get("options", {}).get("shard")})
    counts = {int(s.split("/")[1]) for s in shards}
    if len(counts) == 1 and len(shards) != counts.pop():
        raise RunDirError(f"merge: shards {shards} do not cover every shard of the run")
    base_id = run_id or f"{first['run_id'].split('-shard')[0]}-merged"
    root = Path(out) / base_id
    root.mkdir(parents=True, exist_ok=run_id is not None)
    meta = {
        **first,
        "run_id": base_id,
        "status": "complete",
        "suite": {**first["suite"], "n_cases": len(records)},
        "case_ids": sorted(records),
        "merged_from": [m["run_id"] for m in metas],
        "options": {**first["options"], "shard": None, "compress": compress},
        "started_at": min(str(m.get("started_at")) for m in metas),
        "finished_at": max(str(m.get("finished_at")) for m in metas),
        "cache": None,
        "pool": None,
    }
    scored, summary = score_records(list(records.values()), meta)
    write_json(root / RUN_JSON, meta)
    write_samples(root, scored, compress)
    write_summary(root, summary)
    return RunResult(root, summary, meta, 0)


def with_suite(options: RunOptions, suite: str) -> RunOptions:
    """The same options on another suite (the default command runs ``seed`` and ``core``)."""
    return replace(options, suite=suite)
