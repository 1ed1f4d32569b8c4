"""Administration of notices to citizens: the outbox, the Korean templates, the recorded test messages.

Administrators may do everything; quality managers may look (every GET). Recipients are shown masked
only. Every form post carries the session's CSRF token; changes are audited by the service.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from minwon.accounts.deps import CsrfChecked, client_ip, require_roles
from minwon.accounts.models import Role, User
from minwon.core.errors import ValidationError
from minwon.core.i18n import gettext
from minwon.db.deps import DbSession
from minwon.notices.models import NoticeStatus
from minwon.notices.rendering import LMS_MAX_BYTES, SMS_MAX_BYTES
from minwon.notices.service import (
    SAMPLE_VALUES,
    TemplateInvalid,
    cancel_notice,
    count_by_status,
    get_template,
    list_notices,
    list_recorded_messages,
    list_templates,
    preview_template,
    retry_notice,
    save_template,
)
from minwon.web.templating import render, request_locale

router = APIRouter(prefix="/admin/notices", include_in_schema=False)

Administrator = Annotated[User, Depends(require_roles(Role.ADMINISTRATOR))]
#: Quality managers read the outbox and templates (administrators pass every role check).
Reader = Annotated[User, Depends(require_roles(Role.QUALITY_MANAGER))]

PAGE_SIZE = 100


def _can_edit(user: User) -> bool:
    return user.role == Role.ADMINISTRATOR


@router.get("", response_class=HTMLResponse)
def outbox_page(
    request: Request,
    db: DbSession,
    user: Reader,
    status: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The outbox, newest first, ``?status=failed`` to filter; retry/cancel buttons for administrators."""
    chosen: NoticeStatus | None = None
    if status:
        try:
            chosen = NoticeStatus(status)
        except ValueError:
            raise ValidationError(f"unknown status {status!r}", field="status") from None
    notices = list_notices(db=db, status=chosen, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    context: dict[str, Any] = {
        "notices": notices[:PAGE_SIZE],
        "has_next": len(notices) > PAGE_SIZE,
        "page": page,
        "status": chosen.value if chosen else "",
        "counts": count_by_status(db=db),
        "statuses": list(NoticeStatus),
        "can_edit": _can_edit(user),
        "done": done,
        "active": "outbox",
    }
    return render(request, "notices/admin_outbox.html", context)


@router.post("/{notice_id}/retry", dependencies=[CsrfChecked])
def retry(request: Request, db: DbSession, admin: Administrator, notice_id: int) -> Response:
    """Queue a failed notice again (303 back to the failed list; 409 when it is no longer failed)."""
    retry_notice(
        db=db, notice_id=notice_id, actor_id=admin.id, actor_name=admin.username, ip=client_ip(request)
    )
    return RedirectResponse("/admin/notices?status=failed&done=retried", status_code=303)


@router.post("/{notice_id}/cancel", dependencies=[CsrfChecked])
def cancel(request: Request, db: DbSession, admin: Administrator, notice_id: int) -> Response:
    """Cancel a queued or failed notice (303 back to the outbox; 409 when already sending or sent)."""
    cancel_notice(
        db=db, notice_id=notice_id, actor_id=admin.id, actor_name=admin.username, ip=client_ip(request)
    )
    return RedirectResponse("/admin/notices?done=cancelled", status_code=303)


@router.get("/templates", response_class=HTMLResponse)
def templates_page(request: Request, db: DbSession, user: Reader, saved: str = "") -> Response:
    """Every template key: the text in use (built-in or override), its fields and SMS size."""
    items = []
    for info in list_templates(db=db):
        subject, body = info.in_use
        try:
            preview = preview_template(key=info.key, subject=subject, body=body)
        except TemplateInvalid:  # a text stored by an older version; the edit page names the problem
            preview = None
        items.append({"info": info, "preview": preview})
    context = {"items": items, "saved": saved, "can_edit": _can_edit(user), "active": "templates"}
    return render(request, "notices/admin_templates.html", context)


def _edit_page(
    request: Request,
    db: DbSession,
    user: User,
    key: str,
    form: dict[str, str] | None = None,
    error: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    info = get_template(db=db, key=key)
    if form is None:
        subject, body = info.in_use
        active = info.override.is_active if info.override is not None else True
        form = {"subject": subject, "body": body, "is_active": "on" if active else ""}
    preview = None
    if error is None:
        try:
            preview = preview_template(key=key, subject=form["subject"], body=form["body"])
        except TemplateInvalid as exc:
            error = _error(request, exc)
    context: dict[str, Any] = {
        "info": info,
        "form": form,
        "error": error,
        "preview": preview,
        "samples": SAMPLE_VALUES,
        "sms_max": SMS_MAX_BYTES,
        "lms_max": LMS_MAX_BYTES,
        "can_edit": _can_edit(user),
        "active": "templates",
    }
    return render(request, "notices/admin_template_edit.html", context, status_code=status_code)


def _error(request: Request, exc: TemplateInvalid) -> dict[str, str]:
    locale = request_locale(request)
    return {"field": exc.field or "body", "message": gettext(locale, exc.msgid).format(**exc.params)}


@router.get("/templates/{key}", response_class=HTMLResponse)
def template_page(request: Request, db: DbSession, user: Reader, key: str) -> Response:
    """One template: the form (administrators), its fields, the built-in text and a preview."""
    return _edit_page(request, db, user, key)


async def _form(request: Request) -> dict[str, str]:
    raw = await request.form()
    return {
        "subject": str(raw.get("subject", "")),
        "body": str(raw.get("body", "")),
        "is_active": "on" if raw.get("is_active") else "",
    }


@router.post("/templates/{key}", dependencies=[CsrfChecked])
async def save_template_form(request: Request, db: DbSession, admin: Administrator, key: str) -> Response:
    """Save the override (303 to the list), or the form again with the Korean error (422)."""
    form = await _form(request)
    try:
        save_template(
            db=db,
            key=key,
            subject=form["subject"],
            body=form["body"],
            is_active=bool(form["is_active"]),
            actor_id=admin.id,
            actor_name=admin.username,
            ip=client_ip(request),
        )
    except TemplateInvalid as exc:
        db.rollback()
        return _edit_page(request, db, admin, key, form, _error(request, exc), status_code=422)
    return RedirectResponse(f"/admin/notices/templates?saved={key}", status_code=303)


@router.post("/templates/{key}/preview", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def preview_fragment(request: Request, db: DbSession, user: Reader, key: str) -> Response:
    """htmx: the text being edited filled with sample values, with its SMS size (or the error)."""
    form = await _form(request)
    get_template(db=db, key=key)
    try:
        preview = preview_template(key=key, subject=form["subject"], body=form["body"])
    except TemplateInvalid as exc:
        return render(request, "notices/_preview.html", {"preview": None, "error": _error(request, exc)})
    return render(request, "notices/_preview.html", {"preview": preview, "error": None})


@router.get("/messages", response_class=HTMLResponse)
def messages_page(request: Request, db: DbSession, _user: Reader) -> Response:
    """What the ``recording`` provider "sent" (newest 200), recipients masked."""
    context = {"messages": list_recorded_messages(db=db), "active": "messages"}
    return render(request, "notices/admin_messages.html", context)
