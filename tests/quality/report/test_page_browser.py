"""The report page in headless Chromium against a real ``minwon serve``: the body replaces the
"being prepared" note and its Korean charts load; the nav link leads there."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from minwon.db.session import make_engine
from tests.browser import launch
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000


def test_report_page_loads_the_body_and_offers_downloads(
    fresh_database_url: str, start_server: Callable[..., str]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        make_user(db, "qm", "quality_manager")
    engine.dispose()
    base = start_server(fresh_database_url)
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "qm")
        page.fill("input[name=password]", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/login" not in url)
        page.get_by_test_id("nav-report").click()
        page.wait_for_url(lambda url: "/quality/report" in url)
        page.get_by_test_id("report-month").fill("2026-10")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/quality/report?month=2026-10")
        sync_api.expect(page.locator("article.mr-report h1")).to_have_text("경영검토 보고서")
        sync_api.expect(page.locator("#mr-inputs h2")).to_contain_text("경영검토 입력 사항")
        # an empty month: the KPI chart only (trend charts need calls; summaries are not wired here)
        charts = page.locator("article.mr-report figure img")
        assert charts.count() >= 1
        # every chart image decoded (naturalWidth > 0)
        assert page.evaluate(
            "[...document.querySelectorAll('article.mr-report figure img')].every(i => i.naturalWidth > 0)"
        )
        with page.expect_download() as info:
            page.get_by_test_id("download-pdf").click()
        assert info.value.suggested_filename == "management-review-2026-10.pdf"
        browser.close()
