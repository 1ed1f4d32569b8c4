"""The supervisor page: roles, tiles with hand-computed values, interval and queue tables, the panel."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minwon.db.session import make_engine
from minwon.telephony.commands import ensure_replay_queues, http_sender, replay_day
from minwon.telephony.replay import DEFAULT_QUEUE_MAP, read_day
from minwon.telephony.service import issue_pbx_token
from tests.browser import launch
from tests.factories import PASSWORD, make_user
from tests.quality.support import DAY, ingest_sample_day
from tests.telephony.test_replay_ingest import CSV_TEXT


def _sign_in(client: TestClient, username: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def _tile(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}".*?class="kpi-value">([^<]*)<', html, re.S)
    assert match, f"tile {testid} missing"
    return match.group(1).strip()


def test_counselor_gets_403_and_anonymous_is_sent_to_login(client: TestClient, db: Session) -> None:
    r = client.get("/supervisor", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    make_user(db, "counselor1", role="counselor")
    _sign_in(client, "counselor1")
    assert client.get("/supervisor", headers={"accept": "text/html"}).status_code == 403
    assert client.get(f"/supervisor/panel?day={DAY}").status_code == 403


def test_supervisor_sees_the_day_with_hand_computed_tiles(client: TestClient, db: Session) -> None:
    ingest_sample_day(db)
    make_user(db, "super1", role="supervisor")
    _sign_in(client, "super1")
    r = client.get(f"/supervisor?day={DAY}&interval=30")
    assert r.status_code == 200
    html = r.text
    assert _tile(html, "kpi-offered") == "3"
    assert _tile(html, "kpi-answered") == "2"
    assert _tile(html, "kpi-abandoned") == "1"
    assert _tile(html, "kpi-service-level") == "33.3%"
    assert _tile(html, "kpi-asa") == "25.0"
    assert _tile(html, "kpi-aht") == "210.0"
    assert _tile(html, "kpi-abandonment-rate") == "33.3%"
    # Labels are Korean (the default locale), not the English message ids.
    assert "서비스 레벨" in html and "포기율" in html
    assert "Service level" not in html
    # Traffic lights in words: 33.3% is below the 80% target's amber band (red), as the report says it.
    sl_tile = re.search(r'data-testid="kpi-service-level"(.*?)</div>', html, re.S)
    assert sl_tile and 'data-status="red"' in sl_tile.group(0)
    assert re.findall(r'data-testid="kpi-light">([^<]*)<', sl_tile.group(1)) == ["목표 미달"]
    assert not re.search(r"· (green|amber|red)\b", html)
    # Interval table: 09:00–09:30 has c1 and c2 offered and answered; 09:30–10:00 has c3 abandoned.
    row_0900 = re.search(r'data-interval-start="09:00">(.*?)</tr>', html, re.S)
    assert row_0900 and re.findall(r'class="num">([^<]*)<', row_0900.group(1))[:3] == ["2", "2", "0"]
    row_0930 = re.search(r'data-interval-start="09:30">(.*?)</tr>', html, re.S)
    assert row_0930 and re.findall(r'class="num">([^<]*)<', row_0930.group(1))[:3] == ["1", "0", "1"]
    # Chart and queue table.
    assert "<svg" in html and 'class="bar-offered"' in html
    queue_row = re.search(r'data-queue="general">(.*?)</tr>', html, re.S)
    assert queue_row and "일반 상담" in queue_row.group(1)
    assert re.findall(r'class="num">([^<]*)<', queue_row.group(1))[:3] == ["3", "2", "1"]
    # Live refresh wiring.
    assert 'src="/static/supervisor.js"' in html
    assert f'data-day="{DAY}"' in html and 'data-interval="30"' in html
    assert client.get("/static/supervisor.js").status_code == 200


def test_panel_is_a_fragment_and_quality_manager_may_see_it(client: TestClient, db: Session) -> None:
    ingest_sample_day(db)
    make_user(db, "qm1", role="quality_manager")
    _sign_in(client, "qm1")
    r = client.get(f"/supervisor/panel?day={DAY}&interval=60")
    assert r.status_code == 200
    assert "<html" not in r.text
    assert _tile(r.text, "kpi-offered") == "3"
    assert 'data-interval-start="09:00"' in r.text and 'data-interval-start="09:30"' not in r.text


def test_empty_day_and_bad_parameters(client: TestClient, db: Session) -> None:
    make_user(db, "admin1", role="administrator")
    _sign_in(client, "admin1")
    r = client.get("/supervisor?day=2026-01-05")
    assert r.status_code == 200
    assert _tile(r.text, "kpi-offered") == "0"
    assert _tile(r.text, "kpi-service-level") == "—"
    bad_day = client.get("/supervisor?day=2026-13-40")
    assert bad_day.status_code == 422 and bad_day.json()["field"] == "day"
    bad_interval = client.get(f"/supervisor/panel?day={DAY}&interval=7")
    assert bad_interval.status_code == 422 and bad_interval.json()["field"] == "interval"


@pytest.mark.browser
def test_page_refreshes_live_when_calls_of_the_shown_day_arrive(
    fresh_database_url: str, start_server: Callable[..., str]
) -> None:
    """A real server and headless Chromium: the replay POSTs events over HTTP, the server publishes
    ``calls_changed`` for 1999-08-02, and the open page re-fetches its panel without a reload."""
    sync_api = pytest.importorskip("playwright.sync_api")
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session:
        make_user(session, "super1", role="supervisor")
        ensure_replay_queues(db=session, queue_map=DEFAULT_QUEUE_MAP)
        token = issue_pbx_token(db=session, name="replay")
    engine.dispose()
    base = start_server(fresh_database_url)

    with sync_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "super1")
        page.fill("input[name=password]", PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(f"{base}/supervisor")
        page.goto(f"{base}/supervisor?day=1999-08-02")
        offered = page.get_by_test_id("kpi-offered").locator(".kpi-value")
        sync_api.expect(offered).to_have_text("0")
        sync_api.expect(page.locator("#sv-live")).to_have_attribute("data-state", "live")

        day_replay = read_day(io.StringIO(CSV_TEXT), day=date(1999, 8, 2))
        with httpx.Client(timeout=30) as http:
            totals = replay_day(day_replay, send=http_sender(client=http, url=base, token=token), speed=0)
        assert totals.accepted == 11 and totals.rejected == 0

        sync_api.expect(offered).to_have_text("4")
        sync_api.expect(page.get_by_test_id("kpi-service-level").locator(".kpi-value")).to_have_text("25.0%")
        browser.close()
