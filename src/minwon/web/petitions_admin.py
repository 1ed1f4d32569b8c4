"""Administration of the petitions rules: the processing-standards table (민원처리기준표) and the
office calendar (working hours, temporary holidays). Administrators only; every post carries the
CSRF token; every change is audited by the service it calls."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from minwon.accounts.deps import CsrfChecked, client_ip, require_roles
from minwon.accounts.models import Role, User
from minwon.cases.basis import period_ko
from minwon.cases.calendar import (
    add_temporary_holiday,
    get_working_hours,
    list_temporary_holidays,
    load_calendar,
    parse_clock,
    public_holidays,
    remove_temporary_holiday,
    save_working_hours,
    standard_period,
)
from minwon.cases.models import ProcessingStandard
from minwon.cases.standards import (
    STANDARD_UNITS,
    get_standard,
    list_standards,
    retire_standard,
    save_standard,
)
from minwon.core.clock import local_today, parse_day
from minwon.core.errors import MinwonError, ValidationError
from minwon.core.i18n import N_, gettext
from minwon.db.deps import DbSession
from minwon.web.templating import render, request_locale

router = APIRouter(prefix="/admin", include_in_schema=False)

Administrator = Annotated[User, Depends(require_roles(Role.ADMINISTRATOR))]
STANDARD_FIELDS = ("standard_id", "code", "name", "period_amount", "period_unit", "legal_basis")
UNIT_LABELS = {"hours": N_("working hours"), "days": N_("days"), "weeks": N_("weeks"), "months": N_("months")}


def _standard_form(row: ProcessingStandard | None) -> dict[str, str]:
    if row is None:
        return {"standard_id": "", "code": "", "name": "", "period_amount": "", "period_unit": "days",
                "legal_basis": "", "is_active": "on"}  # fmt: skip
    return {
        "standard_id": str(row.id),
        "code": row.code,
        "name": row.name,
        "period_amount": str(row.period_amount),
        "period_unit": row.period_unit,
        "legal_basis": row.legal_basis,
        "is_active": "on" if row.is_active else "",
    }


def _standards_page(
    request: Request,
    db: DbSession,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    saved: str | None = None,
    status_code: int = 200,
) -> Response:
    rows = list_standards(db=db)
    context: dict[str, Any] = {
        "standards": rows,
        "periods": {r.id: period_ko(standard_period(r)) for r in rows},
        "units": [u.value for u in STANDARD_UNITS],
        "unit_labels": UNIT_LABELS,
        "form": form,
        "errors": errors or {},
        "saved": saved,
    }
    return render(request, "admin_standards.html", context, status_code=status_code)


@router.get("/standards")
def standards_page(
    request: Request,
    db: DbSession,
    _admin: Administrator,
    edit: int | None = None,
    saved: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    """The processing-standards table, and a form (empty, or filled with ``?edit=<id>``)."""
    row = get_standard(db=db, standard_id=edit) if edit else None
    return _standards_page(request, db, _standard_form(row), saved=saved)


@router.post("/standards", dependencies=[CsrfChecked])
async def save_standard_form(request: Request, db: DbSession, admin: Administrator) -> Response:
    """Create or update a row; errors next to the field (422), success → 303 to the list."""
    locale = request_locale(request)
    raw = await request.form()
    form = {name: str(raw.get(name, "")).strip() for name in STANDARD_FIELDS}
    form["is_active"] = "on" if raw.get("is_active") else ""
    errors: dict[str, str] = {}
    if not form["period_amount"].isdigit():
        errors["period_amount"] = gettext(locale, "Enter a whole number.")
    if form["standard_id"] and not form["standard_id"].isdigit():
        errors["code"] = gettext(locale, "Enter a whole number.")
    if errors:
        return _standards_page(request, db, form, errors, status_code=422)
    try:
        row = save_standard(
            db=db,
            actor=admin,
            code=form["code"],
            name=form["name"],
            period_amount=int(form["period_amount"]),
            period_unit=form["period_unit"],
            legal_basis=form["legal_basis"],
            standard_id=int(form["standard_id"]) if form["standard_id"] else None,
            is_active=bool(form["is_active"]),
            ip=client_ip(request),
        )
    except MinwonError as exc:
        db.rollback()
        errors[exc.field or "code"] = gettext(locale, exc.message)
        return _standards_page(request, db, form, errors, status_code=exc.status_code)
    return RedirectResponse(f"/admin/standards?saved={row.code}", status_code=303)


@router.post("/standards/{standard_id}/retire", dependencies=[CsrfChecked])
def retire_standard_form(request: Request, db: DbSession, admin: Administrator, standard_id: int) -> Response:
    """Retire a row (kept for the cases that use it); 303 to the list."""
    row = retire_standard(db=db, actor=admin, standard_id=standard_id, ip=client_ip(request))
    return RedirectResponse(f"/admin/standards?saved={row.code}", status_code=303)


def _calendar_page(
    request: Request,
    db: DbSession,
    *,
    year: int,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    hours = get_working_hours(db=db)
    calendar = load_calendar(db=db)
    context: dict[str, Any] = {
        "hours": hours,
        "year": year,
        "public_holidays": public_holidays(year, calendar),
        "temporary": list_temporary_holidays(db=db),
        "errors": errors or {},
        "message": message,
    }
    return render(request, "admin_calendar.html", context, status_code=status_code)


@router.get("/calendar")
def calendar_page(
    request: Request,
    db: DbSession,
    _admin: Administrator,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    changed: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """Working hours, the public holidays of ``year`` (``holidays.KR``) and the temporary holidays."""
    locale = request_locale(request)
    message = None
    if changed is not None:
        message = gettext(locale, "Saved. Deadlines recomputed: %(n)s cases.") % {"n": changed}
    return _calendar_page(request, db, year=year or local_today().year, message=message)


def _optional_clock(value: str, field: str) -> time | None:
    return parse_clock(value, field) if value.strip() else None


@router.post("/calendar/hours", dependencies=[CsrfChecked])
async def save_hours_form(request: Request, db: DbSession, admin: Administrator) -> Response:
    """Save working hours (recomputes open deadlines); errors come back on the page (422)."""
    raw = await request.form()
    value = {k: str(raw.get(k, "")) for k in ("work_start", "work_end", "break_start", "break_end")}
    try:
        changed = save_working_hours(
            db=db,
            actor=admin,
            work_start=parse_clock(value["work_start"], "work_start"),
            work_end=parse_clock(value["work_end"], "work_end"),
            break_start=_optional_clock(value["break_start"], "break_start"),
            break_end=_optional_clock(value["break_end"], "break_end"),
            ip=client_ip(request),
        )
    except MinwonError as exc:
        db.rollback()
        errors = {exc.field or "work_start": gettext(request_locale(request), exc.message)}
        return _calendar_page(
            request, db, year=local_today().year, errors=errors, status_code=exc.status_code
        )
    return RedirectResponse(f"/admin/calendar?changed={len(changed)}", status_code=303)


@router.post("/calendar/holidays", dependencies=[CsrfChecked])
async def add_holiday_form(request: Request, db: DbSession, admin: Administrator) -> Response:
    """Add a temporary holiday (recomputes the affected open deadlines)."""
    raw = await request.form()
    try:
        try:
            day = parse_day(str(raw.get("day", "")), field="day")
        except ValidationError:
            raise ValidationError(N_("Enter a date as YYYY-MM-DD."), field="day") from None
        changed = add_temporary_holiday(
            db=db, actor=admin, day=day, name=str(raw.get("name", "")), ip=client_ip(request)
        )
    except MinwonError as exc:
        db.rollback()
        errors = {exc.field or "day": gettext(request_locale(request), exc.message)}
        return _calendar_page(
            request, db, year=local_today().year, errors=errors, status_code=exc.status_code
        )
    return RedirectResponse(f"/admin/calendar?year={day.year}&changed={len(changed)}", status_code=303)


@router.post("/calendar/holidays/{holiday_id}/delete", dependencies=[CsrfChecked])
def remove_holiday_form(request: Request, db: DbSession, admin: Administrator, holiday_id: int) -> Response:
    """Remove a temporary holiday (recomputes the affected open deadlines)."""
    changed = remove_temporary_holiday(db=db, actor=admin, holiday_id=holiday_id, ip=client_ip(request))
    return RedirectResponse(f"/admin/calendar?changed={len(changed)}", status_code=303)
