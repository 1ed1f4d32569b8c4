"""A department officer answers a case in headless Chromium against a real ``minwon serve`` process:
the case page shows the Korean deadline basis, the officer accepts (access key), types the answer and
saves; the case is closed and the answer SMS is in the outbox."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.cases.models import Case, CaseStatus
from minwon.db.session import make_engine
from minwon.notices.models import Notice
from tests.browser import launch
from tests.cases.support import kst, make_office, transfer
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

TIMEOUT_MS = 10_000


def test_officer_answers_a_case(fresh_database_url: str, start_server: Callable[..., str]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        office = make_office(db)
        case = transfer(db, office, kst(2026, 2, 13, 16))
        case_id = case.id
    base = start_server(fresh_database_url)

    with sync_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{base}/login")
        page.keyboard.type("tax_officer")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"{base}/cases")
        page.get_by_role("link", name=case.number).click()
        sync_api.expect(page.get_by_test_id("case-due")).to_contain_text("2026-02-26 18:00")
        sync_api.expect(page.get_by_test_id("case-basis-ko")).to_contain_text("고충민원 7일: 접수일 포함")
        page.get_by_test_id("accept").focus()
        page.keyboard.press("Enter")
        sync_api.expect(page.get_by_test_id("case-done")).to_be_visible()
        page.get_by_test_id("answer-text").fill("파손된 보도블록을 2월 20일에 교체했습니다.")
        page.get_by_test_id("answer-submit").click()
        sync_api.expect(page.get_by_test_id("case-status")).to_have_text("종결")
        sync_api.expect(page.get_by_test_id("case-answer")).to_contain_text("보도블록")
        browser.close()

    with Session(engine) as db:
        saved = db.get(Case, case_id)
        assert saved is not None and saved.status is CaseStatus.CLOSED
        stmt = select(Notice.template_key).where(Notice.case_id == case_id).order_by(Notice.id)
        keys = list(db.scalars(stmt))
        assert keys == ["case_receipt", "case_answer"]
    engine.dispose()
