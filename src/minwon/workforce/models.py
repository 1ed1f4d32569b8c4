"""Stored week plans: forecast and required agents per interval, and the scheduled shifts.

A plan is written once by :func:`minwon.workforce.service.build_week_plan` and then only read (pages,
exports). Times of day are local clock times (Asia/Seoul); ``created_at`` is a UTC instant.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, Enum, Float, ForeignKey, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minwon.core.clock import utcnow
from minwon.db.base import Base, UTCDateTime


class PlanSource(StrEnum):
    """Where the forecast's history comes from."""

    #: The 2003 bank series of the shared data folder, scaled to the demo center's size.
    BANK_DEMO = "bank_demo"
    #: The center's own offered calls (``calls``).
    CENTER = "center"


class PlanStatus(StrEnum):
    """Outcome of the schedule solve."""

    OPTIMAL = "optimal"
    #: A schedule was found; the time limit ended the search before optimality was proven.
    FEASIBLE = "feasible"
    #: The hard rules cannot all hold; ``WorkforcePlan.message`` says which.
    INFEASIBLE = "infeasible"
    #: The time limit passed before any schedule was found.
    NO_SOLUTION = "no_solution"


class WorkforcePlan(Base):
    """A week's plan: targets used, the solve's outcome and (when it failed) the readable reason."""

    __tablename__ = "workforce_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    week_start: Mapped[date] = mapped_column(Date, index=True)
    interval_minutes: Mapped[int] = mapped_column(Integer)
    source: Mapped[PlanSource] = mapped_column(Enum(PlanSource, native_enum=False, length=20))
    #: Service-level target as a fraction (0.8 = 80 %) of calls answered within ``threshold_s``.
    target_sl: Mapped[float] = mapped_column(Float)
    threshold_s: Mapped[int] = mapped_column(Integer)
    #: Average handle time used, seconds.
    aht_s: Mapped[float] = mapped_column(Float)
    #: Where the AHT came from (``"given"`` or a sentence naming the history).
    aht_source: Mapped[str] = mapped_column(String(200), default="given")
    shrinkage: Mapped[float] = mapped_column(Float)
    status: Mapped[PlanStatus] = mapped_column(Enum(PlanStatus, native_enum=False, length=20))
    #: Infeasibility explanation (one reason per line) or the solver's failure message.
    message: Mapped[str | None] = mapped_column(Text)
    #: Notes about the forecast (scaling, weekday mapping, dropped regressors).
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The roster's agents, ``[[id, name], ...]``, so agents without a shift still appear in exports.
    agents: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    under_agent_hours: Mapped[float | None] = mapped_column(Float)
    over_agent_hours: Mapped[float | None] = mapped_column(Float)
    solve_seconds: Mapped[float | None] = mapped_column(Float)

    intervals: Mapped[list[WorkforcePlanInterval]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        order_by="(WorkforcePlanInterval.day, WorkforcePlanInterval.start)",
    )
    shifts: Mapped[list[WorkforcePlanShift]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        order_by="(WorkforcePlanShift.day, WorkforcePlanShift.agent_id)",
    )

    @property
    def solved(self) -> bool:
        return self.status in (PlanStatus.OPTIMAL, PlanStatus.FEASIBLE)


class WorkforcePlanInterval(Base):
    """One interval of an open day: forecast calls, agents required, agents scheduled.

    ``required_raw``: agents on the phones (Erlang C); ``required``: after shrinkage (what the schedule
    aims at). ``scheduled``: agents working the interval, one on a 15-minute break counting ½; ``None``
    when the plan has no schedule.
    """

    __tablename__ = "workforce_plan_intervals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("workforce_plans.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[time] = mapped_column(Time)
    forecast_calls: Mapped[float] = mapped_column(Float)
    traffic_erlangs: Mapped[float] = mapped_column(Float)
    required_raw: Mapped[int] = mapped_column(Integer)
    required: Mapped[int] = mapped_column(Integer)
    minimum: Mapped[int] = mapped_column(Integer, default=0)
    scheduled: Mapped[float | None] = mapped_column(Float)

    plan: Mapped[WorkforcePlan] = relationship(back_populates="intervals")


class WorkforcePlanShift(Base):
    """One agent's shift on one day (local clock times); ``breaks``: ``[["HH:MM", "HH:MM"], ...]``."""

    __tablename__ = "workforce_plan_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("workforce_plans.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[str] = mapped_column(String(40))
    agent_name: Mapped[str] = mapped_column(String(80), default="")
    day: Mapped[date] = mapped_column(Date)
    pattern: Mapped[str] = mapped_column(String(40))
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
    lunch_start: Mapped[time | None] = mapped_column(Time)
    lunch_end: Mapped[time | None] = mapped_column(Time)
    breaks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    paid_hours: Mapped[float] = mapped_column(Float)

    plan: Mapped[WorkforcePlan] = relationship(back_populates="shifts")
