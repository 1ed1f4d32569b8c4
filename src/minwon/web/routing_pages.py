"""Routing on the desk (a suggestion under the inquiry field) and its administration page.

The desk partial is fetched by htmx while the counselor types the inquiry; the admin page shows the
active model's held-out evaluation, retrains it and maps learned department names to today's
departments.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from minwon.accounts.deps import CsrfChecked, require_roles
from minwon.accounts.models import Role, User
from minwon.core.errors import MinwonError, NotFound, ValidationError
from minwon.core.i18n import gettext
from minwon.db.deps import DbSession
from minwon.org.models import Department
from minwon.org.service import list_departments
from minwon.routing.models import DepartmentMapping
from minwon.routing.service import active_record, forget_cached_model, set_mapping, suggest, train_model
from minwon.web.templating import render, request_locale

router = APIRouter(include_in_schema=False)

DeskUser = Annotated[User, Depends(require_roles(Role.COUNSELOR, Role.SUPERVISOR))]
Administrator = Annotated[User, Depends(require_roles(Role.ADMINISTRATOR))]
#: Shorter inquiries carry too little to route; the partial stays empty.
MIN_CHARS = 2


@router.get("/desk/route-suggest")
def desk_suggestion(
    request: Request,
    db: DbSession,
    _user: DeskUser,
    inquiry: Annotated[str, Query(max_length=20_000)] = "",
) -> Response:
    """Partial: the suggested department and category for the inquiry typed so far."""
    ctx: dict[str, Any] = {"suggestion": None, "message": None}
    if len(inquiry.strip()) >= MIN_CHARS:
        try:
            ctx["suggestion"] = suggest(db=db, text=inquiry)
        except NotFound:
            ctx["message"] = gettext(request_locale(request), "No routing model yet.")
        except ValidationError as exc:
            ctx["message"] = gettext(request_locale(request), exc.message)
    return render(request, "desk_route.html", ctx)


@router.post("/api/routing/suggest")
async def api_suggest(request: Request, db: DbSession, _user: DeskUser) -> JSONResponse:
    """JSON ``{"text": …}`` → the suggestion (same shape as ``minwon route --json``)."""
    try:
        body = await request.json()
    except ValueError:
        raise ValidationError("the body must be JSON") from None
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str):
        raise ValidationError('the body needs "text" (a string)', field="text")
    return JSONResponse(suggest(db=db, text=text).as_json())


def _admin_page(
    request: Request, db: DbSession, *, error: str | None = None, status_code: int = 200
) -> Response:
    mappings = db.execute(
        select(DepartmentMapping.label, Department.name)
        .join(Department, Department.id == DepartmentMapping.department_id)
        .order_by(DepartmentMapping.label)
    ).all()
    return render(
        request,
        "admin_routing.html",
        {
            "active": "routing",
            "record": active_record(db=db),
            "mappings": mappings,
            "departments": list_departments(db=db),
            "error": error,
            "done": request.query_params.get("done"),
        },
        status_code=status_code,
    )


@router.get("/admin/routing")
def admin_routing(request: Request, db: DbSession, _admin: Administrator) -> Response:
    return _admin_page(request, db)


@router.post("/admin/routing/train", dependencies=[CsrfChecked])
def admin_train(request: Request, db: DbSession, admin: Administrator) -> Response:
    try:
        train_model(db=db, actor=admin)
    except MinwonError as exc:
        db.rollback()
        return _admin_page(request, db, error=gettext(request_locale(request), exc.message), status_code=422)
    forget_cached_model()
    return RedirectResponse("/admin/routing?done=trained", status_code=303)


@router.post("/admin/routing/map", dependencies=[CsrfChecked])
async def admin_map(request: Request, db: DbSession, admin: Administrator) -> Response:
    form = await request.form()
    label = str(form.get("label", "")).strip()
    raw_id = str(form.get("department_id", "")).strip()
    try:
        if not raw_id.isdigit():
            raise ValidationError("Choose a department.", field="department_id")
        set_mapping(db=db, label=label, department_id=int(raw_id), actor=admin)
    except MinwonError as exc:
        db.rollback()
        return _admin_page(request, db, error=gettext(request_locale(request), exc.message), status_code=422)
    return RedirectResponse("/admin/routing?done=mapped", status_code=303)
