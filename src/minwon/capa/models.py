"""The nonconformity register (ISO 9001:2015 §10.2): entries, their append-only history, the per-year
reference counter and dismissed KPI-breach suggestions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from minwon.core.clock import utcnow
from minwon.core.i18n import N_
from minwon.db.base import Base, UTCDateTime


class NcStatus(StrEnum):
    """Where an entry stands. open → action_planned → implemented → verified → closed; a check that
    finds the action not effective sends the entry back to open for a new action."""

    OPEN = "open"
    ACTION_PLANNED = "action_planned"
    IMPLEMENTED = "implemented"
    VERIFIED = "verified"
    CLOSED = "closed"


class NcSource(StrEnum):
    KPI = "kpi"
    SURVEY = "survey"
    COMPLAINT = "complaint"
    EVALUATION = "evaluation"
    AUDIT = "audit"
    OTHER = "other"


class CheckResult(StrEnum):
    EFFECTIVE = "effective"
    NOT_EFFECTIVE = "not_effective"


STATUS_LABELS: dict[str, str] = {
    NcStatus.OPEN: N_("Open, awaiting action"),
    NcStatus.ACTION_PLANNED: N_("Action planned"),
    NcStatus.IMPLEMENTED: N_("Implemented"),
    NcStatus.VERIFIED: N_("Effectiveness verified"),
    NcStatus.CLOSED: N_("Closed"),
}
SOURCE_LABELS: dict[str, str] = {
    NcSource.KPI: N_("KPI breach"),
    NcSource.SURVEY: N_("Survey"),
    NcSource.COMPLAINT: N_("Service complaint"),
    NcSource.EVALUATION: N_("Contact evaluation"),
    NcSource.AUDIT: N_("Audit"),
    NcSource.OTHER: N_("Other"),
}
RESULT_LABELS: dict[str, str] = {
    CheckResult.EFFECTIVE: N_("Action effective"),
    CheckResult.NOT_EFFECTIVE: N_("Not effective"),
}


class Nonconformity(Base):
    """One register entry. ``reference`` is ``NC-<year>-<4 digits>``, gap-free per local year of
    ``opened_at``; ``round`` counts corrective actions tried (a failed effectiveness check starts a new
    round). Text fields are plain text; dates are local calendar days."""

    __tablename__ = "capa_nonconformities"
    __table_args__ = (
        UniqueConstraint("year", "seq", name="uq_capa_nonconformities_year_seq"),
        Index("ix_capa_nonconformities_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20), index=True)
    source_ref: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text)
    root_cause: Mapped[str] = mapped_column(Text, default="")
    correction: Mapped[str] = mapped_column(Text, default="")
    corrective_action: Mapped[str] = mapped_column(Text, default="")
    implementation_note: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=NcStatus.OPEN.value)
    round: Mapped[int] = mapped_column(Integer, default=1)
    check_planned: Mapped[date | None] = mapped_column(Date)
    check_result: Mapped[str | None] = mapped_column(String(20))
    check_note: Mapped[str] = mapped_column(Text, default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closure_note: Mapped[str] = mapped_column(Text, default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NcEvent(Base):
    """One line of an entry's history: who (``actor_id``), when (``at``), what (``action``: created,
    edited, planned, implemented, checked, closed), the status before/after and ``changes``
    (``{field: [old, new]}``). Append-only: the ORM refuses updates and deletes."""

    __tablename__ = "capa_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonconformity_id: Mapped[int] = mapped_column(
        ForeignKey("capa_nonconformities.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")


@event.listens_for(NcEvent, "before_update")
@event.listens_for(NcEvent, "before_delete")
def _history_is_append_only(_mapper: Any, _conn: Any, _target: NcEvent) -> None:
    raise RuntimeError("capa_events is append-only")


class NcCounter(Base):
    """The last reference number given out per local year; locked while a new entry takes the next one
    so numbers are unique and gap-free (a rolled-back creation rolls the counter back too)."""

    __tablename__ = "capa_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class SuggestionDismissal(Base):
    """A KPI-breach suggestion someone dismissed: indicator ``kpi`` over the local days
    ``first_day``…``last_day`` (the run's periods). Overlapping runs of the same indicator are not
    suggested again."""

    __tablename__ = "capa_dismissals"

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi: Mapped[str] = mapped_column(String(40), index=True)
    source_ref: Mapped[str] = mapped_column(String(100))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
