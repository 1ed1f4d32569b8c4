"""The citizen's status page: right code → plain status; wrong code and unknown number alike;
rate limit per case number and per IP; audit; bad input never a 500; a phone-sized browser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.cases.models import Case, CaseEvent
from minwon.cases.reminders import send_due_reminders
from minwon.cases.status import TooManyAttempts, code_digest, lookup_case_status
from minwon.core.errors import ValidationError
from minwon.core.models import AuditEvent
from minwon.db.session import make_engine
from tests.browser import launch
from tests.cases.reminder_support import open_case, reminder_org

KST = ZoneInfo("Asia/Seoul")
CODE = "K7M2Q9XP"
MISMATCH_KO = "접수번호와 확인 코드가 일치하지 않습니다"


def _case(db: Session) -> Case:
    cats, depts, users = reminder_org(db)
    case = open_case(
        db,
        agent=users["counselor"],
        category=cats[0],
        department=depts[0],
        petition_type="grievance",
        at=datetime(2026, 3, 4, 10, tzinfo=KST),
    )
    case.verification_digest = code_digest(CODE)
    db.commit()
    return case


def test_right_code_shows_status_without_personal_data(db: Session) -> None:
    case = _case(db)
    # an internal reminder in the history stays internal
    send_due_reminders(db=db, now=datetime(2026, 3, 12, 9, tzinfo=KST))
    view = lookup_case_status(db=db, case_number=f" {case.number} ", code=f"{CODE} ", ip="10.0.0.1")
    assert view.number == case.number and view.department == "세무과"
    assert view.status_label == "With the department"
    # 7 working days from Wed 4 March: 4,5,6,9,10,11,12 → Thu 12 March 18:00.
    assert view.due_at == datetime(2026, 3, 12, 18, tzinfo=KST)
    assert [s.text for s in view.steps] == [
        "Your petition was received.",
        "It was passed to the responsible department.",
    ]
    assert db.scalar(select(CaseEvent.id).where(CaseEvent.action == "reminder_sent")) is not None
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "case_status_viewed"))
    assert audit is not None and audit.detail == {"case_id": case.id} and audit.ip == "10.0.0.1"


def test_unknown_number_and_wrong_code_get_the_same_answer(db: Session) -> None:
    case = _case(db)
    with pytest.raises(ValidationError) as wrong:
        lookup_case_status(db=db, case_number=case.number, code="WRONG123", ip="10.0.0.2")
    with pytest.raises(ValidationError) as unknown:
        lookup_case_status(db=db, case_number="2026-999999", code=CODE, ip="10.0.0.3")
    assert (wrong.value.message, wrong.value.field) == (unknown.value.message, unknown.value.field)
    with pytest.raises(ValidationError) as empty:
        lookup_case_status(db=db, case_number=case.number, code="", ip="10.0.0.4")
    assert empty.value.message == wrong.value.message


def test_a_case_without_a_code_never_matches(db: Session) -> None:
    case = _case(db)
    case.verification_digest = None
    db.commit()
    with pytest.raises(ValidationError):
        lookup_case_status(db=db, case_number=case.number, code="", ip="10.0.0.9")
    with pytest.raises(ValidationError):
        lookup_case_status(db=db, case_number=case.number, code="0" * 64, ip="10.0.0.9")


def test_rate_limit_per_case_number(db: Session) -> None:
    case = _case(db)
    t0 = datetime(2026, 3, 5, 10, tzinfo=KST)
    for i in range(5):  # five different addresses, same case
        with pytest.raises(ValidationError):
            lookup_case_status(db=db, case_number=case.number, code=f"guess{i}", ip=f"10.1.0.{i}", now=t0)
    # the sixth attempt is refused, even with the right code, from a new address
    with pytest.raises(TooManyAttempts):
        lookup_case_status(
            db=db, case_number=case.number, code=CODE, ip="10.1.0.99", now=t0 + timedelta(minutes=1)
        )
    # 15 minutes after the failures the right code works again
    view = lookup_case_status(
        db=db, case_number=case.number, code=CODE, ip="10.1.0.99", now=t0 + timedelta(minutes=15)
    )
    assert view.number == case.number
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "case_status_limited")) is not None


def test_rate_limit_per_ip_across_case_numbers(db: Session) -> None:
    case = _case(db)
    t0 = datetime(2026, 3, 5, 10, tzinfo=KST)
    for i in range(5):
        with pytest.raises(ValidationError):
            lookup_case_status(db=db, case_number=f"2026-00000{i}", code="x", ip="10.2.0.1", now=t0)
    with pytest.raises(TooManyAttempts):
        lookup_case_status(db=db, case_number=case.number, code=CODE, ip="10.2.0.1", now=t0)
    # another address is not affected
    assert (
        lookup_case_status(db=db, case_number=case.number, code=CODE, ip="10.2.0.2", now=t0).number
        == case.number
    )


@pytest.mark.parametrize(
    "form",
    [
        {"case_number": "abc", "code": "x"},
        {"case_number": "2026-12345", "code": "x"},
        {"case_number": "2026-000001" + "9" * 100_000, "code": "x"},
        {"case_number": "2026-000001", "code": "x" * 1_000_000},
        {"case_number": "'; DROP TABLE cases; --", "code": "%00\x00"},
        {"case_number": "２０２６－０００００１", "code": "ｘ"},
        {},
    ],
)
def test_bad_input_is_a_clear_answer_not_a_500(client: Any, form: dict[str, str]) -> None:
    r = client.post("/status", data=form, headers={"accept": "text/html"})
    assert r.status_code == 422, r.text[:300]
    assert 'role="alert"' in r.text


def test_the_page_over_http(client: Any, db: Session) -> None:
    case = _case(db)
    r = client.get("/status")
    assert r.status_code == 200 and "민원 처리 상황 조회" in r.text and 'name="code"' in r.text
    r = client.post("/status", data={"case_number": case.number, "code": "nope"})
    assert r.status_code == 422 and MISMATCH_KO in r.text
    r = client.post("/status", data={"case_number": "2026-999999", "code": CODE})
    assert r.status_code == 422 and MISMATCH_KO in r.text
    r = client.post("/status", data={"case_number": case.number, "code": CODE})
    assert r.status_code == 200
    for text in (
        case.number,
        "세무과",
        "담당 부서에서 처리 중",
        "2026-03-12 18:00",
        "민원이 접수되었습니다.",
    ):
        assert text in r.text, text
    # no officer or counselor names, no contact details
    for secret in ("counselor1", "tax1", "taxhead", "도로 파손 신고"):
        assert secret not in r.text
    for _ in range(3):
        client.post("/status", data={"case_number": case.number, "code": "nope"})
    r = client.post("/status", data={"case_number": case.number, "code": CODE})
    assert r.status_code == 429 and "15분 후에 다시" in r.text


@pytest.mark.browser
def test_status_page_on_a_phone(fresh_database_url: str, start_server: Callable[..., str]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    engine = make_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as db:
        case = _case(db)
        number = case.number
    engine.dispose()
    base = start_server(fresh_database_url)
    assert httpx.get(f"{base}/status").status_code == 200
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
        page.set_default_timeout(10_000)
        page.goto(f"{base}/status")
        page.fill("input[name=case_number]", number)
        page.fill("input[name=code]", "WRONG")
        page.click("button[type=submit]")
        sync_api.expect(page.get_by_test_id("status-error")).to_contain_text(MISMATCH_KO)
        page.fill("input[name=code]", CODE)
        page.click("button[type=submit]")
        sync_api.expect(page.get_by_test_id("status-label")).to_have_text("담당 부서에서 처리 중")
        sync_api.expect(page.get_by_test_id("status-due")).to_have_text("2026-03-12 18:00")
        assert page.get_by_test_id("status-steps").locator("li").count() == 2
        # fits the phone: no horizontal scrolling
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, width
        browser.close()
