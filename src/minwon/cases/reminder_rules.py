"""When deadline reminders are due, and when they may be sent (pure: no database, no HTTP).

Reminders for officers follow the same working-hours calendar as the deadlines themselves
(09:00–18:00 less the 12:00–13:00 break, Saturdays and public holidays excluded — 국가공무원
복무규정 §9, Civil Petitions Act §19 via :class:`~minwon.cases.deadlines.WorkingCalendar`).

Three kinds per deadline:

* ``before_due`` — ``lead`` working hours before the deadline (default 8 h = one working day; 1 h
  for ``other`` petitions, whose whole period is 3 working hours, Decree §16). Not sent when the case
  arrived later than that moment, nor once the deadline has passed.
* ``at_due`` — at the deadline. A deadline at the very end of a working period (18:00, the usual
  end of a day-counted deadline) counts as inside working hours.
* ``overdue`` — the first working moment after the deadline, to the department head.

A reminder whose moment falls outside working hours is sent at the next working moment (a moment
on Friday 18:30 goes out on Monday 09:00, or after the holidays). A tick is allowed ``grace``
(default 5 minutes) after the exact send time, so a scheduler ticking at 18:00:40 still sends the
18:00 deadline reminder that evening instead of the next morning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from minwon.cases.deadlines import WorkingCalendar

BEFORE_DUE = "before_due"
AT_DUE = "at_due"
OVERDUE = "overdue"
KINDS = (BEFORE_DUE, AT_DUE, OVERDUE)

_TICK = timedelta(microseconds=1)


def _default_leads() -> dict[str, float]:
    return {"other": 1.0}


@dataclass(frozen=True)
class ReminderPolicy:
    """Lead times (working hours before the deadline) per petition type, and the send grace."""

    default_lead_hours: float = 8.0
    lead_hours: Mapping[str, float] = field(default_factory=_default_leads)
    grace: timedelta = timedelta(minutes=5)

    def lead_for(self, petition_type: str) -> float:
        """Working hours before the deadline at which ``before_due`` is due for ``petition_type``."""
        return float(self.lead_hours.get(petition_type, self.default_lead_hours))


def _segments(calendar: WorkingCalendar, d: date) -> list[tuple[datetime, datetime]]:
    """Working periods of day ``d`` as aware UTC instants (empty on non-working days)."""
    if not calendar.is_working_day(d):
        return []
    zone = calendar.zone
    bounds = (
        [(calendar.work_start, calendar.work_end)]
        if calendar.break_start is None or calendar.break_end is None
        else [(calendar.work_start, calendar.break_start), (calendar.break_end, calendar.work_end)]
    )
    return [
        (
            datetime.combine(d, s, tzinfo=zone).astimezone(UTC),
            datetime.combine(d, e, tzinfo=zone).astimezone(UTC),
        )
        for s, e in bounds
        if s < e
    ]


def is_working_moment(calendar: WorkingCalendar, t: datetime, *, closed_end: bool = False) -> bool:
    """Whether ``t`` (aware) is inside working hours: ``start <= t < end`` of a working period (or
    ``<= end`` with ``closed_end``)."""
    u = t.astimezone(UTC)
    for s, e in _segments(calendar, u.astimezone(calendar.zone).date()):
        if s <= u < e or (closed_end and u == e):
            return True
    return False


def next_working_moment(calendar: WorkingCalendar, t: datetime) -> datetime:
    """``t`` if it is inside working hours, else the start of the next working period (aware UTC).

    Searches at most 400 days ahead (no calendar has that many non-working days in a row).
    """
    u = t.astimezone(UTC)
    day = u.astimezone(calendar.zone).date()
    for _ in range(400):
        for s, e in _segments(calendar, day):
            if u < e:
                return max(s, u)
        day += timedelta(days=1)
    raise ValueError("no working moment within 400 days")


def subtract_working_hours(calendar: WorkingCalendar, end: datetime, hours: float) -> datetime:
    """The latest instant ``t`` with exactly ``hours`` working hours in ``[t, end)`` (aware UTC).

    The mirror of :meth:`WorkingCalendar.add_working_hours`: Mon 18:00 − 8 h = Mon 09:00;
    Mon 10:00 − 2 h = the previous working day 17:00.
    """
    if hours <= 0:
        return end.astimezone(UTC)
    remaining = timedelta(hours=hours)
    u = end.astimezone(UTC)
    day = u.astimezone(calendar.zone).date()
    for _ in range(4000):
        for s, e in reversed(_segments(calendar, day)):
            hi = min(e, u)
            if hi <= s:
                continue
            available = hi - s
            if remaining <= available:
                return hi - remaining
            remaining -= available
        day -= timedelta(days=1)
    raise ValueError("lead time too long")


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder of a deadline: its ``kind``, the rule's ``moment`` and the ``send_at`` instant
    (the next working moment from ``moment``), both aware UTC."""

    kind: str
    moment: datetime
    send_at: datetime


def plan_reminders(
    *,
    due_at: datetime,
    received_at: datetime,
    petition_type: str,
    calendar: WorkingCalendar,
    policy: ReminderPolicy,
) -> list[PlannedReminder]:
    """The reminders of one deadline, in time order (``before_due`` omitted when its moment is not
    after receipt)."""
    due = due_at.astimezone(UTC)
    plans: list[PlannedReminder] = []
    before = subtract_working_hours(calendar, due, policy.lead_for(petition_type))
    if before > received_at.astimezone(UTC) and before < due:
        plans.append(PlannedReminder(BEFORE_DUE, before, next_working_moment(calendar, before)))
    at_send = due if is_working_moment(calendar, due, closed_end=True) else next_working_moment(calendar, due)
    plans.append(PlannedReminder(AT_DUE, due, at_send))
    plans.append(PlannedReminder(OVERDUE, due, next_working_moment(calendar, due + _TICK)))
    return plans


def may_send(
    plan: PlannedReminder,
    *,
    now: datetime,
    due_at: datetime,
    calendar: WorkingCalendar,
    policy: ReminderPolicy,
) -> bool:
    """Whether ``plan`` is to be sent at ``now``.

    It is if its send time has come, ``now`` is inside working hours (or within ``policy.grace`` of
    the send time), and — for ``before_due`` — the deadline has not passed yet.
    """
    now_u = now.astimezone(UTC)
    if plan.send_at > now_u:
        return False
    if plan.kind == BEFORE_DUE and now_u >= due_at.astimezone(UTC):
        return False
    return is_working_moment(calendar, now_u) or now_u - plan.send_at <= policy.grace
