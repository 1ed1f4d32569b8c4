"""``minwon deadline``: the statutory processing deadline of a petition (Act §19)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from minwon.cases.deadlines import DeadlineError, Period, PeriodUnit, PetitionType, compute_deadline
from minwon.core.clock import local_zone


def register(app: typer.Typer) -> None:
    app.command("deadline")(deadline)


def deadline(
    type_: Annotated[
        str,
        typer.Option(
            "--type", help="other | inquiry_procedure | inquiry_law | proposal | grievance | statutory"
        ),
    ],
    received: Annotated[
        str, typer.Option(help="Receipt time, ISO 8601 (no offset = the center's time zone).")
    ],
    days: Annotated[int | None, typer.Option(help="Statutory period in days (statutory type only).")] = None,
    weeks: Annotated[int | None, typer.Option(help="Statutory period in weeks.")] = None,
    months: Annotated[int | None, typer.Option(help="Statutory period in months.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the processing deadline of a petition received at RECEIVED.

    Prints ``{"due": ISO 8601 with offset, "basis": "..."}`` with --json. Exit code 2 and a message
    naming the option for bad input.
    """
    from minwon.cli import fail

    given = [
        (n, u)
        for n, u in ((days, PeriodUnit.DAYS), (weeks, PeriodUnit.WEEKS), (months, PeriodUnit.MONTHS))
        if n is not None
    ]
    if len(given) > 1:
        fail("give at most one of --days, --weeks, --months")
    try:
        at = datetime.fromisoformat(received)
    except ValueError:
        fail(f"--received: {received!r} is not an ISO 8601 date-time (e.g. 2025-10-02T15:00:00+09:00)")
        return
    if at.tzinfo is None:
        at = at.replace(tzinfo=local_zone())
    if not 1970 <= at.year <= 2100:
        fail(f"--received: year {at.year} is outside 1970–2100")
    try:
        period = Period(given[0][0], given[0][1]) if given else None
        result = compute_deadline(type_, at, period=period)
    except DeadlineError as exc:
        option = {
            "petition_type": "--type",
            "period": "--days/--weeks/--months",
            "amount": "--days/--weeks/--months",
        }
        fail(f"{option.get(exc.field, exc.field)}: {exc.message}")
        return
    payload = {
        "due": result.due.isoformat(),
        "basis": result.basis,
        "type": PetitionType(type_).value,
        "period": str(result.period),
        "received": at.isoformat(),
    }
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False))
    else:
        typer.echo(f"due {payload['due']}  ({payload['basis']})")
