"""The desk driven by keyboard in headless Chromium against a real ``minwon serve`` process.

A call the PBX posts pops up over SSE; the counselor picks the category with a digit, types, chooses
"transferred" with Alt+T, saves with Ctrl+Enter, and sees the case number. No mouse is used.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.cases.models import Case
from minwon.contacts.models import Callback, Contact
from minwon.contacts.service import record_contact
from minwon.core.clock import utcnow
from minwon.core.i18n import gettext
from minwon.core.models import AccessRecord
from minwon.db.session import make_engine
from minwon.telephony.service import issue_pbx_token
from tests.browser import launch
from tests.factories import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser

TIMEOUT_MS = 10_000


def _launch(p):  # type: ignore[no-untyped-def]
    return launch(p)


def test_keyboard_only_screen_pop_and_transfer(
    fresh_database_url: str, start_server: Callable[..., str]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        make_org(db)
        make_user(db, "counselor1", pbx_agent_id="AGENT_01", display_name="상담사1")
        token = issue_pbx_token(db=db, name="pbx-main")
    base = start_server(fresh_database_url)

    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{base}/login")
        page.keyboard.type("counselor1")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/desk")
        sync_api.expect(page.locator("#live-status")).not_to_be_empty()

        now = utcnow()
        events = [
            {
                "event": "ringing",
                "call_id": "b-1",
                "occurred_at": (now - timedelta(seconds=8)).isoformat(),
                "queue": "tax",
                "caller": "010-2468-1357",
                "agent": "AGENT_01",
            },
            {
                "event": "answered",
                "call_id": "b-1",
                "occurred_at": (now - timedelta(seconds=2)).isoformat(),
                "agent": "AGENT_01",
            },
        ]
        r = httpx.post(
            f"{base}/api/v1/telephony/events",
            json=events,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert r.status_code == 200 and r.json()["accepted"] == 2, r.text

        pop = page.get_by_test_id("pop-panel")
        sync_api.expect(pop).to_contain_text("010-****-1357")
        sync_api.expect(page.get_by_test_id("call-id")).not_to_have_value("")

        page.keyboard.press("1")  # category hotkey 1 = 지방세
        sync_api.expect(page.get_by_test_id("category")).to_have_value(
            page.locator("#category option[data-hotkey='1']").get_attribute("value") or "x"
        )
        page.keyboard.press("Alt+KeyI")
        page.keyboard.type("자동차세 이중 납부 환급 문의")
        page.keyboard.press("Alt+KeyA")
        page.keyboard.type("세무과로 이관합니다")
        page.keyboard.press("Alt+KeyT")
        sync_api.expect(page.get_by_test_id("outcome-transferred")).to_be_checked()
        sync_api.expect(page.get_by_test_id("department")).not_to_have_value(
            ""
        )  # category's default department
        page.keyboard.press("Control+Enter")

        confirmation = page.get_by_test_id("confirmation")
        sync_api.expect(confirmation).to_be_visible()
        number = page.get_by_test_id("case-number").inner_text()
        sync_api.expect(page.get_by_test_id("inquiry")).to_have_value("")
        sync_api.expect(page.locator("#pop")).to_have_count(0)  # the saved call's pop is closed

        page.keyboard.press("Alt+KeyK")
        assert page.evaluate("document.activeElement.id") == "search-q"
        browser.close()

    with Session(engine) as db:
        contact = db.scalars(select(Contact)).one()
        case = db.get(Case, contact.case_id)
        assert case is not None and case.number == number
        assert contact.call_id is not None
    engine.dispose()


def test_keyboard_manual_contact_error_then_search_answer(
    fresh_database_url: str, start_server: Callable[..., str]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from minwon.knowledge.service import upsert_article

    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        cats, _depts, _queues = make_org(db)
        make_user(db, "counselor1")
        upsert_article(
            db=db,
            slug="car-tax-annual",
            title="자동차세 연납 신청",
            body="자동차세는 1월에 연납 신청하면 할인됩니다.",
            keywords="자동차세 연납",
            category_id=cats[0].id,
        )
        db.commit()
    base = start_server(fresh_database_url)

    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{base}/login")
        page.keyboard.type("counselor1")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/desk")

        page.keyboard.press("Alt+KeyN")  # manual contact: focus goes to the caller number
        assert page.evaluate("document.activeElement.name") == "caller"
        page.keyboard.type("010-1357-2468")
        page.keyboard.press("Alt+Digit2")  # Alt+digit works inside a text field
        page.keyboard.press("Alt+KeyC")  # callback, without typing an inquiry → error beside the field
        page.keyboard.press("Control+Enter")
        error = page.get_by_test_id("form-error")
        sync_api.expect(error).to_have_attribute("data-field", "inquiry")
        sync_api.expect(page.get_by_test_id("inquiry")).to_be_focused()
        sync_api.expect(page.get_by_test_id("caller")).to_have_value("010-1357-2468")  # kept

        page.keyboard.type("연납 할인 문의")
        page.keyboard.press("Escape")  # no pop open: leaves the text field
        page.keyboard.press("/")
        page.keyboard.type("연납")
        page.keyboard.press("Enter")
        hit = page.get_by_test_id("search-hit").first
        sync_api.expect(hit).to_contain_text("자동차세 연납 신청")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # open the article
        sync_api.expect(page.get_by_test_id("article")).to_be_visible()
        page.keyboard.press("Alt+KeyU")  # use it as the answer
        sync_api.expect(page.get_by_test_id("answer")).to_have_value(
            "자동차세는 1월에 연납 신청하면 할인됩니다."
        )
        page.keyboard.press("Control+Enter")
        sync_api.expect(page.get_by_test_id("callback-due")).to_be_visible()
        sync_api.expect(page.get_by_test_id("callbacks")).to_contain_text("010-****-2468")
        browser.close()

    with Session(engine) as db:
        contact = db.scalars(select(Contact)).one()
        assert contact.article_id is not None and contact.call_id is None
        assert contact.caller_masked == "010-****-2468"
    engine.dispose()


ARTICLE_MD = """## 핵심 안내

**자동차세**는 1월에 [위택스](https://www.wetax.go.kr)에서 연납하면 *할인*됩니다.

| 신청 기간 | 공제율 |
|---|---:|
| 1월 | 5% |"""
# Written by hand from ARTICLE_MD: what the counselor should read out.
ARTICLE_PLAIN = (
    "핵심 안내\n\n자동차세는 1월에 위택스에서 연납하면 할인됩니다.\n\n신청 기간 · 공제율\n1월 · 5%"
)


def _access_count(engine) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as db:
        return int(db.scalar(select(func.count()).select_from(AccessRecord)) or 0)


def _settled_access_count(engine, quiet_s: float = 1.5, limit_s: float = 20.0) -> int:  # type: ignore[no-untyped-def]
    """The access-record count once no pop fetch has written one for ``quiet_s`` (the ringing and the
    answered event may each fetch the pop; on a loaded machine the second write lands after the DOM
    already shows the call)."""
    deadline = time.monotonic() + limit_s
    last, since = _access_count(engine), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = _access_count(engine)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            break
    return last


def test_call_state_esc_detaches_save_failures_search_error_plain_answer_and_callbacks(
    fresh_database_url: str, start_server: Callable[..., str]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from minwon.knowledge.service import upsert_article

    expect = sync_api.expect
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        cats, _depts, _queues = make_org(db)
        agent = make_user(db, "counselor1", pbx_agent_id="AGENT_01")
        token = issue_pbx_token(db=db, name="pbx-main")
        upsert_article(
            db=db,
            slug="car-tax-md",
            title="자동차세 연납",
            body=ARTICLE_MD,
            keywords="연납",
            category_id=cats[0].id,
        )
        record_contact(
            db=db,
            agent=agent,
            category_id=cats[1].id,
            inquiry="수도 요금 확인 후 연락 요망",
            outcome="callback",
            caller="010-4444-5555",
        )
        db.commit()
    base = start_server(fresh_database_url)

    def pbx(events: list[dict[str, str]]) -> None:
        r = httpx.post(
            f"{base}/api/v1/telephony/events",
            json=events,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert r.status_code == 200 and r.json()["accepted"] == len(events), r.text

    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{base}/login")
        page.keyboard.type("counselor1")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/desk")
        expect(page.locator("#live-status")).not_to_be_empty()

        # --- 2. the pop follows the call's state without reloading ------------------------------
        now = utcnow()
        pbx(
            [
                {
                    "event": "ringing",
                    "call_id": "s-1",
                    "occurred_at": (now - timedelta(seconds=9)).isoformat(),
                    "queue": "tax",
                    "caller": "010-2468-1357",
                    "agent": "AGENT_01",
                },
                {
                    "event": "answered",
                    "call_id": "s-1",
                    "occurred_at": (now - timedelta(seconds=5)).isoformat(),
                    "agent": "AGENT_01",
                },
            ]
        )
        status = page.get_by_test_id("pop-status")
        expect(status).to_have_text("통화 중")
        expect(page.get_by_test_id("call-id")).not_to_have_value("")
        accesses = _settled_access_count(engine)
        pbx([{"event": "hangup", "call_id": "s-1", "occurred_at": (now - timedelta(seconds=1)).isoformat()}])
        expect(status).to_have_text("종료")
        expect(page.locator("#pop")).to_have_attribute("data-status", "completed")
        assert _access_count(engine) == accesses  # the pop was not fetched again

        # Esc in a text field only leaves the field; Esc outside closes the pop and lets go of the call:
        # the next save is a manual contact.
        page.keyboard.press("Alt+KeyI")
        page.keyboard.press("Escape")
        expect(page.locator("#pop")).to_have_count(1)
        page.keyboard.press("Escape")
        expect(page.locator("#pop")).to_have_count(0)
        expect(page.get_by_test_id("call-id")).to_have_value("")
        expect(page.get_by_test_id("detached-note")).to_be_visible()
        expect(page.get_by_test_id("caller")).to_be_visible()

        # --- 1. a failed save never shows the previous confirmation -------------------------------
        page.keyboard.press("Alt+Digit1")
        page.keyboard.press("Alt+KeyI")
        page.keyboard.type("첫 상담")
        page.keyboard.press("Control+Enter")
        expect(page.get_by_test_id("confirmation")).to_be_visible()
        expect(page.get_by_test_id("detached-note")).to_be_hidden()

        page.keyboard.press("Alt+Digit1")
        page.keyboard.press("Alt+KeyI")
        page.keyboard.type("두 번째 상담")
        # A real 403 JSON answer: the page's security token no longer matches the session.
        headers = page.evaluate("document.body.getAttribute('hx-headers')")
        page.evaluate("document.body.setAttribute('hx-headers', JSON.stringify({'X-CSRF-Token': 'stale'}))")
        page.keyboard.press("Control+Enter")
        save_error = page.get_by_test_id("save-error")
        expect(save_error).to_have_text(
            gettext("ko", "The form is out of date (security token). Reload the page.")
        )
        expect(save_error).to_have_attribute("role", "alert")
        expect(page.get_by_test_id("confirmation")).to_have_count(0)
        expect(page.get_by_test_id("inquiry")).to_have_value("두 번째 상담")

        # No network at all: the generic message.
        context.set_offline(True)
        page.evaluate("h => document.body.setAttribute('hx-headers', h)", headers)
        page.keyboard.press("Control+Enter")
        expect(save_error).to_have_text(gettext("ko", "Could not save. Please try again."))
        expect(page.get_by_test_id("inquiry")).to_have_value("두 번째 상담")
        context.set_offline(False)

        # --- 5. search errors replace old results; 6. Alt+U pastes plain text --------------------
        expect(page.get_by_test_id("search-input")).to_have_attribute("maxlength", "500")
        page.keyboard.press("Alt+KeyK")
        page.keyboard.type("연납")
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("search-hit").first).to_contain_text("자동차세 연납")
        search = page.get_by_test_id("search-input")
        search.evaluate("el => el.removeAttribute('maxlength')")
        search.fill("연" * 501)
        page.keyboard.press("Enter")
        search_error = page.get_by_test_id("search-error")
        expect(search_error).to_be_visible()
        expect(search_error).to_have_attribute("role", "alert")
        expect(page.get_by_test_id("search-hit")).to_have_count(0)
        search.fill("연납")
        page.keyboard.press("Enter")
        page.get_by_test_id("search-hit").first.click()
        expect(page.get_by_test_id("article")).to_be_visible()
        page.keyboard.press("Alt+KeyU")
        expect(page.get_by_test_id("answer")).to_have_value(ARTICLE_PLAIN)

        # --- 3. callbacks: reveal the number in place, count an unanswered attempt --------------
        # (the list was last redrawn after the first save, so no refresh races the clicks)
        row = page.get_by_test_id("callback-row")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("010-****-5555")
        row.get_by_test_id("callback-reveal").click()
        expect(row.get_by_test_id("callback-number")).to_have_text("010-4444-5555")
        row.get_by_test_id("callback-failed").click()
        expect(row.get_by_test_id("callback-attempts")).to_have_text("1")
        expect(row).to_contain_text("010-****-5555")  # the list is redrawn masked

        # Back online with the token: the same typing saves.
        page.keyboard.press("Control+Enter")
        expect(page.get_by_test_id("confirmation")).to_be_visible()
        expect(save_error).to_be_hidden()
        browser.close()

    with Session(engine) as db:
        contacts = db.scalars(select(Contact).order_by(Contact.id)).all()
        assert [c.inquiry for c in contacts][1:] == ["첫 상담", "두 번째 상담"]
        assert all(c.call_id is None for c in contacts)  # Esc detached the form from call s-1
        assert contacts[2].answer == ARTICLE_PLAIN
        cb = db.scalars(select(Callback)).one()
        assert cb.attempts == 1 and cb.status.value == "pending"
        rec = db.scalars(select(AccessRecord).order_by(AccessRecord.id.desc())).first()
        assert rec is not None and rec.purpose == f"callback:{cb.id}"
    engine.dispose()
