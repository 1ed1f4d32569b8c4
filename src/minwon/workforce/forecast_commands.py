"""``minwon forecast`` (call volume per interval) and ``minwon simulate`` (a staffing plan on a real day)."""

from __future__ import annotations

import csv
import json
import math
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from minwon.config import get_settings
from minwon.core.errors import ValidationError

BANK_CALLS = Path("call_center") / "anonymous_bank_1999_08_calls.csv"


def _parse_day(value: str, field: str = "day") -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"{value!r} is not a date YYYY-MM-DD", field=field) from None


def forecast(
    queue: Annotated[
        str | None, typer.Option("--queue", help="Forecast this queue's own calls (code).")
    ] = None,
    bank_demo: Annotated[
        bool, typer.Option("--bank-demo", help="Forecast the 2003 bank series of the data folder instead.")
    ] = False,
    all_queues: Annotated[
        bool, typer.Option("--all-queues", help="All the center's calls together.")
    ] = False,
    days: Annotated[int, typer.Option("--days", help="Open days to forecast (1–62).")] = 7,
    interval: Annotated[int, typer.Option("--interval", help="Interval in minutes: 5, 15, 30 or 60.")] = 30,
    history_days: Annotated[
        int, typer.Option("--history-days", help="Days of the center's history to fit on.")
    ] = 365,
    until: Annotated[
        str | None, typer.Option("--until", help="Last history day YYYY-MM-DD (default: yesterday).")
    ] = None,
    weather_station: Annotated[
        int | None,
        typer.Option("--weather-station", help="KMA station id for weather covariates (e.g. 108)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write day,start,calls rows to FILE.")
    ] = None,
) -> None:
    """Forecast offered calls per interval for the next open days (see docs/forecasting.md)."""
    from minwon.workforce import forecast as fc
    from minwon.workforce.history import BANK_SERIES, load_bank_series

    if sum([queue is not None, bank_demo, all_queues]) != 1:
        raise ValidationError("give exactly one of --queue, --all-queues or --bank-demo", field="queue")
    fc.check_interval(interval)
    notes: list[str] = []
    result: fc.Forecast
    if bank_demo:
        series = load_bank_series(get_settings().data_dir / BANK_SERIES)
        result = fc.forecast(
            series, days=days, interval_minutes=interval, holiday_country=None, fill_missing_days=False
        )
        source = "bank_calls_5min_2003"
    else:
        from minwon.core.clock import local_today
        from minwon.db.session import session_scope
        from minwon.workforce.history import center_forecast

        last = _parse_day(until, "until") if until else local_today() - timedelta(days=1)
        with session_scope() as db:
            result, notes = center_forecast(
                db=db,
                queue_code=queue,
                last_day=last,
                history_days=history_days,
                days=days,
                interval_minutes=interval,
                weather_station=weather_station,
            )
        source = f"queue {queue}" if queue else "all queues"
    out: dict[str, Any] = {"source": source, **result.as_dict(), "notes": notes}
    if csv_path is not None:
        with csv_path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["day", "start", "calls"])
            for row in out["intervals"]:
                writer.writerow([row["day"], row["start"], row["calls"]])
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    console = Console()
    for note in [*notes, *(f"{k}: {v}" for k, v in result.dropped.items())]:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    for day_row in out["daily"]:
        table = Table(title=f"{source} · {day_row['day']} · {day_row['calls']:.0f} calls")
        table.add_column("start")
        table.add_column("calls", justify="right")
        for row in out["intervals"]:
            if row["day"] == day_row["day"]:
                table.add_row(row["start"], f"{row['calls']:.1f}")
        console.print(table)


def read_staffing(path: Path, *, interval_minutes: int) -> list[int]:
    """A staffing CSV (``start,agents``; ``start`` = local ``HH:MM`` on the interval grid) → agents per
    interval from midnight (intervals not listed: 0). Raises ValidationError (``staffing``) naming the line.
    """
    if not path.is_file():
        raise ValidationError(f"no staffing file at {path}", field="staffing")
    plan = [0] * (24 * 60 // interval_minutes)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or {"start", "agents"} - set(reader.fieldnames):
            raise ValidationError("the staffing file needs the columns start,agents", field="staffing")
        for row in reader:
            where = f"line {reader.line_num}"
            try:
                hours, minutes = (int(p) for p in row["start"].strip().split(":"))
                agents = int(row["agents"])
            except (ValueError, AttributeError):
                raise ValidationError(
                    f"{where}: expected HH:MM and a whole number", field="staffing"
                ) from None
            offset = hours * 60 + minutes
            if not 0 <= offset < 24 * 60 or offset % interval_minutes or agents < 0:
                raise ValidationError(
                    f"{where}: start must be on the {interval_minutes}-minute grid, agents ≥ 0",
                    field="staffing",
                )
            plan[offset // interval_minutes] = agents
    return plan


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


def simulate(
    day: Annotated[str, typer.Option("--day", help="Day of the Anonymous Bank records, YYYY-MM-DD.")],
    staffing: Annotated[
        Path | None, typer.Option("--staffing", help="CSV start,agents (HH:MM per interval).")
    ] = None,
    agents: Annotated[int | None, typer.Option("--agents", help="The same head-count all day.")] = None,
    target_sl: Annotated[
        float | None,
        typer.Option("--target-sl", help="Staff each interval with Erlang A's required agents for this SL."),
    ] = None,
    threshold: Annotated[float, typer.Option("--threshold", help="Service-level threshold (s).")] = 20.0,
    interval: Annotated[int, typer.Option("--interval", help="Interval in minutes (15, 30 or 60).")] = 30,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (patience, handle times).")] = 1,
    queue: Annotated[
        str | None, typer.Option("--queue", help="Only calls of this replay queue code (e.g. general).")
    ] = None,
    path: Annotated[
        Path | None, typer.Option("--path", help="Call records CSV (default: data folder).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Simulate a staffing plan on a real day (simpy) next to Erlang A's prediction and the real outcome."""
    from minwon.telephony.replay import read_day
    from minwon.workforce import simulation as sim

    if sum(x is not None for x in (staffing, agents, target_sl)) != 1:
        raise ValidationError("give exactly one of --staffing, --agents or --target-sl", field="staffing")
    if interval not in (15, 30, 60):
        raise ValidationError("interval must be 15, 30 or 60 minutes", field="interval")
    if threshold < 0:
        raise ValidationError("threshold must be ≥ 0 seconds", field="threshold")
    source = path or get_settings().data_dir / BANK_CALLS
    if not source.is_file():
        raise ValidationError(f"no call records at {source}", field="path")
    replay = read_day(source, day=_parse_day(day))
    real = sim.real_day(replay, interval_s=interval * 60, queues={queue} if queue else None)
    notes: list[str] = []
    if staffing is not None:
        plan = read_staffing(staffing, interval_minutes=interval)
        mode = f"file {staffing.name}"
    elif agents is not None:
        if agents < 1:
            raise ValidationError("agents must be at least 1", field="agents")
        plan = [agents] * (24 * 60 // interval)
        mode = f"{agents} agents all day"
    else:
        assert target_sl is not None
        plan = sim.erlang_staffing(real, target_sl=target_sl, threshold_s=threshold)
        mode = f"Erlang A required agents for SL {target_sl:.0%} in {threshold:g} s"
    result = sim.simulate(
        sim.day_callers(real, seed=seed), staffing=plan, interval_s=real.interval_s, threshold_s=threshold
    )
    observed = sim.observed_stats(real, staffing=plan, threshold_s=threshold)
    try:
        predicted, predicted_day = sim.erlang_predictions(real, staffing=plan, threshold_s=threshold)
    except ImportError:
        predicted, predicted_day = [], sim.Prediction(None, None, None)
        notes.append("Erlang A (minwon.workforce.erlang) is not available: no prediction")

    def stats(s: sim.IntervalStats) -> dict[str, Any]:
        return {
            "offered": s.offered,
            "answered": s.answered,
            "abandoned": s.abandoned,
            "service_level": _r(s.service_level, 4),
            "asa_s": _r(s.asa_s, 2),
            "abandonment": _r(s.abandonment, 4),
        }

    def pred(p: sim.Prediction) -> dict[str, Any]:
        return {
            "service_level": _r(p.service_level, 4),
            "asa_s": _r(p.asa_s, 2),
            "abandonment": _r(p.abandonment, 4),
        }

    rows = []
    for index, s in enumerate(result.intervals):
        if not s.offered and not s.agents:
            continue
        minutes = s.start_s // 60
        rows.append(
            {
                "start": f"{minutes // 60:02d}:{minutes % 60:02d}",
                "agents": s.agents,
                "simulated": stats(s),
                "erlang_a": pred(predicted[index])
                if index < len(predicted)
                else pred(sim.Prediction(None, None, None)),
                "observed": stats(observed.intervals[index]),
            }
        )
    agent_hours = sum(plan) * interval / 60
    out: dict[str, Any] = {
        "day": real.day.isoformat(),
        "plan": mode,
        "interval_minutes": interval,
        "threshold_s": threshold,
        "seed": seed,
        "agent_hours": agent_hours,
        "patience": {
            "model": "exponential, rate = abandoned / total wait (Mandelbaum–Zeltyn)",
            "mean_s": _r(real.mean_patience_s, 1),
        },
        "mean_handle_s": _r(real.mean_service_s(), 1),
        "day_totals": {
            "simulated": stats(result.day),
            "erlang_a": pred(predicted_day),
            "observed": stats(observed.day),
        },
        "intervals": rows,
        "notes": notes,
    }
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    _print_simulation(out)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _sec(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _print_simulation(out: dict[str, Any]) -> None:
    console = Console()
    for note in out["notes"]:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    table = Table(
        title=f"{out['day']} · {out['plan']} · {out['agent_hours']:g} agent-hours"
        f" · SL ≤ {out['threshold_s']:g} s"
    )
    for column in (
        "start",
        "agents",
        "offered",
        "SL sim",
        "SL Erlang A",
        "SL real",
        "ASA sim",
        "ASA Erl",
        "aband. sim",
        "aband. Erl",
    ):
        table.add_column(column, justify="right")

    def add(label: str, agents: str, row: dict[str, Any]) -> None:
        s, e, o = row["simulated"], row["erlang_a"], row["observed"]
        table.add_row(
            label,
            agents,
            str(s["offered"]),
            _pct(s["service_level"]),
            _pct(e["service_level"]),
            _pct(o["service_level"]),
            _sec(s["asa_s"]),
            _sec(e["asa_s"]),
            _pct(s["abandonment"]),
            _pct(e["abandonment"]),
        )

    for row in out["intervals"]:
        add(row["start"], str(row["agents"]), row)
    add("day", "", out["day_totals"])
    console.print(table)
    console.print(
        f"patience: {out['patience']['model']}, mean {out['patience']['mean_s']} s; "
        f"mean handle time {out['mean_handle_s']} s",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Attach ``minwon forecast`` and ``minwon simulate`` to ``app``."""
    app.command("forecast")(forecast)
    app.command("simulate")(simulate)
