"""``reachbench translators``: list what is registered, try one spec on one question."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from bench.cli._common import console, fail


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Translators: list them, try one on a question.", no_args_is_help=True)

    @group.command("list")
    def list_cmd(
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """Every registered translator: name, version, origin (built-in or entry point), description."""
        from bench.translators.registry import list_translators, problems

        rows = list_translators()
        if as_json:
            typer.echo(json.dumps({"translators": rows, "problems": problems()}, indent=2, sort_keys=True))
            return
        table = Table("name", "version", "origin", "description")
        for r in rows:
            table.add_row(
                r["name"],
                r["version"] or "-",
                r["origin"],
                r["description"] if not r["error"] else f"[red]{r['error']}[/]",
            )
        console.print(table)
        for p in problems():
            console.print(f"[yellow]warning:[/] {p}")

    @group.command("try")
    def try_cmd(
        spec: str = typer.Argument(..., help="Translator spec, e.g. rules or command:./prog,timeout=5"),
        turns: list[str] = typer.Argument(..., help="The question (more arguments = follow-up turns)."),
        world: str | None = typer.Option(None, "--world", help="World whose inventory is the context."),
        home_region: str = typer.Option("us-east-1", "--home-region", help="The console's Region."),
        timeout: float = typer.Option(60.0, "--timeout", help="Seconds before the call is abandoned."),
    ) -> None:
        """Translate one question and print the Translation as JSON."""
        from bench.cases.schema import CaseInput, Context
        from bench.translators.base import TranslatorError
        from bench.translators.registry import make_translator

        inventory: tuple = ()
        if world:
            try:
                from bench.cases.inventory import inventory as world_inventory
                from bench.world.catalog import load_world

                inventory = world_inventory(load_world(world))
            except Exception as exc:  # noqa: BLE001 - shown to the user, not a traceback
                fail(f"cannot load world {world!r}: {exc}")
        try:
            translator = make_translator(spec)
        except (TranslatorError, KeyError) as exc:
            fail(str(exc).strip("'\""))
        case_input = CaseInput(
            turns=tuple(turns),
            context=Context(home_region=home_region, account_id="000000000000", inventory=inventory),
        )
        out = translator.translate_or_fail(case_input, timeout=timeout)
        typer.echo(
            json.dumps(
                out.model_dump(mode="json", exclude_none=True), indent=2, sort_keys=True, ensure_ascii=False
            )
        )

    app.add_typer(group, name="translators")
