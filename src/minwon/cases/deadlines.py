"""Statutory processing deadlines of civil petitions (민원 처리기한).

This is a pure module: no database, no HTTP, no imports from the rest of
``minwon``.  It computes the instant by which a petition must be processed
under the Civil Petitions Act (「민원 처리에 관한 법률」, "the Act") and its
Enforcement Decree (「민원 처리에 관한 법률 시행령」, "the Decree").

Legal basis (article numbers as of the 2016 full revision of the Act and later
amendments; Decree numbering was checked only against secondary sources, see
:func:`statutory_period`):

* Act §17 — statutory petitions (법정민원) take the period fixed for each
  petition in the processing-standards table (민원처리기준표); here that period is
  supplied by the caller as a :class:`Period`.
* Act §18 — the periods of inquiry, proposal, other and grievance petitions are
  delegated to the Decree (§14 질의민원, §15 건의민원, §16 기타민원, §17 고충민원).
* Act §19 (처리기간의 계산) — how a period is counted:

  1. ``§19(1)`` a period of **5 days or less** is counted in *hours* from the
     moment of receipt, one day being 8 working hours, Saturdays and public
     holidays not counted;
  2. ``§19(2)`` a period of **6 days or more** is counted in *days*, the first
     day included, Saturdays and public holidays not counted;
  3. ``§19(3)`` a period in **weeks, months or years** includes the first day
     and otherwise follows Civil Act §159–§161 (calendar computation, end on the
     day before the corresponding date, extension past Saturdays/holidays).

* Public holidays (공휴일) are those of the 「관공서의 공휴일에 관한 규정」 (Sundays
  are public holidays under its §2), taken from ``holidays.KR`` (which includes
  substitute holidays, election days and temporary holidays such as
  2025-01-27) plus any extra temporary holidays configured on the
  :class:`WorkingCalendar`.

Every datetime accepted or returned is timezone-aware.  Computations take
place in the calendar's zone (default ``Asia/Seoul``); naive datetimes are
rejected with :class:`DeadlineError` (a :class:`ValueError`).
"""

from __future__ import annotations

import math
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = [
    "STATUTORY_HOURS_PER_DAY",
    "Deadline",
    "DeadlineError",
    "Period",
    "PeriodUnit",
    "PetitionType",
    "WorkingCalendar",
    "compute_deadline",
    "is_overdue",
    "statutory_period",
]

#: Act §19(1): "1일은 8시간의 근무시간을 기준으로 한다" — the conversion factor from
#: days to working hours for periods of 5 days or less.  It is fixed by statute
#: and deliberately independent of :meth:`WorkingCalendar.hours_per_day`.
STATUTORY_HOURS_PER_DAY: int = 8

#: Largest period (in days) still counted in working hours (Act §19(1)).
_MAX_HOUR_COUNTED_DAYS = 5

#: Sanity bound for :meth:`WorkingCalendar.add_working_hours` (hours).
_MAX_ADD_HOURS = 100_000.0

_UTC = UTC


class DeadlineError(ValueError):
    """Invalid input to the deadline computation.

    ``str(error)`` is ``"<field>: <message>"``; the offending field is also
    available as :attr:`field` and the explanation as :attr:`message`.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class PetitionType(StrEnum):
    """Kinds of civil petition (Act §2(1)), each with its own statutory period."""

    OTHER = "other"  # 기타민원
    INQUIRY_PROCEDURE = "inquiry_procedure"  # 질의민원 (제도·절차)
    INQUIRY_LAW = "inquiry_law"  # 질의민원 (법령 해석)
    PROPOSAL = "proposal"  # 건의민원
    GRIEVANCE = "grievance"  # 고충민원
    STATUTORY = "statutory"  # 법정민원 (민원처리기준표)


class PeriodUnit(StrEnum):
    """Unit in which a processing period is expressed."""

    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    YEARS = "years"


#: Inclusive upper bound on :attr:`Period.amount` per unit.  Hours are bounded
#: by 40 because a period longer than 5 days (= 40 working hours, Act §19(1))
#: is not counted in hours at all.
_MAX_AMOUNT: dict[PeriodUnit, int] = {
    PeriodUnit.HOURS: _MAX_HOUR_COUNTED_DAYS * STATUTORY_HOURS_PER_DAY,
    PeriodUnit.DAYS: 3650,
    PeriodUnit.WEEKS: 520,
    PeriodUnit.MONTHS: 120,
    PeriodUnit.YEARS: 10,
}


@dataclass(frozen=True)
class Period:
    """A processing period: ``amount`` (integer >= 1) of ``unit``.

    ``HOURS`` are *working* hours.  ``DAYS`` of 5 or fewer are converted to
    ``8 * amount`` working hours (Act §19(1)); 6 or more are counted in working
    days (Act §19(2)).  ``WEEKS``/``MONTHS``/``YEARS`` are calendar periods
    (Act §19(3)).

    Raises:
        DeadlineError: ``amount`` is not an ``int`` (``bool`` is refused), is
            below 1 or above the bound for its unit (40 hours, 3650 days,
            520 weeks, 120 months, 10 years); or ``unit`` is not a
            :class:`PeriodUnit` value.
    """

    amount: int
    unit: PeriodUnit

    def __post_init__(self) -> None:
        unit: object = self.unit
        if not isinstance(unit, PeriodUnit):
            if not isinstance(unit, str) or unit not in {u.value for u in PeriodUnit}:
                allowed = ", ".join(u.value for u in PeriodUnit)
                raise DeadlineError("unit", f"unknown period unit {unit!r}; allowed: {allowed}")
            object.__setattr__(self, "unit", PeriodUnit(unit))
        amount: object = self.amount
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise DeadlineError("amount", f"must be an int, got {type(amount).__name__} {amount!r}")
        limit = _MAX_AMOUNT[self.unit]
        if not 1 <= amount <= limit:
            raise DeadlineError(
                "amount",
                f"{amount} {self.unit.value} is out of range; "
                f"must be between 1 and {limit} {self.unit.value}",
            )

    def __str__(self) -> str:
        unit = self.unit.value
        if self.amount == 1:
            unit = unit[:-1]
        return f"{self.amount} {unit}"


# ---------------------------------------------------------------------------
# Holiday and zone caches
# ---------------------------------------------------------------------------


@cache
def _kr_public_holidays(year: int) -> frozenset[date]:
    """Korean public holidays of ``year`` per ``holidays.KR`` (cached per year).

    Constructing ``holidays.KR`` (via ``holidays.country_holidays``) costs
    ~0.1 s (lunar calendar conversion), so it is built at most once per year
    per process.
    """
    return frozenset(d for d in holidays.country_holidays("KR", years=year) if d.year == year)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _require_aware(value: object, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise DeadlineError(name, f"must be a timezone-aware datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise DeadlineError(
            name,
            f"naive datetime {value.isoformat()} is not allowed; "
            "attach a timezone (e.g. ZoneInfo('Asia/Seoul'))",
        )
    return value


# ---------------------------------------------------------------------------
# Working calendar
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days and working hours of a public office.

    Attributes:
        tz: IANA zone name in which days and working hours are reckoned.
        work_start: start of working hours (local wall-clock time).
        work_end: end of working hours (local wall-clock time).
        break_start: start of the daily break, or ``None`` for no break.
        break_end: end of the daily break, or ``None`` for no break.
        extra_holidays: additional non-working days (e.g. temporary public
            holidays designated after the installed ``holidays`` release).
            Any iterable of :class:`datetime.date` is accepted and stored as
            a ``frozenset``.

    A working day is a day that is neither a Saturday, a Sunday (a public
    holiday under 관공서의 공휴일에 관한 규정 §2), a ``holidays.KR`` public
    holiday, nor one of ``extra_holidays`` (Act §19(1)–(2)).

    Raises:
        DeadlineError: ``tz`` is unknown; ``work_start >= work_end``; only one
            of the break bounds is given; the break is empty or lies outside
            working hours; ``extra_holidays`` contains something that is not
            a plain ``date``.
    """

    tz: str = "Asia/Seoul"
    work_start: time = time(9)
    work_end: time = time(18)
    break_start: time | None = time(12)
    break_end: time | None = time(13)
    extra_holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        try:
            _zone(self.tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise DeadlineError("tz", f"unknown time zone {self.tz!r}") from None
        for name in ("work_start", "work_end", "break_start", "break_end"):
            value: object = getattr(self, name)
            if value is None and name.startswith("break"):
                continue
            if not isinstance(value, time):
                raise DeadlineError(name, f"must be a datetime.time, got {value!r}")
            if value.tzinfo is not None:
                raise DeadlineError(name, "must be a naive wall-clock time (the zone comes from tz)")
        if self.work_start >= self.work_end:
            raise DeadlineError(
                "work_end",
                f"work_end {self.work_end} must be after work_start {self.work_start}",
            )
        if (self.break_start is None) != (self.break_end is None):
            raise DeadlineError(
                "break_start" if self.break_start is None else "break_end",
                "break_start and break_end must both be set or both be None",
            )
        if (
            self.break_start is not None
            and self.break_end is not None
            and not (self.work_start <= self.break_start < self.break_end <= self.work_end)
        ):
            raise DeadlineError(
                "break_start",
                f"break {self.break_start}-{self.break_end} must be non-empty and "
                f"within working hours {self.work_start}-{self.work_end}",
            )
        extra: object = self.extra_holidays
        if isinstance(extra, (str, bytes)) or not isinstance(extra, Iterable):
            raise DeadlineError("extra_holidays", f"must be an iterable of dates, got {extra!r}")
        items = frozenset(extra)
        for item in items:
            if isinstance(item, datetime) or not isinstance(item, date):
                raise DeadlineError("extra_holidays", f"must contain datetime.date values, got {item!r}")
        object.__setattr__(self, "extra_holidays", items)

    # -- days ---------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        """The :class:`~zoneinfo.ZoneInfo` for :attr:`tz`."""
        return _zone(self.tz)

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` counts towards a processing period.

        False for Saturdays, Sundays, ``holidays.KR`` public holidays
        (substitute, election and temporary holidays included) and
        :attr:`extra_holidays`; True otherwise (Act §19(1)–(2)).  A
        ``datetime`` argument is treated as its ``date()``.
        """
        if isinstance(d, datetime):
            d = d.date()
        if d.weekday() >= 5:
            return False
        if d in self.extra_holidays:
            return False
        return d not in _kr_public_holidays(d.year)

    def hours_per_day(self) -> float:
        """Configured working hours per working day (hours, break excluded).

        8.0 for the default 09:00–18:00 with a 12:00–13:00 break.  Informational:
        the statutory day-to-hours conversion always uses
        :data:`STATUTORY_HOURS_PER_DAY` (Act §19(1)).
        """
        return sum((_seconds(end) - _seconds(start)) for start, end in self._segments()) / 3600.0

    # -- working-time arithmetic ------------------------------------------

    def _segments(self) -> tuple[tuple[time, time], ...]:
        if self.break_start is None or self.break_end is None:
            return ((self.work_start, self.work_end),)
        return tuple(
            (s, e)
            for s, e in (
                (self.work_start, self.break_start),
                (self.break_end, self.work_end),
            )
            if s < e
        )

    def _segments_utc(self, d: date) -> list[tuple[datetime, datetime]]:
        """Working intervals of day ``d`` as UTC datetimes (empty if not working).

        Intervals are defined in local wall-clock time and converted to UTC so
        that durations are absolute even in zones with DST transitions.
        """
        if not self.is_working_day(d):
            return []
        zone = self.zone
        return [
            (
                datetime.combine(d, s, tzinfo=zone).astimezone(_UTC),
                datetime.combine(d, e, tzinfo=zone).astimezone(_UTC),
            )
            for s, e in self._segments()
        ]

    def end_of_working_day(self, d: date) -> datetime:
        """``work_end`` on day ``d`` as an aware datetime in the calendar zone."""
        return datetime.combine(d, self.work_end, tzinfo=self.zone)

    def working_seconds_between(self, start: datetime, end: datetime) -> int:
        """Working time in the half-open interval ``[start, end)``, in whole seconds.

        Only time inside working hours of working days counts; the break is
        excluded.  Returns 0 when ``end <= start``.  Fractions of a second are
        truncated.

        Raises:
            DeadlineError: ``start`` or ``end`` is naive or not a datetime.
        """
        start_utc = _require_aware(start, "start").astimezone(_UTC)
        end_utc = _require_aware(end, "end").astimezone(_UTC)
        if end_utc <= start_utc:
            return 0
        zone = self.zone
        day = start_utc.astimezone(zone).date()
        last = end_utc.astimezone(zone).date()
        total = timedelta(0)
        while day <= last:
            for seg_start, seg_end in self._segments_utc(day):
                lo = max(seg_start, start_utc)
                hi = min(seg_end, end_utc)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return int(total.total_seconds())

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Instant at which ``hours`` working hours counted from ``start`` are used up.

        Counting starts at ``start`` if it falls inside working hours,
        otherwise at the next working-hours moment (after the break, the next
        morning, or the next working day).  The result is the *earliest*
        instant at which the working time is exhausted, so it can be exactly
        ``break_start`` or ``work_end`` (e.g. Mon 15:00 + 3 h = Mon 18:00, not
        Tue 09:00).  Sub-second precision of ``start`` is preserved.

        Args:
            start: aware datetime (any zone).
            hours: working hours, ``0 < hours <= 100000`` (may be fractional).

        Returns:
            Aware datetime in the calendar's zone.

        Raises:
            DeadlineError: ``start`` is naive; ``hours`` is not a finite
                positive number within bounds.
        """
        start_utc = _require_aware(start, "start").astimezone(_UTC)
        if (
            isinstance(hours, bool)
            or not isinstance(hours, (int, float))
            or not math.isfinite(hours)
            or not 0 < hours <= _MAX_ADD_HOURS
        ):
            raise DeadlineError("hours", f"must be a finite number in (0, {_MAX_ADD_HOURS:g}], got {hours!r}")
        remaining = timedelta(hours=hours)
        zone = self.zone
        day = start_utc.astimezone(zone).date()
        while True:
            for seg_start, seg_end in self._segments_utc(day):
                lo = max(seg_start, start_utc)
                if lo >= seg_end:
                    continue
                available = seg_end - lo
                if remaining <= available:
                    return (lo + remaining).astimezone(zone)
                remaining -= available
            day += timedelta(days=1)

    def nth_working_day(self, first: date, n: int) -> date:
        """The ``n``-th working day counting ``first`` itself as the 1st if working.

        Non-working days are skipped and not counted (Act §19(2)).

        Raises:
            DeadlineError: ``n < 1``.
        """
        if n < 1:
            raise DeadlineError("n", f"must be >= 1, got {n}")
        d = first
        count = 0
        while True:
            if self.is_working_day(d):
                count += 1
                if count == n:
                    return d
            d += timedelta(days=1)

    def next_working_day_on_or_after(self, d: date) -> date:
        """``d`` if it is a working day, else the next working day."""
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


_DEFAULT_CALENDAR = WorkingCalendar()


# ---------------------------------------------------------------------------
# Periods per petition type
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """Result of :func:`compute_deadline`.

    Attributes:
        due: aware datetime in the calendar's zone; processing at or before
            this instant is on time (see :func:`is_overdue`).
        period: the period that was applied.
        basis: short English explanation naming the articles applied, e.g.
            ``"3 working hours from receipt (Act §19(1); Decree §16)"``.
    """

    due: datetime
    period: Period
    basis: str


_DEFAULT_PERIODS: dict[PetitionType, Period] = {
    PetitionType.OTHER: Period(3, PeriodUnit.HOURS),
    PetitionType.INQUIRY_PROCEDURE: Period(7, PeriodUnit.DAYS),
    PetitionType.INQUIRY_LAW: Period(14, PeriodUnit.DAYS),
    PetitionType.PROPOSAL: Period(14, PeriodUnit.DAYS),
    PetitionType.GRIEVANCE: Period(7, PeriodUnit.DAYS),
}

_SOURCE: dict[PetitionType, str] = {
    PetitionType.OTHER: "Decree §16",
    PetitionType.INQUIRY_PROCEDURE: "Decree §14",
    PetitionType.INQUIRY_LAW: "Decree §14",
    PetitionType.PROPOSAL: "Decree §15",
    PetitionType.GRIEVANCE: "Decree §17",
    PetitionType.STATUTORY: "Act §17, processing-standards table",
}


def _coerce_type(petition_type: object) -> PetitionType:
    if isinstance(petition_type, PetitionType):
        return petition_type
    allowed = ", ".join(t.value for t in PetitionType)
    if isinstance(petition_type, str):
        try:
            return PetitionType(petition_type)
        except ValueError:
            pass
    raise DeadlineError("petition_type", f"unknown petition type {petition_type!r}; allowed: {allowed}")


def statutory_period(petition_type: PetitionType, *, period: Period | None = None) -> Period:
    """Processing period for ``petition_type``.

    Defaults (Act §18 delegating to the Decree):

    * ``OTHER`` (기타민원): "즉시" = 3 working hours — Decree §16.
    * ``INQUIRY_PROCEDURE`` (질의민원, 제도·절차): 7 days — Decree §14.
    * ``INQUIRY_LAW`` (질의민원, 법령 해석): 14 days — Decree §14.
    * ``PROPOSAL`` (건의민원): 14 days — Decree §15.
    * ``GRIEVANCE`` (고충민원): 7 days — Decree §17.
    * ``STATUTORY`` (법정민원): no default; the period of the processing-
      standards table (민원처리기준표, Act §17, published under Act §36) must
      be passed as ``period``.

    Numbering caveat: §14, §15 and §17 match secondary sources (municipal
    guidance pages); the location of the "즉시 = 3근무시간" rule for 기타민원 in
    Decree §16 could not be verified against the official text and should be
    checked against law.go.kr before relying on the citation.

    Args:
        petition_type: a :class:`PetitionType` (or its string value).
        period: required for ``STATUTORY``; must be omitted for every other
            type, whose period is fixed by the Decree.

    Raises:
        DeadlineError: (field ``period``) ``STATUTORY`` without a period, a
            period given for a non-statutory type, or a non-:class:`Period`;
            (field ``petition_type``) unknown type.
    """
    ptype = _coerce_type(petition_type)
    if ptype is PetitionType.STATUTORY:
        if period is None:
            raise DeadlineError(
                "period",
                "required for statutory petitions (법정민원): pass the period from "
                "the processing-standards table (민원처리기준표)",
            )
        if not isinstance(period, Period):
            raise DeadlineError("period", f"must be a Period, got {period!r}")
        return period
    if period is not None:
        raise DeadlineError(
            "period",
            f"cannot override the period of {ptype.value!r} petitions; it is fixed "
            f"by {_SOURCE[ptype]} ({_DEFAULT_PERIODS[ptype]}); only 'statutory' "
            "petitions take a period",
        )
    return _DEFAULT_PERIODS[ptype]


# ---------------------------------------------------------------------------
# Deadline computation
# ---------------------------------------------------------------------------


def _calendar_last_day(start: date, period: Period) -> date:
    """Last day of a week/month/year period whose first day is ``start``.

    Civil Act §160 applied with the first day counted (Act §19(3)): the period
    ends on the day before the corresponding date of the last week/month/year;
    if that month has no corresponding day, on the last day of that month.
    """
    if period.unit is PeriodUnit.WEEKS:
        return start + timedelta(days=7 * period.amount - 1)
    months = period.amount * (12 if period.unit is PeriodUnit.YEARS else 1)
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    month = month0 + 1
    last_dom = monthrange(year, month)[1]
    if start.day > last_dom:
        return date(year, month, last_dom)
    return date(year, month, start.day) - timedelta(days=1)


def compute_deadline(
    petition_type: PetitionType | str,
    received_at: datetime,
    *,
    period: Period | None = None,
    calendar: WorkingCalendar | None = None,
) -> Deadline:
    """Statutory processing deadline of a petition received at ``received_at``.

    Counting rules (Act §19, 처리기간의 계산):

    * **Hours** — ``HOURS`` periods, and ``DAYS`` periods of 5 days or less
      converted at 8 working hours per day (§19(1)): working hours are counted
      from the receipt instant (or the next working-hours moment if received
      outside working hours, during the break, or on a non-working day);
      Saturdays and public holidays do not count.  ``due`` is the exact
      instant the last working hour is used up.
    * **Days** — ``DAYS`` periods of 6 days or more (§19(2)): working days are
      counted with the day of receipt as day 1 whatever the time of receipt
      (even after closing time).  If the day of receipt is not a working day
      (e.g. an online petition filed on a Saturday), it cannot be counted, so
      day 1 is the next working day.  ``due`` is ``work_end`` (18:00) of the
      last counted day.
    * **Calendar** — ``WEEKS``/``MONTHS``/``YEARS`` (§19(3), Civil Act
      §159–§161).  "첫날을 산입" is read as: the day of receipt (in the calendar
      zone, whatever the time, and even if it is a Saturday or holiday, since
      calendar periods count every day) is the first day of the period
      (기산일), displacing Civil Act §157's exclusion of the first day.  Per
      Civil Act §160(2) the period ends on the day before the date
      corresponding to the day of receipt in the last week/month/year
      (received 2025-03-10, 1 month → 2025-04-09); per §160(3), if the last
      month has no corresponding date, on that month's last day (received
      2025-01-31, 1 month → 2025-02-28).  Per §161, if the last day is a
      Saturday or public holiday the period ends on the next day, repeated
      while that day is not a working day.  ``due`` is ``work_end`` of that day.

    Args:
        petition_type: a :class:`PetitionType` or its string value.
        received_at: aware datetime of receipt (any zone; converted to the
            calendar zone).
        period: processing period — required for ``STATUTORY`` and refused
            otherwise (see :func:`statutory_period`).
        calendar: working calendar; default 09:00–18:00 Asia/Seoul with a
            12:00–13:00 break and no extra holidays.

    Returns:
        :class:`Deadline` whose ``due`` is in the calendar's zone.

    Raises:
        DeadlineError: unknown ``petition_type`` (message lists the allowed
            values); naive ``received_at``; missing/forbidden ``period``;
            ``calendar`` not a :class:`WorkingCalendar`.
    """
    ptype = _coerce_type(petition_type)
    if calendar is None:
        calendar = _DEFAULT_CALENDAR
    elif not isinstance(calendar, WorkingCalendar):
        raise DeadlineError("calendar", f"must be a WorkingCalendar, got {calendar!r}")
    received = _require_aware(received_at, "received_at").astimezone(calendar.zone)
    applied = statutory_period(ptype, period=period)
    source = _SOURCE[ptype]
    unit = applied.unit

    if unit is PeriodUnit.HOURS or (unit is PeriodUnit.DAYS and applied.amount <= _MAX_HOUR_COUNTED_DAYS):
        if unit is PeriodUnit.HOURS:
            hours = applied.amount
            what = f"{hours} working hour{'s' if hours != 1 else ''}"
        else:
            hours = applied.amount * STATUTORY_HOURS_PER_DAY
            what = f"{applied} counted as {hours} working hours"
        due = calendar.add_working_hours(received, hours)
        basis = f"{what} from receipt (Act §19(1); {source})"
    elif unit is PeriodUnit.DAYS:
        first = calendar.next_working_day_on_or_after(received.date())
        last = calendar.nth_working_day(first, applied.amount)
        due = calendar.end_of_working_day(last)
        basis = (
            f"{applied.amount} working days, day of receipt counted, Saturdays and "
            f"holidays excluded (Act §19(2); {source})"
        )
    else:
        last = _calendar_last_day(received.date(), applied)
        last = calendar.next_working_day_on_or_after(last)
        due = calendar.end_of_working_day(last)
        basis = (
            f"{applied} by the calendar, day of receipt counted, extended past "
            f"Saturdays and holidays (Act §19(3); Civil Act §160-§161; {source})"
        )
    return Deadline(due=due, period=applied, basis=basis)


def is_overdue(deadline: datetime, now: datetime) -> bool:
    """Whether ``now`` is strictly after ``deadline``.

    Processing at exactly the due instant is on time.  The two datetimes may
    be in different zones; they are compared as absolute instants.

    Raises:
        DeadlineError: either argument is naive or not a datetime.
    """
    return _require_aware(now, "now") > _require_aware(deadline, "deadline")
