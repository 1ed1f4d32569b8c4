"""The notice outbox: one row per message to a citizen, written in the same transaction as the
change that caused it, delivered later by a worker (transactional outbox pattern)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minwon.core.clock import utcnow
from minwon.db.base import Base, UTCDateTime


class NoticeChannel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class NoticeStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    #: Gave up after the last retry; ``last_error`` says why.
    FAILED = "failed"
    CANCELLED = "cancelled"


class Notice(Base):
    """A message to a citizen. The recipient is stored encrypted (``core.crypto.encrypt``) and masked."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[NoticeChannel] = mapped_column(Enum(NoticeChannel, native_enum=False, length=10))
    template_key: Mapped[str] = mapped_column(String(60))
    recipient_enc: Mapped[str] = mapped_column(Text)
    recipient_masked: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    #: Same key → same notice (enqueue is idempotent per key), e.g. ``"case:12:receipt"``.
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    status: Mapped[NoticeStatus] = mapped_column(
        Enum(NoticeStatus, native_enum=False, length=20), default=NoticeStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    provider: Mapped[str | None] = mapped_column(String(40))
    provider_ref: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
