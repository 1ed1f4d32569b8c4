"""Pure daily weather summaries and KMA warning criteria (기상특보 발표기준) as observed flags.

Thresholds (기상청 기상특보 발표기준, weather.go.kr › 특보 › 특보 발표기준; advisory = 주의보 level):

* 한파 (cold wave): 아침 최저기온 −12 °C 이하 — one of the advisory criteria (the others, a 10 °C
  drop to ≤ 3 °C against the normal, need climatology and are not used).
* 폭염 (heat): 일 최고 33 °C 이상. Since 2020 KMA applies this to the *feels-like* maximum
  (일최고체감온도); we use the air temperature maximum, an approximation.
* 대설 (heavy snow): 24시간 신적설 5 cm 이상.
* 호우 (heavy rain): 3시간 강우량 60 mm 이상 또는 12시간 강우량 110 mm 이상.

KMA issues warnings on *forecasts* and asks for persistence (e.g. two days of −12 °C); these flags
mark single observed days that meet the threshold, as covariates for contact-volume forecasts.

A KMA day runs 00:01–24:00 local time: an hourly value stamped 24:00 (00:00 of the next date) belongs
to the day that ends there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

COLD_WAVE_MORNING_MIN_C = -12.0
HEAT_MAX_C = 33.0
HEAVY_SNOW_24H_CM = 5.0
HEAVY_RAIN_3H_MM = 60.0
HEAVY_RAIN_12H_MM = 110.0
#: The morning (아침) for the cold-wave criterion: hourly values stamped 01:00–09:00 local.
MORNING_LAST_HOUR = 9


@dataclass(frozen=True)
class ObsRow:
    """The fields the summary needs from one stored observation (aware UTC time; °C, mm, cm)."""

    observed_at: datetime
    period: str
    temp_c: float | None = None
    tmin_c: float | None = None
    tmax_c: float | None = None
    precip_mm: float | None = None
    precip_max_1h_mm: float | None = None
    new_snow_cm: float | None = None


@dataclass(frozen=True)
class DailyWeather:
    """One local day. ``basis`` is ``daily`` (a daily record) or ``hourly`` (aggregated hours).

    ``tmin``/``tmax`` °C (None when not observed), ``precip_mm`` mm and ``snow_cm`` fresh snow cm (0.0
    when nothing was recorded: KMA leaves "no precipitation" blank). Flags per the module docstring.
    """

    day: date
    tmin: float | None
    tmax: float | None
    precip_mm: float
    snow_cm: float
    cold_wave: bool
    heavy_snow: bool
    heat: bool
    heavy_rain: bool
    basis: str


def kma_day(instant: datetime, zone: ZoneInfo) -> date:
    """The KMA day of an hourly value stamped ``instant`` (24:00 belongs to the day before)."""
    return (instant.astimezone(zone) - timedelta(minutes=1)).date()


def summarise_days(
    rows: Iterable[ObsRow], *, start: date, end: date, zone: ZoneInfo
) -> dict[date, DailyWeather]:
    """Daily summaries for ``start``..``end`` inclusive; days without observations are left out.

    A day with a daily row uses it (heavy rain approximated: 1-hour maximum ≥ 60 mm — which implies a
    3-hour total ≥ 60 mm — or the day's total ≥ 110 mm, which may over-flag rain spread over more than
    12 hours). Otherwise the day's hourly rows give min/max of temperature, the sum of precipitation,
    the sum of 3-hour fresh snow, the morning minimum for the cold wave and exact rolling 3 h/12 h rain
    totals (hours before ``start`` in ``rows`` count toward the windows).
    """
    daily: dict[date, ObsRow] = {}
    hourly: list[ObsRow] = []
    for row in rows:
        if row.period == "daily":
            daily[row.observed_at.astimezone(zone).date()] = row
        else:
            hourly.append(row)
    hourly.sort(key=lambda r: r.observed_at)
    by_day: dict[date, list[ObsRow]] = defaultdict(list)
    for row in hourly:
        by_day[kma_day(row.observed_at, zone)].append(row)
    heavy_rain_days = _heavy_rain_days(hourly, zone)
    out: dict[date, DailyWeather] = {}
    day = start
    while day <= end:
        if day in daily:
            out[day] = _from_daily(day, daily[day])
        elif by_day.get(day):
            out[day] = _from_hours(day, by_day[day], zone, day in heavy_rain_days)
        day += timedelta(days=1)
    return out


def _from_daily(day: date, row: ObsRow) -> DailyWeather:
    precip = row.precip_mm or 0.0
    snow = row.new_snow_cm or 0.0
    max_1h = row.precip_max_1h_mm or 0.0
    return DailyWeather(
        day=day,
        tmin=row.tmin_c,
        tmax=row.tmax_c,
        precip_mm=precip,
        snow_cm=snow,
        cold_wave=row.tmin_c is not None and row.tmin_c <= COLD_WAVE_MORNING_MIN_C,
        heavy_snow=snow >= HEAVY_SNOW_24H_CM,
        heat=row.tmax_c is not None and row.tmax_c >= HEAT_MAX_C,
        heavy_rain=max_1h >= HEAVY_RAIN_3H_MM or precip >= HEAVY_RAIN_12H_MM,
        basis="daily",
    )


def _from_hours(day: date, rows: list[ObsRow], zone: ZoneInfo, heavy_rain: bool) -> DailyWeather:
    temps = [r.temp_c for r in rows if r.temp_c is not None]
    morning = [
        r.temp_c
        for r in rows
        if r.temp_c is not None
        and r.observed_at.astimezone(zone).date() == day
        and r.observed_at.astimezone(zone).hour <= MORNING_LAST_HOUR
    ]
    precip = sum(r.precip_mm or 0.0 for r in rows)
    snow = sum(r.new_snow_cm or 0.0 for r in rows)
    return DailyWeather(
        day=day,
        tmin=min(temps) if temps else None,
        tmax=max(temps) if temps else None,
        precip_mm=round(precip, 1),
        snow_cm=round(snow, 1),
        cold_wave=bool(morning) and min(morning) <= COLD_WAVE_MORNING_MIN_C,
        heavy_snow=snow >= HEAVY_SNOW_24H_CM,
        heat=bool(temps) and max(temps) >= HEAT_MAX_C,
        heavy_rain=heavy_rain,
        basis="hourly",
    )


def _heavy_rain_days(hourly: list[ObsRow], zone: ZoneInfo) -> set[date]:
    """Days with an hour ending a 3-hour total ≥ 60 mm or a 12-hour total ≥ 110 mm (hours by stamp)."""
    days: set[date] = set()
    for i, row in enumerate(hourly):
        total_3h = total_12h = 0.0
        j = i
        while j >= 0 and hourly[j].observed_at > row.observed_at - timedelta(hours=12):
            amount = hourly[j].precip_mm or 0.0
            total_12h += amount
            if hourly[j].observed_at > row.observed_at - timedelta(hours=3):
                total_3h += amount
            j -= 1
        if total_3h >= HEAVY_RAIN_3H_MM - 1e-9 or total_12h >= HEAVY_RAIN_12H_MM - 1e-9:
            days.add(kma_day(row.observed_at, zone))
    return days
