"""The office calendar as configuration: working hours and temporary holidays (임시공휴일).

Public holidays come from ``holidays.KR`` (관공서의 공휴일에 관한 규정, substitute holidays included);
administrators add temporary holidays designated after the installed ``holidays`` release. The
working hours default to 09:00–18:00 with a 12:00–13:00 break (국가공무원 복무규정 §9) and can be
changed. Changing the calendar recomputes the deadline of every open case it affects (Act §19 counts
periods in working hours/days, so a new holiday moves the due date); each change is written to the
case's history with the old and new due date and the reason, and the administrator's change to the
audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.accounts.models import User
from minwon.cases.deadlines import DeadlineError, Period, PeriodUnit, WorkingCalendar, compute_deadline
from minwon.cases.models import CalendarSettings, Case, CaseEvent, ProcessingStandard, TemporaryHoliday
from minwon.config import get_settings
from minwon.core.audit import record_audit
from minwon.core.clock import local_day_bounds, to_local, utcnow
from minwon.core.errors import Conflict, NotFound, ValidationError
from minwon.core.i18n import N_

#: Statuses whose deadline is still running (the department owes an answer).
_RUNNING = ("received", "transferred", "in_progress")

DEFAULT_WORK_START = time(9)
DEFAULT_WORK_END = time(18)
DEFAULT_BREAK_START: time | None = time(12)
DEFAULT_BREAK_END: time | None = time(13)

_NAME_MAX = 100


@dataclass(frozen=True)
class WorkingHours:
    """Configured working hours (local wall-clock times); ``break_*`` both None for no break."""

    work_start: time
    work_end: time
    break_start: time | None
    break_end: time | None


def get_working_hours(*, db: Session) -> WorkingHours:
    """The configured working hours, or the defaults when none are stored."""
    row = db.get(CalendarSettings, 1)
    if row is None:
        return WorkingHours(DEFAULT_WORK_START, DEFAULT_WORK_END, DEFAULT_BREAK_START, DEFAULT_BREAK_END)
    return WorkingHours(row.work_start, row.work_end, row.break_start, row.break_end)


def list_temporary_holidays(*, db: Session) -> list[TemporaryHoliday]:
    """Temporary holidays added by administrators, oldest day first."""
    return list(db.scalars(select(TemporaryHoliday).order_by(TemporaryHoliday.day)))


def load_calendar(*, db: Session) -> WorkingCalendar:
    """The :class:`WorkingCalendar` every deadline is computed with: configured working hours, the
    center's zone (``MINWON_TIMEZONE``), ``holidays.KR`` and the stored temporary holidays."""
    hours = get_working_hours(db=db)
    return WorkingCalendar(
        tz=get_settings().timezone,
        work_start=hours.work_start,
        work_end=hours.work_end,
        break_start=hours.break_start,
        break_end=hours.break_end,
        extra_holidays=frozenset(h.day for h in list_temporary_holidays(db=db)),
    )


def parse_clock(value: str, field: str) -> time:
    """``"HH:MM"`` → time. Raises ValidationError naming ``field``."""
    try:
        parsed = time.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(N_("Enter a time as HH:MM."), field=field) from None
    if parsed.second or parsed.microsecond or parsed.tzinfo is not None:
        raise ValidationError(N_("Enter a time as HH:MM."), field=field)
    return parsed


def save_working_hours(
    *,
    db: Session,
    actor: User,
    work_start: time,
    work_end: time,
    break_start: time | None,
    break_end: time | None,
    ip: str | None = None,
    now: datetime | None = None,
) -> list[RecomputedDue]:
    """Store new working hours, recompute open deadlines, audit; commits.

    Returns the cases whose due date changed. Raises ValidationError when the hours are inconsistent
    (end before start, break outside working hours, only one break bound) naming the field.
    """
    try:
        WorkingCalendar(
            work_start=work_start, work_end=work_end, break_start=break_start, break_end=break_end
        )
    except DeadlineError as exc:
        raise ValidationError(
            N_("The working hours are inconsistent (start, end and break)."), field=exc.field
        ) from exc
    row = db.get(CalendarSettings, 1)
    old = get_working_hours(db=db)
    if row is None:
        row = CalendarSettings(id=1, work_start=work_start, work_end=work_end)
        db.add(row)
    row.work_start, row.work_end, row.break_start, row.break_end = (
        work_start,
        work_end,
        break_start,
        break_end,
    )
    row.updated_at = now or utcnow()
    db.flush()
    reason = f"근무시간 변경 {_hours_text(old)} → {_hours_text(get_working_hours(db=db))}"
    changed = recompute_open_deadlines(db=db, reason=reason, actor=actor, now=now)
    record_audit(
        db=db,
        action="working_hours_saved",
        actor_name=actor.username,
        actor_id=actor.id,
        ip=ip,
        detail={"hours": _hours_text(get_working_hours(db=db)), "recomputed_cases": len(changed)},
    )
    db.commit()
    return changed


def _hours_text(h: WorkingHours) -> str:
    text = f"{h.work_start:%H:%M}-{h.work_end:%H:%M}"
    if h.break_start and h.break_end:
        text += f" (휴게 {h.break_start:%H:%M}-{h.break_end:%H:%M})"
    return text


@dataclass(frozen=True)
class RecomputedDue:
    """A case whose deadline moved because the calendar changed."""

    case_id: int
    number: str
    old_due: datetime
    new_due: datetime


def case_period(case: Case) -> Period | None:
    """The processing period applied to ``case`` (None for cases without one, e.g. imports)."""
    if case.period_amount is None or case.period_unit is None:
        return None
    return Period(case.period_amount, PeriodUnit(case.period_unit))


def deadline_for(case: Case, calendar: WorkingCalendar) -> datetime | None:
    """The statutory due instant of ``case`` under ``calendar`` (None when it has no period).

    An extended case keeps the officer's new date, moved to the end of the next working day when
    that date is no longer a working day (Civil Act §161 applied by analogy). Other cases are
    recomputed from their period and start (Act §19).
    """
    if case.due_at is None:
        return None
    if case.extended_at is not None:
        local = case.due_at.astimezone(calendar.zone).date()
        if calendar.is_working_day(local):
            return case.due_at
        return calendar.end_of_working_day(calendar.next_working_day_on_or_after(local))
    if case.period_amount is None or case.period_unit is None or case.period_start_at is None:
        return None
    period = Period(case.period_amount, PeriodUnit(case.period_unit))
    # compute_deadline needs a type; "statutory" takes any period and counts it by the same Act §19 rules.
    return compute_deadline("statutory", case.period_start_at, period=period, calendar=calendar).due


def recompute_open_deadlines(
    *,
    db: Session,
    reason: str,
    actor: User | None,
    now: datetime | None = None,
    affected_day: date | None = None,
) -> list[RecomputedDue]:
    """Recompute the deadline of every open case under the current calendar; flushes, no commit.

    With ``affected_day`` only cases whose counting window can contain that day are looked at (started
    on or before it, due on or after it). Each moved deadline appends a ``due_recomputed`` history row
    ``{"old_due", "new_due", "reason"}``.
    """
    now = now or utcnow()
    calendar = load_calendar(db=db)
    stmt = select(Case).where(Case.status.in_(_RUNNING), Case.due_at.is_not(None))
    if affected_day is not None:
        start, end = local_day_bounds(affected_day)
        stmt = stmt.where(Case.due_at >= start, Case.received_at < end)
    changed: list[RecomputedDue] = []
    for case in db.scalars(stmt.order_by(Case.id)):
        new_due = deadline_for(case, calendar)
        if new_due is None or case.due_at is None or new_due == case.due_at:
            continue
        old_due = case.due_at
        case.due_at = new_due
        db.add(
            CaseEvent(
                case_id=case.id,
                at=now,
                actor_id=actor.id if actor else None,
                action="due_recomputed",
                detail={
                    "old_due": to_local(old_due).isoformat(),
                    "new_due": to_local(new_due).isoformat(),
                    "reason": reason,
                },
            )
        )
        changed.append(RecomputedDue(case.id, case.number, old_due, new_due))
    db.flush()
    return changed


def add_temporary_holiday(
    *, db: Session, actor: User, day: date, name: str, ip: str | None = None, now: datetime | None = None
) -> list[RecomputedDue]:
    """Add a temporary holiday (임시공휴일), recompute the affected open deadlines, audit; commits.

    Returns the cases whose due date moved. Raises ValidationError for an empty or too long name
    (``name``), a day that is already not a working day (``day``: a weekend or a ``holidays.KR``
    holiday gains nothing); Conflict when the day is already stored (``day``).
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError(N_("Enter the name of the holiday."), field="name")
    if len(name) > _NAME_MAX:
        raise ValidationError(N_("The name is too long (at most 100 characters)."), field="name")
    if db.scalar(select(TemporaryHoliday.id).where(TemporaryHoliday.day == day)) is not None:
        raise Conflict(N_("This day is already a temporary holiday."), field="day")
    if not load_calendar(db=db).is_working_day(day):
        raise ValidationError(N_("This day is already a Saturday, Sunday or public holiday."), field="day")
    db.add(TemporaryHoliday(day=day, name=name, created_by_id=actor.id, created_at=now or utcnow()))
    db.flush()
    changed = recompute_open_deadlines(
        db=db, reason=f"임시공휴일 지정: {day.isoformat()} {name}", actor=actor, now=now, affected_day=day
    )
    record_audit(
        db=db,
        action="temporary_holiday_added",
        actor_name=actor.username,
        actor_id=actor.id,
        ip=ip,
        detail={"day": day.isoformat(), "name": name, "recomputed_cases": [c.case_id for c in changed]},
    )
    db.commit()
    return changed


def remove_temporary_holiday(
    *, db: Session, actor: User, holiday_id: int, ip: str | None = None, now: datetime | None = None
) -> list[RecomputedDue]:
    """Remove a temporary holiday, recompute the affected open deadlines, audit; commits.

    Raises NotFound (``holiday_id``).
    """
    holiday = db.get(TemporaryHoliday, holiday_id)
    if holiday is None:
        raise NotFound(N_("The temporary holiday does not exist."), field="holiday_id")
    day, name = holiday.day, holiday.name
    db.delete(holiday)
    db.flush()
    changed = recompute_open_deadlines(
        db=db, reason=f"임시공휴일 취소: {day.isoformat()} {name}", actor=actor, now=now, affected_day=day
    )
    record_audit(
        db=db,
        action="temporary_holiday_removed",
        actor_name=actor.username,
        actor_id=actor.id,
        ip=ip,
        detail={"day": day.isoformat(), "name": name, "recomputed_cases": [c.case_id for c in changed]},
    )
    db.commit()
    return changed


def public_holidays(year: int, calendar: WorkingCalendar) -> list[tuple[date, str]]:
    """``holidays.KR`` days of ``year`` with their (Korean) names, for the admin page."""
    import holidays

    kr = holidays.country_holidays("KR", years=year, language="ko")
    return sorted((d, str(n)) for d, n in kr.items() if d.year == year)


def next_working_day_end(calendar: WorkingCalendar, after: date) -> datetime:
    """End of working hours of the first working day strictly after ``after``."""
    return calendar.end_of_working_day(calendar.next_working_day_on_or_after(after + timedelta(days=1)))


def standard_period(standard: ProcessingStandard) -> Period:
    """The :class:`Period` of a processing-standards row."""
    return Period(standard.period_amount, PeriodUnit(standard.period_unit))
