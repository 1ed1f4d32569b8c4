"""Contact records and promised callbacks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minwon.core.clock import utcnow
from minwon.db.base import Base, UTCDateTime


class Channel(StrEnum):
    CALL = "call"
    CALLBACK = "callback"
    WEB = "web"
    SMS = "sms"
    VISIT = "visit"


class Outcome(StrEnum):
    #: 1차 상담 해결 — first-contact resolution.
    RESOLVED = "resolved"
    #: 이관 — handed to a department as a case with a deadline.
    TRANSFERRED = "transferred"
    #: 콜백 약속 — a return call was promised.
    CALLBACK = "callback"


class Contact(Base):
    """One interaction with a citizen (ISO 18295-1 "customer contact") and its wrap-up.

    ``acw_s`` is the after-call work time in seconds: from the end of the call (or the start of the
    wrap-up when there was no call) until the record was saved.
    """

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_caller_created", "caller_ref", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), unique=True)
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=20))
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    caller_enc: Mapped[str | None] = mapped_column(String(200))
    caller_ref: Mapped[str | None] = mapped_column(String(64))
    caller_masked: Mapped[str | None] = mapped_column(String(40))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    inquiry: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[Outcome] = mapped_column(Enum(Outcome, native_enum=False, length=20))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    #: Start of the wrap-up (call end) and when the record was saved.
    wrapup_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    acw_s: Mapped[int] = mapped_column(Integer, default=0)


class CallbackStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Callback(Base):
    """A promised return call (콜백), assigned to one counselor or to a queue (any of its agents)."""

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    assigned_agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Queue whose agents (``QueueAgent``) may take the callback when no counselor is assigned.
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[CallbackStatus] = mapped_column(
        Enum(CallbackStatus, native_enum=False, length=20), default=CallbackStatus.PENDING
    )
    note: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the callback left ``pending`` (done, failed or cancelled).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AttemptOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"


class CallbackAttempt(Base):
    """One try at a callback: when, by whom, with what outcome; rows are only ever added."""

    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[AttemptOutcome] = mapped_column(Enum(AttemptOutcome, native_enum=False, length=20))
    note: Mapped[str] = mapped_column(Text, default="")


class QueueAgent(Base):
    """A counselor who works a queue's callbacks (sees and may take those not assigned to anyone)."""

    __tablename__ = "queue_agents"
    __table_args__ = (UniqueConstraint("queue_id", "user_id", name="uq_queue_agents_queue_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
