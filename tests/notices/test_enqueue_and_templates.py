"""enqueue (idempotency, encryption, overrides) and the administrators' template service."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.core.crypto import decrypt
from minwon.core.errors import NotFound, ValidationError
from minwon.core.i18n import gettext
from minwon.core.models import AuditEvent
from minwon.notices.models import Notice, NoticeChannel, NoticeTemplate
from minwon.notices.service import (
    TemplateInvalid,
    enqueue,
    list_templates,
    preview_template,
    render,
    save_template,
)
from tests.notices.support import PHONE, PHONE_MASKED

CONTEXT = {
    "center": "한빛시",
    "case_number": "2026-000123",
    "due": "12월 7일 18시",
    "status_url": "https://minwon.example/status",
    "verification_code": "123456",
}


def _enqueue(db: Session, key: str | None = None) -> Notice:
    return enqueue(
        db,
        channel=NoticeChannel.SMS,
        recipient="010-0000-1234",
        template_key="case_receipt",
        context=CONTEXT,
        dedupe_key=key,
        case_id=None,
    )


def test_same_dedupe_key_gives_the_same_notice(db: Session) -> None:
    first = _enqueue(db, "case:1:receipt")
    second = _enqueue(db, "case:1:receipt")
    other = _enqueue(db, "case:2:receipt")
    db.commit()
    assert first.id == second.id != other.id
    assert db.scalars(select(Notice)).all().__len__() == 2


def test_recipient_is_stored_encrypted_and_masked(db: Session) -> None:
    notice = _enqueue(db)
    assert PHONE not in notice.recipient_enc and decrypt(notice.recipient_enc) == PHONE
    assert notice.recipient_masked == PHONE_MASKED
    email = enqueue(
        db,
        channel=NoticeChannel.EMAIL,
        recipient="citizen@example.org",
        template_key="case_answer",
        context=CONTEXT,
    )
    assert email.recipient_masked == "ci***@example.org"
    with pytest.raises(ValidationError):
        enqueue(
            db,
            channel=NoticeChannel.SMS,
            recipient="02-123-4567",
            template_key="case_answer",
            context=CONTEXT,
        )


def test_missing_field_is_refused_at_enqueue(db: Session) -> None:
    with pytest.raises(ValidationError, match="due"):
        enqueue(
            db,
            channel=NoticeChannel.SMS,
            recipient=PHONE,
            template_key="case_receipt",
            context={"center": "x", "case_number": "1"},
        )


def test_active_override_is_used_for_new_notices_only(db: Session) -> None:
    before = _enqueue(db, "before")
    save_template(
        db=db,
        key="case_receipt",
        subject="접수",
        body="[{center}] 접수번호 {case_number}",
        is_active=True,
        actor_id=None,
        actor_name="admin",
    )
    after = _enqueue(db, "after")
    assert after.body == "[한빛시] 접수번호 2026-000123" and after.subject == "접수"
    db.refresh(before)
    assert before.body.startswith("[한빛시] 민원이 접수되었습니다.")
    save_template(
        db=db,
        key="case_receipt",
        subject="접수",
        body="[{center}] 접수번호 {case_number}",
        is_active=False,
        actor_id=None,
        actor_name="admin",
    )
    assert _enqueue(db, "inactive").body.startswith("[한빛시] 민원이 접수되었습니다.")
    audits = db.scalars(select(AuditEvent).where(AuditEvent.action == "notice_template_saved")).all()
    assert [a.detail["active"] for a in audits] == [True, False]
    assert audits[0].detail["key"] == "case_receipt" and audits[0].detail["new"] is True


def test_an_unusable_stored_override_falls_back_to_the_built_in_text(db: Session) -> None:
    # e.g. stored by an older version whose callers provided another field
    db.add(NoticeTemplate(key="case_answer", subject="", body="{center} {old_field}", updated_by_name="x"))
    db.flush()
    assert render("case_answer", CONTEXT, db=db)[1] == "[한빛시] 민원 2026-000123에 답변이 등록되었습니다."


def test_unknown_placeholder_is_refused_on_save_with_a_korean_message(db: Session) -> None:
    with pytest.raises(TemplateInvalid) as err:
        save_template(
            db=db,
            key="case_answer",
            subject="",
            body="{center} {case_number} {phone}",
            is_active=True,
            actor_id=None,
            actor_name="admin",
        )
    assert err.value.field == "body"
    korean = gettext("ko", err.value.msgid).format(**err.value.params)
    assert korean == "알 수 없는 항목 {phone}입니다. 이 서식에 쓸 수 있는 항목: {case_number}, {center}."
    assert db.scalar(select(NoticeTemplate)) is None
    with pytest.raises(TemplateInvalid) as err:
        save_template(
            db=db,
            key="case_answer",
            subject="{due}",
            body="{center}",
            is_active=True,
            actor_id=None,
            actor_name="admin",
        )
    assert err.value.field == "subject"
    with pytest.raises(NotFound):
        save_template(db=db, key="nope", subject="", body="x", is_active=True, actor_id=None, actor_name="a")


def test_preview_uses_sample_values_and_counts_bytes() -> None:
    preview = preview_template(key="case_answer", subject="답변", body="[{center}] {case_number} 답변 완료")
    assert preview.body == "[한빛시 민원콜센터] 2026-000123 답변 완료"
    # by hand: 한빛시 민원콜센터 답변 완료 = 12 Hangul × 2 = 24; [ ] and 4 spaces, 2026-000123 = 6 + 11 = 17
    assert (preview.size.bytes, preview.size.kind) == (41, "sms")


def test_list_shows_every_key_with_its_source(db: Session) -> None:
    save_template(
        db=db,
        key="survey_invitation",
        subject="설문",
        body="{url}",
        is_active=True,
        actor_id=None,
        actor_name="admin",
    )
    items = {i.key: i for i in list_templates(db=db)}
    assert list(items)[:2] == ["case_receipt", "case_transfer"]
    assert items["survey_invitation"].in_use == ("설문", "{url}")
    assert items["case_receipt"].override is None
    assert items["virtual_account"].fields == ("account", "amount", "bank", "center", "due", "item")
