"""Indexes the KPI queries need on other domains' tables (declared here so the KPI module owns them).

* ``ix_contacts_caller_category_created`` — the repeat-contact and first-contact-resolution pass
  (``LAG``/``LEAD`` over caller pseudonym + category ordered by time): PostgreSQL may read the contacts
  in this order instead of sorting them; also serves looking up one caller's contacts by category.
* ``ix_cases_due`` — deadline compliance selects cases by due time.

And the daily totals (rollup) of the KPI counts: :class:`KpiDailyTotal`, :class:`KpiRollupDay`,
:class:`KpiChange` (``minwon.quality.rollup``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from minwon.cases.models import Case
from minwon.contacts.models import Contact
from minwon.db.base import Base, UTCDateTime

CONTACT_REPEAT_INDEX = Index(
    "ix_contacts_caller_category_created",
    Contact.__table__.c.caller_ref,
    Contact.__table__.c.category_id,
    Contact.__table__.c.created_at,
)
CASE_DUE_INDEX = Index("ix_cases_due", Case.__table__.c.due_at)


# --- daily totals (rollup) ------------------------------------------------------------------------

#: The additive counts a daily-totals row holds (each ``BIGINT``, 0 when none).
TOTAL_COLUMNS = (
    "calls",
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "within_default",
    "within_queue",
    "wait_total_s",
    "wait_count",
    "handle_total_s",
    "handle_count",
    "ended_in_ivr",
    "contacts",
    "resolved",
    "transferred",
    "callback",
    "repeats",
    "first_contacts_resolved",
    "callbacks_due",
    "callbacks_kept",
    "cases_due",
    "cases_on_time",
)


class KpiDailyTotal(Base):
    """Additive KPI counts of one local day × queue × category × counselor (see ``docs/kpis.md``).

    Calls count on their ``service_day`` (queue, their contact's category, the answering agent);
    contacts on the local day they were saved (their call's queue, category, counselor); callbacks and
    cases on the local day they were due (callbacks: the contact's queue and category, the assigned
    counselor; cases: no queue, their category, the counselor who created them). ``within_default``
    counts answers within the day's default threshold (:class:`KpiRollupDay`), ``within_queue`` within
    ``sl_queue_s`` (the queue's own threshold when the row was built; None without a queue).
    Ids are not foreign keys: the table is derived and rebuilt, labels are joined when read.
    """

    __tablename__ = "kpi_daily_totals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    queue_id: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(Integer)
    agent_id: Mapped[int | None] = mapped_column(Integer)
    sl_queue_s: Mapped[int | None] = mapped_column(Integer)
    #: Call rows in the group (any status), so a breakdown lists the same groups as live.
    calls: Mapped[int] = mapped_column(BigInteger, default=0)
    offered: Mapped[int] = mapped_column(BigInteger, default=0)
    answered: Mapped[int] = mapped_column(BigInteger, default=0)
    abandoned: Mapped[int] = mapped_column(BigInteger, default=0)
    short_abandoned: Mapped[int] = mapped_column(BigInteger, default=0)
    within_default: Mapped[int] = mapped_column(BigInteger, default=0)
    within_queue: Mapped[int] = mapped_column(BigInteger, default=0)
    wait_total_s: Mapped[int] = mapped_column(BigInteger, default=0)
    wait_count: Mapped[int] = mapped_column(BigInteger, default=0)
    handle_total_s: Mapped[int] = mapped_column(BigInteger, default=0)
    handle_count: Mapped[int] = mapped_column(BigInteger, default=0)
    ended_in_ivr: Mapped[int] = mapped_column(BigInteger, default=0)
    contacts: Mapped[int] = mapped_column(BigInteger, default=0)
    resolved: Mapped[int] = mapped_column(BigInteger, default=0)
    transferred: Mapped[int] = mapped_column(BigInteger, default=0)
    callback: Mapped[int] = mapped_column(BigInteger, default=0)
    repeats: Mapped[int] = mapped_column(BigInteger, default=0)
    first_contacts_resolved: Mapped[int] = mapped_column(BigInteger, default=0)
    callbacks_due: Mapped[int] = mapped_column(BigInteger, default=0)
    callbacks_kept: Mapped[int] = mapped_column(BigInteger, default=0)
    cases_due: Mapped[int] = mapped_column(BigInteger, default=0)
    cases_on_time: Mapped[int] = mapped_column(BigInteger, default=0)


class KpiRollupDay(Base):
    """One built local day of :class:`KpiDailyTotal`, with the settings its counts were computed with
    and ``built_seq``: the highest :class:`KpiChange` sequence number committed before the build read
    the source rows (a change with a higher number that can affect the day makes it stale)."""

    __tablename__ = "kpi_rollup_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sl_threshold_s: Mapped[int] = mapped_column(Integer)
    short_abandon_s: Mapped[int] = mapped_column(Integer)
    repeat_window_days: Mapped[int] = mapped_column(Integer)
    built_seq: Mapped[int] = mapped_column(BigInteger)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KpiChange(Base):
    """Written only by database triggers on ``calls``, ``contacts``, ``callbacks`` and ``cases`` (every
    insert, update and delete, whatever code or SQL makes it): the latest change ``seq`` per ``day``
    and ``scope``. ``day`` is a UTC date (or a call's local ``service_day``), so a reader widens it by
    one day; ``scope`` 0 affects that day's counts, 1 (a contact) also the repeat flags of contacts up
    to the repeat window before and after."""

    __tablename__ = "kpi_changes"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
