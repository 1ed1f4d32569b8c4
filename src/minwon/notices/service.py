"""Queue notices to citizens. Writing only: delivery is the worker's job.

:func:`enqueue` adds the notice to the caller's transaction and never commits, so a case update and
the notice it causes are stored together or not at all, and a failed delivery never loses the update
(transactional outbox).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.core.crypto import encrypt, mask_phone
from minwon.core.errors import ValidationError
from minwon.notices.models import Notice, NoticeChannel

#: Built-in Korean templates by key: (subject, body) with ``{name}`` fields.
DEFAULT_TEMPLATES: dict[str, tuple[str, str]] = {
    "case_receipt": (
        "민원 접수 안내",
        "[{center}] 민원이 접수되었습니다. 접수번호 {case_number}, 처리기한 {due}.",
    ),
    "case_transfer": (
        "민원 이송 안내",
        "[{center}] 민원 {case_number}이(가) {department}(으)로 이송되었습니다.",
    ),
    "case_extension": (
        "처리기간 연장 안내",
        "[{center}] 민원 {case_number}의 처리기한이 {due}(으)로 연장되었습니다. 사유: {reason}",
    ),
    "case_interim": (
        "민원 처리 중간 안내",
        "[{center}] 민원 {case_number}은(는) 처리 중입니다. 처리기한 {due}.",
    ),
    "case_answer": ("민원 답변 안내", "[{center}] 민원 {case_number}에 답변이 등록되었습니다."),
    "case_reminder": (
        "민원 처리기한 알림",
        "[{center}] 민원 {case_number}({title})의 처리기한은 {due}입니다. ({department})",
    ),
    "case_overdue": (
        "처리기한 경과 민원",
        "[{center}] 민원 {case_number}({title})이(가) 처리기한 {due}을(를) 넘겼습니다. ({department})",
    ),
    "virtual_account": (
        "가상계좌 안내",
        "[{center}] {item} {amount}원, 납부기한 {due}. 가상계좌 {bank} {account}",
    ),
    "survey_invite": ("만족도 조사", "[{center}] 상담은 만족스러우셨나요? {url}"),
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def mask_email(address: str) -> str:
    """``ab***@example.com``: first two characters of the local part kept."""
    local, _, domain = address.partition("@")
    return f"{local[:2]}***@{domain}"


def render(template_key: str, context: Mapping[str, object]) -> tuple[str, str]:
    """Subject and body for ``template_key`` filled from ``context``.

    Raises ValidationError for an unknown key or a missing field.
    """
    try:
        subject, body = DEFAULT_TEMPLATES[template_key]
    except KeyError:
        raise ValidationError(f"unknown notice template {template_key!r}", field="template_key") from None
    try:
        return subject.format_map(context), body.format_map(context)
    except KeyError as exc:
        raise ValidationError(f"template {template_key!r} needs field {exc.args[0]!r}") from None


def enqueue(
    session: Session,
    *,
    channel: NoticeChannel,
    recipient: str,
    template_key: str,
    context: Mapping[str, object],
    case_id: int | None = None,
    contact_id: int | None = None,
    dedupe_key: str | None = None,
) -> Notice:
    """Add a notice to the outbox in the caller's transaction (no commit) and return it.

    ``recipient`` is a normalised mobile number (SMS) or an e-mail address; it is stored encrypted.
    With ``dedupe_key``, a second call with the same key returns the first notice.
    Raises ValidationError for a malformed recipient, unknown template or missing field.
    """
    if dedupe_key is not None:
        existing = session.scalar(select(Notice).where(Notice.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    recipient = recipient.strip()
    if channel is NoticeChannel.SMS:
        digits = re.sub(r"\D", "", recipient)
        if not (digits.startswith("01") and 10 <= len(digits) <= 11):
            raise ValidationError("SMS needs a mobile number (010…)", field="recipient")
        recipient, masked = digits, mask_phone(digits)
    else:
        if not _EMAIL.match(recipient):
            raise ValidationError("not an e-mail address", field="recipient")
        masked = mask_email(recipient)
    subject, body = render(template_key, context)
    notice = Notice(
        channel=channel,
        template_key=template_key,
        recipient_enc=encrypt(recipient),
        recipient_masked=masked,
        subject=subject,
        body=body,
        case_id=case_id,
        contact_id=contact_id,
        dedupe_key=dedupe_key,
    )
    session.add(notice)
    session.flush()
    return notice
