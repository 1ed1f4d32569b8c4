"""Deadline reminders, officers' in-app notifications, and citizens' status look-up attempts.

Kept apart from ``cases/models.py`` (the case record itself) because these rows are written by the
scheduler and the public status page, never by the case workflow.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minwon.core.clock import utcnow
from minwon.db.base import Base, UTCDateTime


class ReminderKind(StrEnum):
    #: Some working hours before the deadline (``cases.reminders.ReminderPolicy``).
    BEFORE_DUE = "before_due"
    #: The deadline is reached.
    AT_DUE = "at_due"
    #: Past the deadline and still open: escalated to the department head.
    OVERDUE = "overdue"


class CaseReminder(Base):
    """A reminder sent for a case. Unique per (case, kind, deadline): each kind goes out once per
    deadline — an extended deadline gets its own reminders."""

    __tablename__ = "case_reminders"
    __table_args__ = (UniqueConstraint("case_id", "kind", "due_at", name="uq_case_reminders_case_kind_due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(default=0)


class Notification(Base):
    """An in-app message to one user (the officers' bell). The text is rendered from ``kind`` in the
    reader's language; ``read_at`` is set when the user opens it."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StatusLookupFailure(Base):
    """A failed citizen status look-up (unknown number or wrong code), counted for rate limiting.

    ``case_key`` is the case number as typed (cut to 30 characters), so unknown and existing numbers are
    limited alike; ``ip`` the client address.
    """

    __tablename__ = "status_lookup_failures"
    __table_args__ = (
        Index("ix_status_lookup_failures_case_at", "case_key", "at"),
        Index("ix_status_lookup_failures_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    case_key: Mapped[str] = mapped_column(String(30))
    ip: Mapped[str] = mapped_column(String(64))
