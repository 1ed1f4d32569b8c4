"""Stations, observations, daily flags and warnings through the service, on the real database."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from minwon.core.errors import NotFound, ValidationError
from minwon.weather.formats import ObservationRecord, WarningRecord
from minwon.weather.models import WeatherStation
from minwon.weather.service import (
    active_warnings,
    count_observations,
    daily_weather,
    ingest_file,
    ingest_observations,
    ingest_warnings,
    list_stations,
    load_demo_stations,
    load_stations,
    read_board,
    store_board,
)
from tests.weather.support import (
    DAILY_CSV,
    HOURLY_CSV,
    SEED_PAGE,
    SFCTM_HEADER,
    STATIONS_CSV,
    need,
    sfctm_line,
)


def test_load_stations_from_the_registry_file(db: Session) -> None:
    path = need(STATIONS_CSV)
    with path.open(encoding="utf-8") as fh:
        expected = {int(r["stn_id"]): r["stn_ko"] for r in csv.DictReader(fh)}
    first = load_stations(db=db, path=path)
    assert (first.created, first.updated) == (len(expected), 0) == (97, 0)
    again = load_stations(db=db, path=path)
    assert (again.created, again.updated) == (0, 97)
    stations = list_stations(db=db)
    assert {s.stn_id: s.name for s in stations} == expected
    seoul = db.get(WeatherStation, 108)
    assert seoul is not None and seoul.name == "서울" and seoul.lat == pytest.approx(37.5714)


def test_missing_registry_is_reported(db: Session, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="station registry not found"):
        load_stations(db=db, path=tmp_path / "none.csv")
    notices = load_demo_stations(db=db, data_dir=tmp_path)
    assert len(notices) == 1 and "not found" in notices[0]
    assert list_stations(db=db) == []


def _daily_subset(tmp_path: Path, years: tuple[str, ...]) -> tuple[Path, list[dict[str, str]]]:
    """The real daily file cut to ``years`` (same header, same rows)."""
    with need(DAILY_CSV).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if r["일시"][:4] in years]
        header = reader.fieldnames
    assert header is not None
    out = tmp_path / "daily.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return out, rows


def test_daily_flags_from_the_real_daily_file(db: Session, tmp_path: Path) -> None:
    path, rows = _daily_subset(tmp_path, ("2017", "2018"))
    result = ingest_file(db=db, path=path)
    assert result.created == len(rows) == 730
    days = daily_weather(db=db, stn_id=131, start=date(2017, 1, 1), end=date(2018, 12, 31))
    assert len(days) == 730

    def num(row: dict[str, str], col: str) -> float:
        return float(row[col]) if row[col].strip() else 0.0

    # the thresholds applied to the source rows directly
    for row in rows:
        got = days[date.fromisoformat(row["일시"])]
        assert got.cold_wave == (row["최저기온(°C)"] != "" and float(row["최저기온(°C)"]) <= -12)
        assert got.heat == (row["최고기온(°C)"] != "" and float(row["최고기온(°C)"]) >= 33)
        assert got.heavy_snow == (num(row, "일 최심신적설(cm)") >= 5)
        assert got.heavy_rain == (num(row, "1시간 최다강수량(mm)") >= 60 or num(row, "일강수량(mm)") >= 110)
    # and a few days read from the file by eye
    jan26 = days[date(2018, 1, 26)]  # 최저 -15, 최고 -9.2
    assert (jan26.tmin, jan26.tmax, jan26.cold_wave, jan26.heat) == (-15.0, -9.2, True, False)
    aug1 = days[date(2018, 8, 1)]  # 최고 38.3 (the 2018 heat wave)
    assert (aug1.tmax, aug1.heat, aug1.cold_wave) == (38.3, True, False)
    flood = days[date(2017, 7, 16)]  # 청주 폭우: 290.2 mm, 91.8 mm in one hour
    assert (flood.precip_mm, flood.heavy_rain) == (290.2, True)
    snow = days[date(2018, 1, 10)]  # 일 최심신적설 8.7 cm
    assert (snow.snow_cm, snow.heavy_snow) == (8.7, True)
    assert days[date(2017, 12, 6)].heavy_snow is False  # 3 cm
    assert days[date(2018, 1, 26)].basis == "daily"


def test_daily_summary_from_the_real_hourly_file(db: Session) -> None:
    ingest_file(db=db, path=need(HOURLY_CSV))
    assert count_observations(db=db, stn_id=131) == 8736
    days = daily_weather(db=db, stn_id=131, start=date(2021, 7, 1), end=date(2021, 7, 1))
    day = days[date(2021, 7, 1)]
    # by hand from the file: the values stamped 07-01 01:00 … 07-02 00:00 run 22.0 … 31.2 °C
    assert (day.tmin, day.tmax, day.basis) == (22.0, 31.2, "hourly")
    assert (day.heat, day.cold_wave, day.heavy_rain, day.precip_mm) == (False, False, False, 0.0)
    # re-ingesting replaces rather than duplicates
    again = ingest_file(db=db, path=HOURLY_CSV)
    assert (again.created, again.updated) == (0, 8736)
    assert count_observations(db=db, stn_id=131) == 8736


def test_hourly_rain_windows_snow_and_morning_minimum(db: Session, tmp_path: Path) -> None:
    lines = [
        # 2024-07-10: 25 + 20 + 16 = 61 mm in the three hours ending 05:00 → heavy rain (3 h ≥ 60)
        sfctm_line("202407100300", 119, ta="24.0", rn="25.0"),
        sfctm_line("202407100400", 119, ta="23.5", rn="20.0"),
        sfctm_line("202407100500", 119, ta="23.0", rn="16.0"),
        # 2024-07-11: 20 + 20 + 19 = 59 mm in 3 h and in 12 h: below both thresholds
        sfctm_line("202407110100", 119, ta="25.0", rn="20.0"),
        sfctm_line("202407110200", 119, ta="25.0", rn="20.0"),
        sfctm_line("202407110300", 119, ta="34.0", rn="19.0"),
        # 2024-07-12: 12 × 9.2 mm = 110.4 mm in 12 hours, never 60 mm in 3 → heavy rain (12 h ≥ 110)
        *[sfctm_line(f"20240712{h:02d}00", 119, ta="22.0", rn="9.2") for h in range(1, 13)],
        # 2024-01-15: morning −12.4 °C at 07:00; 3-hour fresh snow 2.5 + 3.0 = 5.5 cm → cold wave, snow
        sfctm_line("202401150700", 119, ta="-12.4", sd_hr3="2.5"),
        sfctm_line("202401151000", 119, ta="-8.0", sd_hr3="3.0"),
        # 2024-01-16: −12.5 °C only in the evening → no cold wave (the criterion is the morning)
        sfctm_line("202401162100", 119, ta="-12.5"),
        # 24:00 of 01-16 (stamped 01-17 00:00) belongs to 01-16
        sfctm_line("202401170000", 119, ta="-13.0"),
    ]
    path = tmp_path / "sfctm.txt"
    path.write_text(SFCTM_HEADER + "".join(lines) + "#7777END\n", encoding="utf-8")
    assert ingest_file(db=db, path=path).created == len(lines)
    july = daily_weather(db=db, stn_id=119, start=date(2024, 7, 10), end=date(2024, 7, 12))
    assert [july[d].heavy_rain for d in sorted(july)] == [True, False, True]
    assert july[date(2024, 7, 10)].precip_mm == 61.0
    assert july[date(2024, 7, 11)].heat is True  # 34.0 °C
    assert july[date(2024, 7, 12)].precip_mm == 110.4
    jan = daily_weather(db=db, stn_id=119, start=date(2024, 1, 15), end=date(2024, 1, 17))
    assert set(jan) == {date(2024, 1, 15), date(2024, 1, 16)}
    assert (jan[date(2024, 1, 15)].cold_wave, jan[date(2024, 1, 15)].heavy_snow) == (True, True)
    assert jan[date(2024, 1, 15)].snow_cm == 5.5
    assert (jan[date(2024, 1, 16)].tmin, jan[date(2024, 1, 16)].cold_wave) == (-13.0, False)
    with pytest.raises(ValidationError) as info:
        daily_weather(db=db, stn_id=119, start=date(2024, 1, 2), end=date(2024, 1, 1))
    assert info.value.field == "end"


def test_failed_ingestion_writes_nothing(db: Session) -> None:
    good = ObservationRecord(
        stn_id=108, observed_at=datetime(2024, 1, 1, tzinfo=UTC), period="hourly", source="test", temp_c=1.0
    )
    naive = ObservationRecord(
        stn_id=108, observed_at=datetime(2024, 1, 1, 1, 0), period="hourly", source="test", temp_c=2.0
    )
    with pytest.raises(ValidationError):
        ingest_observations(db=db, records=[good, naive])
    assert count_observations(db=db) == 0


def test_board_is_read_and_stored(db: Session) -> None:
    load_stations(db=db, path=need(STATIONS_CSV))
    _board, stations = read_board(db=db, text=need(SEED_PAGE).read_text(encoding="utf-8"))
    at = datetime(2026, 2, 25, 15, 0, tzinfo=UTC) - timedelta(hours=9)  # 15:00 KST
    assert store_board(db=db, stations=stations, observed_at=at).created == 97
    with pytest.raises(ValidationError) as info:
        store_board(db=db, stations=stations, observed_at=datetime(2026, 2, 25, 15, 0))
    assert info.value.field == "observed_at"


def test_warnings_are_upserted_lifted_and_listed(db: Session) -> None:
    issued = datetime(2026, 2, 24, 12, 0, tzinfo=UTC)
    rec = WarningRecord(area="서울", kind="cold_wave", level="advisory", issued_at=issued, lifted_at=None)
    assert ingest_warnings(db=db, records=[rec, rec]).created == 1
    snow = WarningRecord(area="인천", kind="heavy_snow", level="warning", issued_at=issued, lifted_at=None)
    ingest_warnings(db=db, records=[snow])
    later = issued + timedelta(hours=6)
    assert [w.area for w in active_warnings(db=db, at=later)] == ["서울", "인천"]
    assert active_warnings(db=db, at=issued - timedelta(minutes=1)) == []
    lift = WarningRecord(area="서울", kind="cold_wave", level="advisory", issued_at=later, lifted_at=later)
    assert ingest_warnings(db=db, records=[lift]).updated == 1
    assert [w.area for w in active_warnings(db=db, at=later + timedelta(minutes=1))] == ["인천"]
