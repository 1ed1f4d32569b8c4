"""Notices to citizens: queueing (:func:`enqueue`), templates, and the outbox as administrators and case
pages see it. Delivery is the worker's job (``delivery.deliver_due``).

:func:`enqueue` adds the notice to the caller's transaction and never commits, so a case update and
the notice it causes are stored together or not at all, and a failed delivery never loses the update
(transactional outbox). The administrators' functions (templates, retry, cancel) commit and are audited.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from minwon.core.audit import record_audit
from minwon.core.clock import utcnow
from minwon.core.crypto import encrypt, mask_phone
from minwon.core.errors import Conflict, NotFound, ValidationError
from minwon.core.i18n import N_
from minwon.notices.models import Notice, NoticeChannel, NoticeStatus, NoticeTemplate, RecordedMessage
from minwon.notices.rendering import SmsSize, TemplateProblem, check_fields, fill, placeholders, sms_size

log = logging.getLogger(__name__)

#: Built-in Korean templates by key: (subject, body) with ``{name}`` fields.
DEFAULT_TEMPLATES: dict[str, tuple[str, str]] = {
    "case_receipt": (
        "민원 접수 안내",
        "[{center}] 민원이 접수되었습니다. 접수번호 {case_number}, 처리기한 {due}. "
        "처리상황 조회 {status_url} 확인코드 {verification_code}",
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
    "survey_invitation": (
        "만족도 조사 안내",
        "[{center}] 상담 만족도 조사에 참여해 주세요(1분). {url} ({expires}까지)",
    ),
    "capa_overdue": (
        "시정조치 기한 경과",
        "[{center}] 시정조치 {reference}({title})의 완료 기한 {due}이(가) 지났습니다.",
    ),
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def mask_email(address: str) -> str:
    """``ab***@example.com``: first two characters of the local part kept."""
    local, _, domain = address.partition("@")
    return f"{local[:2]}***@{domain}"


def allowed_fields(template_key: str) -> frozenset[str]:
    """The fields callers of ``template_key`` provide: those of its built-in template.

    An administrator's text may use only these (callers are not required to send more).
    Raises ValidationError for an unknown key.
    """
    try:
        subject, body = DEFAULT_TEMPLATES[template_key]
    except KeyError:
        raise ValidationError(f"unknown notice template {template_key!r}", field="template_key") from None
    return frozenset(placeholders(subject) + placeholders(body))


def active_template(db: Session | None, template_key: str) -> tuple[str, str]:
    """(subject, body) used for new notices of ``template_key``: the active override, else the default.

    Raises ValidationError for an unknown key.
    """
    allowed_fields(template_key)
    if db is not None:
        row = db.scalar(
            select(NoticeTemplate).where(NoticeTemplate.key == template_key, NoticeTemplate.is_active)
        )
        if row is not None:
            return row.subject, row.body
    return DEFAULT_TEMPLATES[template_key]


def render(template_key: str, context: Mapping[str, object], *, db: Session | None = None) -> tuple[str, str]:
    """Subject and body for ``template_key`` filled from ``context``.

    With ``db``, an administrator's active override (``notice_templates``) is used; an override that no
    longer fits its key falls back to the built-in text (logged, by key only).
    Raises ValidationError for an unknown key or a missing field.
    """
    subject, body = active_template(db, template_key)
    try:
        return fill(subject, context), fill(body, context)
    except TemplateProblem as exc:
        if (subject, body) == DEFAULT_TEMPLATES[template_key]:
            raise ValidationError(f"template {template_key!r}: {exc}") from None
        log.warning("notice template %s override unusable (%s); built-in text used", template_key, exc)
    subject, body = DEFAULT_TEMPLATES[template_key]
    try:
        return fill(subject, context), fill(body, context)
    except TemplateProblem as exc:
        raise ValidationError(f"template {template_key!r}: {exc}") from None


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
    subject, body = render(template_key, context, db=session)
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


# --- templates (administrators) ------------------------------------------------------------------

#: Sample values for previews: fictional, no personal data.
SAMPLE_VALUES: dict[str, str] = {
    "center": "한빛시 민원콜센터",
    "case_number": "2026-000123",
    "reference": "NC-2026-0001",
    "due": "2026-12-07 18:00",
    "department": "세무과",
    "reason": "현장 확인 필요",
    "title": "도로 파손 신고",
    "item": "자동차세",
    "amount": "123,450",
    "bank": "한빛은행",
    "account": "123-456-789012",
    "url": "https://minwon.example/s/AbC123",
    "status_url": "https://minwon.example/status",
    "verification_code": "482913",
    "expires": "12-07",
}

#: Limits of an administrator's text (characters).
MAX_SUBJECT_CHARS = 200
MAX_BODY_CHARS = 2000


class TemplateInvalid(ValidationError):
    """A template text refused on save or preview. ``msgid``/``params`` give the message for translation
    (``gettext(locale, msgid).format(**params)``)."""

    def __init__(self, problem: TemplateProblem, *, field: str) -> None:
        super().__init__(str(problem), field=field)
        self.msgid = problem.msgid
        self.params = problem.params


@dataclass(frozen=True)
class TemplateInfo:
    """One template key as the admin list shows it: built-in text, override (if any), text in use."""

    key: str
    default_subject: str
    default_body: str
    override: NoticeTemplate | None
    fields: tuple[str, ...]

    @property
    def in_use(self) -> tuple[str, str]:
        if self.override is not None and self.override.is_active:
            return self.override.subject, self.override.body
        return self.default_subject, self.default_body


@dataclass(frozen=True)
class Preview:
    """A template filled with :data:`SAMPLE_VALUES`, and the SMS size of its body."""

    subject: str
    body: str
    size: SmsSize


def list_templates(*, db: Session) -> list[TemplateInfo]:
    """Every template key (built-in order) with its override, if any."""
    overrides = {t.key: t for t in db.scalars(select(NoticeTemplate))}
    return [get_template(db=db, key=key, _overrides=overrides) for key in DEFAULT_TEMPLATES]


def get_template(
    *, db: Session, key: str, _overrides: dict[str, NoticeTemplate] | None = None
) -> TemplateInfo:
    """One key's :class:`TemplateInfo`. Raises NotFound for an unknown key."""
    if key not in DEFAULT_TEMPLATES:
        raise NotFound(N_("No such notice template."))
    override = (
        _overrides.get(key)
        if _overrides is not None
        else db.scalar(select(NoticeTemplate).where(NoticeTemplate.key == key))
    )
    subject, body = DEFAULT_TEMPLATES[key]
    fields = tuple(sorted(allowed_fields(key)))
    return TemplateInfo(key=key, default_subject=subject, default_body=body, override=override, fields=fields)


def check_template(*, key: str, subject: str, body: str) -> None:
    """Validate an administrator's text for ``key``.

    Raises NotFound for an unknown key, :class:`TemplateInvalid` (a ValidationError) for an unknown or
    malformed field, an empty body or text over the limits.
    """
    if key not in DEFAULT_TEMPLATES:
        raise NotFound(N_("No such notice template."))
    if len(subject) > MAX_SUBJECT_CHARS:
        raise TemplateInvalid(
            TemplateProblem(
                N_("The subject is longer than {limit} characters."), limit=str(MAX_SUBJECT_CHARS)
            ),
            field="subject",
        )
    if len(body) > MAX_BODY_CHARS:
        raise TemplateInvalid(
            TemplateProblem(N_("The text is longer than {limit} characters."), limit=str(MAX_BODY_CHARS)),
            field="body",
        )
    allowed = allowed_fields(key)
    if not body.strip():
        raise TemplateInvalid(TemplateProblem(N_("The message text is empty.")), field="body")
    for field, text in (("subject", subject), ("body", body)):
        try:
            check_fields(text, allowed=allowed)
        except TemplateProblem as exc:
            raise TemplateInvalid(exc, field=field) from None


def preview_template(*, key: str, subject: str, body: str) -> Preview:
    """``subject``/``body`` filled with :data:`SAMPLE_VALUES` and the body's SMS size.

    Raises like :func:`check_template`.
    """
    check_template(key=key, subject=subject, body=body)
    filled = fill(body, SAMPLE_VALUES)
    return Preview(subject=fill(subject, SAMPLE_VALUES), body=filled, size=sms_size(filled))


def save_template(
    *,
    db: Session,
    key: str,
    subject: str,
    body: str,
    is_active: bool,
    actor_id: int | None,
    actor_name: str,
    ip: str | None = None,
) -> NoticeTemplate:
    """Create or update the override for ``key`` (validated, audited as ``notice_template_saved``), commit.

    New notices of ``key`` use it while ``is_active``; notices already queued keep their text.
    Raises like :func:`check_template`.
    """
    subject, body = subject.strip(), body.strip()
    check_template(key=key, subject=subject, body=body)
    row = db.scalar(select(NoticeTemplate).where(NoticeTemplate.key == key))
    created = row is None
    if row is None:
        row = NoticeTemplate(key=key)
        db.add(row)
    row.subject, row.body, row.is_active = subject, body, is_active
    row.updated_by_id, row.updated_by_name, row.updated_at = actor_id, actor_name, utcnow()
    record_audit(
        db=db,
        action="notice_template_saved",
        actor_name=actor_name,
        actor_id=actor_id,
        ip=ip,
        detail={"key": key, "active": is_active, "new": created, "body_chars": len(body)},
    )
    db.commit()
    return row


# --- the outbox (administrators, case pages) -----------------------------------------------------


def list_notices(
    *, db: Session, status: NoticeStatus | None = None, limit: int = 100, offset: int = 0
) -> list[Notice]:
    """Notices, newest first, optionally of one ``status``."""
    query = select(Notice).order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit).offset(offset)
    if status is not None:
        query = query.where(Notice.status == status)
    return list(db.scalars(query))


def count_by_status(*, db: Session) -> dict[NoticeStatus, int]:
    """Number of notices in each status (every status present, 0 when none)."""
    counts = dict.fromkeys(NoticeStatus, 0)
    for status, n in db.execute(select(Notice.status, func.count()).group_by(Notice.status)):
        counts[NoticeStatus(status)] = int(n)
    return counts


def notices_for_case(*, db: Session, case_id: int) -> list[Notice]:
    """The notices of one case, oldest first: what the case page shows (status, masked recipient)."""
    return list(
        db.scalars(select(Notice).where(Notice.case_id == case_id).order_by(Notice.created_at, Notice.id))
    )


def notices_for_contact(*, db: Session, contact_id: int) -> list[Notice]:
    """The notices of one contact, oldest first."""
    return list(
        db.scalars(
            select(Notice).where(Notice.contact_id == contact_id).order_by(Notice.created_at, Notice.id)
        )
    )


def _transition(
    *,
    db: Session,
    notice_id: int,
    allowed: tuple[NoticeStatus, ...],
    values: dict[str, object],
    action: str,
    actor_id: int | None,
    actor_name: str,
    ip: str | None,
) -> Notice:
    notice = db.get(Notice, notice_id)
    if notice is None:
        raise NotFound(N_("No such notice."))
    # conditional on the status read, so a worker's concurrent claim cannot be overwritten
    result = db.execute(
        update(Notice).where(Notice.id == notice_id, Notice.status.in_(allowed)).values(**values)
    )
    if getattr(result, "rowcount", 0) != 1:
        db.rollback()
        raise Conflict(N_("This notice can no longer be changed; reload the page."))
    record_audit(
        db=db, action=action, actor_name=actor_name, actor_id=actor_id, ip=ip, detail={"notice_id": notice_id}
    )
    db.commit()
    db.refresh(notice)
    return notice


def retry_notice(
    *, db: Session, notice_id: int, actor_id: int | None, actor_name: str, ip: str | None = None
) -> Notice:
    """Queue a FAILED notice again now with a fresh count of attempts (audited ``notice_retried``), commit.

    Raises NotFound, or Conflict when the notice is not failed.
    """
    return _transition(
        db=db,
        notice_id=notice_id,
        allowed=(NoticeStatus.FAILED,),
        values={
            "status": NoticeStatus.QUEUED,
            "attempts": 0,
            "next_attempt_at": utcnow(),
            "claim_token": None,
        },
        action="notice_retried",
        actor_id=actor_id,
        actor_name=actor_name,
        ip=ip,
    )


def cancel_notice(
    *, db: Session, notice_id: int, actor_id: int | None, actor_name: str, ip: str | None = None
) -> Notice:
    """Cancel a QUEUED or FAILED notice (audited ``notice_cancelled``), commit.

    Raises NotFound, or Conflict when it is being sent or already sent/cancelled.
    """
    return _transition(
        db=db,
        notice_id=notice_id,
        allowed=(NoticeStatus.QUEUED, NoticeStatus.FAILED),
        values={"status": NoticeStatus.CANCELLED, "claim_token": None},
        action="notice_cancelled",
        actor_id=actor_id,
        actor_name=actor_name,
        ip=ip,
    )


def list_recorded_messages(*, db: Session, limit: int = 200) -> list[RecordedMessage]:
    """What the ``recording`` provider stored, newest first."""
    return list(db.scalars(select(RecordedMessage).order_by(RecordedMessage.id.desc()).limit(limit)))
