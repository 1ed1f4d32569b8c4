"""Nonconformity register pages (부적합·시정조치, ISO 9001 §10.2): list with filters and KPI-breach
suggestions, new-entry form (prefilled from ``?source=&source_ref=&title=``), detail with history and
the workflow forms. Routes are thin: they parse forms and call ``minwon.capa.service``; errors come
back on the page beside the form (422 bad input, 409 wrong step, 403 not allowed).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from minwon.accounts.deps import CsrfChecked, CurrentUser, require_roles
from minwon.accounts.models import Role, User
from minwon.capa import service as capa
from minwon.capa.models import RESULT_LABELS, SOURCE_LABELS, STATUS_LABELS, Nonconformity
from minwon.core.clock import local_today
from minwon.core.errors import MinwonError, ValidationError
from minwon.core.i18n import N_, gettext
from minwon.db.deps import DbSession
from minwon.web.forms import optional_day, optional_int
from minwon.web.templating import render, request_locale

router = APIRouter(prefix="/quality/capa", tags=["capa"], include_in_schema=False)

Editor = Annotated[User, Depends(require_roles(Role.QUALITY_MANAGER, Role.SUPERVISOR))]

ACTION_LABELS: dict[str, str] = {
    "created": N_("recorded"),
    "edited": N_("edited"),
    "planned": N_("corrective action planned"),
    "implemented": N_("implementation recorded"),
    "checked": N_("effectiveness checked"),
    "closed": N_("closed"),
    "overdue": N_("due date passed; owner notified"),
}
FIELD_LABELS: dict[str, str] = {
    "title": N_("Title"),
    "source": N_("Source"),
    "source_ref": N_("Source reference"),
    "description": N_("Description"),
    "root_cause": N_("Root cause"),
    "correction": N_("Correction (immediate fix)"),
    "corrective_action": N_("Corrective action (removes the cause)"),
    "implementation_note": N_("Implementation"),
    "owner_id": N_("Owner"),
    "due_date": N_("Due date"),
    "check_planned": N_("Effectiveness check planned on"),
    "check_result": N_("Effectiveness"),
    "check_note": N_("Check note"),
    "checked_by_id": N_("Checked by"),
    "checked_at": N_("Checked at"),
    "closure_note": N_("Closure note"),
    "closed_by_id": N_("Closed by"),
    "closed_at": N_("Closed at"),
    "round": N_("Round"),
}
WORKFLOW_ACTIONS = ("plan", "implement", "check", "close")
FORM_MAX = 10_000


def _labels() -> dict[str, Any]:
    return {
        "status": STATUS_LABELS,
        "source": SOURCE_LABELS,
        "result": RESULT_LABELS,
        "action": ACTION_LABELS,
        "field": FIELD_LABELS,
    }


def _page(request: Request, name: str, ctx: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return render(
        request, name, {"labels": _labels(), "today": local_today(), **ctx}, status_code=status_code
    )


def _users(db: DbSession) -> list[User]:
    return list(db.scalars(select(User).where(User.is_active).order_by(User.display_name)))


# ─────────────────────────── list ───────────────────────────


@router.get("", response_class=HTMLResponse)
def capa_list(
    request: Request,
    db: DbSession,
    user: CurrentUser,
    status: Annotated[str, Query(max_length=20)] = "",
    source: Annotated[str, Query(max_length=20)] = "",
    owner_id: Annotated[str, Query(max_length=12)] = "",
    overdue: Annotated[str, Query(max_length=5)] = "",
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The register, newest first, filtered by status, source, owner and overdue; for editors the page
    loads the KPI-breach suggestions separately (they take a KPI computation per period). Users who do
    not keep the register see only the entries they own."""
    owner = optional_int(owner_id, "owner_id")
    today = local_today()
    rows = capa.list_nonconformities(
        db=db,
        status=status or None,
        source=source or None,
        owner_id=owner,
        overdue=bool(overdue),
        viewer=user,
        today=today,
    )
    editor = capa.can_edit(user)
    return _page(
        request,
        "capa_list.html",
        {
            "rows": rows,
            "overdue_ids": {nc.id for nc in rows if capa.is_overdue(nc, today)},
            "people": capa.user_names(db, (nc.owner_id for nc in rows)),
            "users": _users(db) if editor else [],
            "filters": {"status": status, "source": source, "owner_id": owner, "overdue": bool(overdue)},
            "is_editor": editor,
            "done": done if done in ("dismissed",) else None,
        },
    )


@router.get("/suggestions", response_class=HTMLResponse)
def suggestions(request: Request, db: DbSession, _user: Editor) -> Response:
    """Partial: the KPI-breach suggestions, each with "register" (the prefilled form) and "dismiss"."""
    locale = request_locale(request)
    items = []
    for s in capa.breach_suggestions(db=db):
        text = capa.suggestion_text(locale, s)
        query = urlencode({"source": "kpi", "source_ref": s.source_ref, "title": text})
        items.append({"s": s, "text": text, "href": f"/quality/capa/new?{query}"})
    return render(request, "capa_suggestions.html", {"suggestions": items})


@router.post("/suggestions/dismiss", dependencies=[CsrfChecked])
async def dismiss(request: Request, db: DbSession, user: Editor) -> Response:
    """Dismiss a KPI-breach suggestion (recorded with who and when); back to the register."""
    form = await request.form()
    capa.dismiss_suggestion(
        db=db,
        actor=user,
        source_ref=str(form.get("source_ref") or "")[:FORM_MAX],
        note=str(form.get("note") or "")[:FORM_MAX],
    )
    return RedirectResponse("/quality/capa?done=dismissed", status_code=303)


# ─────────────────────────── new ───────────────────────────

NEW_FIELDS = ("title", "source", "source_ref", "description", "correction", "owner_id", "due_date")


def _new_page(
    request: Request, db: DbSession, values: dict[str, str], error: MinwonError | None = None
) -> HTMLResponse:
    return _page(
        request,
        "capa_new.html",
        {
            "values": values,
            "users": _users(db),
            "error": gettext(request_locale(request), error.message) if error else None,
            "error_field": error.field if error else None,
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/new", response_class=HTMLResponse)
def new_form(
    request: Request,
    db: DbSession,
    _user: Editor,
    source: Annotated[str, Query(max_length=FORM_MAX)] = "",
    source_ref: Annotated[str, Query(max_length=FORM_MAX)] = "",
    title: Annotated[str, Query(max_length=FORM_MAX)] = "",
) -> Response:
    """The new-entry form, prefilled from ``source`` (kpi, survey, complaint, evaluation, audit, other),
    ``source_ref`` (≤ 100 characters) and ``title`` (≤ 200). A bad value is left out and the form says
    why (422)."""
    values = {name: "" for name in NEW_FIELDS}
    error: MinwonError | None = None
    for name, raw, limit in (
        ("title", title, capa.TITLE_MAX),
        ("source_ref", source_ref, capa.SOURCE_REF_MAX),
    ):
        if len(raw.strip()) > limit:
            error = error or ValidationError(
                N_("The title may have at most 200 characters.")
                if name == "title"
                else N_("The source reference may have at most 100 characters."),
                field=name,
            )
        else:
            values[name] = raw.strip()
    if source:
        try:
            values["source"] = capa.parse_source(source).value
        except ValidationError as exc:
            error = error or exc
    return _new_page(request, db, values, error)


@router.post("/new", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def create(request: Request, db: DbSession, user: Editor) -> Response:
    """Record the entry and open it (303), or show the form again with the reason (nothing stored)."""
    form = await request.form()
    values = {name: str(form.get(name) or "")[:FORM_MAX] for name in NEW_FIELDS}
    try:
        nc = capa.create_nonconformity(
            db=db,
            actor=user,
            title=values["title"],
            source=values["source"],
            source_ref=values["source_ref"],
            description=values["description"],
            correction=values["correction"],
            owner_id=optional_int(values["owner_id"], "owner_id"),
            due_date=optional_day(values["due_date"], "due_date"),
        )
    except MinwonError as exc:
        db.rollback()
        return _new_page(request, db, values, exc)
    return RedirectResponse(f"/quality/capa/{nc.id}?done=created", status_code=303)


# ─────────────────────────── detail ───────────────────────────


def _detail(
    request: Request,
    db: DbSession,
    user: User,
    nc: Nonconformity,
    *,
    error: MinwonError | None = None,
    form_name: str | None = None,
    values: dict[str, str] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    events = capa.history(db=db, nc_id=nc.id)
    ids: set[int | None] = {nc.owner_id, nc.checked_by_id, nc.closed_by_id, nc.created_by_id}
    for ev in events:
        ids.add(ev.actor_id)
        for key in ("owner_id", "checked_by_id", "closed_by_id"):
            for v in ev.changes.get(key, []):
                ids.add(v if isinstance(v, int) else None)
    return _page(
        request,
        "capa_detail.html",
        {
            "nc": nc,
            "events": events,
            "people": capa.user_names(db, ids),
            "users": _users(db),
            "is_editor": capa.can_edit(user),
            "is_owner": nc.owner_id == user.id,
            "overdue": capa.is_overdue(nc, local_today()),
            "error": gettext(request_locale(request), error.message) if error else None,
            "error_field": error.field if error else None,
            "form_name": form_name,
            "values": values or {},
            "done": done,
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/{nc_id}", response_class=HTMLResponse)
def detail(
    request: Request,
    db: DbSession,
    user: CurrentUser,
    nc_id: int,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """One entry: its fields, the forms for the next step the user may take, and the full history."""
    nc = capa.get_nonconformity(db=db, nc_id=nc_id, viewer=user)
    ok = done if done in (*WORKFLOW_ACTIONS, "edit", "created") else None
    return _detail(request, db, user, nc, done=ok)


@router.post("/{nc_id}/{action}", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def act(request: Request, db: DbSession, user: CurrentUser, nc_id: int, action: str) -> Response:
    """``edit``, ``plan``, ``implement``, ``check`` or ``close``. Success redirects to the entry (303);
    a refused step shows the entry with the reason beside the form (403/409/422), nothing stored."""
    nc = capa.get_nonconformity(db=db, nc_id=nc_id, viewer=user)
    form = await request.form()
    values = {k: str(v)[:FORM_MAX] for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}
    try:
        if action == "edit":
            allowed = capa.EDITABLE if capa.can_edit(user) else capa.OWNER_EDITABLE
            changes: dict[str, Any] = {}
            for name in allowed:
                if name not in values:
                    continue
                if name == "owner_id":
                    changes[name] = optional_int(values[name], name)
                elif name in ("due_date", "check_planned"):
                    changes[name] = optional_day(values[name], name)
                else:
                    changes[name] = values[name]
            capa.update_nonconformity(db=db, actor=user, nc_id=nc_id, values=changes)
        elif action == "plan":
            capa.plan_action(
                db=db,
                actor=user,
                nc_id=nc_id,
                root_cause=values.get("root_cause", ""),
                corrective_action=values.get("corrective_action", ""),
                owner_id=optional_int(values.get("owner_id", ""), "owner_id"),
                due_date=optional_day(values.get("due_date", ""), "due_date"),
                check_planned=optional_day(values.get("check_planned", ""), "check_planned"),
                note=values.get("note", ""),
            )
        elif action == "implement":
            capa.record_implementation(
                db=db,
                actor=user,
                nc_id=nc_id,
                implementation_note=values.get("implementation_note", ""),
                correction=values.get("correction"),
            )
        elif action == "check":
            capa.record_check(
                db=db, actor=user, nc_id=nc_id, result=values.get("result", ""), note=values.get("note", "")
            )
        elif action == "close":
            capa.close_nonconformity(db=db, actor=user, nc_id=nc_id, note=values.get("note", ""))
        else:
            raise ValidationError(N_("Unknown action."), field="action")
    except MinwonError as exc:
        db.rollback()
        nc = capa.get_nonconformity(db=db, nc_id=nc_id)
        return _detail(request, db, user, nc, error=exc, form_name=action, values=values)
    return RedirectResponse(f"/quality/capa/{nc_id}?done={action}", status_code=303)
