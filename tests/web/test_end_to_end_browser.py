"""The foundation's end-to-end path in headless Chromium against a real server process:
a counselor signs in, a call pops on the desk, the counselor records it with the keyboard only, and the
supervisor's open page shows the call and the contact record without a reload."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.orm import Session

from minwon.core.clock import local_today, utcnow
from minwon.db.session import make_engine
from minwon.telephony.service import issue_pbx_token
from tests.browser import launch
from tests.factories import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser


def _sign_in(page, base: str, username: str, landing: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{base}{landing}")


def test_counselor_pop_contact_and_supervisor_sees_it(
    fresh_database_url: str, start_server: Callable[..., str]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        make_org(db)
        make_user(db, "counselor1", pbx_agent_id="AGENT_01", display_name="김상담")
        make_user(db, "supervisor1", role="supervisor")
        token = issue_pbx_token(db=db, name="pbx-main")
    engine.dispose()
    base = start_server(fresh_database_url)

    def post(events: list[dict[str, object]]) -> None:
        r = httpx.post(
            f"{base}/api/v1/telephony/events",
            json=events,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert r.status_code == 200 and r.json()["rejected"] == 0, r.text

    with sync_api.sync_playwright() as p:
        browser = launch(p)
        sup = browser.new_context().new_page()
        sup.set_default_timeout(15_000)
        _sign_in(sup, base, "supervisor1", "/supervisor")
        sup.goto(f"{base}/supervisor?day={local_today().isoformat()}")
        expect(sup.locator("#sv-live")).to_have_attribute("data-state", "live")
        expect(sup.get_by_test_id("kpi-offered").locator(".kpi-value")).to_have_text("0")

        desk = browser.new_context().new_page()
        desk.set_default_timeout(15_000)
        _sign_in(desk, base, "counselor1", "/desk")
        expect(desk.locator("#live-status")).not_to_be_empty()

        now = utcnow()
        post(
            [
                {
                    "event": "ringing",
                    "call_id": "e2e-1",
                    "occurred_at": (now - timedelta(seconds=15)).isoformat(),
                    "queue": "tax",
                    "caller": "010-5555-0199",
                    "agent": "AGENT_01",
                },
                {
                    "event": "answered",
                    "call_id": "e2e-1",
                    "occurred_at": (now - timedelta(seconds=5)).isoformat(),
                    "agent": "AGENT_01",
                },
            ]
        )
        expect(desk.get_by_test_id("pop-panel")).to_contain_text("010-****-0199")
        assert "5555" not in desk.get_by_test_id("pop-panel").inner_text()
        # the supervisor's page moved without a reload: one offered, one answered (10 s wait)
        expect(sup.get_by_test_id("kpi-offered").locator(".kpi-value")).to_have_text("1")
        expect(sup.get_by_test_id("kpi-answered").locator(".kpi-value")).to_have_text("1")

        post([{"event": "hangup", "call_id": "e2e-1", "occurred_at": utcnow().isoformat()}])
        desk.keyboard.press("1")  # 지방세
        desk.keyboard.press("Alt+KeyI")
        desk.keyboard.type("자동차세 연납 신청 기간 문의")
        desk.keyboard.press("Alt+KeyA")
        desk.keyboard.type("1월, 3월, 6월, 9월에 신청할 수 있다고 안내")
        desk.keyboard.press("Alt+KeyR")
        expect(desk.get_by_test_id("outcome-resolved")).to_be_checked()
        desk.keyboard.press("Control+Enter")
        expect(desk.get_by_test_id("confirmation")).to_be_visible()

        expect(sup.get_by_test_id("kpi-contacts").locator(".kpi-value")).to_have_text("1")
        expect(sup.get_by_test_id("kpi-fcr").locator(".kpi-value")).to_have_text("100.0%")
        expect(sup.get_by_test_id("recent-contacts")).to_contain_text("김상담")
        expect(sup.get_by_test_id("recent-contacts")).to_contain_text("지방세")
        browser.close()
