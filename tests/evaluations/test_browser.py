"""End to end in headless Chromium against a real ``minwon serve``: a quality manager samples and scores
a contact, the counselor disputes, a supervisor resolves."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from minwon.db.session import make_engine
from tests.browser import launch
from tests.evaluations.helpers import at, contact
from tests.factories import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser
TIMEOUT_MS = 20_000


def test_sample_score_dispute_resolve(fresh_database_url: str, start_server: Callable[..., str]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        cats, _, _ = make_org(db)
        c1 = make_user(db, "c1", "counselor", display_name="김하늘")
        make_user(db, "q1", "quality_manager")
        make_user(db, "s1", "supervisor")
        contact(db, c1, cats[0], at(7))
    engine.dispose()
    base = start_server(fresh_database_url)
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)

        def login(username: str) -> None:
            page.context.clear_cookies()
            page.goto(f"{base}/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url(lambda url: "/login" not in url)

        login("q1")
        page.goto(f"{base}/quality/evaluations")
        form = page.get_by_test_id("sample-form")
        form.locator("input[name=month]").fill("2026-09")
        form.locator("input[name=per_agent]").fill("2")
        form.locator("input[name=seed]").fill("browser")
        form.get_by_role("button", name="표본 추출").click()
        expect(page.get_by_test_id("sample-result")).to_contain_text("1건")
        page.get_by_test_id("evaluation-list").locator("a").first.click()
        expect(page.get_by_test_id("contact-record")).to_contain_text("010-****-5678")
        score = page.get_by_test_id("score-form")
        for key, value in {
            "c1": "4",
            "c2": "5",
            "c3": "3",
            "c4": "5",
            "c5": "4",
            "c6": "5",
            "c7": "5",
            "c8": "2",
        }.items():
            score.locator(f"input[name=score_{key}]").fill(value)
        score.locator("select[name=score_c9]").select_option("0")
        score.locator("select[name=score_c10]").select_option("1")
        score.locator("select[name=score_c11]").select_option("1")
        score.get_by_role("button", name="평가 제출").click()
        # 87 − 10 (identity check missed) = 77, below the pass mark 80
        expect(page.get_by_test_id("evaluation-total")).to_contain_text("77.0")
        expect(page.get_by_test_id("capa-link")).to_have_text("시정조치 등록")
        url = page.url

        login("c1")
        page.goto(url)
        panel = page.get_by_test_id("answer-panel")
        panel.locator("textarea[name=reason]").fill("본인 확인을 했습니다")
        panel.get_by_role("button", name="이의 제기").click()
        expect(page.get_by_test_id("evaluation-status")).to_contain_text("이의 제기됨")

        login("s1")
        page.goto(url)
        resolve = page.get_by_test_id("resolve-panel")
        resolve.get_by_label("점수 조정").check()
        resolve.locator("input[name=score_c9]").fill("1")
        resolve.locator("textarea[name=note]").fill("녹취 확인: 본인 확인함")
        resolve.locator("button[type=submit]").click()
        expect(page.get_by_test_id("evaluation-status")).to_contain_text("이의 처리 완료")
        expect(page.get_by_test_id("evaluation-total")).to_contain_text("87.0")
        expect(page.get_by_test_id("resolution-note")).to_contain_text("녹취 확인")
        browser.close()
