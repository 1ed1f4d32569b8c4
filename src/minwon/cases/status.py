"""The citizen's status page (민원 처리 상황 조회): case number + verification code → plain status.

Rules:

* The code is checked by comparing SHA-256 digests with :func:`hmac.compare_digest` (constant time).
* An unknown case number and a wrong code get the same answer, so the page does not reveal which
  case numbers exist.
* Failed look-ups are rate-limited: after ``MAX_FAILURES`` (5) failures within ``WINDOW``
  (15 minutes) for the same case number *or* from the same IP address, every look-up for it is
  refused until the window has passed — also with the right code, so guessing cannot continue.
* Every look-up (success, failure, refusal) is written to the audit trail (``case_status_*``).
* What is shown carries no personal data and no officer names: number, status, department, received
  and due dates and the public steps of the history (reminders and internal notes are not shown).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import QueryableAttribute, Session

from minwon.cases.models import Case, CaseEvent, CaseStatus
from minwon.cases.reminder_models import StatusLookupFailure
from minwon.config import get_settings
from minwon.core.audit import record_audit
from minwon.core.clock import utcnow
from minwon.core.errors import MinwonError, ValidationError
from minwon.core.i18n import N_
from minwon.org.models import Department

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
#: Case numbers look like ``2026-000123`` (year, dash, six digits).
CASE_NUMBER = re.compile(r"^\d{4}-\d{6}$")
#: Longest code accepted (characters); longer input is a failure without hashing megabytes.
MAX_CODE = 64

STATUS_LABELS: dict[str, str] = {
    CaseStatus.RECEIVED.value: N_("Received"),
    CaseStatus.TRANSFERRED.value: N_("With the department"),
    CaseStatus.IN_PROGRESS.value: N_("Being processed"),
    CaseStatus.ANSWERED.value: N_("Answered"),
    CaseStatus.CLOSED.value: N_("Closed"),
}

#: History actions shown to the citizen, in plain words; every other action stays internal.
PUBLIC_STEPS: dict[str, str] = {
    "received": N_("Your petition was received."),
    "transferred": N_("It was passed to the responsible department."),
    "in_progress": N_("The department is working on it."),
    "started": N_("The department is working on it."),
    "extended": N_("The processing period was extended."),
    "extension": N_("The processing period was extended."),
    "interim_notice": N_("An interim notice was sent."),
    "answered": N_("An answer was given."),
    "closed": N_("The petition was closed."),
    "reopened": N_("The petition was reopened."),
    "accepted": N_("The department is working on it."),
    "handed_over": N_("It was passed to the responsible department."),
    "sent_to_agency": N_("It was sent to the competent agency."),
    "due_recomputed": N_("The processing deadline was recalculated."),
}

MISMATCH = N_("The case number and verification code do not match. Check both and try again.")
BAD_NUMBER = N_("Enter the case number as printed on your receipt, e.g. 2026-000123.")
TOO_MANY = N_("Too many failed attempts. Try again in 15 minutes.")


class TooManyAttempts(MinwonError):
    status_code = 429


def code_digest(code: str) -> str:
    """SHA-256 hex digest of a verification code (surrounding spaces removed) — the value stored in
    ``Case.verification_digest``."""
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StatusStep:
    at: datetime
    #: English msgid (translated when shown).
    text: str


@dataclass(frozen=True)
class CaseStatusView:
    """What the citizen sees. ``status_label`` and step texts are msgids."""

    number: str
    status_label: str
    department: str | None
    received_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    steps: list[StatusStep]


def _failures(db: Session, column: QueryableAttribute[str], value: str, since: datetime) -> int:
    n = db.scalar(
        select(func.count())
        .select_from(StatusLookupFailure)
        .where(column == value, StatusLookupFailure.at > since)
    )
    return int(n or 0)


def _fail(db: Session, *, key: str, ip: str, now: datetime, message: str, field: str) -> ValidationError:
    db.add(StatusLookupFailure(at=now, case_key=key, ip=ip))
    record_audit(db=db, action="case_status_failed", actor_name="citizen", ip=ip, detail={"case_key": key})
    db.commit()
    return ValidationError(message, field=field)


def lookup_case_status(
    *, db: Session, case_number: str, code: str, ip: str | None, now: datetime | None = None
) -> CaseStatusView:
    """The public status of the case ``case_number`` if ``code`` matches; commits the audit record.

    Raises:
        TooManyAttempts (429): 5 failures in 15 minutes for this number or from this IP.
        ValidationError (422): malformed number (``case_number``) or unknown number / wrong code / no
            code (``code``, the same message for all three).
    """
    now = now or utcnow()
    key = (case_number or "").strip()[:30]
    addr = (ip or "unknown")[:64]
    since = now - WINDOW
    if (
        _failures(db, StatusLookupFailure.case_key, key, since) >= MAX_FAILURES
        or _failures(db, StatusLookupFailure.ip, addr, since) >= MAX_FAILURES
    ):
        record_audit(
            db=db, action="case_status_limited", actor_name="citizen", ip=addr, detail={"case_key": key}
        )
        db.commit()
        raise TooManyAttempts(TOO_MANY, field="code")
    if len(case_number or "") > 30 or not CASE_NUMBER.match(key):
        raise _fail(db, key=key, ip=addr, now=now, message=BAD_NUMBER, field="case_number")
    given = (code or "").strip()
    case = db.scalar(select(Case).where(Case.number == key))
    # Hash even when the case is unknown, so both paths take the same time.
    digest = code_digest(given[:MAX_CODE])
    stored = case.verification_digest if case is not None and case.verification_digest else "0" * 64
    ok = hmac.compare_digest(digest, stored) and case is not None and bool(given) and len(given) <= MAX_CODE
    if not ok or case is None:
        raise _fail(db, key=key, ip=addr, now=now, message=MISMATCH, field="code")
    dept = db.get(Department, case.department_id) if case.department_id else None
    events = db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.at, CaseEvent.id)
    )
    steps = [StatusStep(e.at, PUBLIC_STEPS[e.action]) for e in events if e.action in PUBLIC_STEPS]
    record_audit(
        db=db, action="case_status_viewed", actor_name="citizen", ip=addr, detail={"case_id": case.id}
    )
    db.commit()
    return CaseStatusView(
        number=case.number,
        status_label=STATUS_LABELS.get(case.status.value, N_("Being processed")),
        department=dept.name if dept else None,
        received_at=case.received_at,
        due_at=case.due_at,
        closed_at=case.closed_at,
        steps=steps,
    )


def status_url() -> str:
    """The citizen status page's address (``MINWON_PUBLIC_URL`` + ``/status``) for receipt notices."""
    return get_settings().public_base_url + "/status"
