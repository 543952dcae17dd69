"""``reachbench worlds``: build scenario worlds, list and show them, capture a real account, synthesize.

Thin over ``bench.scenarios`` (build), ``bench.world.catalog``/``summary`` (list, show),
``bench.world.reader`` (read, read-only) and ``bench.world.synthetic`` (synth).
"""

from __future__ import annotations

import difflib
import filecmp
import tempfile
import time
from pathlib import Path

import typer

from bench.cli._common import console, fail


def _default_out() -> Path:
    from bench.world.catalog import world_dir

    return world_dir()


def _build(scenarios: list[str], out: Path | None, check: bool) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from bench.scenarios import FisTemplateError, ScenarioError, list_scenarios, load_scenario, scenario_path
    from bench.scenarios.build import build_world, world_names
    from bench.world.snapshot import write_snapshot

    names = scenarios or list_scenarios()
    if not names:
        fail("no scenarios found (cases/scenarios/*.yaml)")
    target = out or _default_out()
    try:
        sources = [load_scenario(scenario_path(n)) for n in names]
    except ScenarioError as exc:
        fail(str(exc))
    jobs = [(s, f) for s in sources for f in world_names(s)]
    scratch = Path(tempfile.mkdtemp(prefix="reachbench-check-")) if check else target
    started = time.perf_counter()
    written: list[tuple[str, Path]] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("building worlds", total=len(jobs))
        for source, fault in jobs:
            name = f"{source.spec.name}__{fault}"
            progress.update(task, description=f"building {name}")
            try:
                raw = build_world(source, fault)
            except (ScenarioError, FisTemplateError) as exc:
                fail(str(exc))
            written.append((name, write_snapshot(raw, scratch / f"{name}.json")))
            progress.advance(task)
    elapsed = time.perf_counter() - started
    if not check:
        total = sum(p.stat().st_size for _, p in written)
        console.print(f"built {len(written)} worlds in {elapsed:.1f}s into {target} ({total / 1e6:.1f} MB)")
        return
    differing = []
    for name, fresh in written:
        kept = target / fresh.name
        if not kept.exists():
            differing.append(f"{name}: missing from {target}")
        elif not filecmp.cmp(fresh, kept, shallow=False):
            diff = difflib.unified_diff(
                kept.read_text().splitlines(),
                fresh.read_text().splitlines(),
                str(kept),
                "fresh build",
                n=1,
                lineterm="",
            )
            differing.append(f"{name}: differs\n" + "\n".join(list(diff)[:20]))
    if differing:
        for d in differing:
            console.print(f"[red]✗[/] {d}")
        console.print(
            f"[red]{len(differing)} of {len(written)} worlds differ from a fresh build[/] "
            "(rebuild with: reachbench worlds build)"
        )
        raise typer.Exit(1)
    console.print(f"[green]✓[/] {len(written)} worlds identical to a fresh build ({elapsed:.1f}s)")


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Worlds: build from scenarios, list, show, capture an account, synthesize.", no_args_is_help=True
    )

    @group.command("build")
    def build_cmd(
        scenarios: list[str] = typer.Argument(None, help="Scenario names or YAML paths (default: all)."),
        out: Path | None = typer.Option(None, "--out", help="Output folder (default: cases/worlds)."),
        check: bool = typer.Option(
            False,
            "--check",
            help="Build into a scratch folder and compare with the files in --out; exit 1 on any difference.",
        ),
    ) -> None:
        """Build every fault world of the scenarios in moto (deterministic) and write the snapshots."""
        _build(list(scenarios or []), out, check)

    @group.command("list")
    def list_cmd() -> None:
        """World snapshots available by name, and the scenarios that build them."""
        from rich.table import Table

        from bench.scenarios import list_scenarios
        from bench.world.catalog import list_worlds, world_dir

        worlds = list_worlds()
        table = Table("world", "size", title=f"worlds in {world_dir()}")
        for w in worlds:
            table.add_row(w, f"{(world_dir() / f'{w}.json').stat().st_size / 1e3:.0f} kB")
        console.print(table)
        console.print(f"{len(worlds)} worlds; scenarios: {', '.join(list_scenarios()) or '(none)'}")

    @group.command("show")
    def show_cmd(
        world: str = typer.Argument(..., help="World name or snapshot path."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    ) -> None:
        """A readable summary of one world: counts and resources by name."""
        import json

        from bench.world.catalog import load_world
        from bench.world.snapshot import SnapshotError
        from bench.world.summary import render, summarize

        try:
            loaded = load_world(world)
        except SnapshotError as exc:
            fail(str(exc))
        summary = summarize(loaded)
        if as_json:
            typer.echo(json.dumps(summary, indent=2, sort_keys=True))
        else:
            console.print(render(summary))

    @group.command("read")
    def read_cmd(
        profile: str | None = typer.Option(
            None, "--profile", help="AWS profile (default: the environment's)."
        ),
        regions: list[str] = typer.Option(..., "--region", help="Region to read; repeat for several."),
        out: Path = typer.Option(..., "--out", help="Snapshot file to write."),
        name: str | None = typer.Option(None, "--name", help="World name (default: the file's stem)."),
    ) -> None:
        """Capture a real account's network, read-only (Describe/List/Get/Search calls only)."""
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        from bench.world.reader import account_id, read_account
        from bench.world.snapshot import FORMAT, SNAPSHOT_SCHEMA_VERSION, write_snapshot

        skipped: list[str] = []
        try:
            session = boto3.Session(profile_name=profile) if profile else boto3.Session()
            with console.status("reading account (read-only)..."):
                account = account_id(session, regions[0])
                body = read_account(
                    session, regions, on_skip=lambda call, why: skipped.append(f"{call}: {why}")
                )
        except (BotoCoreError, ClientError) as exc:
            fail(f"could not read the account: {type(exc).__name__}: {exc}")
        from bench.scenarios.worldinfo import ip_ranges_subset, service_dns

        raw = {
            "format": FORMAT,
            "schema_version": SNAPSHOT_SCHEMA_VERSION,
            "name": name or out.stem,
            "account_id": account,
            "regions": body,
            "dns": service_dns(sorted(body)),
            "ip_ranges": ip_ranges_subset(set(body)),
            "provenance": {"source": "reachbench worlds read", "regions": sorted(body), "skipped": skipped},
        }
        write_snapshot(raw, out)
        for s in skipped:
            console.print(f"[yellow]skipped[/] {s}")
        console.print(f"wrote {out} ({len(body)} Regions)")

    @group.command("import")
    def import_cmd(
        folder: Path = typer.Argument(..., help="Folder of AWS CLI JSON output (see docs/world-model.md)."),
        name: str | None = typer.Option(None, "--name", help="World name (default: the folder's name)."),
        out: Path | None = typer.Option(
            None, "--out", help="Snapshot file to write (default: <worlds folder>/<name>.json)."
        ),
        region: str | None = typer.Option(
            None, "--region", help="Region of a flat folder, when its subnets do not tell it."
        ),
        account: str | None = typer.Option(None, "--account", help="Account id (default: from the files)."),
    ) -> None:
        """Turn AWS CLI output (one JSON file per describe call) into a world snapshot, offline."""
        from bench.scenarios.worldinfo import ip_ranges_subset, service_dns
        from bench.world.importer import import_folder
        from bench.world.normalize import normalize
        from bench.world.snapshot import SnapshotError, write_snapshot
        from bench.world.summary import not_modelled

        try:
            imported = import_folder(folder, name=name, region=region, account=account)
        except SnapshotError as exc:
            fail(str(exc))
        raw = imported.raw
        raw["dns"] = service_dns(sorted(raw["regions"]))
        raw["ip_ranges"] = ip_ranges_subset(set(raw["regions"]))
        try:
            world = normalize(raw, str(folder))
        except SnapshotError as exc:
            files = imported.files_of(str(exc))
            fail(f"{exc}" + (f" (read from {', '.join(files)})" if files else ""))
        target = out or _default_out() / f"{raw['name']}.json"
        write_snapshot(raw, target)
        for s in imported.skipped:
            console.print(f"[yellow]skipped[/] {s}")
        for note in world.notes:
            if not note.startswith("not modelled: "):
                console.print(f"[dim]note:[/] {note}")
        for item in not_modelled(world):
            console.print(f"[yellow]not modelled:[/] {item}")
        console.print(
            f"wrote {target}: {len(imported.files)} files, Regions {', '.join(world.regions)}, "
            f"{len(world.vpcs)} VPCs, {len(world.subnets)} subnets, {len(world.instances)} instances"
        )

    @group.command("synth")
    def synth_cmd(
        vpcs: int = typer.Option(100, "--vpcs", help="Number of VPCs."),
        subnets: int = typer.Option(1000, "--subnets", help="Number of subnets in all."),
        instances: int = typer.Option(10000, "--instances", help="Number of instances in all."),
        seed: int = typer.Option(0, "--seed", help="Seed; same arguments, same snapshot."),
        out: Path = typer.Option(..., "--out", help="Snapshot file to write."),
    ) -> None:
        """Generate a large synthetic world without moto (for performance work; not checked in)."""
        from bench.world.snapshot import write_snapshot
        from bench.world.synthetic import generate_snapshot

        started = time.perf_counter()
        try:
            raw = generate_snapshot(vpcs, subnets, instances, seed)
        except ValueError as exc:
            fail(str(exc))
        write_snapshot(raw, out)
        console.print(
            f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f}s"
        )

    app.add_typer(group, name="worlds")
