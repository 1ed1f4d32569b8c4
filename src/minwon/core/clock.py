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


def parse_day(value: str, *, field: str = "day") -> date:
    """``YYYY-MM-DD`` → date (surrounding spaces allowed). Raises ValidationError naming ``field``."""
    from minwon.core.errors import ValidationError

    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"{field} {value!r} is not a date YYYY-MM-DD", field=field) from None
