"""Case pages for departments and supervisors: work lists (open / due today / overdue) and one case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from minwon.accounts.deps import client_ip, require_roles
from minwon.accounts.models import Role, User
from minwon.cases.service import CASE_VIEWS, CaseView, list_department_cases, view_case
from minwon.core.clock import utcnow
from minwon.core.errors import ValidationError
from minwon.core.i18n import N_
from minwon.db.deps import DbSession
from minwon.org.service import list_categories, list_departments
from minwon.web.desk import LABELS
from minwon.web.templating import render, request_locale

router = APIRouter(prefix="/cases", tags=["cases"], include_in_schema=False)

CaseUser = Annotated[User, Depends(require_roles(Role.DEPARTMENT_OFFICER, Role.SUPERVISOR))]

VIEW_LABELS: dict[str, str] = {"open": N_("Open"), "due_today": N_("Due today"), "overdue": N_("Overdue")}


@router.get("", response_class=HTMLResponse)
def cases(
    request: Request,
    db: DbSession,
    user: CaseUser,
    view: Annotated[str, Query(max_length=20)] = "open",
    department_id: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """Work list. Department officers see their own department; supervisors every department or one."""
    if view not in CASE_VIEWS:
        raise ValidationError(f"unknown view {view!r}; one of {', '.join(CASE_VIEWS)}", field="view")
    chosen: CaseView = view
    departments = list_departments(db=db, active_only=False)
    if user.role == Role.DEPARTMENT_OFFICER:
        dept_id: int | None = user.department_id
        items = [] if dept_id is None else list_department_cases(db=db, department_id=dept_id, view=chosen)
    else:
        dept_id = int(department_id) if department_id.isdigit() else None
        items = list_department_cases(db=db, department_id=dept_id, view=chosen)
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
            "views": VIEW_LABELS,
            "department_id": dept_id,
            "departments": departments,
            "dept_names": {d.id: d.name for d in departments},
            "cat_names": cat_names,
            "is_officer": user.role == Role.DEPARTMENT_OFFICER,
            "labels": LABELS,
            "now": utcnow(),
        },
    )


@router.get("/{case_id}", response_class=HTMLResponse)
def case_detail(request: Request, db: DbSession, user: CaseUser, case_id: int) -> Response:
    """One case and its history (an access record is written when the case has a caller)."""
    detail = view_case(db=db, case_id=case_id, viewer=user, ip=client_ip(request))
    return render(request, "cases_detail.html", {"d": detail, "labels": LABELS, "now": utcnow()})
