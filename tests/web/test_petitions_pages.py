"""Petitions through HTTP: the desk transfer shows the status code once, officers work a case from its
page (403/404/409/422 on the page, never 500), supervisors see the risk table, administrators edit
the processing-standards table and the calendar."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.cases.models import Case, CaseStatus, ProcessingStandard, TemporaryHoliday
from minwon.core.clock import utcnow
from minwon.core.models import AuditEvent
from minwon.notices.models import Notice
from tests.cases.support import Office, kst, make_office, transfer
from tests.factories import PASSWORD

HTML = {"accept": "text/html"}


def sign_in(client: TestClient, username: str, page: str) -> str:
    """Sign in and return the CSRF token found on ``page``."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    text = client.get(page, headers=HTML).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', text) or re.search(r'data-csrf="([^"]+)"', text)
    assert csrf is not None, text[:500]
    return csrf.group(1)


@pytest.fixture()
def office(db: Session) -> Office:
    return make_office(db)


def test_desk_transfer_shows_the_status_code_once_and_queues_the_receipt(
    client: TestClient, db: Session, office: Office
) -> None:
    csrf = sign_in(client, "counselor1", "/desk")
    form = {
        "csrf_token": csrf,
        "category_id": str(office.cats[0].id),
        "inquiry": "보도블록 파손 민원",
        "outcome": "transferred",
        "department_id": str(office.tax.id),
        "petition_type": "grievance",
        "caller": "010-5555-1234",
        "channel": "call",
        "opened_at": (utcnow() - timedelta(seconds=30)).isoformat(),
    }
    r = client.post("/desk/contacts", data=form, headers={"HX-Request": "true"})
    assert r.status_code == 200, r.text
    code = re.search(r'data-testid="case-code">(\d{6})<', r.text)
    assert code is not None
    case = db.scalars(select(Case)).one()
    assert case.verification_digest == hashlib.sha256(code.group(1).encode()).hexdigest()
    notice = db.scalars(select(Notice).where(Notice.case_id == case.id)).one()
    assert notice.template_key == "case_receipt" and notice.recipient_masked == "010-****-1234"
    # The next page no longer shows it.
    assert 'data-testid="case-code"' not in client.get("/desk", headers=HTML).text


def _csrf_on(client: TestClient, path: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path, headers=HTML).text)
    assert token is not None
    return token.group(1)


def test_officer_accepts_and_answers_from_the_case_page(
    client: TestClient, db: Session, office: Office
) -> None:
    case = transfer(db, office, kst(2026, 2, 13, 16))
    csrf = sign_in(client, "tax_officer", f"/cases/{case.id}")
    page = client.get(f"/cases/{case.id}", headers=HTML).text
    assert "2026-02-26 18:00" in page
    assert "고충민원 7일: 접수일 포함, 토요일·공휴일 제외 (민원처리법 제19조제2항, 시행령 제17조)" in page
    r = client.post(f"/cases/{case.id}/accept", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case.id}?done=accept"
    # Accepting again is a conflict, shown on the page.
    r = client.post(f"/cases/{case.id}/accept", data={"csrf_token": csrf}, headers=HTML)
    assert r.status_code == 409 and 'data-testid="case-error"' in r.text
    r = client.post(f"/cases/{case.id}/answer", data={"csrf_token": csrf, "answer": " "}, headers=HTML)
    assert r.status_code == 422
    r = client.post(
        f"/cases/{case.id}/answer",
        data={"csrf_token": csrf, "answer": "보수 공사를 마쳤습니다.", "close": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.refresh(case)
    assert case.status is CaseStatus.CLOSED and case.answer == "보수 공사를 마쳤습니다."
    assert [n.template_key for n in db.scalars(select(Notice).where(Notice.case_id == case.id))] == [
        "case_receipt",
        "case_answer",
    ]


def test_officer_errors_are_clear(client: TestClient, db: Session, office: Office) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10))
    csrf = sign_in(client, "tax_officer", f"/cases/{case.id}")
    r = client.post(
        f"/cases/{case.id}/hand-over",
        data={"csrf_token": csrf, "department_id": "99999", "reason": "x"},
        headers=HTML,
    )
    assert r.status_code == 422
    r = client.post(
        f"/cases/{case.id}/hand-over",
        data={"csrf_token": csrf, "department_id": "abc", "reason": "x"},
        headers=HTML,
    )
    assert r.status_code == 422
    r = client.post(
        f"/cases/{case.id}/extend",
        data={"csrf_token": csrf, "new_due": "2026-13-01", "reason": "x"},
        headers=HTML,
    )
    assert r.status_code == 422
    assert client.post(f"/cases/{case.id}/fly", data={"csrf_token": csrf}, headers=HTML).status_code == 422
    assert client.post("/cases/999999/accept", data={"csrf_token": csrf}, headers=HTML).status_code == 404
    assert client.post(f"/cases/{case.id}/accept", data={}, headers=HTML).status_code == 403  # no CSRF token
    r = client.post(
        f"/cases/{case.id}/hand-over",
        data={"csrf_token": csrf, "department_id": str(office.water.id), "reason": "상수도 소관"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    # Now the case belongs to the water department: this officer can neither see nor act.
    assert client.get(f"/cases/{case.id}", headers=HTML).status_code == 403
    assert client.post(f"/cases/{case.id}/accept", data={"csrf_token": csrf}, headers=HTML).status_code == 403


def test_officer_of_another_department_and_supervisor_cannot_act(
    client: TestClient, db: Session, office: Office
) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10))
    csrf = sign_in(client, "water_officer", "/cases")
    assert client.get(f"/cases/{case.id}", headers=HTML).status_code == 403
    assert client.post(f"/cases/{case.id}/accept", data={"csrf_token": csrf}, headers=HTML).status_code == 403
    client.cookies.clear()
    csrf = sign_in(client, "supervisor1", "/cases")
    assert client.post(f"/cases/{case.id}/accept", data={"csrf_token": csrf}, headers=HTML).status_code == 403
    db.refresh(case)
    assert case.status is CaseStatus.TRANSFERRED


def test_views_mine_sort_and_supervisor_risk(client: TestClient, db: Session, office: Office) -> None:
    now = utcnow()
    early = transfer(db, office, now - timedelta(days=20), inquiry="오래된 민원")
    late = transfer(db, office, now, inquiry="새 민원")
    transfer(db, office, now, inquiry="상수도 민원", department=office.water)
    sign_in(client, "tax_officer", "/cases")
    page = client.get("/cases", headers=HTML).text
    assert page.index("오래된 민원") < page.index("새 민원") and "상수도 민원" not in page
    page = client.get("/cases?sort=-due", headers=HTML).text
    assert page.index("새 민원") < page.index("오래된 민원")
    assert "오래된 민원" in client.get("/cases?view=overdue", headers=HTML).text
    assert 'data-testid="case-list-empty"' in client.get("/cases?view=mine", headers=HTML).text
    assert client.get("/cases?sort=name", headers=HTML).status_code == 422
    del early, late
    client.cookies.clear()
    sign_in(client, "supervisor1", "/cases")
    page = client.get("/cases", headers=HTML).text
    rows = re.findall(r'<tr data-testid="risk-row">(.*?)</tr>', page, re.S)
    assert len(rows) == 2 and "세무과" in rows[0] and "상하수도사업소" in rows[1]
    assert re.findall(r'class="num status-red"><a [^>]+>(\d+)<', rows[0]) == ["1"]


def test_admin_edits_standards_table(client: TestClient, db: Session, office: Office) -> None:
    csrf = sign_in(client, "admin1", "/admin/standards")
    form = {
        "csrf_token": csrf,
        "standard_id": "",
        "code": "building_permit",
        "name": "건축허가",
        "period_amount": "15",
        "period_unit": "days",
        "legal_basis": "건축법 제11조",
        "is_active": "on",
    }
    r = client.post("/admin/standards", data=form, follow_redirects=False)
    assert r.status_code == 303
    row = db.scalars(select(ProcessingStandard)).one()
    assert (row.name, row.period_amount, row.period_unit) == ("건축허가", 15, "days")
    page = client.get("/admin/standards", headers=HTML).text
    assert "건축허가" in page and "15일" in page
    r = client.post("/admin/standards", data={**form, "period_amount": "x"}, headers=HTML)
    assert r.status_code == 422
    r = client.post("/admin/standards", data={**form, "period_unit": "years"}, headers=HTML)
    assert r.status_code == 422
    r = client.post("/admin/standards", data={**form, "name": "중복"}, headers=HTML)
    assert r.status_code == 409
    r = client.post(f"/admin/standards/{row.id}/retire", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    db.refresh(row)
    assert row.is_active is False
    actions = list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["processing_standard_saved", "processing_standard_retired"]


def test_admin_calendar_temporary_holiday_recomputes(client: TestClient, db: Session, office: Office) -> None:
    case = transfer(db, office, kst(2026, 3, 3, 10))
    csrf = sign_in(client, "admin1", "/admin/calendar")
    page = client.get("/admin/calendar?year=2026", headers=HTML).text
    assert "2026-02-17" in page  # 설날 from holidays.KR
    r = client.post(
        "/admin/calendar/holidays",
        data={"csrf_token": csrf, "day": "2026-03-06", "name": "임시공휴일"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "changed=1" in r.headers["location"]
    db.refresh(case)
    assert case.due_at == kst(2026, 3, 12, 18)
    bad = client.post(
        "/admin/calendar/holidays", data={"csrf_token": csrf, "day": "2026-3-x", "name": "x"}, headers=HTML
    )
    assert bad.status_code == 422
    again = client.post(
        "/admin/calendar/holidays", data={"csrf_token": csrf, "day": "2026-03-06", "name": "x"}, headers=HTML
    )
    assert again.status_code == 409
    holiday = db.scalars(select(TemporaryHoliday)).one()
    r = client.post(
        f"/admin/calendar/holidays/{holiday.id}/delete", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    db.refresh(case)
    assert case.due_at == kst(2026, 3, 11, 18)
    r = client.post(
        "/admin/calendar/hours",
        data={
            "csrf_token": csrf,
            "work_start": "18:00",
            "work_end": "09:00",
            "break_start": "",
            "break_end": "",
        },
        headers=HTML,
    )
    assert r.status_code == 422


def test_non_admins_get_403_on_petitions_admin(client: TestClient, db: Session, office: Office) -> None:
    sign_in(client, "supervisor1", "/cases")
    assert client.get("/admin/standards", headers=HTML).status_code == 403
    assert client.get("/admin/calendar", headers=HTML).status_code == 403
