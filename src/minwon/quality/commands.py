"""``minwon kpi``: the indicators of a day or a month, as a table or one JSON object."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from minwon.core.clock import parse_day
from minwon.core.errors import ValidationError
from minwon.quality.kpi import DEFINITIONS, format_value, rounded
from minwon.quality.service import day_kpis, interval_kpis, month_bounds, month_kpis, queue_kpis


def kpi(
    day: Annotated[str | None, typer.Option("--day", help="Local day YYYY-MM-DD.")] = None,
    month: Annotated[str | None, typer.Option("--month", help="Month YYYY-MM.")] = None,
    queue: Annotated[str | None, typer.Option("--queue", help="Only this queue (code).")] = None,
    sl_threshold: Annotated[
        int | None,
        typer.Option(
            "--sl-threshold", help="Service-level threshold in seconds (default: queue's, else 20)."
        ),
    ] = None,
    by_queue: Annotated[bool, typer.Option("--by-queue", help="Add the per-queue breakdown.")] = False,
    intervals: Annotated[
        int | None, typer.Option("--intervals", help="Add the per-interval breakdown (minutes; --day only).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Service level, ASA, AHT, abandonment and answer rate of a day (--day) or a month (--month).

    Ratios are rounded to 4 decimals and seconds to 2 in JSON; undefined values (no calls) are null.
    """
    from minwon.db.session import session_scope

    if (day is None) == (month is None):
        raise ValidationError("give exactly one of --day or --month", field="day")
    if intervals is not None and day is None:
        raise ValidationError("--intervals needs --day", field="intervals")
    with session_scope() as db:
        if day is not None:
            the_day = parse_day(day)
            first = last = the_day
            result = day_kpis(db=db, day=the_day, sl_threshold_s=sl_threshold, queue_code=queue)
        else:
            assert month is not None
            first, last = month_bounds(month)
            result = month_kpis(db=db, month=month, sl_threshold_s=sl_threshold, queue_code=queue)
        out: dict[str, Any] = rounded(result)
        if by_queue:
            rows = queue_kpis(db=db, first_day=first, last_day=last, sl_threshold_s=sl_threshold)
            out["queues"] = [rounded(r) for r in rows]
        if intervals is not None:
            rows = interval_kpis(
                db=db, day=first, minutes=intervals, sl_threshold_s=sl_threshold, queue_code=queue
            )
            out["intervals"] = [rounded(r) for r in rows]
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    console = Console()
    period = out.get("day") or out.get("month")
    title = f"KPI {period}" + (f" · queue {queue}" if queue else "")
    table = Table(title=title)
    table.add_column("indicator")
    table.add_column("지표")
    table.add_column("value", justify="right")
    for definition in DEFINITIONS:
        table.add_row(
            definition.label, definition.label_ko, format_value(definition.name, out[definition.name])
        )
    table.add_row("SL threshold (s)", "서비스 레벨 기준(초)", str(out["sl_threshold_s"]))
    console.print(table)
    if by_queue:
        console.print(_breakdown("per queue", out["queues"], key="queue"))
    if intervals is not None:
        busy = [r for r in out["intervals"] if r["offered"] or r["ended_in_ivr"]]
        console.print(_breakdown(f"per {intervals} minutes", busy, key="start"))


_COLUMNS = (
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "asa_s",
    "aht_s",
    "abandonment_rate",
    "ended_in_ivr",
)


def _breakdown(title: str, rows: list[dict[str, Any]], *, key: str) -> Table:
    table = Table(title=title)
    table.add_column(key)
    for name in _COLUMNS:
        table.add_column(name, justify="right")
    for row in rows:
        label = str(row[key] if row[key] is not None else "—")
        table.add_row(label, *(format_value(name, row[name]) for name in _COLUMNS))
    return table


def register(app: typer.Typer) -> None:
    """Attach ``minwon kpi`` to the ``minwon`` command."""
    app.command("kpi")(kpi)
