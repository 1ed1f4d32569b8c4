"""Audit trail and personal-data access log tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from minwon.core.clock import utcnow
from minwon.db.base import Base, UTCDateTime


class AuditEvent(Base):
    """Security-relevant events: sign-in success/failure, lockout, sign-out, admin changes."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AccessRecord(Base):
    """One view of a citizen's personal data (개인정보 접속기록).

    Fields follow 개인정보의 안전성 확보조치 기준 §8: account, time, source IP, data subject
    (pseudonymous reference, never the number itself), action, and purpose.
    """

    __tablename__ = "access_records"
    __table_args__ = (Index("ix_access_records_account_at", "account_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ip: Mapped[str | None] = mapped_column(String(64))
    subject_ref: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(120))
