"""Everything the monthly management review report (ISO 9001:2015 §9.3) shows, gathered in one value.

:func:`collect` reads; it never writes. Each figure comes from the function that owns it, never from a
formula re-implemented here:

* indicators of the month and of each of the 12 months ending with it:
  :func:`minwon.quality.service.month_kpis`;
  targets and traffic lights: :func:`minwon.quality.kpi.targets` / :func:`minwon.quality.kpi.statuses`;
* surveys, evaluations, corrective actions: the month summaries of :mod:`minwon.quality.summaries`,
  passed in (``None`` = that part of the platform is not available, so the report says so);
* knowledge-base document control (ISO 9001 §7.5.3): :func:`minwon.knowledge.service.overdue_reviews`;
* personal-data access review (개인정보의 안전성 확보조치 기준 §8②):
  :func:`minwon.linkage.review.monthly_review` and :func:`minwon.linkage.review.chain_status`;
* staffing (adequacy of resources, §9.3.2 e): stored workforce week plans of the month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.core.audit import ChainReport
from minwon.core.clock import local_today, utcnow
from minwon.knowledge.schemas import OverdueReview
from minwon.knowledge.service import overdue_reviews
from minwon.linkage.review import ReviewReport, chain_status, monthly_review, parse_month
from minwon.quality.kpi import Target, statuses, targets
from minwon.quality.service import month_bounds, month_kpis, period_kpis
from minwon.quality.summaries import CapaSummary, EvaluationSummary, SurveySummary

#: ``progress(step, done, total)``: called after each step of the collection (and of rendering).
Progress = Callable[[str, int, int], None]

#: Number of months in the trend (the report's month and the 11 before it).
TREND_MONTHS = 12
#: Progress steps of :func:`collect`: each trend month, the baseline, knowledge base, access review,
#: staffing.
COLLECT_STEPS = TREND_MONTHS + 4


@dataclass(frozen=True)
class MonthSummaries:
    """The three month summaries of the other quality domains; ``None`` = not available."""

    surveys: SurveySummary | None = None
    evaluations: EvaluationSummary | None = None
    capa: CapaSummary | None = None


def month_summaries(*, db: Session, first_day: date, last_day: date) -> MonthSummaries:
    """The survey, evaluation and CAPA summaries of ``first_day``…``last_day`` (inclusive, Asia/Seoul),
    each from its own domain's service (the report never reads those domains' tables)."""
    from minwon.capa.service import capa_summary
    from minwon.evaluations.service import evaluation_summary
    from minwon.feedback.service import survey_summary

    return MonthSummaries(
        surveys=survey_summary(db=db, first_day=first_day, last_day=last_day),
        evaluations=evaluation_summary(db=db, first_day=first_day, last_day=last_day),
        capa=capa_summary(db=db, first_day=first_day, last_day=last_day),
    )


@dataclass(frozen=True)
class Staffing:
    """Workforce week plans starting in the month: count, how many found no feasible schedule, and the
    summed under- and over-coverage in agent-hours (``None`` when no plan recorded it)."""

    plans: int
    infeasible: int
    under_agent_hours: float | None
    over_agent_hours: float | None


@dataclass(frozen=True)
class ReportData:
    """The report's content for month ``month`` (``YYYY-MM``, days ``first_day``…``last_day``).

    ``kpis`` is :func:`month_kpis`'s unrounded dict; ``status`` its traffic lights
    (``{indicator: "green" | "amber" | "red" | None}``); ``goals`` the targets used. ``trend`` holds
    :data:`TREND_MONTHS` month_kpis dicts, oldest first, ending with the report's month, and
    ``trend_status`` their traffic lights in the same order; ``baseline`` the indicators over the months
    before (the trend's first 11 months as one period). ``kb_as_of`` is the day the overdue reviews
    are counted on (the month's last day, or today for the current month).
    """

    month: str
    first_day: date
    last_day: date
    generated_at: datetime
    kpis: dict[str, Any]
    status: dict[str, str | None]
    goals: dict[str, Target]
    trend: list[dict[str, Any]]
    trend_status: list[dict[str, str | None]]
    #: :func:`period_kpis` over the 11 months before the report's month (one period, not a mean of months).
    baseline: dict[str, Any]
    surveys: SurveySummary | None
    evaluations: EvaluationSummary | None
    capa: CapaSummary | None
    kb_as_of: date
    kb_overdue: list[OverdueReview]
    access: ReviewReport
    chain: ChainReport
    staffing: Staffing | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def previous_status(self) -> dict[str, str | None]:
        """Traffic lights of the month before (for the follow-up of previous reviews)."""
        return self.trend_status[-2] if len(self.trend_status) > 1 else {}


def trend_months(month: str, count: int = TREND_MONTHS) -> list[str]:
    """The ``count`` months ``YYYY-MM`` ending with ``month``, oldest first. Raises ValidationError."""
    first = parse_month(month)
    out: list[str] = []
    year, mon = first.year, first.month
    for _ in range(count):
        out.append(f"{year:04d}-{mon:02d}")
        year, mon = (year - 1, 12) if mon == 1 else (year, mon - 1)
    return out[::-1]


def _staffing(db: Session, first_day: date, last_day: date) -> Staffing | None:
    from minwon.workforce.models import PlanStatus, WorkforcePlan

    row = db.execute(
        select(
            func.count(WorkforcePlan.id),
            func.sum(WorkforcePlan.under_agent_hours),
            func.sum(WorkforcePlan.over_agent_hours),
        ).where(WorkforcePlan.week_start >= first_day, WorkforcePlan.week_start <= last_day)
    ).one()
    if not row[0]:
        return None
    infeasible = db.scalar(
        select(func.count(WorkforcePlan.id)).where(
            WorkforcePlan.week_start >= first_day,
            WorkforcePlan.week_start <= last_day,
            WorkforcePlan.status == PlanStatus.INFEASIBLE,
        )
    )
    return Staffing(
        plans=int(row[0]),
        infeasible=int(infeasible or 0),
        under_agent_hours=float(row[1]) if row[1] is not None else None,
        over_agent_hours=float(row[2]) if row[2] is not None else None,
    )


def collect(
    *,
    db: Session,
    month: str,
    surveys: SurveySummary | None = None,
    evaluations: EvaluationSummary | None = None,
    capa: CapaSummary | None = None,
    progress: Progress | None = None,
) -> ReportData:
    """Gather the report of ``month`` (``YYYY-MM``). Reads only.

    ``surveys``/``evaluations``/``capa`` are the month summaries (see :func:`month_summaries`); a
    ``None`` section is reported as "not available". ``progress`` is told after each of the
    :data:`COLLECT_STEPS` steps (12 trend months, baseline, knowledge base, access review, staffing).
    Raises ValidationError (bad month).
    """
    first, last = month_bounds(f"{parse_month(month):%Y-%m}")
    months = trend_months(month)
    total = COLLECT_STEPS
    done = 0

    def step(name: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(name, done, total)

    goals = targets()
    trend: list[dict[str, Any]] = []
    for m in months:
        trend.append(month_kpis(db=db, month=m))
        step(f"KPI {m}")
    kpis = trend[-1]
    baseline_first, _ = month_bounds(months[0])
    _, baseline_last = month_bounds(months[-2])
    baseline = period_kpis(db=db, first_day=baseline_first, last_day=baseline_last)
    step("baseline")
    today = local_today()
    kb_as_of = min(last, today)
    kb = overdue_reviews(db=db, on=kb_as_of)
    step("knowledge base")
    access = monthly_review(db=db, month=first)
    chain = chain_status(db=db)
    step("access review")
    staffing = _staffing(db, first, last)
    step("staffing")
    return ReportData(
        month=f"{first:%Y-%m}",
        first_day=first,
        last_day=last,
        generated_at=utcnow(),
        kpis=kpis,
        status=statuses(kpis, goals),
        goals=goals,
        trend=trend,
        trend_status=[statuses(t, goals) for t in trend],
        baseline=baseline,
        surveys=surveys,
        evaluations=evaluations,
        capa=capa,
        kb_as_of=kb_as_of,
        kb_overdue=kb,
        access=access,
        chain=chain,
        staffing=staffing,
    )
