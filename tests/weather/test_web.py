"""The desk weather partial through HTTP, signed in like a browser."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minwon.weather.formats import ObservationRecord, WarningRecord
from minwon.weather.service import ingest_observations, ingest_warnings, load_stations
from tests.factories import PASSWORD, make_user
from tests.weather.support import STATIONS_CSV, need


def _sign_in(client: TestClient, username: str) -> None:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_board_needs_sign_in(client: TestClient) -> None:
    r = client.get("/weather/board", headers={"HX-Request": "true"})
    assert r.status_code == 401
    assert client.get("/weather/board", follow_redirects=False).status_code == 303


def test_board_shows_city_stations_warnings_and_credit(client: TestClient, db: Session) -> None:
    load_stations(db=db, path=need(STATIONS_CSV))
    now = datetime.now(UTC)
    ingest_observations(
        db=db,
        records=[
            ObservationRecord(
                stn_id=108,
                observed_at=now - timedelta(hours=2),
                period="hourly",
                source="t",
                temp_c=1.0,
                weather_text="흐림",
            ),
            ObservationRecord(
                stn_id=108,
                observed_at=now - timedelta(hours=1),
                period="hourly",
                source="t",
                temp_c=-1.0,
                weather_text="맑음",
            ),
        ],
    )
    ingest_warnings(
        db=db,
        records=[
            WarningRecord(
                area="서울",
                kind="cold_wave",
                level="advisory",
                issued_at=now - timedelta(hours=3),
                lifted_at=None,
            ),
            WarningRecord(
                area="인천",
                kind="heavy_snow",
                level="warning",
                issued_at=now - timedelta(hours=5),
                lifted_at=now - timedelta(hours=4),
            ),
        ],
    )
    make_user(db, "counselor1")
    _sign_in(client, "counselor1")
    r = client.get("/weather/board", headers={"HX-Request": "true"})
    assert r.status_code == 200
    html = r.text
    assert "기상청 제공" in html
    seoul = re.search(r'data-testid="weather-station-108">(.*?)</tr>', html, re.S)
    assert seoul is not None
    assert "서울" in seoul.group(1) and "맑음" in seoul.group(1) and "-1.0℃" in seoul.group(1)
    assert "흐림" not in seoul.group(1)  # only the latest observation
    incheon = re.search(r'data-testid="weather-station-112">(.*?)</tr>', html, re.S)
    assert incheon is not None and "인천" in incheon.group(1) and "℃" not in incheon.group(1)
    warnings = re.search(r'data-testid="weather-warnings">(.*?)</ul>', html, re.S)
    assert warnings is not None
    assert "서울" in warnings.group(1) and "인천" not in warnings.group(1)  # the lifted one is gone
    desk = client.get("/desk")
    assert 'hx-get="/weather/board"' in desk.text
