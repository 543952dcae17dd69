"""``reachbench cases``: generate, validate, describe and export the case suites."""
# ruff: noqa: B008  (typer declares options as argument defaults by design)

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from bench.cli._common import console, fail

cases_app = typer.Typer(
    help="Case suites: generate, validate (gold re-derived), stats, export.", no_args_is_help=True
)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _load(name: str, keep_going: bool, splits: list[str] | None = None):  # noqa: ANN202
    from bench.cases.loader import CaseFileError, load_suite

    try:
        return load_suite(name, splits=splits or None, keep_going=keep_going)
    except CaseFileError as exc:
        fail(f"{exc}\n(use --keep-going to load the rest and list every problem)")


@cases_app.command("list")
def list_cmd() -> None:
    """List the suites with their version, hash and case counts."""
    from bench.cases.loader import list_suites

    for name in list_suites():
        suite = _load(name, keep_going=True)
        console.print(
            f"{suite.name:10} v{suite.version:8} {suite.hash[:12]}  "
            f"dev={len(suite.split('dev'))} test={len(suite.split('test'))}"
            + (f"  [red]{len(suite.problems)} problems[/]" if suite.problems else "")
        )


@cases_app.command("validate")
def validate_cmd(
    suites: list[str] = typer.Argument(None, help="Suite names or folders (default: every suite)."),
    keep_going: bool = typer.Option(False, "--keep-going", help="Load past malformed lines and report all."),
    limit: int = typer.Option(20, help="Print at most this many problems per kind."),
) -> None:
    """Check every case: schema, ids, and gold re-derived from the worlds by the engine."""
    from bench.cases.loader import list_suites
    from bench.cases.validate import validate_suite

    names = suites or list_suites()
    if not names:
        fail("no suites found")
    from bench.world.snapshot import SnapshotError

    bad = False
    for name in names:
        suite = _load(name, keep_going)
        empty = _empty_splits(suite)
        if empty:
            fail(f"{suite.path}: {empty}", code=1)
        with _progress() as prog:
            task = prog.add_task(f"re-deriving gold of {suite.name}", total=len(suite.cases))
            try:
                report = validate_suite(suite, progress=lambda n, t=task: prog.update(t, completed=n))
            except SnapshotError as exc:
                fail(str(exc), code=1)
        for label, items in (
            ("file", report.file_problems),
            ("id", report.id_problems),
            ("gold", [str(g) for g in report.gold_problems]),
        ):
            for line in items[:limit]:
                console.print(Text.assemble((f"{label}: ", "red"), line), soft_wrap=True)
            if len(items) > limit:
                console.print(f"[red]{label}:[/] ... and {len(items) - limit} more")
        status = "[green]ok[/]" if report.ok else "[red]FAILED[/]"
        console.print(
            f"{suite.name} v{suite.version} ({suite.hash[:12]}): {report.n_cases} cases, "
            f"{len(report.file_problems)} file, {len(report.id_problems)} id, "
            f"{len(report.gold_problems)} gold problems: {status}"
        )
        bad |= not report.ok
    if bad:
        raise typer.Exit(1)


def _empty_splits(suite: object) -> str | None:
    """Why a suite cannot pass validation before any case is looked at: no split file, or an empty one."""
    splits = getattr(suite, "splits", ())
    if not splits:
        return "no split file (test.jsonl, dev.jsonl, ...): nothing to validate"
    counts = {s: 0 for s in splits}
    for case in getattr(suite, "cases", ()):
        counts[case.split] = counts.get(case.split, 0) + 1
    empty = [s for s, n in counts.items() if n == 0]
    return f"split {', '.join(empty)} has no cases" if empty else None


@cases_app.command("stats")
def stats_cmd(
    suite: str = typer.Argument("core"),
    csv: Path = typer.Option(None, help="Write the per-slice table as CSV here."),
    markdown: Path = typer.Option(None, help="Write the per-slice table as Markdown here."),
    check: bool = typer.Option(
        False,
        help="Exit 1 if a promised minimum is broken (core: 30 test cases a slice, "
        "25 % balances; natural: the groups of bench/cases/natural_stats.py).",
    ),
    card: Path = typer.Option(
        None, help="Rewrite the table between the stats markers of this data card (e.g. cases/README.md)."
    ),
) -> None:
    """Counts per slice (axis:value) and split, and the answerable/reachable balance."""
    from bench.cases.stats import balance, check_minimums, markdown_table, slice_table

    loaded = _load(suite, keep_going=False)
    table = slice_table(loaded.cases)
    if csv:
        csv.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(csv, index=False, lineterminator="\n")
    if markdown:
        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(markdown_table(table), encoding="utf-8")
    if card:
        from bench.cases.stats import update_card

        update_card(card, loaded)
        console.print(f"updated {card}")
    if not csv and not markdown and not card:
        console.print(table.to_string(index=False))
    shares = balance(loaded.cases)
    console.print(" ".join(f"{k}={v:.0f}" if k == "cases" else f"{k}={v:.1%}" for k, v in shares.items()))
    if check:
        if loaded.name == "natural":
            from bench.cases.natural_stats import check_natural

            problems = check_natural(loaded.cases)
        else:
            problems = check_minimums(loaded.cases)
        for p in problems:
            console.print(f"[red]{p}[/]")
        if problems:
            raise typer.Exit(1)


@cases_app.command("generate")
def generate_cmd(
    suite: str = typer.Option("core", help="Suite name (output folder cases/<suite>/ unless --out)."),
    out: Path = typer.Option(None, help="Output folder."),
    seed: int = typer.Option(None, help="Generator seed (default: the corpus seed)."),
    total: int = typer.Option(2000, help="Target number of cases (before per-code/type minimums)."),
    world: list[str] = typer.Option(None, "--world", help="Only these worlds (default: every world)."),
    check: bool = typer.Option(
        False,
        "--check",
        help="Generate into a scratch folder and compare bytes "
        "with the checked-in suite instead of writing it.",
    ),
) -> None:
    """Generate a suite from the worlds, with gold computed by the engine."""
    from bench.cases.generate import DEFAULT_SEED, GenConfig, core_worlds, generate_suite
    from bench.cases.loader import cases_root
    from bench.cases.validate import cached_engine
    from bench.world.catalog import list_worlds, load_world

    names = world or core_worlds(list_worlds())
    if not names:
        fail("no worlds found (build them with `reachbench worlds build`)")
    config = GenConfig(suite=suite, seed=DEFAULT_SEED if seed is None else seed, total=total)
    target = out or cases_root() / suite
    if check:
        import shutil
        import tempfile

        scratch = Path(tempfile.mkdtemp(prefix="reachbench-cases-"))
        if (target / "ids.txt").exists():
            shutil.copy(target / "ids.txt", scratch / "ids.txt")
        final, target = target, scratch
    with _progress() as prog:
        task = prog.add_task("generating", total=2 * len(names))

        def step(stage: str, name: str) -> None:
            prog.update(task, advance=1, description=f"{stage} {name}")

        counts = generate_suite(
            [load_world(n) for n in names], lambda w: cached_engine(w.name), target, config, step
        )
    if check:
        differ = [
            n
            for n in ("suite.json", "inventories.jsonl", "dev.jsonl", "test.jsonl", "ids.txt")
            if not (final / n).exists() or (final / n).read_bytes() != (target / n).read_bytes()
        ]
        shutil.rmtree(target)
        if differ:
            fail(f"regeneration differs from {final} in: {', '.join(differ)}", code=1)
        console.print(f"{final}: regeneration is byte-identical (dev={counts['dev']} test={counts['test']})")
        return
    console.print(f"wrote {target}: dev={counts['dev']} test={counts['test']}")


@cases_app.command("seed")
def seed_cmd() -> None:
    """Rebuild the seed suite from cases/seed/source.yaml (gold from the engine)."""
    from bench.cases.seed import build_seed
    from bench.cases.validate import cached_engine
    from bench.world.catalog import load_world

    cases = build_seed(load_world, lambda w: cached_engine(w.name))
    console.print(f"seed suite: {len(cases)} cases")


@cases_app.command("natural")
def natural_cmd(
    source: list[Path] = typer.Option(None, "--source", help="Only these source files (default: all)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Build and print each case's gold; write nothing."),
    keep_going: bool = typer.Option(False, "--keep-going", help="List every bad entry instead of stopping."),
    check: bool = typer.Option(False, "--check", help="Rebuild into a scratch folder and compare bytes."),
) -> None:
    """Rebuild cases/natural from its hand-written sources (cases/natural/source/*.yaml)."""
    import shutil
    import tempfile

    from bench.cases.natural import NaturalError, build_natural, source_dir
    from bench.cases.validate import cached_engine
    from bench.world.catalog import load_world

    files = [Path(f) for f in source] if source else None
    for f in files or ():
        if not f.exists():
            fail(f"{f}: no such source file")
    scratch = Path(tempfile.mkdtemp(prefix="natural-")) if check else None
    if scratch is not None:
        ids = source_dir().parent / "ids.txt"
        if ids.exists():
            shutil.copy(ids, scratch / "ids.txt")
    try:
        result = build_natural(
            load_world,
            lambda w: cached_engine(w.name),
            files=files,
            out_dir=scratch,
            write=not dry_run,
            keep_going=keep_going or dry_run,
        )
    except NaturalError as exc:
        fail(str(exc))
    for problem in result.problems:
        typer.echo(f"error: {problem}", err=True)
    if dry_run:
        for case in sorted(result.cases, key=lambda c: result.keys[c.id]):
            g = case.gold
            v = g.verdict
            outcome = (
                "ABSTAIN " + str(g.abstain_reason)
                if not g.answerable
                else ("REACHABLE" if v and v.reachable else f"blocked {v.explanation_code if v else ''}")
            )
            if not g.answerable and v is not None and v.reachable is not None:
                outcome += f" (truth: {'reachable' if v.reachable else v.explanation_code})"
            blocking = f" at {g.blocking.id}" if g.blocking else ""
            q = g.query
            shown = f"{q.source} -> {q.destination} {q.protocol}/{q.port}" if q else "-"
            typer.echo(f"{result.keys[case.id]}\t{case.split}\t{case.world}\t{shown}\t{outcome}{blocking}")
    if scratch is not None:
        final = source_dir().parent
        names = ("suite.json", "inventories.jsonl", "dev.jsonl", "test.jsonl", "ids.txt")
        differ = [
            n
            for n in names
            if not (final / n).exists() or (final / n).read_bytes() != (scratch / n).read_bytes()
        ]
        shutil.rmtree(scratch)
        if differ:
            fail(f"rebuild differs from {final} in: {', '.join(differ)}", code=1)
        console.print(f"{final}: rebuild is byte-identical ({len(result.cases)} cases)")
        return
    if result.problems:
        fail(f"{len(result.problems)} bad entries", code=1)
    if not dry_run:
        dev = sum(c.split == "dev" for c in result.cases)
        console.print(f"natural suite: {len(result.cases)} cases (dev={dev} test={len(result.cases) - dev})")


@cases_app.command("natural-sheet")
def natural_sheet_cmd(
    source: Path = typer.Argument(..., help="A natural source file."),
    out: Path = typer.Argument(..., help="Where to write the annotation sheet (YAML)."),
) -> None:
    """Write what a second annotator may see of a source file's questions (never the gold)."""
    from bench.cases.agreement import annotation_sheet, sheet_inventories, write_sheet
    from bench.cases.natural import NaturalError, read_entries
    from bench.world.catalog import load_world

    try:
        sheet = annotation_sheet(read_entries([source]), load_world)
    except NaturalError as exc:
        fail(str(exc))
    write_sheet(out, sheet)
    inv = out.with_suffix(".inventory.jsonl")
    inv.write_text(sheet_inventories(sheet, load_world), encoding="utf-8")
    console.print(f"wrote {out}: {len(sheet)} questions, and the console inventory of their worlds in {inv}")


@cases_app.command("natural-annotation-check")
def natural_annotation_check_cmd(
    sheet: Path = typer.Argument(..., help="The annotation sheet (from natural-sheet)."),
    annotation: Path = typer.Argument(..., help="Your annotation file."),
) -> None:
    """Check a second annotation against its sheet (never against the writer's gold): keys, names,
    queries; prints the engine's verdict of each annotated question."""
    from bench.cases.agreement import check_annotation
    from bench.cases.natural import NaturalError
    from bench.cases.validate import cached_engine
    from bench.world.catalog import load_world

    try:
        lines, errors = check_annotation(sheet, annotation, load_world, cached_engine)
    except NaturalError as exc:
        fail(str(exc))
    for line in lines:
        typer.echo(line)
    for err in errors:
        typer.echo(f"error: {err}", err=True)
    if errors:
        raise typer.Exit(1)


@cases_app.command("natural-agreement")
def natural_agreement_cmd(
    annotations: list[Path] = typer.Argument(..., help="Second-annotation files."),
    source: list[Path] = typer.Option(None, "--source", help="Source files (default: all of natural)."),
    show: int = typer.Option(50, help="Print at most this many disagreements."),
) -> None:
    """Compare the writers' gold with an independent second annotation, by verdicts on every world of
    the scenario; prints the agreement rate, the causes and the disagreements."""
    from bench.cases.agreement import compare_annotations
    from bench.cases.natural import NaturalError, source_dir
    from bench.cases.validate import cached_engine
    from bench.world.catalog import list_worlds, load_world

    files = (
        list(source) if source else sorted(p for p in source_dir().glob("*.yaml") if p.name != "suite.yaml")
    )
    every = list_worlds()

    def siblings(name: str) -> list[str]:
        scenario = name.split("__", 1)[0]
        return [name] + [w for w in every if w.split("__", 1)[0] == scenario and w != name]

    try:
        result = compare_annotations(files, annotations, load_world, cached_engine, siblings)
    except NaturalError as exc:
        fail(str(exc))
    for d in result.disagreements[:show]:
        typer.echo(str(d))
    causes = ", ".join(f"{k} {v}" for k, v in result.causes().most_common())
    typer.echo(
        f"compared {result.compared}, agreed {result.agreed} ({result.rate:.1%}); "
        f"not annotated {len(result.missing)}; causes: {causes or 'none'}"
    )


@cases_app.command("export")
def export_cmd(
    out: Path = typer.Argument(..., help="Output folder."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl | parquet | hf"),
    suite: str = typer.Option("core", help="Suite name or folder."),
    split: list[str] = typer.Option(None, "--split", help="Only these splits."),
) -> None:
    """Export a suite as JSONL, Parquet, or a Hugging Face datasets folder (explicit Features)."""
    from bench.cases.export import export_suite

    if fmt not in ("jsonl", "parquet", "hf"):
        fail(f"unknown format {fmt!r}; use jsonl, parquet or hf")
    loaded = _load(suite, keep_going=False, splits=split)
    for path in export_suite(loaded, fmt, out):  # type: ignore[arg-type]
        console.print(f"wrote {path}")


@cases_app.command("export-inputs")
def export_inputs_cmd(
    suite: str = typer.Argument(..., help="Suite name or folder."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl | csv | md"),
    split: list[str] = typer.Option(None, "--split", help="Only these splits (default: every split)."),
    view: str = typer.Option(
        "translator", "--view", help="translator (turns + console context) | console (turns + world name)."
    ),
) -> None:
    """Export only what a translator may see, with a blank answer sheet (answers.csv / answers.jsonl)."""
    from bench.cases.inputs import FORMATS, VIEWS, export_inputs

    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; use {', '.join(FORMATS)}")
    if view not in VIEWS:
        fail(f"unknown view {view!r}; use {', '.join(VIEWS)}")
    loaded = _load(suite, keep_going=False, splits=split)
    for path in export_inputs(loaded, out, fmt, view):  # type: ignore[arg-type]
        console.print(f"wrote {path}")
    console.print(
        f"{len(loaded.cases)} cases; fill answers.csv (or answers.jsonl) and score it with "
        f"reachbench run --translator predictions:FILE --suite {loaded.name}"
        + "".join(f" --split {s}" for s in loaded.splits)
    )


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")
