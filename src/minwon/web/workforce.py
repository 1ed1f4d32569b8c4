"""Workforce-planning pages (인력 계획) for supervisors, quality managers and administrators.

* ``GET /workforce`` — stored week plans and the form that builds one (``POST /workforce/plans``,
  CSRF-protected, runs :func:`minwon.workforce.service.build_week_plan` synchronously within its time
  limit and redirects to the plan; bad input is shown beside its field).
* ``GET /workforce/plans/{id}`` — required vs scheduled agents per interval (SVG chart and table), the
  schedule grid (agents × days), the infeasibility explanation; exports ``.xlsx`` and ``.csv``
  (``?kind=shifts`` default, or ``coverage``).
* ``GET /workforce/forecast?day=YYYY-MM-DD&source=bank_demo|center`` — forecast vs actual for a past day.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from minwon.accounts.deps import CsrfChecked, require_roles
from minwon.accounts.models import Role, User
from minwon.core.clock import local_today
from minwon.core.errors import ValidationError
from minwon.core.i18n import N_, gettext
from minwon.db.deps import DbSession
from minwon.web.templating import render, request_locale
from minwon.workforce import service
from minwon.workforce.models import PlanSource, WorkforcePlan
from minwon.workforce.schedule import (
    CSV_ENCODING,
    MAX_TIME_LIMIT_S,
    MIN_TIME_LIMIT_S,
    TIME_LIMIT_MESSAGE,
    coverage_csv,
    schedule_xlsx,
    shifts_csv,
)

router = APIRouter(prefix="/workforce", tags=["workforce"], include_in_schema=False)

PlannerUser = Annotated[User, Depends(require_roles(Role.SUPERVISOR, Role.QUALITY_MANAGER))]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Geometry of the inline SVG charts (viewBox units).
CHART_SLOT = 12
CHART_HEIGHT = 120
#: Display msgids (templates show ``_(labels[value])``).
SOURCE_LABELS = {
    PlanSource.BANK_DEMO.value: N_("Bank demo series"),
    PlanSource.CENTER.value: N_("Center's calls"),
}
STATUS_LABELS = {
    "optimal": N_("Optimal"),
    "feasible": N_("Feasible (time limit)"),
    "infeasible": N_("Infeasible"),
    "no_solution": N_("No schedule found"),
}
FORM_FIELDS = ("week_start", "source", "target_sl", "threshold_s", "aht_s", "shrinkage", "time_limit_s")


#: Weekday names per locale for the schedule grid (Monday first).
WEEKDAY_NAMES = {"ko": tuple("월화수목금토일"), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}

#: Stored plan texts (notes, infeasibility reasons) are English with numbers inside; each template below is
#: a msgid whose ``{name}`` parts are matched and put back into the translated text when shown.
STORED_TEXTS = (
    N_("no schedule found within {seconds} s (solver status {status}); raise the time limit"),
    N_("bank demo volumes × {factor} to fit the demo roster"),
    N_("bank demo series ends {end}: the forecast for {first}…{last} is used, day by weekday"),
    N_("minimum coverage on {when} needs {need} agents but only {available} are available then"),
    N_("minimum coverage on {when} needs {need} agents but only {available} is available then"),
    N_("minimum coverage on {when} needs {need} agent but only {available} are available then"),
    N_("minimum coverage on {when} needs {need} agent but only {available} is available then"),
    N_("minimum coverage on {when} needs {need} agents ({available} could work then)"),
    N_("minimum coverage on {when} needs {need} agent ({available} could work then)"),
    N_(
        "minimum coverage on {when} needs {need} agents but no shift pattern fits the opening hours "
        "of {day} ({hours})"
    ),
    N_(
        "minimum coverage on {when} needs {need} agent but no shift pattern fits the opening hours "
        "of {day} ({hours})"
    ),
)


def _template_pattern(msgid: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", msgid)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return re.compile(f"^{regex}$")


_STORED_PATTERNS = [(msgid, _template_pattern(msgid)) for msgid in STORED_TEXTS]


def translate_stored(locale: str, text: str) -> str:
    """A stored English plan text in ``locale``: the matching :data:`STORED_TEXTS` template translated,
    with its values put back; a text matching no template is returned unchanged."""
    for msgid, pattern in _STORED_PATTERNS:
        match = pattern.match(text)
        if match:
            return gettext(locale, msgid).format(**match.groupdict())
    return gettext(locale, text)


def weekday_name(locale: str, day: date) -> str:
    """Short weekday name of ``day`` in ``locale`` (``월`` … ``일`` in Korean, ``Mon`` … ``Sun`` else)."""
    return WEEKDAY_NAMES.get(locale, WEEKDAY_NAMES["en"])[day.weekday()]


def next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def _default_form() -> dict[str, str]:
    return {
        "week_start": next_monday(local_today()).isoformat(),
        "source": PlanSource.BANK_DEMO.value,
        "target_sl": "80",
        "threshold_s": "20",
        "aht_s": "",
        "shrinkage": "30",
        "time_limit_s": "20",
    }


#: Form bounds in the form's units (percent, seconds) and their messages (msgids, shown translated).
FORM_BOUNDS: dict[str, tuple[float, float, str]] = {
    "target_sl": (1, 99, N_("Target service level must be between 1 and 99 %")),
    "threshold_s": (1, 3600, N_("Answered within must be a whole number of seconds between 1 and 3600")),
    "aht_s": (1, 7200, N_("AHT must be between 1 and 7200 seconds")),
    "shrinkage": (0, 90, N_("Shrinkage must be between 0 and 90 %")),
    "time_limit_s": (MIN_TIME_LIMIT_S, MAX_TIME_LIMIT_S, TIME_LIMIT_MESSAGE),
}
REQUIRED_MESSAGE = N_("This field is required")
WEEK_START_MESSAGE = N_("week start must be a date YYYY-MM-DD")
N_(TIME_LIMIT_MESSAGE)
N_(service.WEEK_YEAR_MESSAGE)


def validate_plan_form(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Form strings → (:func:`service.build_week_plan` keywords, errors by field).

    Every field is checked (not only the first bad one); ``errors`` maps field → English msgid in the
    form's own units (percentages for ``target_sl`` and ``shrinkage``, which are passed on as fractions).
    The keywords are only complete when ``errors`` is empty.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    try:
        values["week_start"] = service.check_week_start(
            date.fromisoformat(form.get("week_start", "").strip())
        )
    except ValueError:
        errors["week_start"] = WEEK_START_MESSAGE
    except ValidationError as exc:
        errors["week_start"] = exc.message
    try:
        values["source"] = service.parse_source(form.get("source", ""))
    except ValidationError:
        errors["source"] = N_("Choose a forecast source")
    for name, (low, high, message) in FORM_BOUNDS.items():
        text = form.get(name, "").strip()
        if not text:
            if name == "aht_s":
                values[name] = None
            else:
                errors[name] = REQUIRED_MESSAGE
            continue
        try:
            number = float(text)
        except ValueError:
            errors[name] = message
            continue
        whole = name != "threshold_s" or number == int(number)
        if not math.isfinite(number) or not low <= number <= high or not whole:
            errors[name] = message
        else:
            values[name] = number
    if not errors:
        values["target_sl"] /= 100
        values["shrinkage"] /= 100
        values["threshold_s"] = int(values["threshold_s"])
    return values, errors


def _index(
    request: Request, db: DbSession, form: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "workforce.html",
        {
            "plans": service.list_plans(db=db),
            "form": form,
            "errors": errors,
            "source_labels": SOURCE_LABELS,
            "status_labels": STATUS_LABELS,
        },
        status_code=status_code,
    )


@router.get("", response_class=HTMLResponse)
def workforce_index(request: Request, db: DbSession, user: PlannerUser) -> HTMLResponse:
    """Stored plans, newest first, and the build form."""
    return _index(request, db, _default_form(), {})


@router.post("/plans", dependencies=[CsrfChecked], response_model=None)
async def create_plan(request: Request, db: DbSession, user: PlannerUser) -> Response:
    """Build a week plan from the form; 303 to the plan, or the form again (422) with the error shown."""
    raw = await request.form()
    form = {name: str(raw.get(name) or "") for name in FORM_FIELDS}
    locale = request_locale(request)
    values, problems = validate_plan_form(form)
    if problems:
        errors = {name: gettext(locale, message) for name, message in problems.items()}
        return _index(request, db, form, errors, status_code=422)
    try:
        # the solve takes up to its time limit: off the event loop, so live pages keep streaming
        plan = await run_in_threadpool(service.build_week_plan, db=db, created_by_id=user.id, **values)
    except ValidationError as exc:
        field = exc.field if exc.field in FORM_FIELDS else "source"
        errors = {field: gettext(locale, exc.message)}
        return _index(request, db, form, errors, status_code=422)
    return RedirectResponse(f"/workforce/plans/{plan.id}", status_code=303)


def _coverage_chart(plan: WorkforcePlan) -> dict[str, Any]:
    """Bars of required agents and the scheduled line per interval, days side by side."""
    rows = plan.intervals
    peak = max([r.required for r in rows] + [r.scheduled or 0 for r in rows] + [1])
    scale = (CHART_HEIGHT - 10) / peak
    bars, points, separators = [], [], []
    previous_day = None
    for index, row in enumerate(rows):
        x = index * CHART_SLOT
        if row.day != previous_day:
            separators.append({"x": x, "label": row.day.strftime("%m-%d"), "day": row.day})
            previous_day = row.day
        have = row.scheduled
        state = (
            ""
            if have is None
            else "under"
            if have < row.required
            else "over"
            if have > row.required
            else "ok"
        )
        bars.append(
            {
                "x": x + 1,
                "y": CHART_HEIGHT - row.required * scale,
                "h": row.required * scale,
                "state": state,
                "row": row,
            }
        )
        if have is not None:
            points.append(f"{x + CHART_SLOT / 2:.1f},{CHART_HEIGHT - have * scale:.2f}")
    return {
        "bars": bars,
        "points": " ".join(points),
        "separators": separators,
        "width": max(len(rows), 1) * CHART_SLOT,
        "height": CHART_HEIGHT,
        "peak": peak,
    }


def _grid(plan: WorkforcePlan) -> dict[str, Any]:
    """Agents × days: each cell the agent's shift that day (or None)."""
    days = sorted({r.day for r in plan.intervals})
    cells: dict[tuple[str, date], Any] = {(s.agent_id, s.day): s for s in plan.shifts}
    hours: dict[str, float] = {}
    for s in plan.shifts:
        hours[s.agent_id] = hours.get(s.agent_id, 0.0) + s.paid_hours
    agents = [(agent_id, name) for agent_id, name in plan.agents]
    return {"days": days, "agents": agents, "cells": cells, "hours": hours}


@router.get("/plans/{plan_id}.xlsx")
def plan_xlsx(request: Request, db: DbSession, user: PlannerUser, plan_id: int) -> Response:
    """The plan as an XLSX workbook (sheets Shifts, Coverage, Summary)."""
    plan = service.get_plan(db=db, plan_id=plan_id)
    body = schedule_xlsx(service.plan_schedule(plan), locale=request_locale(request))
    filename = f"workforce-plan-{plan.id}-{plan.week_start.isoformat()}.xlsx"
    return Response(
        body, media_type=XLSX_TYPE, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/plans/{plan_id}.csv")
def plan_csv(db: DbSession, user: PlannerUser, plan_id: int, kind: str = "shifts") -> Response:
    """The plan's shifts (``kind=shifts``, default) or coverage per interval (``kind=coverage``) as CSV."""
    if kind not in ("shifts", "coverage"):
        raise ValidationError("kind must be shifts or coverage", field="kind")
    plan = service.get_plan(db=db, plan_id=plan_id)
    schedule = service.plan_schedule(plan)
    body = shifts_csv(schedule) if kind == "shifts" else coverage_csv(schedule)
    filename = f"workforce-plan-{plan.id}-{plan.week_start.isoformat()}-{kind}.csv"
    return Response(
        body.encode(CSV_ENCODING),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, db: DbSession, user: PlannerUser, plan_id: int) -> HTMLResponse:
    """One plan: coverage chart and table, schedule grid, infeasibility explanation, exports."""
    plan = service.get_plan(db=db, plan_id=plan_id)
    locale = request_locale(request)
    return render(
        request,
        "workforce_plan.html",
        {
            "plan": plan,
            "notes": [translate_stored(locale, note) for note in plan.notes or []],
            "weekday_name": lambda day: weekday_name(locale, day),
            "chart": _coverage_chart(plan),
            "grid": _grid(plan),
            "source_labels": SOURCE_LABELS,
            "status_labels": STATUS_LABELS,
            "reasons": [translate_stored(locale, line) for line in (plan.message or "").splitlines()],
        },
    )


def _forecast_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    peak = max([r["forecast"] for r in rows] + [r["actual"] for r in rows] + [1.0])
    scale = (CHART_HEIGHT - 10) / peak
    bars, points = [], []
    for index, row in enumerate(rows):
        x = index * CHART_SLOT
        bars.append(
            {"x": x + 1, "y": CHART_HEIGHT - row["actual"] * scale, "h": row["actual"] * scale, **row}
        )
        points.append(f"{x + CHART_SLOT / 2:.1f},{CHART_HEIGHT - row['forecast'] * scale:.2f}")
    return {
        "bars": bars,
        "points": " ".join(points),
        "width": max(len(rows), 1) * CHART_SLOT,
        "height": CHART_HEIGHT,
        "peak": peak,
    }


@router.get("/forecast", response_class=HTMLResponse)
def forecast_page(
    request: Request,
    db: DbSession,
    user: PlannerUser,
    day: str | None = None,
    source: str = PlanSource.BANK_DEMO.value,
) -> HTMLResponse:
    """Forecast vs actual per 30 minutes for a past ``day`` (form only when no day is given)."""
    errors: dict[str, str] = {}
    result = None
    chart = None
    status_code = 200
    if day:
        try:
            parsed_source = service.parse_source(source)
            try:
                parsed_day = date.fromisoformat(day.strip())
            except ValueError:
                raise ValidationError("day must be a date YYYY-MM-DD", field="day") from None
            result = service.forecast_vs_actual(db=db, day=parsed_day, source=parsed_source)
            chart = _forecast_chart(result["rows"])
        except ValidationError as exc:
            errors[exc.field if exc.field in ("day", "source") else "day"] = gettext(
                request_locale(request), exc.message
            )
            status_code = 422
    return render(
        request,
        "workforce_forecast.html",
        {
            "day": day or "",
            "source": source,
            "result": result,
            "chart": chart,
            "errors": errors,
            "source_labels": SOURCE_LABELS,
        },
        status_code=status_code,
    )
