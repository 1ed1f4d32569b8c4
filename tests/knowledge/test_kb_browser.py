"""Document control end to end in headless Chromium against a real ``minwon serve`` process:
an author drafts a standard answer in the form and submits it; the author's own approval is refused;
a second user (quality manager) approves it; a counselor finds it on the desk and flags it; the owning
department's officer sees the flag and resolves it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.db.session import make_engine
from minwon.knowledge.models import ArticleFlag, ArticleVersion, FlagStatus, VersionStatus
from tests.browser import launch
from tests.factories import PASSWORD, make_org
from tests.knowledge.conftest import staff

pytestmark = pytest.mark.browser

BODY = """## 대형폐기물 배출 방법

**스티커**를 구입해 붙인 뒤 배출합니다. 자세한 안내는 [한빛시 누리집](https://example.go.kr)에서 확인합니다.

| 품목 | 수수료 |
|---|---|
| 소파 | 5,000원 |
| 냉장고 | 무상 수거 |"""


def _sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()


def test_author_drafts_second_user_approves_counselor_uses_and_flags(
    fresh_database_url: str, start_server: Callable[..., str], tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        cats, (tax, _water), _q = make_org(db)
        staff(db, "author1", role="quality_manager")
        staff(db, "qm2", role="quality_manager")
        staff(db, "counselor1")
        staff(db, "officer_tax", role="department_officer", department_id=tax.id)
    base = start_server(fresh_database_url, MINWON_KB_FILES_DIR=str(tmp_path / "kb-files"))

    with sync_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.set_default_timeout(15_000)

        # 1. the author drafts the answer in the form and submits it for review
        _sign_in(page, base, "author1")
        page.get_by_test_id("nav-kb").click()
        page.get_by_test_id("kb-new").click()
        page.get_by_test_id("kb-title").fill("대형폐기물 배출 안내")
        page.get_by_test_id("kb-body-input").fill(BODY)
        page.get_by_test_id("kb-keywords").fill("대형폐기물, 스티커, 소파")
        page.get_by_test_id("kb-category").select_option(str(cats[2].id))
        page.get_by_test_id("kb-department").select_option(str(tax.id))
        page.get_by_test_id("kb-change-note").fill("신규 작성")
        page.get_by_test_id("kb-save").click()
        expect(page.get_by_test_id("kb-version-status")).to_contain_text("초안")
        expect(page.get_by_test_id("kb-body").locator("table td").first).to_have_text("소파")
        page.get_by_test_id("kb-submit").click()
        expect(page.get_by_test_id("kb-version-status")).to_contain_text("검토 중")
        # the author, although a quality manager, may not approve their own version
        expect(page.get_by_test_id("kb-author-note")).to_be_visible()
        page.get_by_test_id("kb-approve").click()
        expect(page.get_by_test_id("kb-error")).to_contain_text("승인할 수 없습니다")

        # 2. a second user approves it from the review queue
        _sign_in(page, base, "qm2")
        page.goto(f"{base}/kb/review")
        page.get_by_test_id("kb-review-row").get_by_role("link").click()
        page.get_by_test_id("kb-approve").click()
        expect(page.get_by_test_id("kb-version-status")).to_contain_text("오늘 시행 중")
        expect(page.get_by_test_id("kb-history")).to_contain_text("qm2")

        # 3. a counselor finds it on the desk, reads the rendered answer and flags it
        _sign_in(page, base, "counselor1")
        page.wait_for_url(f"{base}/desk")
        page.keyboard.press("/")
        page.keyboard.type("대형폐기물")
        page.keyboard.press("Enter")
        hit = page.get_by_test_id("search-hit").first
        expect(hit).to_contain_text("대형폐기물 배출 안내")
        hit.click()
        article = page.get_by_test_id("article")
        expect(article.locator("table")).to_contain_text("냉장고")
        link = article.locator("a[href='https://example.go.kr']")
        expect(link).to_have_attribute("rel", "noopener noreferrer")
        expect(page.get_by_test_id("article-version")).to_have_text("v1")
        page.get_by_test_id("flag-details").locator("summary").click()
        page.get_by_test_id("flag-reason-outdated").check()
        page.get_by_test_id("flag-comment").fill("냉장고도 수수료를 받는다고 합니다")
        page.get_by_test_id("flag-submit").click()
        expect(page.get_by_test_id("flag-done")).to_be_visible()

        # 4. the owning department's officer sees the flag and resolves it
        _sign_in(page, base, "officer_tax")
        page.goto(f"{base}/kb/flags")
        expect(page.get_by_test_id("kb-flag-row")).to_contain_text("냉장고도 수수료를")
        page.get_by_test_id("flag-note").fill("v2 작성하여 검토 요청")
        page.get_by_test_id("flag-resolve").click()
        expect(page.get_by_test_id("kb-flags-empty")).to_be_visible()
        browser.close()

    with Session(engine) as db:
        version = db.scalars(select(ArticleVersion)).one()
        assert version.status == VersionStatus.APPROVED and version.number == 1
        flag = db.scalars(select(ArticleFlag)).one()
        assert flag.status == FlagStatus.RESOLVED and flag.department_id == version.department_id
    engine.dispose()
