"""KPI breaches that suggest a nonconformity (ISO 9001:2015 §10.2.1: react to a nonconformity,
§9.1.3: evaluate the results of monitoring). Pure: no database.

A *run* is a maximal stretch of consecutive periods whose traffic light is red (or, with
``include_amber``, red or amber: "not green"). A period without a value (no calls, indicator undefined)
breaks a run: missing data is not evidence of a breach. Runs of at least ``min_length`` periods are
breaches.

Period labels: months ``YYYY-MM``, ISO weeks ``YYYY-Www`` (Monday–Sunday). A breach is referenced as
``kpi:<indicator>:<first label>..<last label>`` (e.g. ``kpi:service_level:2026-09..2026-11``), the
``source_ref`` of the entry registered for it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

MONTH = "month"
WEEK = "week"
GRANULARITIES = (MONTH, WEEK)

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
_REF_RE = re.compile(r"^kpi:([a-z_]{1,40}):([0-9W-]{7,8})\.\.([0-9W-]{7,8})$")


@dataclass(frozen=True)
class Period:
    """A month or an ISO week: its ``label`` and local days ``first_day``…``last_day`` (inclusive)."""

    label: str
    first_day: date
    last_day: date


def month_period(year: int, month: int) -> Period:
    first = date(year, month, 1)
    return Period(f"{year:04d}-{month:02d}", first, first.replace(day=calendar.monthrange(year, month)[1]))


def week_period(monday: date) -> Period:
    iso = monday.isocalendar()
    return Period(f"{iso.year:04d}-W{iso.week:02d}", monday, monday + timedelta(days=6))


def complete_periods(today: date, count: int, granularity: str = MONTH) -> list[Period]:
    """The ``count`` last periods that ended before ``today``, oldest first (the period containing
    ``today`` is still running and is not judged). Raises ValueError for an unknown granularity."""
    out: list[Period] = []
    if granularity == MONTH:
        year, month = today.year, today.month
        for _ in range(count):
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
            out.append(month_period(year, month))
    elif granularity == WEEK:
        monday = today - timedelta(days=today.weekday())
        for _ in range(count):
            monday -= timedelta(days=7)
            out.append(week_period(monday))
    else:
        raise ValueError(f"granularity must be one of {GRANULARITIES}: {granularity!r}")
    return out[::-1]


def parse_period(label: str) -> Period | None:
    """``YYYY-MM`` or ``YYYY-Www`` → :class:`Period`; ``None`` if it is neither."""
    m = _MONTH_RE.match(label)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
        return month_period(year, month) if 1 <= month <= 12 and year >= 1 else None
    w = _WEEK_RE.match(label)
    if w:
        try:
            return week_period(date.fromisocalendar(int(w.group(1)), int(w.group(2)), 1))
        except ValueError:
            return None
    return None


def is_breach(status: str | None, *, include_amber: bool = False) -> bool:
    """Red counts; amber too with ``include_amber``; green and ``None`` (undefined) never."""
    return status == "red" or (include_amber and status == "amber")


def find_runs(
    statuses: Sequence[str | None], *, min_length: int, include_amber: bool = False
) -> list[tuple[int, int]]:
    """``[(first index, last index)]`` (inclusive) of the maximal runs of breached periods in
    ``statuses`` (oldest first) that are at least ``min_length`` long. Raises ValueError if
    ``min_length`` < 1.

    >>> find_runs(["red", "red", "amber", "red", "red", "red"], min_length=3)
    [(3, 5)]
    >>> find_runs(["red", "red", "amber", "red"], min_length=3, include_amber=True)
    [(0, 3)]
    """
    if min_length < 1:
        raise ValueError("min_length must be at least 1")
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, status in enumerate([*statuses, None]):
        if is_breach(status, include_amber=include_amber):
            if start is None:
                start = i
        elif start is not None:
            if i - start >= min_length:
                runs.append((start, i - 1))
            start = None
    return runs


def breach_ref(kpi: str, first: Period, last: Period) -> str:
    """``kpi:<indicator>:<first label>..<last label>``."""
    return f"kpi:{kpi}:{first.label}..{last.label}"


def parse_breach_ref(ref: str) -> tuple[str, date, date] | None:
    """``kpi:<indicator>:<first>..<last>`` → (indicator, first local day, last local day); ``None`` for
    any other text (entries from other sources, hand-written references)."""
    m = _REF_RE.match(ref.strip())
    if not m:
        return None
    first, last = parse_period(m.group(2)), parse_period(m.group(3))
    if first is None or last is None or last.last_day < first.first_day:
        return None
    return m.group(1), first.first_day, last.last_day


def overlaps(a_first: date, a_last: date, b_first: date, b_last: date) -> bool:
    """Whether the inclusive day ranges share at least one day."""
    return a_first <= b_last and b_first <= a_last
