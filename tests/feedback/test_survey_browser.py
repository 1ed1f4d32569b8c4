"""End to end in headless Chromium against a real ``minwon serve``: a contact is saved, the scheduler's
survey job queues the SMS, the recording provider delivers it, the citizen opens the link on a phone-sized
screen and answers with low scores, and a supervisor takes and closes the follow-up."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.contacts.service import record_contact
from minwon.core.clock import utcnow
from minwon.db.session import make_engine
from minwon.feedback.models import FollowUpStatus, SurveyFollowUp, SurveyResponse
from minwon.notices.delivery import deliver_due
from minwon.notices.models import RecordedMessage
from minwon.scheduler.jobs import registered_jobs
from tests.browser import launch
from tests.factories import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000


def test_contact_to_survey_to_closed_follow_up(
    fresh_database_url: str, start_server: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    base = start_server(fresh_database_url)
    monkeypatch.setenv("MINWON_SURVEY_BASE_URL", base)
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        cats, _d, _q = make_org(db)
        agent = make_user(db, "agent1", display_name="김상담")
        make_user(db, "sup", "supervisor", display_name="박감독")
        saved_at = utcnow() - timedelta(minutes=20)
        record_contact(
            db=db,
            agent=agent,
            category_id=cats[0].id,
            inquiry="지방세 문의",
            outcome="resolved",
            caller="010-0000-7070",
            now=saved_at,
        )
        job = next(j for j in registered_jobs() if j.name == "survey_invitations")
        assert job.run(db, utcnow()) == 1
        assert job.run(db, utcnow()) == 0  # idempotent
        deliver_due(db=db, now=utcnow())
        message = db.scalar(select(RecordedMessage))
        assert message is not None and message.recipient_masked == "010-****-7070"
    found = re.search(re.escape(base) + r"/s/[A-Za-z0-9_-]+", message.body)
    assert found, message.body
    link = found.group(0)

    with sync_api.sync_playwright() as p:
        browser = launch(p)
        phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
        page = phone.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(link)
        sync_api.expect(page.get_by_role("heading", name="만족도 조사")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
        questions = page.get_by_test_id("question")
        assert questions.count() == 3
        for i, rating in enumerate((2, 1, 3)):
            questions.nth(i).locator("label").nth(rating - 1).click()
        box = questions.nth(0).locator("label").nth(0).bounding_box()
        assert box is not None and box["height"] >= 44  # large touch targets
        page.get_by_test_id("survey-comment").fill("대기가 너무 길었어요")
        page.get_by_role("button", name="제출").click()
        sync_api.expect(page.get_by_test_id("survey-thanks")).to_be_visible()
        page.goto(link)
        sync_api.expect(page.get_by_test_id("survey-problem")).to_contain_text("이미 응답하신 조사입니다")
        phone.close()

        desk = browser.new_page()
        desk.set_default_timeout(TIMEOUT_MS)
        desk.goto(f"{base}/login")
        desk.fill("input[name=username]", "sup")
        desk.fill("input[name=password]", PASSWORD)
        desk.keyboard.press("Enter")
        desk.wait_for_url(lambda url: "/login" not in url)
        desk.get_by_test_id("nav-surveys").click()
        desk.get_by_role("link", name="저점수 후속조치").click()
        rows = desk.get_by_test_id("followup")
        sync_api.expect(rows).to_have_count(1)
        rows.first.get_by_role("link").click()
        sync_api.expect(desk.get_by_test_id("citizen-comment")).to_have_text("대기가 너무 길었어요")
        sync_api.expect(desk.get_by_test_id("ratings")).to_contain_text("상담사 친절도: 1")
        desk.get_by_test_id("claim").click()
        sync_api.expect(desk.get_by_test_id("assignee")).to_have_text("박감독")
        desk.get_by_test_id("outcome").select_option("resolved")
        desk.get_by_test_id("outcome-note").fill("사과드리고 재안내함")
        desk.get_by_test_id("close").click()
        sync_api.expect(desk.get_by_test_id("followup-status")).to_contain_text("종결")
        browser.close()

    with Session(engine) as db:
        fu = db.scalar(select(SurveyFollowUp))
        assert (
            fu is not None and fu.status == FollowUpStatus.CLOSED and fu.outcome_note == "사과드리고 재안내함"
        )
        response = db.scalar(select(SurveyResponse))
        assert response is not None and (response.overall, response.lowest) == (2, 1)
    engine.dispose()
