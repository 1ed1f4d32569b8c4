"""/admin/notices: administrators manage, quality managers read, others are refused; recipients masked."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.contacts.service import record_contact
from minwon.core.clock import utcnow
from minwon.core.i18n import translations
from minwon.core.models import AuditEvent
from minwon.notices.delivery import deliver_due
from minwon.notices.models import Notice, NoticeChannel, NoticeStatus, NoticeTemplate
from minwon.notices.service import enqueue, notices_for_case
from minwon.web.templating import env
from tests.factories import PASSWORD, make_org, make_user
from tests.notices.support import API_KEY, PHONE, PHONE_MASKED, settings, sms_gateway

HTML = {"accept": "text/html"}
CONTEXT = {
    "center": "한빛시",
    "case_number": "2026-000123",
    "due": "12월 7일",
    "status_url": "https://minwon.example/status",
    "verification_code": "123456",
}
PHONE_FORMS = (PHONE, "010-0000-1234", "0000-1234", "00001234")


def _sign_in(client: TestClient, username: str) -> str:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    home = client.get("/admin/notices/templates", headers=HTML)
    found = re.search(r'data-csrf="([^"]+)"', home.text)
    assert found
    return found.group(1)


def _outbox(db: Session) -> tuple[Notice, Notice]:
    """A sent notice and a failed one."""
    sent = enqueue(
        db,
        channel=NoticeChannel.SMS,
        recipient=PHONE,
        template_key="case_receipt",
        context=CONTEXT,
        dedupe_key="a",
    )
    db.commit()
    deliver_due(db=db, now=utcnow(), settings=settings())
    failed = enqueue(
        db,
        channel=NoticeChannel.SMS,
        recipient=PHONE,
        template_key="case_answer",
        context=CONTEXT,
        dedupe_key="b",
    )
    db.commit()
    with sms_gateway([400]) as gw:
        deliver_due(
            db=db,
            now=utcnow(),
            settings=settings(sms_provider="http_sms", sms_gateway_url=gw.url, sms_gateway_api_key=API_KEY),
        )
    db.refresh(sent)
    db.refresh(failed)
    assert (sent.status, failed.status) == (NoticeStatus.SENT, NoticeStatus.FAILED)
    return sent, failed


def _no_clear_phone(html: str) -> None:
    for form in PHONE_FORMS:
        assert form not in html


def test_counselor_and_officer_are_refused(client: TestClient, db: Session) -> None:
    make_user(db, "counselor1", "counselor")
    client.get("/login")
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    client.post("/login", data={"username": "counselor1", "password": PASSWORD, "csrf_token": token.group(1)})
    for path in (
        "/admin/notices",
        "/admin/notices/templates",
        "/admin/notices/templates/case_receipt",
        "/admin/notices/messages",
    ):
        assert client.get(path, headers=HTML).status_code == 403, path


def test_admin_sees_outbox_masked_filters_and_retries(client: TestClient, db: Session) -> None:
    sent, failed = _outbox(db)
    admin = make_user(db, "admin", "administrator")
    csrf = _sign_in(client, "admin")
    page = client.get("/admin/notices", headers=HTML)
    assert page.status_code == 200
    assert PHONE_MASKED in page.text
    _no_clear_phone(page.text)
    # the citizen's status code travels in the SMS but staff never see it
    assert "확인코드 ******" in page.text and "123456" not in page.text
    assert "gateway answered HTTP 400" in page.text
    only_failed = client.get("/admin/notices?status=failed", headers=HTML)
    rows = re.findall(r'data-testid="notice" data-status="(\w+)"', only_failed.text)
    assert rows == ["failed"]
    assert "실패 (1)" in only_failed.text and "발송 완료 (1)" in only_failed.text
    assert client.get("/admin/notices?status=bogus", headers=HTML).status_code == 422

    r = client.post(f"/admin/notices/{failed.id}/retry", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    db.refresh(failed)
    assert (failed.status, failed.attempts) == (NoticeStatus.QUEUED, 0)
    # a sent notice can be neither retried nor cancelled
    assert client.post(f"/admin/notices/{sent.id}/retry", data={"csrf_token": csrf}).status_code == 409
    assert client.post(f"/admin/notices/{sent.id}/cancel", data={"csrf_token": csrf}).status_code == 409
    r = client.post(f"/admin/notices/{failed.id}/cancel", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    db.refresh(failed)
    assert failed.status is NoticeStatus.CANCELLED
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)).all()
    assert "notice_retried" in actions and "notice_cancelled" in actions
    # without the CSRF token nothing happens
    assert client.post(f"/admin/notices/{sent.id}/cancel").status_code == 403


def test_quality_manager_reads_but_cannot_change(client: TestClient, db: Session) -> None:
    _sent, failed = _outbox(db)
    make_user(db, "qm", "quality_manager")
    csrf = _sign_in(client, "qm")
    page = client.get("/admin/notices", headers=HTML)
    assert page.status_code == 200 and 'data-testid="retry"' not in page.text
    assert client.get("/admin/notices/templates/case_receipt", headers=HTML).status_code == 200
    assert client.get("/admin/notices/messages", headers=HTML).status_code == 200
    assert client.post(f"/admin/notices/{failed.id}/retry", data={"csrf_token": csrf}).status_code == 403
    r = client.post(
        "/admin/notices/templates/case_answer",
        data={"csrf_token": csrf, "subject": "x", "body": "{center}", "is_active": "on"},
    )
    assert r.status_code == 403
    assert db.scalar(select(NoticeTemplate)) is None
    db.refresh(failed)
    assert failed.status is NoticeStatus.FAILED


def test_template_edit_validates_previews_and_saves(client: TestClient, db: Session) -> None:
    make_user(db, "admin", "administrator")
    csrf = _sign_in(client, "admin")
    form = client.get("/admin/notices/templates/case_receipt", headers=HTML)
    assert form.status_code == 200
    assert "{case_number}" in form.text and "151 바이트" in form.text and "장문(LMS" in form.text

    bad = client.post(
        "/admin/notices/templates/case_receipt",
        data={"csrf_token": csrf, "subject": "접수", "body": "{center} {phone}", "is_active": "on"},
        headers=HTML,
    )
    assert bad.status_code == 422
    assert (
        "알 수 없는 항목 {phone}입니다. 이 서식에 쓸 수 있는 항목: "
        "{case_number}, {center}, {due}, {status_url}, {verification_code}." in bad.text
    )
    assert db.scalar(select(NoticeTemplate)) is None

    preview = client.post(
        "/admin/notices/templates/case_receipt/preview",
        data={"csrf_token": csrf, "subject": "", "body": "[{center}] {case_number} 접수"},
    )
    assert preview.status_code == 200
    assert "[한빛시 민원콜센터] 2026-000123 접수" in preview.text
    # by hand: 한빛시 민원콜센터 접수 = 10 Hangul × 2 = 20; [ ] 3 spaces 2026-000123 = 5 + 11 = 16
    assert "36 바이트" in preview.text and "단문(SMS" in preview.text
    bad_preview = client.post(
        "/admin/notices/templates/case_receipt/preview",
        data={"csrf_token": csrf, "subject": "", "body": "{due:>9}"},
    )
    assert "서식이나 변환을 붙일 수 없습니다" in bad_preview.text

    ok = client.post(
        "/admin/notices/templates/case_receipt",
        data={
            "csrf_token": csrf,
            "subject": "접수",
            "body": "[{center}] {case_number} 접수, {due}까지",
            "is_active": "on",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/admin/notices/templates?saved=case_receipt"
    listing = client.get("/admin/notices/templates", headers=HTML)
    assert "[{center}] {case_number} 접수, {due}까지" in listing.text and "관리자 수정" in listing.text
    assert client.get("/admin/notices/templates/nope", headers=HTML).status_code == 404
    notice = enqueue(
        db, channel=NoticeChannel.SMS, recipient=PHONE, template_key="case_receipt", context=CONTEXT
    )
    assert notice.body == "[한빛시] 2026-000123 접수, 12월 7일까지"


def test_recorded_messages_page_shows_masked_messages(client: TestClient, db: Session) -> None:
    _outbox(db)
    make_user(db, "admin", "administrator")
    _sign_in(client, "admin")
    page = client.get("/admin/notices/messages", headers=HTML)
    assert page.status_code == 200
    assert len(re.findall(r'data-testid="recorded-message"', page.text)) == 1
    assert PHONE_MASKED in page.text and "민원이 접수되었습니다" in page.text
    _no_clear_phone(page.text)


def test_case_partial_shows_delivery_state(db: Session) -> None:
    cats, depts, _queues = make_org(db)
    agent = make_user(db, "counselor1", "counselor")
    contact = record_contact(
        db=db,
        agent=agent,
        category_id=cats[0].id,
        inquiry="자동차세 문의",
        outcome="transferred",
        department_id=depts[0].id,
        petition_type="grievance",
        caller="010-0000-1234",
        now=datetime(2026, 12, 4, 15, 0, tzinfo=ZoneInfo("Asia/Seoul")),
    )
    assert contact.case_id is not None  # the transfer queued the receipt SMS to the caller's mobile
    db.commit()
    deliver_due(db=db, now=utcnow(), settings=settings())
    notices = notices_for_case(db=db, case_id=contact.case_id)
    assert [n.status for n in notices] == [NoticeStatus.SENT]
    trans = translations("ko")
    html = env.get_template("notices/_notice_list.html").render(notices=notices, _=trans.gettext)
    assert re.findall(r'data-testid="notice" data-status="(\w+)"', html) == ["sent"]
    assert "민원인 알림" in html and "접수 안내" in html and "발송 완료" in html and PHONE_MASKED in html
    _no_clear_phone(html)
    empty = env.get_template("notices/_notice_list.html").render(notices=[], _=trans.gettext)
    assert "알림이 없습니다." in empty


def test_a_stored_text_that_no_longer_fits_is_shown_with_its_problem(client: TestClient, db: Session) -> None:
    # e.g. stored by an older version whose callers provided another field
    db.add(NoticeTemplate(key="case_answer", subject="", body="{center} {old_field}", updated_by_name="x"))
    make_user(db, "admin", "administrator")
    _sign_in(client, "admin")
    assert client.get("/admin/notices/templates", headers=HTML).status_code == 200
    page = client.get("/admin/notices/templates/case_answer", headers=HTML)
    assert page.status_code == 200
    assert "알 수 없는 항목 {old_field}입니다." in page.text
