"""Week plans: forecast → required agents per interval (Erlang C) → CP-SAT schedule → stored.

The only place that writes ``workforce_plans`` and its rows. Pure steps live in ``forecast.py``,
``erlang.py`` and ``schedule.py``; this module wires them to the data and the database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import holidays
import pandas as pd
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from minwon.config import get_settings
from minwon.core.errors import MinwonError, NotFound, ValidationError
from minwon.workforce import forecast as fc
from minwon.workforce.erlang import required_agents
from minwon.workforce.models import (
    PlanSource,
    PlanStatus,
    WorkforcePlan,
    WorkforcePlanInterval,
    WorkforcePlanShift,
)
from minwon.workforce.schedule import (
    SLOT_MINUTES,
    AssignedShift,
    DayRequirement,
    IntervalCoverage,
    Problem,
    Roster,
    Schedule,
    ScheduleInfeasible,
    SolverOptions,
    check_time_limit,
    parse_roster,
    solve,
)

DEMO_ROSTER = Path(__file__).with_name("demo_roster.yaml")
#: Opening hours of the center on working days (국가공무원 복무규정 §9: 09:00–18:00).
OPENING = time(9)
CLOSING = time(18)
#: The bank series handles about 30× the calls of the demo city's 28 counselors (≈1,700 calls per
#: weekday half hour at its 10:00 peak); its volumes are multiplied by this factor so that a plan from the
#: demo series fits the demo roster (peak ≈100 calls per half hour, about 20 agents after shrinkage).
BANK_DEMO_SCALE = 0.06
#: Call records with handle times for the bank demo (Anonymous Bank, 1999): the 2003 series has counts only.
BANK_CALL_RECORDS = Path("call_center") / "anonymous_bank_1999_08_calls.csv"
#: Days of the center's history the forecast and the AHT are taken from.
CENTER_HISTORY_DAYS = 365
#: Years a week may start in (date arithmetic on the week must stay inside ``datetime.date``).
MIN_YEAR, MAX_YEAR = 1970, 2100
WEEK_YEAR_MESSAGE = "week start must be between 1970 and 2100"


def check_week_start(value: date, *, field: str = "week_start") -> date:
    """``value`` if its year is within 1970–2100; else ValidationError(:data:`WEEK_YEAR_MESSAGE`)."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(WEEK_YEAR_MESSAGE, field=field)
    return value


def parse_source(value: str) -> PlanSource:
    """``bank_demo``/``bank-demo``/``center`` → :class:`PlanSource`. Raises ValidationError (``source``)."""
    try:
        return PlanSource(str(value).strip().replace("-", "_"))
    except ValueError:
        raise ValidationError(f"source must be bank-demo or center, got {value!r}", field="source") from None


@lru_cache(maxsize=1)
def demo_roster() -> Roster:
    """The demo city's 28 counselors (``demo_roster.yaml``)."""
    return parse_roster(yaml.safe_load(DEMO_ROSTER.read_text(encoding="utf-8")), source=DEMO_ROSTER.name)


def open_days(week_start: date) -> list[date]:
    """Working days of the 7 days from ``week_start``: Monday–Friday that are not ``holidays.KR``
    public holidays (관공서의 공휴일에 관한 규정; Saturdays excluded per 민원처리법 시행령 §19)."""
    days = [week_start + timedelta(days=k) for k in range(7)]
    calendar = holidays.country_holidays("KR", years=sorted({d.year for d in days}))
    return [d for d in days if d.weekday() < 5 and d not in calendar]


def _slots() -> list[time]:
    start = OPENING.hour * 60 + OPENING.minute
    end = CLOSING.hour * 60 + CLOSING.minute
    return [time(m // 60, m % 60) for m in range(start, end, SLOT_MINUTES)]


@lru_cache(maxsize=2)
def _bank_series(path: Path) -> pd.Series:
    from minwon.workforce.history import load_bank_series

    return load_bank_series(path)


def bank_series_path() -> Path:
    from minwon.workforce.history import BANK_SERIES

    return get_settings().data_dir / BANK_SERIES


def bank_demo_aht_s() -> float:
    """Mean service time (s) of the calls served by an agent in the Anonymous Bank records (1999).

    Raises ValidationError (``aht_s``) when the file is missing: give the AHT instead.
    """
    path = get_settings().data_dir / BANK_CALL_RECORDS
    if not path.is_file():
        raise ValidationError(f"no call records at {path}: give the AHT", field="aht_s")
    return _served_mean_s(path)


@lru_cache(maxsize=2)
def _served_mean_s(path: Path) -> float:
    """Read once per process: the 4.5 MB file does not change while the server runs."""
    frame = pd.read_csv(path, usecols=["outcome", "ser_time"])
    served = frame[(frame["outcome"] == "AGENT") & (frame["ser_time"] > 0)]
    return float(served["ser_time"].mean())


def center_aht_s(*, db: Session, last_day: date) -> float:
    """Mean handle time (talk + hold + ACW, s) of the center's answered calls in the history window.

    Raises ValidationError (``aht_s``) when the history has no answered call.
    """
    from minwon.quality.service import period_kpis

    kpis = period_kpis(db=db, first_day=last_day - timedelta(days=CENTER_HISTORY_DAYS - 1), last_day=last_day)
    value = kpis.get("aht_s")
    if value is None:
        raise ValidationError("the center's history has no answered calls: give the AHT", field="aht_s")
    return float(value)


@dataclass(frozen=True)
class WeekForecast:
    """Calls per (day, slot start) for the open days, and notes on how they were obtained."""

    calls: dict[tuple[date, time], float]
    notes: list[str]


def _slot_key(day: date, slot: str) -> tuple[date, time]:
    hour, minute = (int(p) for p in slot.split(":"))
    return day, time(hour, minute)


def week_forecast(
    *,
    db: Session,
    source: PlanSource,
    days: list[date],
    bank_demo_scale: float = BANK_DEMO_SCALE,
    weather_station: int | None = None,
) -> WeekForecast:
    """Forecast calls per 30-minute slot for ``days`` (open days of one week), from history before them.

    Bank demo: fitted on the series' days before the first day (all of it when the week lies after the
    series, which ends on 2003-10-24); each forecast day is placed on the planned day with the same weekday,
    and counts are multiplied by ``bank_demo_scale``. Center: :func:`history.center_forecast` on the
    last 365 days before the week, with the weather flags of KMA station ``weather_station`` when given
    (``minwon.weather``; ignored for the bank demo). Raises ValidationError (``source``,
    ``week_start``) when there is too little history.
    """
    first = days[0]
    notes: list[str] = []
    calls: dict[tuple[date, time], float] = {}
    if source is PlanSource.BANK_DEMO:
        path = bank_series_path()
        if not path.is_file():
            raise ValidationError(f"the bank demo series is not at {path}", field="source")
        series = _bank_series(path)
        history = series[series.index < pd.Timestamp(first)]
        try:
            result = fc.forecast(
                history,
                days=7,
                interval_minutes=SLOT_MINUTES,
                holiday_country=None,
                fill_missing_days=False,
            )
        except ValidationError as exc:
            raise ValidationError(
                f"bank demo: {exc.message} (the series covers 2003-03-03…2003-10-24)", field="week_start"
            ) from None
        by_weekday: dict[int, date] = {}
        for day in result.daily["day"]:
            by_weekday.setdefault(day.weekday(), day)
        mapped = [d for d in days if by_weekday.get(d.weekday()) not in (None, d)]
        if mapped:
            notes.append(
                f"bank demo series ends {history.index[-1].date()}: the forecast for "
                f"{min(by_weekday.values())}…{max(by_weekday.values())} is used, day by weekday"
            )
        notes.append(f"bank demo volumes × {bank_demo_scale:g} to fit the demo roster")
        wanted = {by_weekday[d.weekday()]: d for d in days if d.weekday() in by_weekday}
        for day, slot, value in zip(
            result.intervals["day"], result.intervals["slot"], result.intervals["calls"], strict=True
        ):
            if day in wanted:
                calls[_slot_key(wanted[day], slot)] = float(value) * bank_demo_scale
    else:
        from minwon.workforce.history import center_forecast

        try:
            result, extra = center_forecast(
                db=db,
                queue_code=None,
                last_day=first - timedelta(days=1),
                history_days=CENTER_HISTORY_DAYS,
                days=7,
                interval_minutes=SLOT_MINUTES,
                weather_station=weather_station,
            )
        except ValidationError as exc:
            raise ValidationError(f"center history: {exc.message}", field="source") from None
        notes.extend(extra)
        wanted_days = set(days)
        for day, slot, value in zip(
            result.intervals["day"], result.intervals["slot"], result.intervals["calls"], strict=True
        ):
            if day in wanted_days:
                calls[_slot_key(day, slot)] = float(value)
    notes.extend(f"{k}: {v}" for k, v in result.dropped.items())
    return WeekForecast(calls=calls, notes=notes)


def _check(value: float, low: float, high: float, *, field: str, label: str, open_low: bool = False) -> None:
    if not isinstance(value, int | float) or math.isnan(value):
        raise ValidationError(f"{label} must be a number", field=field)
    if (value <= low if open_low else value < low) or value > high:
        raise ValidationError(f"{label} must be between {low:g} and {high:g}", field=field)


def build_week_plan(
    *,
    db: Session,
    week_start: date,
    source: PlanSource | str,
    target_sl: float = 0.8,
    threshold_s: int = 20,
    aht_s: float | None = None,
    shrinkage: float = 0.3,
    interval_minutes: int = 30,
    roster: Roster | None = None,
    time_limit_s: float = 20,
    created_by_id: int | None = None,
    bank_demo_scale: float = BANK_DEMO_SCALE,
    weather_station: int | None = None,
) -> WorkforcePlan:
    """Forecast the week, size each 30-minute interval with Erlang C, schedule the roster, store it all.

    ``week_start``: first of the 7 days planned; the open days are Monday–Friday that are not Korean
    public holidays (:func:`open_days`), 09:00–18:00. ``source``: ``bank_demo`` or ``center``.
    ``target_sl``: fraction of calls answered within ``threshold_s`` seconds. ``aht_s``: average handle
    time in seconds; ``None`` takes the mean handle time of the history (center: talk + hold + ACW of
    the last 365 days; bank demo: the Anonymous Bank call records' service times). ``shrinkage``: share
    of paid time off the phones (required = ⌈raw / (1 − shrinkage)⌉). ``roster``: default the demo
    city's 28 counselors. ``time_limit_s``: CP-SAT wall-time limit (the infeasibility explanation gets
    the same budget again). ``weather_station``: KMA station id whose weather flags enter the center's
    forecast (:func:`week_forecast`).

    Returns the committed plan. An infeasible roster or a solve without any schedule is *stored* with
    status ``infeasible``/``no_solution`` and the readable reason in ``message``; nothing is raised for it.
    Raises ValidationError naming the field for bad input or missing history (``week_start``,
    ``source``, ``target_sl``, ``threshold_s``, ``aht_s``, ``shrinkage``, ``interval_minutes``,
    ``time_limit_s``).
    """
    plan_source = parse_source(source) if isinstance(source, str) else source
    if interval_minutes != SLOT_MINUTES:
        raise ValidationError(
            f"the schedule works in {SLOT_MINUTES}-minute intervals", field="interval_minutes"
        )
    _check(target_sl, 0, 1, field="target_sl", label="target service level", open_low=True)
    if target_sl >= 1:
        raise ValidationError("target service level must be below 100 %", field="target_sl")
    _check(threshold_s, 1, 3600, field="threshold_s", label="threshold (s)")
    if aht_s is not None:
        _check(aht_s, 1, 7200, field="aht_s", label="AHT (s)")
    _check(shrinkage, 0, 0.9, field="shrinkage", label="shrinkage")
    check_time_limit(time_limit_s)
    check_week_start(week_start)
    if weather_station is not None and plan_source is not PlanSource.CENTER:
        raise ValidationError(
            "the weather station is only used with the center's calls (--source center)",
            field="weather_station",
        )
    days = open_days(week_start)
    if not days:
        raise ValidationError("the week has no working day to plan", field="week_start")
    weekly = week_forecast(
        db=db,
        source=plan_source,
        days=days,
        bank_demo_scale=bank_demo_scale,
        weather_station=weather_station,
    )
    if aht_s is not None:
        aht, aht_source = float(aht_s), "given"
    elif plan_source is PlanSource.BANK_DEMO:
        aht, aht_source = bank_demo_aht_s(), "mean service time, Anonymous Bank call records (1999-08)"
    else:
        aht = center_aht_s(db=db, last_day=days[0] - timedelta(days=1))
        aht_source = f"mean handle time of the center's calls, {CENTER_HISTORY_DAYS} days before the week"
    roster = roster or demo_roster()
    minimum_all = roster.rules.hard_min_agents or 0

    plan = WorkforcePlan(
        created_by_id=created_by_id,
        week_start=week_start,
        interval_minutes=interval_minutes,
        source=plan_source,
        target_sl=float(target_sl),
        threshold_s=int(threshold_s),
        aht_s=round(aht, 1),
        aht_source=aht_source,
        shrinkage=float(shrinkage),
        status=PlanStatus.NO_SOLUTION,
        notes=weekly.notes,
        agents=[[a.id, a.name] for a in roster.agents],
    )
    requirements: list[DayRequirement] = []
    for day in days:
        needs = []
        for slot in _slots():
            calls = weekly.calls.get((day, slot), 0.0)
            staffing = required_agents(
                calls=calls,
                interval_s=SLOT_MINUTES * 60,
                aht_s=aht,
                target_sl=target_sl,
                threshold_s=threshold_s,
                shrinkage=shrinkage,
            )
            needs.append(staffing.agents)
            plan.intervals.append(
                WorkforcePlanInterval(
                    day=day,
                    start=slot,
                    forecast_calls=round(calls, 2),
                    traffic_erlangs=round(staffing.traffic_erlangs, 3),
                    required_raw=staffing.raw_agents,
                    required=staffing.agents,
                    minimum=minimum_all,
                )
            )
        requirements.append(DayRequirement(day, OPENING, tuple(needs)))
    problem = Problem(tuple(requirements), roster)
    try:
        schedule = solve(problem, options=SolverOptions(time_limit_s=float(time_limit_s)))
    except ScheduleInfeasible as exc:
        plan.status = PlanStatus.INFEASIBLE
        plan.message = "\n".join(exc.reasons)
    except ValidationError:
        raise
    except MinwonError as exc:
        plan.status = PlanStatus.NO_SOLUTION
        plan.message = exc.message
    else:
        _store_schedule(plan, schedule)
    db.add(plan)
    db.commit()
    return plan


def _store_schedule(plan: WorkforcePlan, schedule: Schedule) -> None:
    plan.status = PlanStatus(schedule.status)
    plan.under_agent_hours = schedule.under_agent_hours
    plan.over_agent_hours = schedule.over_agent_hours
    plan.solve_seconds = round(schedule.solve_seconds, 3)
    scheduled = {(c.day, c.start): c.scheduled for c in schedule.intervals}
    for row in plan.intervals:
        row.scheduled = scheduled.get((row.day, row.start), 0.0)
    for s in schedule.shifts:
        plan.shifts.append(
            WorkforcePlanShift(
                agent_id=s.agent_id,
                agent_name=s.agent_name,
                day=s.day,
                pattern=s.pattern,
                start=s.start,
                end=s.end,
                lunch_start=s.lunch[0] if s.lunch else None,
                lunch_end=s.lunch[1] if s.lunch else None,
                breaks=[[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in s.breaks],
                paid_hours=s.paid_hours,
            )
        )


# ------------------------------------------------------------------------------------------------ reads


def list_plans(*, db: Session, limit: int = 50) -> list[WorkforcePlan]:
    """The latest ``limit`` plans, newest first."""
    stmt = select(WorkforcePlan).order_by(WorkforcePlan.id.desc()).limit(limit)
    return list(db.scalars(stmt))


def get_plan(*, db: Session, plan_id: int) -> WorkforcePlan:
    """The plan with its intervals and shifts. Raises NotFound (``plan``)."""
    stmt = (
        select(WorkforcePlan)
        .where(WorkforcePlan.id == plan_id)
        .options(selectinload(WorkforcePlan.intervals), selectinload(WorkforcePlan.shifts))
    )
    plan = db.scalar(stmt)
    if plan is None:
        raise NotFound(f"no workforce plan {plan_id}", field="plan")
    return plan


def _hm(value: str) -> time:
    hour, minute = (int(p) for p in value.split(":"))
    return time(hour, minute)


def plan_schedule(plan: WorkforcePlan) -> Schedule:
    """The stored plan as a :class:`schedule.Schedule`, for the exports (``schedule_xlsx`` etc.).

    An unsolved plan gives status ``infeasible``/``no_solution``, no shift and 0 scheduled agents.
    """
    shifts = tuple(
        AssignedShift(
            agent_id=s.agent_id,
            agent_name=s.agent_name,
            day=s.day,
            pattern=s.pattern,
            start=s.start,
            end=s.end,
            lunch=(s.lunch_start, s.lunch_end) if s.lunch_start and s.lunch_end else None,
            breaks=tuple((_hm(a), _hm(b)) for a, b in s.breaks),
            paid_hours=s.paid_hours,
        )
        for s in plan.shifts
    )
    intervals = []
    for row in plan.intervals:
        have = row.scheduled or 0.0
        start_min = row.start.hour * 60 + row.start.minute + SLOT_MINUTES
        intervals.append(
            IntervalCoverage(
                day=row.day,
                start=row.start,
                end=time(start_min // 60, start_min % 60) if start_min < 24 * 60 else time(23, 59),
                required=row.required,
                minimum=row.minimum,
                scheduled=have,
                under=max(0.0, row.required - have),
                over=max(0.0, have - row.required),
                queue="",  # the plan covers the center's single queue
            )
        )
    paid = {agent_id: 0.0 for agent_id, _name in plan.agents}
    for s in shifts:
        paid[s.agent_id] = paid.get(s.agent_id, 0.0) + s.paid_hours
    return Schedule(
        status=plan.status.value,
        shifts=shifts,
        intervals=tuple(intervals),
        under_agent_hours=plan.under_agent_hours or 0.0,
        over_agent_hours=plan.over_agent_hours or 0.0,
        paid_hours=paid,
        objective=0.0,
        best_bound=0.0,
        solve_seconds=plan.solve_seconds or 0.0,
    )


def forecast_vs_actual(*, db: Session, day: date, source: PlanSource | str) -> dict[str, Any]:
    """Forecast made from the history before ``day`` next to the actual calls of ``day``, per 30 min.

    Bank demo: the series' counts (unscaled) before ``day`` vs its counts on ``day``. Center: offered
    calls (answered + abandoned) before ``day`` vs those of ``day``. Returns ``{"day", "source",
    "rows": [{"start": "HH:MM", "forecast", "actual", "error"}], "forecast_total", "actual_total",
    "wape"}`` (``wape`` None when the day had no call). Raises ValidationError (``day``) when ``day`` is
    not an open day the history can forecast, (``source``) when the history is missing.
    """
    plan_source = parse_source(source) if isinstance(source, str) else source
    if plan_source is PlanSource.BANK_DEMO:
        path = bank_series_path()
        if not path.is_file():
            raise ValidationError(f"the bank demo series is not at {path}", field="source")
        series = _bank_series(path)
        today = series[series.index.normalize() == pd.Timestamp(day)]
        if today.empty:
            raise ValidationError(
                f"the bank series has no calls on {day} (it covers weekdays 2003-03-03…2003-10-24)",
                field="day",
            )
        history = series[series.index < pd.Timestamp(day)]
        try:
            result = fc.forecast(
                history,
                days=1,
                interval_minutes=SLOT_MINUTES,
                holiday_country=None,
                fill_missing_days=False,
                history_end=day - timedelta(days=1),
            )
        except ValidationError as exc:
            raise ValidationError(f"bank demo: {exc.message}", field="day") from None
        actual_series = fc.aggregate(today, SLOT_MINUTES)
    else:
        from minwon.workforce.history import center_forecast, center_series

        try:
            result, _notes = center_forecast(
                db=db,
                queue_code=None,
                last_day=day - timedelta(days=1),
                history_days=CENTER_HISTORY_DAYS,
                days=1,
                interval_minutes=SLOT_MINUTES,
            )
        except ValidationError as exc:
            raise ValidationError(f"center history: {exc.message}", field="source") from None
        actual_series = center_series(
            db=db, queue_code=None, first_day=day, last_day=day, interval_minutes=SLOT_MINUTES
        )
    forecast_days = list(result.daily["day"])
    if forecast_days[0] != day:
        raise ValidationError(
            f"{day} is not an open day of this history (next open day: {forecast_days[0]})", field="day"
        )
    forecast_by_slot = {
        slot: float(value)
        for d, slot, value in zip(
            result.intervals["day"], result.intervals["slot"], result.intervals["calls"], strict=True
        )
        if d == day
    }
    actual_by_slot = {f"{t.hour:02d}:{t.minute:02d}": float(v) for t, v in actual_series.items()}
    rows: list[dict[str, Any]] = []
    for slot in sorted(set(forecast_by_slot) | set(actual_by_slot)):
        f_value = forecast_by_slot.get(slot, 0.0)
        a_value = actual_by_slot.get(slot, 0.0)
        rows.append({"start": slot, "forecast": f_value, "actual": a_value, "error": f_value - a_value})
    actual_total = sum(r["actual"] for r in rows)
    return {
        "day": day.isoformat(),
        "source": plan_source.value,
        "rows": rows,
        "forecast_total": sum(r["forecast"] for r in rows),
        "actual_total": actual_total,
        "wape": fc.wape([r["actual"] for r in rows], [r["forecast"] for r in rows]) if actual_total else None,
    }
