"""Time: one place to read "now", and conversions between UTC and the center's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from minwon.config import get_settings


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    """The center's zone (``MINWON_TIMEZONE``, default Asia/Seoul)."""
    return ZoneInfo(get_settings().timezone)


def to_local(instant: datetime) -> datetime:
    """``instant`` (aware) in the center's zone. Raises ValueError for naive input."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: expected a timezone-aware instant")
    return instant.astimezone(local_zone())


def local_today() -> date:
    return utcnow().astimezone(local_zone()).date()


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """``[start, end)`` of the local calendar day ``day``, as UTC instants."""
    zone = local_zone()
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


#: Months accepted by :func:`parse_month`: far enough from ``date.min``/``date.max`` that the month
#: after (period ends), the day after the last day and the trend months before never overflow.
MONTH_MIN, MONTH_MAX = (1900, 1), (2999, 12)


def parse_month(value: str | None) -> date:
    """``YYYY-MM`` (surrounding spaces allowed) → the month's first day, between 1900-01 and 2999-12.

    Raises ValidationError (field ``month``) for any other text, a month outside 01–12 or a year outside
    the range (the next month of 9999-12 would not be a date).
    """
    import re

    from minwon.core.errors import ValidationError
    from minwon.core.i18n import N_

    match = re.fullmatch(r"(\d{4})-(\d{2})", (value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError(N_("month must be YYYY-MM"), field="month")
    year, mon = int(match.group(1)), int(match.group(2))
    if not MONTH_MIN <= (year, mon) <= MONTH_MAX:
        raise ValidationError(N_("month must be between 1900-01 and 2999-12"), field="month")
    return date(year, mon, 1)


def parse_day(value: str, *, field: str = "day") -> date:
    """``YYYY-MM-DD`` → date (surrounding spaces allowed). Raises ValidationError naming ``field``."""
    from minwon.core.errors import ValidationError

    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"{field} {value!r} is not a date YYYY-MM-DD", field=field) from None
