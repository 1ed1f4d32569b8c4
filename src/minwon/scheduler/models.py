"""Claimed job occurrences: one row per (job, slot), so no occurrence runs twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minwon.db.base import Base, UTCDateTime


class JobRun(Base):
    """One occurrence of a periodic job.

    The row is inserted and committed *before* the job runs; the unique key ``(job, slot)`` makes the
    insert of a second scheduler instance fail, so that instance skips the occurrence.
    ``status`` is ``running`` → ``done`` | ``failed``.
    """

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "slot", name="uq_job_runs_job_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    #: Start of the occurrence's interval (UTC), e.g. 09:05:00 for a 5-minute job run at 09:07.
    slot: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Who claimed it: ``host:pid``.
    runner: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")
    #: Items the job handled (reminders sent, notices delivered …).
    items: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
