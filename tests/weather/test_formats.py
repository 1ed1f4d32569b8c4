"""The three KMA observation formats and the warning formats (pure parsers, no database)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import pytest

from minwon.core.errors import ValidationError
from minwon.weather.formats import (
    decode_bytes,
    parse_data_go_kr_json,
    parse_portal_csv,
    parse_sfctm,
    parse_warnings_json,
    parse_warnings_text,
)
from tests.weather.support import DAILY_CSV, HOURLY_CSV, SFCTM_HEADER, need, sfctm_line

PORTAL_HOURLY = (
    "지점,지점명,일시,기온(°C),기온 QC플래그,강수량(mm),강수량 QC플래그,풍속(m/s),풍속 QC플래그,풍향(16방위),"
    "풍향 QC플래그,습도(%),습도 QC플래그,적설(cm),3시간신적설(cm)\n"
    "108,서울,2024-01-02 09:00,-3.5,,,9,1.2,,250,,61,,4.1,2.0\n"
    "108,서울,2024-01-02 10:00,-2.0,,0.5,,2.4,,270,,55,,,\n"
)


def test_portal_csv_in_cp949_is_decoded_and_parsed() -> None:
    text = decode_bytes(PORTAL_HOURLY.encode("cp949"))
    rows = parse_portal_csv(text)
    assert len(rows) == 2
    first = rows[0]
    # 09:00 KST is 00:00 UTC
    assert first.observed_at == datetime(2024, 1, 2, 0, 0, tzinfo=UTC)
    assert (first.stn_id, first.period, first.temp_c, first.precip_mm) == (108, "hourly", -3.5, None)
    assert (first.wind_ms, first.humidity_pct, first.snow_depth_cm, first.new_snow_cm) == (
        1.2,
        61.0,
        4.1,
        2.0,
    )
    assert rows[1].precip_mm == 0.5


def test_utf8_with_bom_is_decoded() -> None:
    assert decode_bytes("\ufeff지점".encode()) == "지점"


def test_bad_portal_value_names_the_line() -> None:
    bad = PORTAL_HOURLY.replace("-2.0", "warm")
    with pytest.raises(ValidationError) as info:
        parse_portal_csv(bad)
    assert info.value.field == "line 3"
    with pytest.raises(ValidationError, match="지점 and 일시"):
        parse_portal_csv("a,b\n1,2\n")


def test_real_hourly_file_matches_an_independent_read() -> None:
    raw = need(HOURLY_CSV).read_bytes()
    rows = parse_portal_csv(decode_bytes(raw))
    with HOURLY_CSV.open(encoding="utf-8-sig", newline="") as fh:
        source = list(csv.reader(fh))
    assert len(rows) == len(source) - 1 == 8736
    # line 2 of the file, read by eye: 131,청주,2021-01-01 01:00,-7.2,,,9,.4,,0,,85,...
    assert rows[0].observed_at == datetime(2020, 12, 31, 16, 0, tzinfo=UTC)
    assert (rows[0].temp_c, rows[0].wind_ms, rows[0].humidity_pct, rows[0].precip_mm) == (
        -7.2,
        0.4,
        85.0,
        None,
    )
    total_rain = sum(float(r[5]) for r in source[1:] if r[5].strip())
    assert sum(r.precip_mm or 0 for r in rows) == pytest.approx(total_rain)


def test_real_daily_file_has_every_day() -> None:
    rows = parse_portal_csv(decode_bytes(need(DAILY_CSV).read_bytes()))
    assert len(rows) == 20454
    assert {r.period for r in rows} == {"daily"}
    by_day = {r.observed_at: r for r in rows}
    # 2018-01-26 (KST midnight = 01-25 15:00 UTC): 최저 -15, 최고 -9.2 (read from the file by eye)
    jan26 = by_day[datetime(2018, 1, 25, 15, 0, tzinfo=UTC)]
    assert (jan26.tmin_c, jan26.tmax_c) == (-15.0, -9.2)


def test_sfctm_text_with_missing_values() -> None:
    text = (
        SFCTM_HEADER
        + sfctm_line("202401020900", 108, ta="-3.5", rn="0.5", sd_tot="4.1", hm="61.0")
        + sfctm_line("202401021000", 108, ta="-99.0", ws="-9.0", hm="-9.0")
        + "#7777END\n"
    )
    rows = parse_sfctm(text)
    assert len(rows) == 2
    assert rows[0].observed_at == datetime(2024, 1, 2, 0, 0, tzinfo=UTC)
    assert (rows[0].temp_c, rows[0].precip_mm, rows[0].snow_depth_cm, rows[0].humidity_pct) == (
        -3.5,
        0.5,
        4.1,
        61.0,
    )
    assert rows[0].new_snow_cm is None  # -9.0
    assert (rows[1].temp_c, rows[1].wind_ms, rows[1].humidity_pct, rows[1].precip_mm) == (
        None,
        None,
        None,
        None,
    )


def test_sfctm_rejects_short_rows_and_empty_answers() -> None:
    with pytest.raises(ValidationError) as info:
        parse_sfctm(SFCTM_HEADER + "202401020900 108 32 1.5\n")
    assert info.value.field == "line 4"
    with pytest.raises(ValidationError, match="no observation rows"):
        parse_sfctm("<html>error</html>".replace("<", "#"))


def _dgk(items: object, code: str = "00", total: int | None = None) -> str:
    n = len(items) if isinstance(items, list) else 1
    return json.dumps(
        {
            "response": {
                "header": {"resultCode": code, "resultMsg": "NORMAL_SERVICE" if code == "00" else "NO_DATA"},
                "body": {
                    "dataType": "JSON",
                    "items": {"item": items},
                    "pageNo": 1,
                    "numOfRows": 10,
                    "totalCount": total if total is not None else n,
                },
            }
        },
        ensure_ascii=False,
    )


def test_data_go_kr_hourly_and_daily_items() -> None:
    page = parse_data_go_kr_json(
        _dgk(
            [
                {
                    "stnId": "108",
                    "stnNm": "서울",
                    "tm": "2024-07-10 15:00",
                    "ta": "31.2",
                    "rn": "",
                    "hm": "70",
                    "ws": "2.1",
                    "dsnw": "",
                    "hr3Fhsc": "",
                }
            ]
        )
    )
    (row,) = page.records
    assert row.observed_at == datetime(2024, 7, 10, 6, 0, tzinfo=UTC)
    assert (row.temp_c, row.precip_mm, row.humidity_pct, row.wind_ms) == (31.2, None, 70.0, 2.1)
    daily = parse_data_go_kr_json(
        _dgk(
            {
                "stnId": 131,
                "tm": "2017-07-16",
                "minTa": 22.5,
                "maxTa": 27.3,
                "sumRn": 290.2,
                "hr1MaxRn": 91.8,
                "iscs": "{비}0020-{비}2400",
            }
        )
    ).records[0]
    assert (daily.period, daily.tmin_c, daily.tmax_c, daily.precip_mm, daily.precip_max_1h_mm) == (
        "daily",
        22.5,
        27.3,
        290.2,
        91.8,
    )
    assert daily.weather_text == "{비}0020-{비}2400"


def test_data_go_kr_errors_are_clear() -> None:
    with pytest.raises(ValidationError, match="error 03: NO_DATA") as info:
        parse_data_go_kr_json(_dgk([], code="03"))
    assert info.value.field == "resultCode"
    with pytest.raises(ValidationError, match="not JSON") as info:
        parse_data_go_kr_json("<html><body>Bad gateway</body></html>")
    assert info.value.field == "body"
    xml = (
        "<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg><returnAuthMsg>"
        "SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg><returnReasonCode>30</returnReasonCode>"
        "</cmmMsgHeader></OpenAPI_ServiceResponse>"
    )
    with pytest.raises(ValidationError, match="error 30: SERVICE_KEY_IS_NOT_REGISTERED_ERROR"):
        parse_data_go_kr_json(xml)
    with pytest.raises(ValidationError, match="bad stnId \\(station number\\) 'x'"):
        parse_data_go_kr_json(_dgk([{"stnId": "x", "tm": "2024-07-10 15:00"}]))


def test_warnings_json_and_text() -> None:
    records = parse_warnings_json(
        json.dumps(
            [
                {"area": "서울", "kind": "한파", "level": "주의보", "issued_at": "2026-02-24T21:00+09:00"},
                {
                    "area": "인천",
                    "kind": "heavy_snow",
                    "level": "warning",
                    "issued_at": "202602250600",
                    "lifted_at": "2026-02-25T12:00",
                },
            ]
        )
    )
    assert [(r.area, r.kind, r.level) for r in records] == [
        ("서울", "cold_wave", "advisory"),
        ("인천", "heavy_snow", "warning"),
    ]
    assert records[0].issued_at == datetime(2026, 2, 24, 12, 0, tzinfo=UTC)
    assert records[1].issued_at == datetime(2026, 2, 24, 21, 0, tzinfo=UTC)  # KST without offset
    assert records[1].lifted_at == datetime(2026, 2, 25, 3, 0, tzinfo=UTC)
    text = (
        "# REG_UP, REG_UP_KO, REG_ID, REG_KO, TM_FC, TM_EF, WRN, LVL, CMD, ED_TM\n"
        "L1100000, 서울, L1100200, 서울동남권, 202602242100, 202602242100, 한파, 주의보, 발표, \n"
        "L1100000, 서울, L1100200, 서울동남권, 202602251000, 202602251000, 건조, 예비, 발표, \n"
        "L1010000, 경기도, L1010100, 수원, 202602251100, 202602251100, 대설, 경보, 해제, \n"
    )
    parsed = parse_warnings_text(text)
    assert [(r.area, r.kind, r.level, r.lifted_at is not None) for r in parsed] == [
        ("서울동남권", "cold_wave", "advisory", False),
        ("수원", "heavy_snow", "warning", True),
    ]
    with pytest.raises(ValidationError, match="unknown warning kind"):
        parse_warnings_json(
            '[{"area": "서울", "kind": "소나기", "level": "주의보", "issued_at": "202602250600"}]'
        )
    with pytest.raises(ValidationError, match="주의보 or 경보"):
        parse_warnings_json(
            '[{"area": "서울", "kind": "한파", "level": "심각", "issued_at": "202602250600"}]'
        )
