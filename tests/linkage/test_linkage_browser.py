"""The demo story in headless Chromium against a real ``minwon serve`` and the reference back office:
verify a demo caller → the three panels fill → send a virtual account by SMS → the access log shows each
view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.backoffice.demo import demo_identities
from minwon.backoffice.server import start_backoffice
from minwon.core.audit import verify_chain
from minwon.core.models import AccessRecord
from minwon.db.session import make_engine
from minwon.linkage.service import save_connector
from minwon.notices.models import Notice
from tests.browser import launch
from tests.factories import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser
TIMEOUT_MS = 20_000


def test_demo_story(fresh_database_url: str, start_server: Callable[..., str], tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    persona = next(p for p in demo_identities() if p.vehicle_number and p.water_customer_number)
    with start_backoffice(tmp_path / "bo", residents=300) as office:
        engine = make_engine(fresh_database_url)
        with Session(engine, expire_on_commit=False) as db:
            make_org(db)
            make_user(db, "counselor1", pbx_agent_id="AGENT_01")
            admin = make_user(db, "admin1", role="administrator")
            for name in ("local_tax", "water", "parking"):
                config = {"base_url": office.base_url, "api_key": office.api_key, "timeout_s": 5.0}
                save_connector(db=db, name=name, enabled=True, config=config, actor=admin)
        (tmp_path / "bo").mkdir(exist_ok=True)
        base = start_server(fresh_database_url, MINWON_BACKOFFICE_AUTOSTART="false")
        with sync_api.sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{base}/login")
            page.keyboard.type("counselor1")
            page.keyboard.press("Tab")
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/desk")
            page.get_by_test_id("check-name_birth").check()
            page.get_by_test_id("linkage-resident").fill(persona.rrn)
            page.get_by_test_id("linkage-vehicle").fill(persona.vehicle_number or "")
            page.get_by_test_id("linkage-water").fill(persona.water_customer_number or "")
            page.get_by_test_id("linkage-mobile").fill("010-2468-1357")
            page.get_by_test_id("linkage-verify-submit").click()
            verified = page.get_by_test_id("linkage-verified")
            sync_api.expect(verified).to_contain_text(persona.rrn[:6] + "-" + persona.rrn[7] + "******")
            assert persona.rrn not in page.content()
            # the verification swap must have settled (htmx removes its classes) before the shortcut,
            # or the keypress can reach the page between the swap and the handler's rebinding
            page.wait_for_function(
                "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
            )
            page.keyboard.press("Alt+KeyL")
            for name in ("local_tax", "water", "parking"):
                state = page.get_by_test_id(f"panel-{name}").get_by_test_id("panel-state")
                sync_api.expect(state).to_have_attribute("data-state", "ok")
            sync_api.expect(page.locator("[data-testid=send-sms]").first).to_be_visible()
            page.locator("[data-testid=send-sms]").first.click()
            sync_api.expect(page.get_by_test_id("sms-queued")).to_contain_text("010-****-1357")
            href = page.get_by_test_id("linkage-access-link").get_attribute("href") or ""
            page.goto(base + href)
            rows = page.get_by_test_id("access-row")
            sync_api.expect(rows).to_have_count(7)  # 3 local-tax + 2 water + 2 parking lookups
            browser.close()
    with Session(engine) as db:
        notice = db.scalars(select(Notice).where(Notice.template_key == "virtual_account")).one()
        assert notice.recipient_masked == "010-****-1357" and "가상계좌" in notice.body
        resources = sorted(
            db.scalars(select(AccessRecord.resource).where(AccessRecord.resource.like("linkage:%")))
        )
        assert resources == sorted(
            [
                "linkage:local_tax.bills",
                "linkage:local_tax.arrears",
                "linkage:local_tax.virtual_accounts",
                "linkage:water.account",
                "linkage:water.bills",
                "linkage:parking.violations",
                "linkage:parking.towing",
            ]
        )
        assert verify_chain(db=db).ok
    engine.dispose()
