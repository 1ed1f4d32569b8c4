"""Case pages for departments and supervisors.

* ``GET /cases`` — work lists (open / mine / due today / overdue), sortable by deadline; supervisors
  also see open cases per department by deadline risk.
* ``GET /cases/{id}`` — one case: deadline with its Korean basis, history, and the officer's steps.
* ``POST /cases/{id}/<step>`` — accept, answer, hand-over, send (타기관 이송), extend, reclassify,
  mobile. Errors come back on the case page with the status of the error (403/404/409/422).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from minwon.accounts.deps import CsrfChecked, client_ip, require_roles
from minwon.accounts.models import Role, User
from minwon.cases import workflow
from minwon.cases.basis import deadline_basis_ko
from minwon.cases.calendar import case_period, load_calendar
from minwon.cases.deadlines import PetitionType
from minwon.cases.models import CaseStatus, ProcessingStandard
from minwon.cases.overview import deadline_risk_by_department
from minwon.cases.service import CASE_VIEWS, CaseView, list_department_cases, view_case
from minwon.cases.standards import list_standards
from minwon.core.clock import utcnow
from minwon.core.errors import Conflict, MinwonError, ValidationError
from minwon.core.i18n import N_, gettext
from minwon.db.deps import DbSession
from minwon.notices.service import notices_for_case
from minwon.org.service import list_categories, list_departments
from minwon.web.desk import LABELS
from minwon.web.templating import render, request_locale

router = APIRouter(prefix="/cases", tags=["cases"], include_in_schema=False)

CaseUser = Annotated[
    User, Depends(require_roles(Role.DEPARTMENT_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR))
]
Officer = Annotated[User, Depends(require_roles(Role.DEPARTMENT_OFFICER))]

VIEW_LABELS: dict[str, str] = {
    "open": N_("Open"),
    "mine": N_("Mine"),
    "due_today": N_("Due today"),
    "overdue": N_("Overdue"),
}
#: History step names (``CaseEvent.action``) for the case page.
EVENT_LABELS: dict[str, str] = {
    "received": N_("Received"),
    "transferred": N_("Transferred"),
    "accepted": N_("Accepted"),
    "answered": N_("Answered"),
    "closed": N_("Closed"),
    "handed_over": N_("Handed over"),
    "sent_to_agency": N_("Sent to another agency"),
    "extended": N_("Deadline extended"),
    "reclassified": N_("Petition type changed"),
    "due_recomputed": N_("Deadline recomputed"),
    "interim_notice": N_("Interim notice"),
    "mobile_set": N_("Mobile number for notices"),
    "reminder_sent": N_("Reminder sent"),
}
_DONE: dict[str, str] = {
    "accept": N_("You accepted the case."),
    "answer": N_("The answer was saved."),
    "close": N_("The case was closed."),
    "hand-over": N_("The case was handed over."),
    "send": N_("The case was sent to the other agency."),
    "extend": N_("The deadline was extended."),
    "reclassify": N_("The petition type was changed."),
    "mobile": N_("The mobile number was saved."),
}


@router.get("", response_class=HTMLResponse)
def cases(
    request: Request,
    db: DbSession,
    user: CaseUser,
    view: Annotated[str, Query(max_length=20)] = "open",
    department_id: Annotated[str, Query(max_length=12)] = "",
    sort: Annotated[str, Query(max_length=5)] = "due",
) -> Response:
    """Work list. Department officers see their own department; supervisors every department or one,
    with the per-department deadline-risk table. ``sort``: ``due`` (soonest first) or ``-due``."""
    if view not in CASE_VIEWS:
        raise ValidationError(f"unknown view {view!r}; one of {', '.join(CASE_VIEWS)}", field="view")
    if sort not in ("due", "-due"):
        raise ValidationError("sort must be due or -due", field="sort")
    chosen: CaseView = view
    departments = list_departments(db=db, active_only=False)
    is_officer = user.role == Role.DEPARTMENT_OFFICER
    now = utcnow()
    if is_officer:
        dept_id: int | None = user.department_id
    else:
        dept_id = int(department_id) if department_id.isdigit() else None
    items = (
        []
        if is_officer and dept_id is None
        else list_department_cases(
            db=db, department_id=dept_id, view=chosen, now=now, officer_id=user.id, descending=sort == "-due"
        )
    )
    locale = request_locale(request)
    cat_names = {
        c.id: (c.name_en if locale == "en" else c.name_ko) for c in list_categories(db=db, active_only=False)
    }
    return render(
        request,
        "cases.html",
        {
            "cases": items,
            "view": chosen,
            "views": VIEW_LABELS if is_officer else {k: v for k, v in VIEW_LABELS.items() if k != "mine"},
            "sort": sort,
            "department_id": dept_id,
            "departments": departments,
            "dept_names": {d.id: d.name for d in departments},
            "cat_names": cat_names,
            "is_officer": is_officer,
            "risk": [] if is_officer else deadline_risk_by_department(db=db, now=now),
            "labels": LABELS,
            "now": now,
        },
    )


def _detail_page(
    request: Request,
    db: DbSession,
    user: User,
    case_id: int,
    *,
    error: str | None = None,
    error_field: str | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    detail = view_case(db=db, case_id=case_id, viewer=user, ip=client_ip(request))
    case = detail.case
    period = case_period(case)
    standard = (
        db.get(ProcessingStandard, case.processing_standard_id) if case.processing_standard_id else None
    )
    basis_ko = (
        deadline_basis_ko(
            case.petition_type,
            period,
            service_name=standard.name if standard else None,
            legal_basis=standard.legal_basis if standard else None,
            extended=case.extended_at is not None,
        )
        if period
        else None
    )
    can_act = user.role == Role.DEPARTMENT_OFFICER and user.department_id == case.department_id
    running = case.status in workflow.RUNNING
    extension_limit = None
    if can_act and running and case.extended_at is None and case.due_at and period:
        try:
            extension_limit = workflow.extension_limit(case, load_calendar(db=db))
        except Conflict:
            extension_limit = None
    context: dict[str, Any] = {
        "d": detail,
        "labels": LABELS,
        "event_labels": EVENT_LABELS,
        "notices": notices_for_case(db=db, case_id=case.id),
        "now": utcnow(),
        "basis_ko": basis_ko,
        "standard": standard,
        "can_act": can_act,
        "running": running,
        "can_accept": can_act and case.status in (CaseStatus.RECEIVED, CaseStatus.TRANSFERRED),
        "can_answer": can_act and case.status in (CaseStatus.TRANSFERRED, CaseStatus.IN_PROGRESS),
        "can_close": can_act and case.status is CaseStatus.ANSWERED,
        "extension_limit": extension_limit,
        "departments": [d for d in list_departments(db=db, active_only=True) if d.id != case.department_id],
        "standards": list_standards(db=db, active_only=True),
        "petition_types": [p.value for p in PetitionType],
        "error": error,
        "error_field": error_field,
        "done": _DONE.get(done or ""),
    }
    return render(request, "cases_detail.html", context, status_code=status_code)


@router.get("/{case_id}", response_class=HTMLResponse)
def case_detail(
    request: Request,
    db: DbSession,
    user: CaseUser,
    case_id: int,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """One case and its history (an access record is written when the case has a caller)."""
    return _detail_page(request, db, user, case_id, done=done)


def _form_int(value: object, field: str) -> int:
    text = str(value or "").strip()
    if not text.isdigit():
        raise ValidationError(N_("Choose a value from the list."), field=field)
    return int(text)


def _form_day(value: object, field: str) -> date:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError(N_("Enter a date as YYYY-MM-DD."), field=field) from None


@router.post("/{case_id}/{step}", dependencies=[CsrfChecked])
async def case_step(request: Request, db: DbSession, user: Officer, case_id: int, step: str) -> Response:
    """Run one officer step from the case page; 303 back to the case on success, the case page with
    the error (403/404/409/422) otherwise."""
    form = await request.form()
    value = {k: str(v) for k, v in form.items()}
    try:
        if step == "accept":
            workflow.accept_case(db=db, case_id=case_id, officer=user)
        elif step == "answer":
            workflow.answer_case(
                db=db,
                case_id=case_id,
                officer=user,
                answer=value.get("answer", ""),
                close=bool(value.get("close")),
            )
        elif step == "close":
            workflow.close_case(db=db, case_id=case_id, officer=user)
        elif step == "hand-over":
            workflow.hand_over_case(
                db=db,
                case_id=case_id,
                officer=user,
                department_id=_form_int(value.get("department_id"), "department_id"),
                reason=value.get("reason", ""),
            )
        elif step == "send":
            workflow.send_to_agency(
                db=db,
                case_id=case_id,
                officer=user,
                agency=value.get("agency", ""),
                reason=value.get("reason", ""),
            )
        elif step == "extend":
            workflow.extend_case(
                db=db,
                case_id=case_id,
                officer=user,
                new_due_day=_form_day(value.get("new_due"), "new_due"),
                reason=value.get("reason", ""),
            )
        elif step == "reclassify":
            standard = value.get("standard_id", "").strip()
            workflow.reclassify_case(
                db=db,
                case_id=case_id,
                officer=user,
                petition_type=value.get("petition_type", ""),
                standard_id=int(standard) if standard.isdigit() else None,
            )
        elif step == "mobile":
            workflow.set_case_mobile(db=db, case_id=case_id, officer=user, number=value.get("number", ""))
        else:
            raise ValidationError(N_("Unknown step."), field="step")
    except MinwonError as exc:
        db.rollback()
        if exc.status_code == 404:
            raise
        message = gettext(request_locale(request), exc.message)
        return _detail_page(
            request, db, user, case_id, error=message, error_field=exc.field, status_code=exc.status_code
        )
    return RedirectResponse(f"/cases/{case_id}?done={step}", status_code=303)
