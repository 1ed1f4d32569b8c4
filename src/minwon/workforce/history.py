"""Call-volume history for the forecast: the bank demo series (CSV) and the center's own calls (SQL).

Both loaders return the series convention of :mod:`minwon.workforce.forecast`: a ``pd.Series`` of
counts indexed by naive local slot starts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Integer, func, literal_column, or_, select
from sqlalchemy.orm import Session

from minwon.core.clock import local_day_bounds, local_zone
from minwon.core.errors import NotFound, ValidationError
from minwon.org.models import Queue
from minwon.quality.service import epoch_seconds
from minwon.telephony.models import Call, CallStatus
from minwon.workforce.forecast import Forecast, check_interval, forecast

#: The bank series inside the shared data folder (see ``call_center/SOURCE.md`` there).
BANK_SERIES = Path("call_center") / "bank_calls_5min_2003.csv"


def load_bank_series(path: Path) -> pd.Series:
    """Five-minute counts of calls handled at a North American bank (2003; Weinberg, Brown & Stroud 2007).

    ``path``: the CSV with columns ``DateTime`` (local ``YYYY-MM-DD HH:MM``, slot start) and ``Calls``.
    Raises ValidationError (``path``) when the file is missing or has other columns.
    """
    if not path.is_file():
        raise ValidationError(f"no bank series at {path}", field="path")
    frame = pd.read_csv(path)
    if list(frame.columns) != ["DateTime", "Calls"]:
        raise ValidationError("the bank series needs the columns DateTime,Calls", field="path")
    index = pd.DatetimeIndex(pd.to_datetime(frame["DateTime"], format="%Y-%m-%d %H:%M"), name="start")
    return pd.Series(frame["Calls"].to_numpy(dtype=float), index=index, name="calls")


def bank_history(series: pd.Series, *, last_day: date | None, history_days: int = 365) -> pd.Series:
    """The slots of the bank ``series`` from the ``history_days`` days ending on ``last_day`` (default:
    the series' last day), for ``minwon forecast --bank-demo --until … --history-days …``.

    Raises ValidationError: ``history_days`` outside 14–3660, ``until`` before the series' first day or
    after its last day (the forecast would start inside or after the data's gap, not where asked).
    """
    if not 14 <= history_days <= 3660:
        raise ValidationError("--history-days must be 14–3660", field="history_days")
    if series.empty:
        return series
    days = series.index.date
    first_day, final_day = days.min(), days.max()
    if last_day is None:
        last_day = final_day
    if not first_day <= last_day <= final_day:
        raise ValidationError(
            f"--until {last_day} is outside the bank series, which runs from {first_day} to {final_day}",
            field="until",
        )
    first = last_day - timedelta(days=history_days - 1)
    return series[(days >= first) & (days <= last_day)]


def center_series(
    *,
    db: Session,
    queue_code: str | None,
    first_day: date,
    last_day: date,
    interval_minutes: int = 5,
) -> pd.Series:
    """Offered calls (answered or abandoned) of the center per local slot, counted in one SQL aggregate.

    A call falls in the slot of its queue entry (its start when never queued), grouped by
    ``service_day``. Slots are aligned on UTC multiples of ``interval_minutes``, which are also local
    slot boundaries in every zone whose UTC offset is a whole number of hours (Asia/Seoul: +9).
    ``queue_code`` ``None`` counts all queues. Raises NotFound (``queue``) for an unknown queue code,
    ValidationError (``interval``, ``last_day``) for bad arguments.
    """
    check_interval(interval_minutes)
    if last_day < first_day:
        raise ValidationError("last day is before the first day", field="last_day")
    width = interval_minutes * 60
    bucket = (
        epoch_seconds(func.coalesce(Call.queued_at, Call.started_at)) // literal_column(str(width), Integer)
    ).label("bucket")
    stmt: Any = (
        select(Call.service_day, bucket, func.count().label("calls"))
        .where(
            Call.service_day >= first_day,
            Call.service_day <= last_day,
            or_(Call.answered_at.is_not(None), Call.status == CallStatus.ABANDONED),
        )
        .group_by(Call.service_day, bucket)
    )
    if queue_code is not None:
        queue = db.scalar(select(Queue).where(Queue.code == queue_code))
        if queue is None:
            raise NotFound(f"no queue {queue_code!r}", field="queue")
        stmt = stmt.where(Call.queue_id == queue.id)
    zone = local_zone()
    counts: dict[pd.Timestamp, float] = {}
    for row in db.execute(stmt):
        start = datetime.fromtimestamp(int(row.bucket) * width, UTC).astimezone(zone).replace(tzinfo=None)
        # a call of the day that reached the queue after midnight stays on its service day
        day_start, day_end = (
            b.astimezone(zone).replace(tzinfo=None) for b in local_day_bounds(row.service_day)
        )
        start = min(max(start, day_start), day_end - timedelta(seconds=width))
        key = pd.Timestamp(start)
        counts[key] = counts.get(key, 0.0) + float(row.calls)
    index = pd.DatetimeIndex(sorted(counts), name="start")
    return pd.Series([counts[k] for k in index], index=index, name="calls", dtype=float)


def weather_covariates(
    *, db: Session, station_id: int, first_day: date, last_day: date
) -> tuple[pd.DataFrame | None, str | None]:
    """Daily weather flags (:data:`~minwon.workforce.forecast.WEATHER_FLAGS`) from ``minwon.weather``.

    Returns ``(frame indexed by date, None)``, or ``(None, reason)`` when the weather module is not
    installed or has no data for the period (the forecast then runs without weather).
    """
    try:
        from minwon.weather.service import daily_weather  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None, "weather module not available"
    from minwon.workforce.forecast import WEATHER_FLAGS

    found = daily_weather(db=db, stn_id=station_id, start=first_day, end=last_day)
    if not found:
        return None, f"no weather data for station {station_id} in {first_day}…{last_day}"
    rows = {day: {flag: bool(getattr(w, flag)) for flag in WEATHER_FLAGS} for day, w in found.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index = pd.Index(list(frame.index), name="day")
    return frame, None


def center_forecast(
    *,
    db: Session,
    queue_code: str | None,
    last_day: date,
    history_days: int = 365,
    days: int = 7,
    interval_minutes: int = 30,
    weather_station: int | None = None,
) -> tuple[Forecast, list[str]]:
    """Forecast the center's offered calls (one queue, or all with ``queue_code`` ``None``) for the
    ``days`` open days after ``last_day``, fitted on the ``history_days`` days up to ``last_day``:
    weekday dummies, ``holidays.KR`` and, with ``weather_station`` (KMA station id), the weather flags.

    Returns the forecast and notes (e.g. why weather was not used). Raises ValidationError
    (``history_days`` outside 14–3660, and what :func:`~minwon.workforce.forecast.forecast` raises),
    NotFound (``queue``).
    """
    if not 14 <= history_days <= 3660:
        raise ValidationError("history days must be 14–3660", field="history_days")
    first = last_day - timedelta(days=history_days - 1)
    series = center_series(db=db, queue_code=queue_code, first_day=first, last_day=last_day)
    notes: list[str] = []
    covariates = None
    if weather_station is not None:
        end = last_day + timedelta(days=days * 2 + 7)
        covariates, why = weather_covariates(db=db, station_id=weather_station, first_day=first, last_day=end)
        if why:
            notes.append(f"weather not used: {why}")
    if series.empty:
        raise ValidationError(f"no calls between {first} and {last_day}", field="history")
    result = forecast(
        series, days=days, interval_minutes=interval_minutes, covariates=covariates, history_end=last_day
    )
    return result, notes
