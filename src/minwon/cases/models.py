"""Cases (민원 건) and their immutable history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
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
        Index("ix_cases_department_status", "department_id", "status"),
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


class CaseEvent(Base):
    """One step in a case's history; rows are only ever added."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
