"""Supervisor overview: open cases per department by deadline risk (one grouped query)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.cases.calendar import load_calendar
from minwon.cases.models import Case
from minwon.cases.workflow import RUNNING
from minwon.core.clock import local_day_bounds, to_local, utcnow
from minwon.org.models import Department

RISK_BUCKETS = ("overdue", "due_today", "next_working_day", "later")


@dataclass(frozen=True)
class RiskBounds:
    """Instants separating the risk buckets (UTC): overdue ``< now`` ≤ due today ``< today_end`` ≤
    due by the next working day ``< next_end`` ≤ later."""

    now: datetime
    today_end: datetime
    next_end: datetime


@dataclass(frozen=True)
class DepartmentRisk:
    department_id: int | None
    department: str
    overdue: int
    due_today: int
    next_working_day: int
    later: int

    @property
    def total(self) -> int:
        return self.overdue + self.due_today + self.next_working_day + self.later


def risk_bounds(*, db: Session, now: datetime | None = None) -> RiskBounds:
    """Bucket bounds for ``now``: the end of the local day, and the end of the local day of the next
    working day of the configured calendar (a Friday's next working day is Monday, or later around
    holidays)."""
    now = now or utcnow()
    calendar = load_calendar(db=db)
    today = to_local(now).date()
    _, today_end = local_day_bounds(today)
    next_day = calendar.next_working_day_on_or_after(today + timedelta(days=1))
    _, next_end = local_day_bounds(next_day)
    return RiskBounds(now=now, today_end=today_end, next_end=next_end)


def deadline_risk_by_department(*, db: Session, now: datetime | None = None) -> list[DepartmentRisk]:
    """Open cases (awaiting an answer) per department, split into overdue / due today / due by the
    next working day / later (cases without a deadline count as later). Departments with no open
    case are left out; ordered by overdue, then due today, descending, then name."""
    b = risk_bounds(db=db, now=now)
    bucket = sql_case(
        (Case.due_at < b.now, "overdue"),
        (Case.due_at < b.today_end, "due_today"),
        else_="next_working_day",
    )
    # Two index-only queries (ix_cases_department_status_due, ix_cases_status_due_department): open cases
    # per department, and the near-term buckets over the short due_at range; "later" is the rest.
    totals = db.execute(
        select(Case.department_id, func.count()).where(Case.status.in_(RUNNING)).group_by(Case.department_id)
    ).all()
    near = db.execute(
        select(Case.department_id, bucket.label("bucket"), func.count())
        .where(Case.status.in_(RUNNING), Case.due_at < b.next_end)
        .group_by(Case.department_id, bucket)
    ).all()
    names = {d.id: d.name for d in db.scalars(select(Department))}
    counts: dict[int | None, dict[str, int]] = {}
    for dept_id, n in totals:
        counts.setdefault(dept_id, dict.fromkeys(RISK_BUCKETS, 0))["later"] = int(n)
    for dept_id, name, n in near:
        c = counts.setdefault(dept_id, dict.fromkeys(RISK_BUCKETS, 0))
        c[str(name)] = int(n)
        c["later"] -= int(n)
    result = [
        DepartmentRisk(
            department_id=dept_id,
            department=names.get(dept_id, "") if dept_id is not None else "",
            overdue=c["overdue"],
            due_today=c["due_today"],
            next_working_day=c["next_working_day"],
            later=c["later"],
        )
        for dept_id, c in counts.items()
    ]
    result.sort(key=lambda r: (-r.overdue, -r.due_today, r.department))
    return result
