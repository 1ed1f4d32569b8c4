"""Loading history: the bank CSV and the center's own calls counted per slot in SQL."""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from minwon.config import get_settings
from minwon.core.errors import NotFound, ValidationError
from minwon.org.service import ensure_queue
from minwon.telephony.service import get_or_create_pbx, ingest_events
from minwon.workforce.history import BANK_SERIES, center_forecast, center_series, load_bank_series
from tests.quality.support import DAY, ev

BANK = get_settings().data_dir / BANK_SERIES


@pytest.mark.skipif(not BANK.is_file(), reason="shared data folder not present")
def test_bank_series_matches_the_csv() -> None:
    series = load_bank_series(BANK)
    with BANK.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    # SOURCE.md: 27,716 rows, 164 days × 169 slots
    assert len(series) == len(rows) == 27_716 == 164 * 169
    assert series.iloc[0] == float(rows[0]["Calls"])
    assert series.index[0] == pd.Timestamp(rows[0]["DateTime"])
    assert series.sum() == sum(int(r["Calls"]) for r in rows)


def test_bank_series_refuses_other_files(tmp_path: Path) -> None:
    other = tmp_path / "x.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(ValidationError) as err:
        load_bank_series(other)
    assert err.value.field == "path"
    with pytest.raises(ValidationError):
        load_bank_series(tmp_path / "missing.csv")


def _ingest(db: Session) -> None:
    ensure_queue(db=db, code="general", name="일반 상담")
    ensure_queue(db=db, code="tax", name="지방세")
    db.commit()
    pbx = get_or_create_pbx(db=db, name="forecast-pbx")
    events = [
        ev("ringing", "g1", "09:03:00", queue="general"),
        ev("answered", "g1", "09:03:30"),
        ev("hangup", "g1", "09:06:00"),
        ev("ringing", "g2", "09:07:10", queue="general"),
        ev("abandoned", "g2", "09:08:00"),
        ev("ringing", "g3", "09:31:00", queue="general"),
        ev("answered", "g3", "09:31:05"),
        ev("hangup", "g3", "09:35:00"),
        ev("ringing", "t1", "09:10:00", queue="tax"),
        ev("answered", "t1", "09:10:20"),
        ev("hangup", "t1", "09:12:00"),
        # ended in the IVR: never offered, not counted
        ev("hangup", "ivr1", "09:20:00", queue="general"),
        # the next day
        ev("ringing", "g4", "14:59:59", day=date(2026, 11, 3), queue="general"),
        ev("abandoned", "g4", "15:00:30", day=date(2026, 11, 3)),
    ]
    result = ingest_events(db=db, pbx=pbx, events=events)
    assert result.rejected == 0, result.outcomes


def test_center_series_counts_offered_calls_per_local_slot(db: Session) -> None:
    _ingest(db)
    general = center_series(
        db=db, queue_code="general", first_day=DAY, last_day=date(2026, 11, 3), interval_minutes=30
    )
    assert general.to_dict() == {
        pd.Timestamp("2026-11-02 09:00"): 2.0,
        pd.Timestamp("2026-11-02 09:30"): 1.0,
        pd.Timestamp("2026-11-03 14:30"): 1.0,
    }
    every = center_series(db=db, queue_code=None, first_day=DAY, last_day=DAY, interval_minutes=5)
    assert every.to_dict() == {
        pd.Timestamp("2026-11-02 09:00"): 1.0,
        pd.Timestamp("2026-11-02 09:05"): 1.0,
        pd.Timestamp("2026-11-02 09:10"): 1.0,
        pd.Timestamp("2026-11-02 09:30"): 1.0,
    }


def test_center_series_bad_arguments(db: Session) -> None:
    with pytest.raises(NotFound):
        center_series(db=db, queue_code="nope", first_day=DAY, last_day=DAY)
    with pytest.raises(ValidationError) as err:
        center_series(db=db, queue_code=None, first_day=DAY, last_day=date(2026, 11, 1))
    assert err.value.field == "last_day"


def test_center_forecast_from_ingested_calls(db: Session) -> None:
    """Five weeks of weekdays: Mondays 6 calls (4 at 09:05, 2 at 10:05), other days 3 (2 + 1), none on
    Korean holidays (the center is closed). Chuseok 2026 (24–25 Sep) and Foundation Day falls in it."""
    import holidays

    first, last = date(2026, 9, 7), date(2026, 10, 9)
    kr = holidays.KR(years=[2026])  # type: ignore[attr-defined]
    ensure_queue(db=db, code="general", name="일반 상담")
    db.commit()
    pbx = get_or_create_pbx(db=db, name="forecast-pbx")
    events = []
    day = first
    while day <= last:
        if day.weekday() < 5 and day not in kr:
            morning, late = (4, 2) if day.weekday() == 0 else (2, 1)
            for k in range(morning + late):
                hour = "09" if k < morning else "10"
                call = f"{day}-{k}"
                events += [
                    ev("ringing", call, f"{hour}:05:00", day=day, queue="general"),
                    ev("answered", call, f"{hour}:05:30", day=day),
                    ev("hangup", call, f"{hour}:09:00", day=day),
                ]
        day += timedelta(days=1)
    assert ingest_events(db=db, pbx=pbx, events=events).rejected == 0
    assert any(first <= d <= last and d.weekday() < 5 for d in kr)

    result, notes = center_forecast(db=db, queue_code="general", last_day=last, history_days=33, days=3)
    assert notes == []
    assert "holiday" in result.regressors and result.coefficients["holiday"] < -1.5
    # 9 Oct 2026 (Fri) is Hangul Day; the next open days are Mon 12, Tue 13, Wed 14 Oct
    assert list(result.daily["day"]) == [date(2026, 10, 12), date(2026, 10, 13), date(2026, 10, 14)]
    monday, tuesday, _ = result.daily["calls"]
    assert monday == pytest.approx(6, abs=0.5) and tuesday == pytest.approx(3, abs=0.5)
    first_day = result.intervals[result.intervals["day"] == date(2026, 10, 12)]
    # the grid is unbroken from the first to the last slot with calls; 09:30 never had any
    assert list(first_day["slot"]) == ["09:00", "09:30", "10:00"]
    assert first_day["calls"].to_list() == pytest.approx([monday * 4 / 6, 0.0, monday * 2 / 6])
    with pytest.raises(ValidationError) as err:
        center_forecast(db=db, queue_code="general", last_day=last, history_days=5)
    assert err.value.field == "history_days"


def test_center_forecast_with_weather_flags(db: Session) -> None:
    """Five weeks of January 2026 weekdays, 3 calls a day plus 2 on cold-wave mornings (tmin ≤ −12 °C,
    the KMA advisory threshold): the fitted cold-wave effect is +2 calls a day; heat, heavy snow, heavy
    rain and holidays never occur in the span, so they are dropped and said so."""
    weather = pytest.importorskip("minwon.weather.service")
    from minwon.weather.formats import ObservationRecord

    seoul = ZoneInfo("Asia/Seoul")
    first, last = date(2026, 1, 5), date(2026, 2, 6)
    cold = {date(2026, 1, d) for d in (7, 12, 20, 21, 28)} | {date(2026, 2, 3), date(2026, 2, 10)}
    ensure_queue(db=db, code="general", name="일반 상담")
    db.commit()
    pbx = get_or_create_pbx(db=db, name="forecast-pbx")
    events, records = [], []
    day = first
    while day <= last + timedelta(days=7):
        records.append(
            ObservationRecord(
                stn_id=108,
                observed_at=datetime.combine(day, time(0), tzinfo=seoul),
                period="daily",
                source="test",
                tmin_c=-14.0 if day in cold else -3.0,
                tmax_c=2.0,
                precip_mm=0.0,
                new_snow_cm=0.0,
            )
        )
        if day <= last and day.weekday() < 5:
            for k in range(5 if day in cold else 3):
                call = f"{day}-{k}"
                events += [
                    ev("ringing", call, f"1{k}:00:00", day=day, queue="general"),
                    ev("answered", call, f"1{k}:00:10", day=day),
                    ev("hangup", call, f"1{k}:03:00", day=day),
                ]
        day += timedelta(days=1)
    weather.ingest_observations(db=db, records=records)
    assert ingest_events(db=db, pbx=pbx, events=events).rejected == 0

    result, notes = center_forecast(
        db=db, queue_code="general", last_day=last, history_days=33, days=5, weather_station=108
    )
    assert notes == []
    assert "cold_wave" in result.regressors
    assert result.coefficients["cold_wave"] == pytest.approx(2.0, abs=0.3)
    for flag in ("heat", "heavy_snow", "heavy_rain", "holiday"):
        assert result.dropped[flag].endswith("(never true): not fitted")
    # Tue 10 Feb is a cold-wave day in the stored weather: 5 calls expected, the others 3
    by_day = dict(zip(result.daily["day"], result.daily["calls"], strict=True))
    assert by_day[date(2026, 2, 10)] == pytest.approx(5, abs=0.4)
    assert by_day[date(2026, 2, 9)] == pytest.approx(3, abs=0.4)

    _, notes = center_forecast(
        db=db, queue_code="general", last_day=last, history_days=33, days=5, weather_station=999
    )
    assert notes and notes[0].startswith("weather not used: no weather data for station 999")
