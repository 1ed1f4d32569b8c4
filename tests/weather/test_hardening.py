"""Damaged input is refused with a message naming the line and field; nothing implausible is stored."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.core.errors import NotFound, ValidationError
from minwon.weather.board import BoardStation, parse_board
from minwon.weather.formats import (
    ObservationRecord,
    parse_data_go_kr_json,
    parse_portal_csv,
    parse_sfctm,
)
from minwon.weather.models import WeatherObservation
from minwon.weather.service import (
    count_observations,
    ingest_file,
    ingest_observations,
    load_stations,
    parse_observation_file,
    read_board,
    store_board,
)
from tests.factories import make_user
from tests.weather.support import SEED_PAGE, SFCTM_HEADER, STATIONS_CSV, need, sfctm_line
from tests.weather.test_formats import _dgk
from tests.weather.test_web import _sign_in

SEOUL = ZoneInfo("Asia/Seoul")
PORTAL_HEADER = "지점,지점명,일시,기온(°C),강수량(mm),풍속(m/s),습도(%),적설(cm)\n"


def _cli(args: list[str], database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MINWON_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "minwon.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


# --- 1. a damaged board line is an error, not the end of the board --------------------------------


@pytest.mark.parametrize("bad", ["abc", "nan", "inf", ""])
def test_damaged_entry_inside_a_board_names_its_line(bad: str) -> None:
    text = f"2026.02.25 (수)\n• 맑음속초1.0℃\n• 맑음철원{bad}℃\n• 맑음동두천0.0℃\n기상청 제공\n"
    with pytest.raises(ValidationError) as info:
        parse_board(text)
    assert info.value.field == "line 3"
    assert f"맑음철원{bad}℃" in info.value.message


def test_weather_word_line_without_temperature_inside_a_board_is_an_error() -> None:
    with pytest.raises(ValidationError) as info:
        parse_board("• 맑음속초1.0℃\n• 흐림철원\n• 맑음동두천0.0℃\n")
    assert info.value.field == "line 2"


def test_board_still_ends_at_text_that_is_not_an_entry() -> None:
    # the credit ends the board; a bullet of article text after it is not read
    text = "2026.02.25 (수)\n• 맑음속초1.0℃\n\n기상청 제공\n  • 해당된 기사를 공유합니다\n• 맑음철원abc℃\n"
    board = parse_board(text)
    assert [(e.name, e.temp_c) for e in board.entries] == [("속초", 1.0)]


def test_text_before_the_board_is_skipped_but_a_damaged_first_entry_is_not() -> None:
    board = parse_board("오늘 서울 아침 -1℃ 안팎\n2026.02.25 (수)\n• 맑음속초1.0℃\n")
    assert [e.line for e in board.entries] == [3]
    with pytest.raises(ValidationError) as info:
        parse_board("2026.02.25 (수)\n• 맑음속초abc℃\n• 맑음철원2.0℃\n")
    assert info.value.field == "line 2"


@pytest.mark.parametrize("temp", ["99999999999999999999", "60.1", "-80.1"])
def test_implausible_board_temperature_is_refused(temp: str) -> None:
    with pytest.raises(ValidationError, match="plausible") as info:
        parse_board(f"• 맑음속초1.0℃\n• 맑음철원{temp}℃\n")
    assert info.value.field == "line 2"


def test_board_temperature_limits_are_inclusive() -> None:
    board = parse_board("• 맑음속초60℃\n• 맑음철원-80.0℃\n")
    assert [e.temp_c for e in board.entries] == [60.0, -80.0]


def test_cli_damaged_seed_board_exits_2_naming_the_line(tmp_path: Path, fresh_database_url: str) -> None:
    lines = need(SEED_PAGE).read_text(encoding="utf-8").splitlines()
    # the line of Seoul's entry, found independently of the parser
    seoul_line = next(i for i, line in enumerate(lines, start=1) if "맑음서울-1.0℃" in line)
    for bad in ("abc", "nan"):
        damaged = tmp_path / f"board_{bad}.txt"
        damaged.write_text(
            "\n".join(line.replace("맑음서울-1.0℃", f"맑음서울{bad}℃") for line in lines) + "\n",
            encoding="utf-8",
        )
        proc = _cli(["weather", "parse-board", str(damaged), "--json"], fresh_database_url, tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert f"line {seoul_line}" in proc.stderr and "Traceback" not in proc.stderr
        assert proc.stdout == ""


def test_cli_one_station_board_says_station_singular(tmp_path: Path, fresh_database_url: str) -> None:
    need(STATIONS_CSV)
    board = tmp_path / "one.txt"
    board.write_text("2026.02.25 (수)\n• 맑음서울-1.0℃\n기상청 제공\n", encoding="utf-8")
    proc = _cli(["weather", "parse-board", str(board)], fresh_database_url, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "board 2026-02-25: 1 station;" in proc.stderr


# --- 2. a directory is a clear error ---------------------------------------------------------------


def test_directory_is_refused_by_the_service(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="is a directory") as info:
        parse_observation_file(tmp_path)
    assert info.value.field == "file"
    with pytest.raises(NotFound):
        parse_observation_file(tmp_path / "absent.csv")


@pytest.mark.parametrize("command", ["parse-board", "ingest", "load-warnings"])
def test_cli_directory_argument_is_a_clear_error(
    command: str, tmp_path: Path, fresh_database_url: str
) -> None:
    proc = _cli(["weather", command, str(tmp_path)], fresh_database_url, tmp_path)
    assert proc.returncode == 2
    assert "is a directory" in proc.stderr and "Traceback" not in proc.stderr


# --- 3. board store times ----------------------------------------------------------------------------


def _seed_stations(db: Session) -> list[BoardStation]:
    load_stations(db=db, path=need(STATIONS_CSV))
    _board, stations = read_board(db=db, text=need(SEED_PAGE).read_text(encoding="utf-8"))
    return stations


@pytest.mark.parametrize(
    "at",
    [
        datetime(1, 1, 1, tzinfo=SEOUL),
        datetime(1969, 12, 31, 23, 59, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, tzinfo=SEOUL),
    ],
)
def test_store_time_outside_1970_to_tomorrow_is_refused(db: Session, at: datetime) -> None:
    stations = _seed_stations(db)
    with pytest.raises(ValidationError) as info:
        store_board(db=db, stations=stations, observed_at=at)
    assert info.value.field == "observed_at"
    assert count_observations(db=db) == 0


def test_store_time_two_days_ahead_is_refused_and_now_is_accepted(db: Session) -> None:
    stations = _seed_stations(db)
    with pytest.raises(ValidationError):
        store_board(db=db, stations=stations, observed_at=datetime.now(UTC) + timedelta(days=2))
    assert count_observations(db=db) == 0
    result = store_board(db=db, stations=stations, observed_at=datetime(1970, 1, 1, tzinfo=UTC))
    assert result.created == 97


@pytest.mark.parametrize("at", ["0001-01-01T00:00+09:00", "9999-12-31T23:59+09:00"])
def test_cli_store_at_out_of_range_exits_2(at: str, tmp_path: Path, fresh_database_url: str) -> None:
    need(SEED_PAGE)
    proc = _cli(["weather", "parse-board", str(SEED_PAGE), "--store-at", at], fresh_database_url, tmp_path)
    assert proc.returncode == 2
    assert "observed_at" in proc.stderr and "Traceback" not in proc.stderr


def test_desk_shows_the_year_of_an_old_observation(client: TestClient, db: Session) -> None:
    load_stations(db=db, path=need(STATIONS_CSV))
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    old = now - timedelta(days=400)  # always in an earlier calendar year
    ingest_observations(
        db=db,
        records=[
            ObservationRecord(stn_id=108, observed_at=old, period="hourly", source="t", temp_c=3.0),
            ObservationRecord(stn_id=112, observed_at=now, period="hourly", source="t", temp_c=4.0),
        ],
    )
    make_user(db, "counselor_x3")
    _sign_in(client, "counselor_x3")
    html = client.get("/weather/board", headers={"HX-Request": "true"}).text
    old_local, now_local = old.astimezone(SEOUL), now.astimezone(SEOUL)
    expected_old = f"{old_local.year:04d}-{old_local.month:02d}-{old_local.day:02d} "
    expected_old += f"{old_local.hour:02d}:{old_local.minute:02d}"
    expected_now = f"{now_local.month:02d}-{now_local.day:02d} {now_local.hour:02d}:{now_local.minute:02d}"
    assert f">{expected_old}</time>" in html
    assert f">{expected_now}</time>" in html


# --- 4. plausibility ---------------------------------------------------------------------------------


def test_portal_row_with_1e308_does_not_overwrite_a_real_reading(tmp_path: Path, db: Session) -> None:
    good = tmp_path / "good.csv"
    good.write_text(PORTAL_HEADER + "131,청주,2021-01-01 01:00,-7.2,,0.4,85,\n", encoding="utf-8")
    assert ingest_file(db=db, path=good).created == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(
        PORTAL_HEADER + "131,청주,2021-01-01 02:00,-7.8,,0.9,84,\n131,청주,2021-01-01 01:00,1e308,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError, match="기온") as info:
        ingest_file(db=db, path=bad)
    assert info.value.field == "line 3"
    temps = [o.temp_c for o in db.scalars(select(WeatherObservation))]
    assert temps == [-7.2]  # the whole file is refused: the good 02:00 row is not stored either


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("nan,,,,", "기온"),
        ("-inf,,,,", "기온"),
        ("60.5,,,,", "기온"),
        (",2000.1,,,", "강수량"),
        (",-0.1,,,", "강수량"),
        (",,100.1,,", "풍속"),
        (",,,100.5,", "습도"),
        (",,,,1000.5", "적설"),
    ],
)
def test_portal_value_outside_range_names_line_and_column(row: str, column: str) -> None:
    text = PORTAL_HEADER + "131,청주,2021-01-01 01:00,1,,,,\n" + f"131,청주,2021-01-01 02:00,{row}\n"
    with pytest.raises(ValidationError) as info:
        parse_portal_csv(text)
    assert info.value.field == "line 3"
    assert column in info.value.message


def test_portal_range_limits_are_inclusive() -> None:
    text = PORTAL_HEADER + "131,청주,2021-01-01 01:00,-80,2000,100,100,1000\n"
    (rec,) = parse_portal_csv(text)
    assert (rec.temp_c, rec.precip_mm, rec.wind_ms, rec.humidity_pct, rec.snow_depth_cm) == (
        -80.0,
        2000.0,
        100.0,
        100.0,
        1000.0,
    )


def test_sfctm_and_data_go_kr_values_outside_range_are_refused() -> None:
    with pytest.raises(ValidationError, match="HM") as info:
        parse_sfctm(SFCTM_HEADER + sfctm_line("202101010100", 131, hm="101.0"))
    assert info.value.field == "line 4"
    with pytest.raises(ValidationError, match="TA"):
        parse_sfctm(SFCTM_HEADER + sfctm_line("202101010100", 131, ta="75.0"))
    with pytest.raises(ValidationError, match="ta") as dgk:
        parse_data_go_kr_json(_dgk([{"stnId": "131", "tm": "2021-01-01 01:00", "ta": "NaN"}]))
    assert dgk.value.field == "item 1"


def test_ingest_observations_refuses_implausible_records(db: Session) -> None:
    at = datetime(2021, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError) as info:
        ingest_observations(
            db=db,
            records=[
                ObservationRecord(stn_id=131, observed_at=at, period="hourly", source="t", temp_c=1.0),
                ObservationRecord(
                    stn_id=131, observed_at=at, period="daily", source="t", temp_c=float("nan")
                ),
            ],
        )
    assert info.value.field == "record 2"
    assert count_observations(db=db) == 0


# --- 5. the bad field is named -----------------------------------------------------------------------


def test_bad_station_number_names_the_station_field() -> None:
    with pytest.raises(ValidationError) as info:
        parse_portal_csv(PORTAL_HEADER + "13x,청주,2021-01-01 01:00,1,,,,\n")
    assert "지점" in info.value.message and "'13x'" in info.value.message
    assert "일시" not in info.value.message
    with pytest.raises(ValidationError) as info:
        parse_portal_csv(PORTAL_HEADER + "99999999999999999999,청주,2021-01-01 01:00,1,,,,\n")
    assert "지점" in info.value.message
    with pytest.raises(ValidationError) as info:
        parse_portal_csv(PORTAL_HEADER + "131,청주,2021-01-32 01:00,1,,,,\n")
    assert "일시" in info.value.message and "'2021-01-32 01:00'" in info.value.message
    assert "지점" not in info.value.message
    with pytest.raises(ValidationError, match="STN") as sfctm:
        parse_sfctm(SFCTM_HEADER + sfctm_line("202101010100", 131).replace(" 131 ", " X31 ", 1))
    assert "'X31'" in sfctm.value.message and "TM" not in sfctm.value.message
