"""The template editor in headless Chromium against a real ``minwon serve``: the preview follows typing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from minwon.db.session import make_engine
from tests.browser import launch
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000


def test_preview_follows_typing_and_save(
    fresh_database_url: str, start_server: Callable[..., str], tmp_path: object
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        make_user(db, "admin", "administrator")
    engine.dispose()
    base = start_server(fresh_database_url)
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"{base}/admin/notices/templates/case_transfer")
        body = page.locator("#f-body")
        body.fill("[{center}] {case_number} → {department} {phone}")
        sync_api.expect(page.get_by_test_id("template-error")).to_contain_text(
            "알 수 없는 항목 {phone}입니다."
        )
        body.fill("[{center}] {case_number} 이송: {department}")
        # 한빛시 민원콜센터 이송 세무과 = 13 Hangul × 2 = 26; [ ] : 4 spaces 2026-000123 = 7 + 11 = 18 → 44
        sync_api.expect(page.get_by_test_id("sms-size")).to_contain_text("44 바이트")
        sync_api.expect(page.get_by_test_id("preview-body")).to_have_text(
            "[한빛시 민원콜센터] 2026-000123 이송: 세무과"
        )
        page.get_by_role("button", name="저장").click()
        page.wait_for_url(f"{base}/admin/notices/templates?saved=case_transfer")
        sync_api.expect(page.locator('[data-key="case_transfer"]')).to_contain_text("관리자 수정")
        browser.close()
