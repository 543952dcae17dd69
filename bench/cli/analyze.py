"""``reachbench analyze``: ask the reference engine one question about a world, by id or by Name tag.

Thin over ``bench.engine``: builds a Query from the options, prints the verdict with its hops (names
shown beside ids), or the verdict as JSON with ``--json``. Exit code 0 for any verdict (reachable or
not, analysable or not), 2 when the question cannot be evaluated (unknown world or resource, bad
query).
"""

from __future__ import annotations

import json
from typing import Any

import typer

from bench.cli._common import console, fail

JSON_KEYS = ("reachable", "explanation_code", "blocking_component", "witness", "hops", "analysable", "reason")


def verdict_json(verdict: Any) -> dict[str, Any]:
    """The verdict with the keys the CLI promises, plus profile, destination set and any error."""
    data = verdict.model_dump(mode="json")
    out = {k: data[k] for k in JSON_KEYS}
    out.update(profile=data["profile"], destination_set=data["destination_set"])
    if data["error"]:
        out.update(error=data["error"], message=data["message"])
    elif data["message"]:
        out["message"] = data["message"]
    return out


def _infer_region(engine: Any, source: str) -> str:
    """The source's own Region when it names a resource or an interface address; else the first one."""
    from bench.engine.resolve import QueryError, find_resource, resolve_address
    from bench.model import destination_kind
    from bench.model.query import DestinationKind

    world = engine.world
    default = world.regions[0] if world.regions else "us-east-1"
    try:
        if destination_kind(source) is DestinationKind.IP:
            res = resolve_address(engine.ix, source, default)
        else:
            res = find_resource(engine.ix, source, default)
    except (QueryError, ValueError):
        return default
    return res.region or default


def _label(world: Any, ident: str) -> str:
    for kind in (
        "instances",
        "network_interfaces",
        "subnets",
        "vpcs",
        "security_groups",
        "network_acls",
        "route_tables",
        "internet_gateways",
        "nat_gateways",
        "transit_gateways",
        "transit_gateway_attachments",
        "transit_gateway_route_tables",
        "vpc_endpoints",
        "vpc_peering_connections",
        "vpn_gateways",
        "db_instances",
    ):
        obj = getattr(world, kind).get(ident)
        if obj is not None:
            return f"{ident} ({obj.name})" if obj.name and obj.name != ident else ident
    return ident


def _print(verdict: Any, world: Any, query: Any) -> None:
    from rich.table import Table

    proto = query.protocol if query.port is None else f"{query.protocol}/{query.port}"
    console.print(
        f"[bold]{query.source}[/] → [bold]{query.destination}[/] ({proto}, {query.region}, "
        f"profile {verdict.profile})"
    )
    if verdict.error:
        console.print(f"[bold red]cannot evaluate[/] ({verdict.error}): {verdict.message}")
        return
    if not verdict.analysable:
        console.print(f"[bold yellow]not analysable[/] ({verdict.reason}): {verdict.message or ''}")
        return
    if verdict.reachable:
        w = verdict.witness
        port = f":{w.port}" if w.port is not None else ""
        console.print(f"[bold green]REACHABLE[/] witness {w.protocol} {w.src} → {w.dst}{port}")
    else:
        b = verdict.blocking_component
        where = (
            f" at {_label(world, b.id)} ({b.type}{', ' + b.direction if b.direction else ''})" if b else ""
        )
        console.print(f"[bold red]NOT REACHABLE[/] {verdict.explanation_code}{where}")
    if verdict.destination_set:
        shown = ", ".join(verdict.destination_set[:6]) + (" …" if len(verdict.destination_set) > 6 else "")
        console.print(f"destination set: {shown}")
    if verdict.hops:
        table = Table(show_header=True, header_style="bold")
        for col in ("#", "component", "type", "dir", "detail"):
            table.add_column(col)
        for n, hop in enumerate(verdict.hops, 1):
            table.add_row(str(n), _label(world, hop.id), hop.type, hop.direction or "", hop.detail)
        console.print(table)


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze_cmd(
        world: str = typer.Argument(..., help="World name (cases/worlds) or snapshot path."),
        source: str = typer.Option(..., "--source", "-s", help="Resource id, Name tag, RDS/ASG name, or IP."),
        destination: str = typer.Option(
            ..., "--destination", "-d", help="Resource id or Name tag, IPv4 address, CIDR, or hostname."
        ),
        protocol: str = typer.Option("any", "--protocol", "-p", help="tcp | udp | icmp | any."),
        port: int | None = typer.Option(None, "--port", help="Destination port (tcp/udp); default any."),
        profile: str = typer.Option(
            "truth", "--profile", help="truth | ra (Reachability Analyzer's limits)."
        ),
        region: str | None = typer.Option(
            None, "--region", help="Region of the question (default: source's)."
        ),
        destination_ip: str | None = typer.Option(None, "--destination-ip", help="Address at a resource."),
        source_ip: str | None = typer.Option(None, "--source-ip", help="One address of the source resource."),
        as_json: bool = typer.Option(False, "--json", help="Print the verdict as JSON."),
    ) -> None:
        """Is DESTINATION reachable from SOURCE in WORLD? Prints the verdict and the path."""
        from pydantic import ValidationError

        from bench.engine import engine_for
        from bench.model import Query
        from bench.world.snapshot import SnapshotError

        if profile not in ("truth", "ra"):
            fail(f"unknown profile {profile!r}: use truth or ra")
        if protocol not in ("tcp", "udp", "icmp", "any"):
            fail(f"unknown protocol {protocol!r}: use tcp, udp, icmp or any")
        import ipaddress

        for flag, value in (("--destination-ip", destination_ip), ("--source-ip", source_ip)):
            if value is not None:
                try:
                    ipaddress.IPv4Address(value)
                except ValueError:
                    fail(f"{flag} {value!r}: not an IPv4 address")
        try:
            engine = engine_for(world)
        except SnapshotError as exc:
            fail(str(exc))
        try:
            query = Query(
                region=region or _infer_region(engine, source),
                source=source,
                destination=destination,
                protocol=protocol,
                port=port,
                destination_ip=destination_ip,  # type: ignore[arg-type]
                source_ip=source_ip,
            )
        except ValidationError as exc:
            fail(f"bad query: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}")
        verdict = engine.analyze(query, profile)
        if as_json:
            typer.echo(json.dumps(verdict_json(verdict), sort_keys=True, indent=2))
        else:
            _print(verdict, engine.world, query)
        if verdict.error:
            raise typer.Exit(2)
