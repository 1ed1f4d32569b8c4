"""``minwon backoffice …``: serve the reference back office, list its demo callers."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True, soft_wrap=True)

backoffice_app = typer.Typer(
    help="The reference back office: synthetic 한빛시 local-tax, water and parking records over HTTP.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(backoffice_app, name="backoffice")


@backoffice_app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default MINWON_BACKOFFICE_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default MINWON_BACKOFFICE_PORT, 8090).")] = None,
    database_url: Annotated[
        str | None,
        typer.Option(help="Its OWN database (default MINWON_BACKOFFICE_DATABASE_URL, var/backoffice.db)."),
    ] = None,
    residents: Annotated[
        int | None, typer.Option(min=0, max=1_000_000, help="Generated residents (default 20,000).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Generator seed (default MINWON_BACKOFFICE_SEED).")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Date the data describes (default: today in Seoul).")
    ] = None,
    latency: Annotated[
        list[str] | None,
        typer.Option(
            help="Start with latency: MS for every endpoint or PATH=MS (e.g. /water=150); repeatable."
        ),
    ] = None,
    regenerate: Annotated[bool, typer.Option(help="Regenerate even if the database matches.")] = False,
) -> None:
    """Generate (or reuse) the back office's database and serve its JSON API until interrupted.

    The API key is MINWON_BACKOFFICE_API_KEY (header X-API-Key). Access logging is off: identifiers travel
    in POST bodies and are never logged.
    """
    from minwon.backoffice.faults import parse_latency_option
    from minwon.backoffice.server import prepare_database
    from minwon.backoffice.server import serve as run_server
    from minwon.config import get_settings
    from minwon.core.clock import local_today, parse_day
    from minwon.core.errors import ValidationError

    settings = get_settings()
    try:
        faults = [parse_latency_option(v) for v in latency or []]
    except ValueError as exc:
        raise ValidationError(str(exc), field="latency") from exc
    day = parse_day(as_of, field="as_of") if as_of else local_today()
    url = database_url or settings.backoffice_database_url
    n = settings.backoffice_residents if residents is None else residents
    err.print(
        f"back office: preparing {n:,} residents (seed {seed or settings.backoffice_seed}, as of {day}) …"
    )
    engine, generated = prepare_database(
        database_url=url,
        seed=settings.backoffice_seed if seed is None else seed,
        residents=n,
        as_of=day,
        force=regenerate,
    )
    err.print("back office: " + ("generated" if generated else "reused the matching database"))
    bind_host = host or settings.backoffice_host
    bind_port = port or settings.backoffice_port
    err.print(
        f"back office: serving http://{bind_host}:{bind_port} (X-API-Key from MINWON_BACKOFFICE_API_KEY)"
    )
    run_server(
        host=bind_host, port=bind_port, engine=engine, api_key=settings.backoffice_api_key, faults=faults
    )


@backoffice_app.command("demo-callers")
def demo_callers(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """The fictional demo callers planted in the back office (synthetic RRNs, plates, customer numbers)."""
    from dataclasses import asdict

    from minwon.backoffice.demo import demo_identities

    people = demo_identities()
    if as_json:
        typer.echo(json.dumps([asdict(p) for p in people], ensure_ascii=False, indent=2))
        return
    for p in people:
        typer.echo(
            f"{p.name}\t{p.rrn}\t{p.vehicle_number or '-'}\t{p.water_customer_number or '-'}\t{p.story}"
        )
