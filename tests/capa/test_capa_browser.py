"""The register in headless Chromium against a real ``minwon serve``: a quality manager registers an
entry from a KPI-breach suggestion, plans the action, the owner implements it, the quality manager
confirms it effective and closes it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from minwon.core.clock import local_today
from minwon.db.session import make_engine, session_scope
from tests.browser import launch
from tests.capa.support import ingest_calls, month_start, staff
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000


def _sign_in(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def test_kpi_suggestion_to_closure(fresh_database_url: str, start_server: Callable[..., str]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    today = local_today()
    months = [month_start(today, back).replace(day=10) for back in (3, 2, 1)]
    labels = [f"{m:%Y-%m}" for m in months]
    engine = make_engine(fresh_database_url)
    with session_scope(engine) as db:
        staff(db, "qm", "quality_manager")
        staff(db, "owner", "counselor")
        ingest_calls(db, months, wait_s=40)
    engine.dispose()
    base = start_server(fresh_database_url)
    due = (today + timedelta(days=7)).isoformat()

    with sync_api.sync_playwright() as p:
        browser = launch(p)
        page = _sign_in(browser, base, "qm")
        page.get_by_test_id("nav-capa").click()
        suggestion = page.get_by_test_id("capa-suggestion")
        expect(suggestion).to_contain_text(f"서비스 레벨 3개월 연속 목표 미달 ({labels[0]} ~ {labels[2]})")
        suggestion.get_by_test_id("capa-suggestion-register").click()
        expect(page.get_by_test_id("capa-source")).to_have_value("kpi")
        expect(page.get_by_test_id("capa-source-ref")).to_have_value(
            f"kpi:service_level:{labels[0]}..{labels[2]}"
        )
        expect(page.get_by_test_id("capa-title")).to_have_value(
            f"서비스 레벨 3개월 연속 목표 미달 ({labels[0]} ~ {labels[2]})"
        )
        page.get_by_test_id("capa-description").fill("20초 내 응답 비율이 3개월 연속 빨간불")
        page.get_by_test_id("capa-save").click()
        expect(page.get_by_test_id("capa-status")).to_have_text("접수")
        entry_url = page.url.split("?")[0]

        # planning without a root cause is refused with the reason; then with it
        page.get_by_test_id("capa-plan-action").fill("점심 교대 시간 조정")
        page.locator("[data-testid=capa-plan-form] select[name=owner_id]").select_option(label="owner")
        page.get_by_test_id("capa-plan-due").fill(due)
        page.get_by_test_id("capa-plan").click()
        expect(page.get_by_test_id("capa-error")).to_have_text(
            "시정조치를 계획하기 전에 근본 원인을 입력하세요."
        )
        page.get_by_test_id("capa-plan-root-cause").fill("집중 시간대와 점심 교대가 겹침")
        page.get_by_test_id("capa-plan").click()
        expect(page.get_by_test_id("capa-status")).to_have_text("조치 계획됨")
        expect(page.get_by_test_id("capa-root-cause")).to_have_text("집중 시간대와 점심 교대가 겹침")

        owner_page = _sign_in(browser, base, "owner")
        owner_page.goto(entry_url)
        owner_page.get_by_test_id("capa-implementation").fill("점심 교대를 11:30 이후로 변경")
        owner_page.get_by_test_id("capa-implement").click()
        expect(owner_page.get_by_test_id("capa-status")).to_have_text("이행됨")
        expect(owner_page.get_by_test_id("capa-check-form")).to_have_count(0)

        page.goto(entry_url)
        page.get_by_test_id("capa-result-effective").check()
        page.get_by_test_id("capa-check-note").fill("다음 달 서비스 레벨 84%")
        page.get_by_test_id("capa-check-submit").click()
        expect(page.get_by_test_id("capa-status")).to_have_text("유효성 확인됨")
        expect(page.get_by_test_id("capa-check")).to_contain_text("효과 있음")
        page.get_by_test_id("capa-close").click()
        expect(page.get_by_test_id("capa-status")).to_have_text("종결")
        expect(page.get_by_test_id("capa-event")).to_have_count(5)

        # registered: the suggestion is gone from the register, the entry is listed as closed
        page.goto(f"{base}/quality/capa")
        expect(page.get_by_test_id("capa-suggestion")).to_have_count(0)
        expect(page.get_by_test_id("capa-row")).to_contain_text("종결")
        browser.close()
