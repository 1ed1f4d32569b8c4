"""The notice outbox: one row per message to a citizen, written in the same transaction as the
change that caused it, delivered later by a worker (transactional outbox pattern)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String, Text
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
    #: When ``queued``: the earliest next attempt. When ``sending``: the end of the worker's lease; a
    #: ``sending`` row whose lease has ended belongs to a worker that crashed and is delivered again.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Random token of the worker holding the lease; a worker only records the outcome of its own claim.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str] = mapped_column(String(500), default="")
    provider: Mapped[str | None] = mapped_column(String(40))
    provider_ref: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticeTemplate(Base):
    """An administrator's override of a built-in template (``service.DEFAULT_TEMPLATES``) for one key.

    Used for new notices while ``is_active``; otherwise the built-in text applies. Its placeholders
    are validated on save against the fields the key's callers provide (``rendering.allowed_fields``).
    """

    __tablename__ = "notice_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_name: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordedMessage(Base):
    """What the ``recording`` provider "sent": kept in the database so the demo and tests can show it.

    The recipient is stored encrypted and masked like the notice's.
    """

    __tablename__ = "notice_recorded_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id", ondelete="SET NULL"), index=True)
    channel: Mapped[NoticeChannel] = mapped_column(Enum(NoticeChannel, native_enum=False, length=10))
    recipient_enc: Mapped[str] = mapped_column(Text)
    recipient_masked: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
