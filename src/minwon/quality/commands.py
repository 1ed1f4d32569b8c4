"""``minwon kpi``: the indicators of a day or a month, as a table or one JSON object."""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from minwon.core.clock import parse_day
from minwon.core.errors import ValidationError
from minwon.quality.kpi import DEFINITIONS, format_value, rounded, statuses, targets, targets_json
from minwon.quality.service import breakdown_kpis, day_kpis, interval_kpis, month_bounds, month_kpis


def kpi(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option("--day", help="Local day YYYY-MM-DD.")] = None,
    month: Annotated[str | None, typer.Option("--month", help="Month YYYY-MM.")] = None,
    queue: Annotated[str | None, typer.Option("--queue", help="Only this queue (code).")] = None,
    sl_threshold: Annotated[
        int | None,
        typer.Option(
            "--sl-threshold", help="Service-level threshold in seconds (default: queue's, else 20)."
        ),
    ] = None,
    short_abandon: Annotated[
        int | None,
        typer.Option(
            "--short-abandon", help="Abandons within this many seconds are not offered (default 5)."
        ),
    ] = None,
    repeat_window: Annotated[
        int | None, typer.Option("--repeat-window", help="Repeat-contact window in days (default 7).")
    ] = None,
    by_queue: Annotated[bool, typer.Option("--by-queue", help="Add the per-queue breakdown.")] = False,
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help="Add a breakdown: queue, category, agent or team (repeatable)."),
    ] = None,
    intervals: Annotated[
        int | None, typer.Option("--intervals", help="Add the per-interval breakdown (minutes; --day only).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Every indicator of a day (--day) or a month (--month) with targets and traffic lights.

    Ratios are rounded to 4 decimals and seconds to 2 in JSON; undefined values (no calls, or data the
    indicator needs is absent — see ``unsupported``) are null. ``minwon kpi rollup`` builds the daily
    totals that make a month's report fast (docs/kpis.md).
    """
    if ctx.invoked_subcommand is not None:
        return
    from minwon.db.session import session_scope

    with session_scope() as db:
        out = kpi_report(
            db=db,
            day=day,
            month=month,
            queue=queue,
            sl_threshold_s=sl_threshold,
            short_abandon_s=short_abandon,
            repeat_window_days=repeat_window,
            by=(["queue"] if by_queue else []) + list(by or []),
            intervals=intervals,
        )
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
    table.add_column("target", justify="right")
    table.add_column("status")
    for definition in DEFINITIONS:
        target = out["targets"].get(definition.name)
        goal = ""
        if target is not None:
            sign = "≥" if target["direction"] == "higher" else "<"
            goal = f"{sign} {format_value(definition.name, target['green'])}"
        table.add_row(
            definition.label,
            definition.label_ko,
            format_value(definition.name, out[definition.name]),
            goal,
            out["status"].get(definition.name) or "",
        )
    table.add_row("SL threshold (s)", "서비스 레벨 기준(초)", str(out["sl_threshold_s"]), "", "")
    console.print(table)
    for name, reason in out["unsupported"].items():
        console.print(f"{name}: {reason}")
    for dimension in out.get("by", {}):
        console.print(_breakdown(f"per {dimension}", out["by"][dimension], key="key"))
    if intervals is not None:
        busy = [r for r in out["intervals"] if r["offered"] or r["ended_in_ivr"]]
        console.print(_breakdown(f"per {intervals} minutes", busy, key="start"))


def kpi_report(
    *,
    db: Session,
    day: str | None = None,
    month: str | None = None,
    queue: str | None = None,
    sl_threshold_s: int | None = None,
    short_abandon_s: int | None = None,
    repeat_window_days: int | None = None,
    by: list[str] | None = None,
    intervals: int | None = None,
) -> dict[str, Any]:
    """The object ``minwon kpi --json`` prints: the period's indicators (rounded), ``targets``
    (``{indicator: {"green", "amber", "direction"}}``), ``status`` (``{indicator: "green" | "amber" |
    "red" | null}``), ``unsupported`` (``{indicator: reason}``), optionally ``by``
    (``{dimension: [rows]}``, see :func:`breakdown_kpis`), ``queues`` (same as ``by.queue``) and
    ``intervals``. Raises ValidationError (not exactly one of day/month, bad values), NotFound.
    """
    if (day is None) == (month is None):
        raise ValidationError("give exactly one of --day or --month", field="day")
    if intervals is not None and day is None:
        raise ValidationError("--intervals needs --day", field="intervals")
    options: dict[str, Any] = {
        "sl_threshold_s": sl_threshold_s,
        "short_abandon_s": short_abandon_s,
        "repeat_window_days": repeat_window_days,
    }
    if day is not None:
        the_day = parse_day(day)
        first = last = the_day
        result = day_kpis(db=db, day=the_day, queue_code=queue, **options)
    else:
        assert month is not None
        first, last = month_bounds(month)
        result = month_kpis(db=db, month=month, queue_code=queue, **options)
    goals = targets()
    out: dict[str, Any] = rounded(result)
    out["targets"] = targets_json(goals)
    out["status"] = statuses(result, goals)
    if by:
        out["by"] = {}
        for dimension in dict.fromkeys(by):
            rows = breakdown_kpis(db=db, first_day=first, last_day=last, by=dimension, **options)
            out["by"][dimension] = [{**rounded(r), "status": statuses(r, goals)} for r in rows]
        if "queue" in out["by"]:
            out["queues"] = out["by"]["queue"]
    if intervals is not None:
        rows = interval_kpis(
            db=db,
            day=first,
            minutes=intervals,
            sl_threshold_s=sl_threshold_s,
            short_abandon_s=short_abandon_s,
            queue_code=queue,
        )
        out["intervals"] = [rounded(r) for r in rows]
    return out


_COLUMNS = (
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "asa_s",
    "aht_s",
    "abandonment_rate",
    "contacts",
    "fcr",
    "transfer_rate",
)


def _breakdown(title: str, rows: list[dict[str, Any]], *, key: str) -> Table:
    table = Table(title=title)
    table.add_column(key)
    for name in _COLUMNS:
        table.add_column(name, justify="right")
    for row in rows:
        label = str(row[key] if row[key] is not None else "—")
        table.add_row(label, *(format_value(name, row.get(name)) for name in _COLUMNS))
    return table


def rollup(
    first: Annotated[str, typer.Option("--from", help="First local day YYYY-MM-DD.")],
    last: Annotated[str, typer.Option("--to", help="Last local day YYYY-MM-DD (must have ended).")],
) -> None:
    """(Re)build the KPI daily totals of the days --from … --to (one transaction; idempotent)."""
    from minwon.db.session import session_scope
    from minwon.quality.rollup import refresh_daily_totals

    first_day, last_day = parse_day(first, field="from"), parse_day(last, field="to")
    total = (last_day - first_day).days + 1

    def progress(a: date, b: date, rows: int) -> None:
        done = (b - first_day).days + 1
        typer.echo(f"{a}…{b}: {rows} rows ({done}/{total} days)")

    started = time.perf_counter()
    with session_scope() as db:
        rows = refresh_daily_totals(db=db, first_day=first_day, last_day=last_day, progress=progress)
    typer.echo(f"{total} days, {rows} rows in {time.perf_counter() - started:.1f} s")


def register(app: typer.Typer) -> None:
    """Attach ``minwon kpi`` (and ``minwon kpi rollup``) to the ``minwon`` command."""
    group = typer.Typer(help="KPI report of a day or a month; `rollup` builds the daily totals.")
    group.callback(invoke_without_command=True)(kpi)
    group.command("rollup")(rollup)
    app.add_typer(group, name="kpi")
