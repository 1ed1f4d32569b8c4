"""PBXs, calls and the immutable event log of each call."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minwon.core.clock import utcnow
from minwon.db.base import Base, UTCDateTime


class Pbx(Base):
    """A telephone system allowed to post events; authenticated by a bearer token (stored as digest)."""

    __tablename__ = "pbxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallEventType(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    HOLD = "hold"
    UNHOLD = "unhold"
    HANGUP = "hangup"
    ABANDONED = "abandoned"


class CallStatus(StrEnum):
    #: Entered the system but not (yet) queued for an agent (IVR/VRU).
    IVR = "ivr"
    #: Waiting in a queue, ringing at agents.
    QUEUED = "queued"
    TALKING = "talking"
    ON_HOLD = "on_hold"
    #: Answered and ended.
    COMPLETED = "completed"
    #: The caller hung up while queued (포기호).
    ABANDONED = "abandoned"
    #: Ended in the IVR without ever being queued: not offered.
    ENDED_IN_IVR = "ended_in_ivr"


class Call(Base):
    """One call as the PBX reported it. Durations are in seconds.

    ``queue_wait_s`` and ``talk_s`` are the PBX's own figures when it sends them (as Asterisk's
    queue_log does), otherwise derived from the event timestamps.
    """

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("pbx_id", "external_id", name="uq_calls_pbx_external"),
        Index("ix_calls_service_day_queue", "service_day", "queue_id"),
        Index("ix_calls_caller_started", "caller_ref", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pbx_id: Mapped[int] = mapped_column(ForeignKey("pbxes.id"))
    external_id: Mapped[str] = mapped_column(String(120))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    #: Caller number, encrypted (AES-GCM); ``None`` when withheld.
    caller_enc: Mapped[str | None] = mapped_column(String(200))
    #: Pseudonymous reference of the caller number (HMAC), to find the same caller again.
    caller_ref: Mapped[str | None] = mapped_column(String(64))
    caller_masked: Mapped[str | None] = mapped_column(String(40))
    #: Agent id as the PBX reports it, and the matching account if any.
    agent_ref: Mapped[str | None] = mapped_column(String(40))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[CallStatus] = mapped_column(Enum(CallStatus, native_enum=False, length=20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hold_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queue_wait_s: Mapped[int | None] = mapped_column(Integer)
    talk_s: Mapped[int | None] = mapped_column(Integer)
    hold_s: Mapped[int] = mapped_column(Integer, default=0)
    #: Local (center time zone) calendar day the call started; indexed for daily reports.
    service_day: Mapped[date] = mapped_column(Date)
    priority: Mapped[int | None] = mapped_column(Integer)


class CallEvent(Base):
    """The immutable log of PBX events; a repeated event (same call, type, instant) is ignored."""

    __tablename__ = "call_events"
    __table_args__ = (UniqueConstraint("call_id", "event_type", "occurred_at", name="uq_call_events_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[CallEventType] = mapped_column(Enum(CallEventType, native_enum=False, length=20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
