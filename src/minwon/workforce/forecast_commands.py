"""``minwon forecast`` (call volume per interval) and ``minwon simulate`` (a staffing plan on a real day)."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from minwon.config import get_settings
from minwon.core.clock import parse_day
from minwon.core.errors import ValidationError

BANK_CALLS = Path("call_center") / "anonymous_bank_1999_08_calls.csv"


def _check_output(path: Path) -> None:
    """Refuse an output path that cannot be a new or existing file, before any work is done.

    Raises ValidationError (``csv``) for a directory or a missing parent folder.
    """
    if path.is_dir():
        raise ValidationError(
            f"--csv {path} is a folder; give a file name such as {path / 'forecast.csv'}", field="csv"
        )
    if not path.parent.is_dir():
        raise ValidationError(f"--csv {path}: the folder {path.parent} does not exist", field="csv")


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
        str | None,
        typer.Option(
            "--until", help="Last history day YYYY-MM-DD (default: yesterday; with --bank-demo its last day)."
        ),
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
    from minwon.workforce.history import BANK_SERIES, bank_history, load_bank_series

    if sum([queue is not None, bank_demo, all_queues]) != 1:
        raise ValidationError("give exactly one of --queue, --all-queues or --bank-demo", field="queue")
    fc.check_interval(interval)
    if csv_path is not None:
        _check_output(csv_path)
    notes: list[str] = []
    result: fc.Forecast
    if bank_demo:
        if weather_station is not None:
            raise ValidationError(
                "--weather-station applies to the center's own calls, not to --bank-demo (a US bank)",
                field="weather_station",
            )
        last_bank_day = parse_day(until, field="until") if until else None
        series = bank_history(
            load_bank_series(get_settings().data_dir / BANK_SERIES),
            last_day=last_bank_day,
            history_days=history_days,
        )
        result = fc.forecast(
            series,
            days=days,
            interval_minutes=interval,
            holiday_country=None,
            fill_missing_days=False,
            history_end=last_bank_day,
        )
        source = "bank_calls_5min_2003"
    else:
        from minwon.core.clock import local_today
        from minwon.db.session import session_scope
        from minwon.workforce.history import center_forecast

        last = parse_day(until, field="until") if until else local_today() - timedelta(days=1)
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
        try:
            with csv_path.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(["day", "start", "calls"])
                for row in out["intervals"]:
                    writer.writerow([row["day"], row["start"], row["calls"]])
        except OSError as exc:
            raise ValidationError(
                f"--csv: cannot write {csv_path}: {exc.strerror or exc}", field="csv"
            ) from None
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    console = Console()
    for note in [*notes, *(f"{k}: {v}" for k, v in result.dropped.items())]:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    console.print(f"[bold]forecast[/] · {source} · {interval}-minute intervals", highlight=False)
    for day_row in out["daily"]:
        # a two-column table is narrower than its title: widen it so the title stays on one line
        title = f"{day_row['day']} · {day_row['calls']:,.0f} calls"
        table = Table(title=title, min_width=len(title) + 4)
        table.add_column("start", no_wrap=True)
        table.add_column("calls", justify="right", no_wrap=True)
        for row in out["intervals"]:
            if row["day"] == day_row["day"]:
                table.add_row(row["start"], f"{row['calls']:.1f}")
        console.print(table)


MAX_AGENTS = 10_000
"""Largest head-count per interval a staffing plan may give (as ``simulation.MAX_AGENTS``)."""

MAX_STAFFING_BYTES = 1_000_000
"""Largest staffing file read (a day of 5-minute rows is a few kilobytes)."""


def read_staffing(path: Path, *, interval_minutes: int) -> list[int]:
    """A staffing CSV (``start,agents``; ``start`` = local ``HH:MM`` on the interval grid) → agents per
    interval from midnight (intervals not listed: 0). The file is UTF-8 (a BOM is allowed).

    Raises ValidationError (``staffing``) for a missing, oversized or non-UTF-8 file, missing columns, and
    naming the line for a malformed start or head-count, a start off the grid, agents outside
    0–:data:`MAX_AGENTS`, or an interval given twice (naming both lines).
    """
    if not path.is_file():
        raise ValidationError(f"--staffing: no staffing file at {path}", field="staffing")
    if path.stat().st_size > MAX_STAFFING_BYTES:
        raise ValidationError(
            f"--staffing: {path} is larger than {MAX_STAFFING_BYTES:,} bytes; expected start,agents rows",
            field="staffing",
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValidationError(
            f"--staffing {path.name}, line {line}: the file is not UTF-8 text; save it as UTF-8 CSV",
            field="staffing",
        ) from None
    plan = [0] * (24 * 60 // interval_minutes)
    seen: dict[int, int] = {}
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or {"start", "agents"} - {f.strip() for f in reader.fieldnames}:
        raise ValidationError(
            "--staffing: the staffing file needs the columns start,agents", field="staffing"
        )
    reader.fieldnames = [f.strip() for f in reader.fieldnames]
    for row in reader:
        where = f"--staffing {path.name}, line {reader.line_num}"
        start, agents_text = row.get("start"), row.get("agents")
        if start is None or agents_text is None or not start.strip() or not agents_text.strip():
            raise ValidationError(f"{where}: expected start,agents, e.g. 09:00,12", field="staffing")
        try:
            hours, minutes = (int(p) for p in start.strip().split(":"))
            agents = int(agents_text.strip())
        except ValueError:
            raise ValidationError(
                f"{where}: expected HH:MM and a whole number, got {start.strip()[:20]!r},"
                f"{agents_text.strip()[:20]!r}",
                field="staffing",
            ) from None
        if not (0 <= hours < 24 and 0 <= minutes < 60):
            raise ValidationError(f"{where}: start {start.strip()!r} is not a time HH:MM", field="staffing")
        offset = hours * 60 + minutes
        if offset % interval_minutes:
            raise ValidationError(
                f"{where}: start {start.strip()} is not on the {interval_minutes}-minute grid",
                field="staffing",
            )
        if not 0 <= agents <= MAX_AGENTS:
            raise ValidationError(
                f"{where}: agents must be between 0 and {MAX_AGENTS:,}, got {agents_text.strip()[:30]}",
                field="staffing",
            )
        index = offset // interval_minutes
        if index in seen:
            raise ValidationError(
                f"{where}: {start.strip()} is already given on line {seen[index]}", field="staffing"
            )
        seen[index] = reader.line_num
        plan[index] = agents
    return plan


def _queue_code(value: str) -> str:
    """A replay queue code (``general``) or the bank's call type it comes from (``PS``) → the queue code.

    Raises ValidationError (``queue``) listing the known ones.
    """
    from minwon.telephony.replay import DEFAULT_QUEUE_MAP

    text = value.strip()
    code = DEFAULT_QUEUE_MAP.get(text.upper(), text)
    if code not in DEFAULT_QUEUE_MAP.values():
        known = ", ".join(f"{c} ({t})" for t, c in DEFAULT_QUEUE_MAP.items())
        raise ValidationError(
            f"--queue: unknown queue {text[:40]!r}; known queues (call type): {known}", field="queue"
        )
    return code


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
    if not (math.isfinite(threshold) and 0 <= threshold <= 86_400):
        raise ValidationError("--threshold must be between 0 and 86,400 seconds", field="threshold")
    if agents is not None and not 1 <= agents <= MAX_AGENTS:
        raise ValidationError(f"--agents must be between 1 and {MAX_AGENTS:,}", field="agents")
    queue_code = None if queue is None else _queue_code(queue)
    source = path or get_settings().data_dir / BANK_CALLS
    if not source.is_file():
        raise ValidationError(f"no call records at {source}", field="path")
    replay = read_day(source, day=parse_day(day))
    real = sim.real_day(replay, interval_s=interval * 60, queues={queue_code} if queue_code else None)
    notes: list[str] = []
    if staffing is not None:
        plan = read_staffing(staffing, interval_minutes=interval)
        mode = f"file {staffing.name}"
    elif agents is not None:
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
    console.print(
        f"[bold]{out['day']}[/] · {out['agent_hours']:g} agent-hours · SL ≤ {out['threshold_s']:g} s",
        highlight=False,
    )
    console.print(f"plan: {out['plan']}", highlight=False)
    # ten numeric columns with two-line headers and no vertical rules fit an 80-column terminal
    # (about 76 characters); no_wrap keeps a number whole instead of cutting it to "100.…"
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), collapse_padding=True)
    for column in (
        "start",
        "agents",
        "offered",
        "SL\nsim",
        "SL\nErl. A",
        "SL\nreal",
        "ASA s\nsim",
        "ASA s\nErl. A",
        "aband.\nsim",
        "aband.\nErl. A",
    ):
        table.add_column(column, justify="right", no_wrap=True)

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
        f"patience: mean {out['patience']['mean_s']} s, {out['patience']['model']}", highlight=False
    )
    console.print(f"mean handle time: {out['mean_handle_s']} s", highlight=False)


def register(app: typer.Typer) -> None:
    """Attach ``minwon forecast`` and ``minwon simulate`` to ``app``."""
    app.command("forecast")(forecast)
    app.command("simulate")(simulate)
