"""Writing the audit trail and the personal-data access log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from minwon.core.clock import utcnow
from minwon.core.models import AccessRecord, AuditEvent


def record_audit(
    *,
    db: Session,
    action: str,
    actor_name: str,
    actor_id: int | None = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session (the caller commits with its own change)."""
    event = AuditEvent(
        at=utcnow(), actor_id=actor_id, actor_name=actor_name, action=action, ip=ip, detail=detail or {}
    )
    db.add(event)
    return event


def record_access(
    *, db: Session, account_id: int, subject_ref: str, action: str, purpose: str, ip: str | None
) -> AccessRecord:
    """Add a personal-data access record (개인정보의 안전성 확보조치 기준 §8).

    ``subject_ref`` is the pseudonymous reference of the data subject (see
    :func:`minwon.core.crypto.pseudonym`), never the identifier itself. ``action`` is one of
    ``view``, ``print``, ``download``; ``purpose`` names the contact or call it served.
    """
    rec = AccessRecord(
        at=utcnow(), account_id=account_id, subject_ref=subject_ref, action=action, purpose=purpose, ip=ip
    )
    db.add(rec)
    return rec
