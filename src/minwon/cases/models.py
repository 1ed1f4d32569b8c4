"""Cases (민원 건) and their immutable history."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Enum, ForeignKey, Index, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from minwon.core.clock import utcnow
from minwon.db.base import Base, UTCDateTime


class CaseStatus(StrEnum):
    RECEIVED = "received"
    TRANSFERRED = "transferred"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"


class CaseSource(StrEnum):
    CONTACT = "contact"
    #: Imported history (e.g. the Incheon Jung-gu Q&A board).
    IMPORT = "import"


class Case(Base):
    """The unit of work that may span contacts and departments until it is closed."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_due", "status", "due_at"),
        #: A department's lists (open, due today, overdue) in deadline order.
        Index("ix_cases_department_status_due", "department_id", "status", "due_at"),
        #: Covers the deadline-risk buckets per department (index-only range scan on due_at).
        Index("ix_cases_status_due_department", "status", "due_at", "department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    source: Mapped[CaseSource] = mapped_column(Enum(CaseSource, native_enum=False, length=20))
    #: Reference in the source system (the board's complaint number for imported cases).
    external_ref: Mapped[str | None] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    petition_type: Mapped[str] = mapped_column(String(30))
    status: Mapped[CaseStatus] = mapped_column(Enum(CaseStatus, native_enum=False, length=20))
    caller_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_basis: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: SHA-256 hex of the citizen's status-lookup code (the clear code goes out only in the receipt).
    verification_digest: Mapped[str | None] = mapped_column(String(64))
    #: The processing period applied (``Period.amount`` / ``Period.unit``) and the instant counting
    #: starts; kept so that a calendar change can recompute the deadline (Act §19).
    period_amount: Mapped[int | None] = mapped_column(Integer)
    period_unit: Mapped[str | None] = mapped_column(String(10))
    period_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Row of the processing-standards table (민원처리기준표) for ``statutory`` cases.
    processing_standard_id: Mapped[int | None] = mapped_column(ForeignKey("processing_standards.id"))
    #: The officer who accepted the case (담당자); cleared when it is handed to another department.
    assigned_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set by the one extension the Decree allows (처리기간 연장).
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the interim progress notice (중간통지) was queued.
    interim_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The petitioner's mobile number for SMS notices: encrypted (core.crypto) and masked, never clear.
    notify_mobile_enc: Mapped[str | None] = mapped_column(Text)
    notify_mobile_masked: Mapped[str | None] = mapped_column(String(20))


class CaseEvent(Base):
    """One step in a case's history; rows are only ever added."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProcessingStandard(Base):
    """One row of the processing-standards table (민원처리기준표, Act §17 and §36): a statutory
    service and its processing period. Rows are retired (``is_active`` False), never deleted, so
    cases keep their reference."""

    __tablename__ = "processing_standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    period_amount: Mapped[int] = mapped_column(Integer)
    period_unit: Mapped[str] = mapped_column(String(10))
    legal_basis: Mapped[str] = mapped_column(String(300), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarSettings(Base):
    """Working hours of the office (one row, id 1); absent → 09:00–18:00 with a 12:00–13:00 break
    (국가공무원 복무규정 §9)."""

    __tablename__ = "calendar_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_start: Mapped[time] = mapped_column(Time)
    work_end: Mapped[time] = mapped_column(Time)
    break_start: Mapped[time | None] = mapped_column(Time)
    break_end: Mapped[time | None] = mapped_column(Time)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TemporaryHoliday(Base):
    """A temporary public holiday (임시공휴일) added by an administrator, on top of ``holidays.KR``."""

    __tablename__ = "temporary_holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
