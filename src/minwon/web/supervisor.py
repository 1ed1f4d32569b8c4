"""The live supervisor page: a day's indicators, per interval and per queue.

``GET /supervisor?day=YYYY-MM-DD&interval=30`` renders the page; ``GET /supervisor/panel`` renders
only the panel, which ``static/supervisor.js`` re-fetches when ``/live/supervisor`` reports that the
calls of the shown day changed (``{"type": "calls_changed", "days": [...]}``).
Open to supervisors, quality managers and administrators; others get 403.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from minwon.accounts.deps import require_roles
from minwon.accounts.models import Role, User
from minwon.core.clock import local_today
from minwon.core.errors import ValidationError
from minwon.db.deps import DbSession
from minwon.quality.kpi import BY_NAME, format_value, statuses, targets_json
from minwon.quality.service import day_contact_summary, day_kpis, interval_kpis, queue_kpis
from minwon.web.templating import render

router = APIRouter(tags=["supervisor"], include_in_schema=False)

SupervisorUser = Annotated[User, Depends(require_roles(Role.SUPERVISOR, Role.QUALITY_MANAGER))]

#: Tiles in display order: (indicator name, data-testid).
TILES: tuple[tuple[str, str], ...] = (
    ("offered", "kpi-offered"),
    ("answered", "kpi-answered"),
    ("abandoned", "kpi-abandoned"),
    ("service_level", "kpi-service-level"),
    ("asa_s", "kpi-asa"),
    ("aht_s", "kpi-aht"),
    ("abandonment_rate", "kpi-abandonment-rate"),
)
#: Contact, callback and case indicators shown under the contact records (KPI module definitions).
CONTACT_TILES: tuple[tuple[str, str], ...] = (
    ("repeat_rate", "kpi-repeat-rate"),
    ("callback_kept_rate", "kpi-callback-kept"),
    ("deadline_compliance", "kpi-deadline-compliance"),
)
PAGE_INTERVALS = (15, 30, 60)
DEFAULT_INTERVAL = 30
#: Geometry of the inline SVG bar chart (viewBox units).
CHART_SLOT = 12
CHART_HEIGHT = 120


def parse_day(value: str | None) -> date:
    """``YYYY-MM-DD`` or empty (today, local). Raises ValidationError (field ``day``)."""
    if not value:
        return local_today()
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"day {value!r} is not a date YYYY-MM-DD", field="day") from None
    if not 1970 <= day.year <= 2100:
        raise ValidationError(f"day {value!r} is outside 1970–2100", field="day")
    return day


def parse_interval(value: str | None) -> int:
    """Interval length in minutes, one of :data:`PAGE_INTERVALS` (default 30). Raises ValidationError."""
    if not value:
        return DEFAULT_INTERVAL
    try:
        minutes = int(value)
    except ValueError:
        minutes = -1
    if minutes not in PAGE_INTERVALS:
        allowed = ", ".join(str(m) for m in PAGE_INTERVALS)
        raise ValidationError(f"interval must be one of {allowed} minutes", field="interval")
    return minutes


def _chart(intervals: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars of offered and answered calls per interval, scaled to the busiest interval."""
    peak = max((row["offered"] for row in intervals), default=0)
    scale = (CHART_HEIGHT - 10) / peak if peak else 0.0
    bars = []
    for index, row in enumerate(intervals):
        x = index * CHART_SLOT
        offered_h = row["offered"] * scale
        answered_h = row["answered"] * scale
        bars.append(
            {
                "x_offered": x + 1,
                "x_answered": x + 6,
                "y_offered": CHART_HEIGHT - offered_h,
                "y_answered": CHART_HEIGHT - answered_h,
                "h_offered": offered_h,
                "h_answered": answered_h,
                "label_x": x + 1,
                "show_label": row["start"].endswith(":00") and int(row["start"][:2]) % 3 == 0,
                **row,
            }
        )
    return {"bars": bars, "width": max(len(intervals), 1) * CHART_SLOT, "height": CHART_HEIGHT, "peak": peak}


def panel_context(*, db: Session, day: date, interval: int) -> dict[str, Any]:
    """Everything the panel shows for ``day`` with intervals of ``interval`` minutes."""
    kpis = day_kpis(db=db, day=day)
    intervals = interval_kpis(db=db, day=day, minutes=interval)
    active = [i for i, row in enumerate(intervals) if row["offered"]]
    table_rows = intervals[active[0] : active[-1] + 1] if active else []
    return {
        "day": day.isoformat(),
        "interval": interval,
        "kpis": kpis,
        "tiles": [(name, testid, BY_NAME[name]) for name, testid in TILES],
        "contact_tiles": [(name, testid, BY_NAME[name]) for name, testid in CONTACT_TILES],
        "status": statuses(kpis),
        "targets": targets_json(),
        "intervals": table_rows,
        "chart": _chart(intervals),
        "queues": [row for row in queue_kpis(db=db, first_day=day) if row["offered"]],
        "fmt": format_value,
        "contacts": day_contact_summary(db=db, day=day),
    }


@router.get("/supervisor", response_class=HTMLResponse)
def supervisor_page(
    request: Request, db: DbSession, user: SupervisorUser, day: str | None = None, interval: str | None = None
) -> HTMLResponse:
    """The page for ``day`` (default: today, local) with ``interval``-minute rows (15, 30 or 60)."""
    the_day, minutes = parse_day(day), parse_interval(interval)
    context = panel_context(db=db, day=the_day, interval=minutes)
    context["interval_choices"] = PAGE_INTERVALS
    return render(request, "supervisor.html", context)


@router.get("/supervisor/panel", response_class=HTMLResponse)
def supervisor_panel(
    request: Request, db: DbSession, user: SupervisorUser, day: str | None = None, interval: str | None = None
) -> HTMLResponse:
    """Only the panel (tiles, chart, tables), for the live refresh."""
    context = panel_context(db=db, day=parse_day(day), interval=parse_interval(interval))
    return render(request, "supervisor_panel.html", context)
