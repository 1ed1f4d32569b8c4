"""Knowledge-base pages (지식 DB): list, article with versions/history/diff, edit form, review queue,
overdue reviews, flags, attachments. Routes are thin: they parse forms and call
``minwon.knowledge.service``; errors come back on the page beside the field or action.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from minwon.accounts.deps import CsrfChecked, CurrentUser, client_ip, require_roles
from minwon.accounts.models import Role, User
from minwon.config import get_settings
from minwon.core.clock import local_today
from minwon.core.errors import MinwonError, NotFound, ValidationError
from minwon.core.i18n import N_, gettext
from minwon.db.deps import DbSession
from minwon.knowledge import diff as kb_diff
from minwon.knowledge import service as kb
from minwon.knowledge.markdown import render_markdown
from minwon.knowledge.models import FLAG_REASON_LABELS, STATUS_LABELS, ArticleVersion
from minwon.org.service import list_categories, list_departments
from minwon.web.forms import optional_day, optional_int
from minwon.web.templating import render, request_locale

router = APIRouter(prefix="/kb", tags=["knowledge"], include_in_schema=False)

Reviewer = Annotated[
    User, Depends(require_roles(Role.QUALITY_MANAGER, Role.DEPARTMENT_OFFICER, Role.ADMINISTRATOR))
]

STATE_LABELS: dict[str, str] = {
    "published": N_("Published"),
    "scheduled": N_("Scheduled"),
    "in_review": N_("In review"),
    "draft": N_("Draft"),
    "retired": N_("Retired"),
    "expired": N_("Expired"),
    "none": N_("Never approved"),
}
ACTION_LABELS: dict[str, str] = {
    "created": N_("created"),
    "submitted": N_("submitted for review"),
    "returned": N_("returned to the author"),
    "approved": N_("approved"),
    "retired": N_("retired"),
    "withdrawn": N_("replaced by a newer edit"),
    "review_confirmed": N_("periodic review confirmed"),
}
FIELD_LABELS: dict[str, str] = {
    "title": N_("Title"),
    "keywords": N_("Keywords"),
    "category": N_("Category"),
    "department": N_("Department"),
    "effective_from": N_("Effective from"),
    "effective_to": N_("Effective until"),
}
#: Rows the list page shows (narrow with the filters beyond that).
LIST_LIMIT = 500
VERSION_ACTIONS = ("submit", "return", "approve", "retire", "confirm")
EDIT_FIELDS = (
    "title", "body", "keywords", "category_id", "department_id", "effective_from", "effective_to",
    "change_note", "slug", "base_number",
)  # fmt: skip


def _labels() -> dict[str, Any]:
    return {
        "status": {s.value: label for s, label in STATUS_LABELS.items()},
        "state": STATE_LABELS,
        "action": ACTION_LABELS,
        "reason": FLAG_REASON_LABELS,
        "field": FIELD_LABELS,
    }


def _page(request: Request, name: str, ctx: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    base = {"labels": _labels(), "flag_reasons": FLAG_REASON_LABELS, "today": local_today()}
    return render(request, name, {**base, **ctx}, status_code=status_code)


def _names(db: DbSession, locale: str) -> tuple[dict[int, str], dict[int, str]]:
    cats = {
        c.id: (c.name_en if locale == "en" else c.name_ko) for c in list_categories(db=db, active_only=False)
    }
    depts = {d.id: d.name for d in list_departments(db=db, active_only=False)}
    return cats, depts


# ─────────────────────────── list ───────────────────────────


@router.get("", response_class=HTMLResponse)
def kb_list(
    request: Request,
    db: DbSession,
    user: CurrentUser,
    status: Annotated[str, Query(max_length=20)] = "",
    category_id: Annotated[str, Query(max_length=12)] = "",
    department_id: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """All articles with their state today, filtered by status, category and department."""
    rows = kb.list_articles(
        db=db,
        state=status or None,
        category_id=optional_int(category_id, "category_id"),
        department_id=optional_int(department_id, "department_id"),
    )
    cats, depts = _names(db, request_locale(request))
    return _page(
        request,
        "kb_list.html",
        {
            "rows": rows[:LIST_LIMIT],
            "total": len(rows),
            "limit": LIST_LIMIT,
            "status": status,
            "category_id": optional_int(category_id, "category_id"),
            "department_id": optional_int(department_id, "department_id"),
            "categories": list_categories(db=db, active_only=False),
            "departments": list_departments(db=db, active_only=False),
            "cat_names": cats,
            "dept_names": depts,
            "is_reviewer": user.role in (Role.QUALITY_MANAGER, Role.ADMINISTRATOR, Role.DEPARTMENT_OFFICER),
        },
    )


# ─────────────────────────── article ───────────────────────────


def _article_context(
    request: Request, db: DbSession, user: User, article_id: int, number: int | None
) -> dict[str, Any]:
    article = kb.get_article(db=db, article_id=article_id)
    versions = kb.list_versions(db=db, article_id=article_id)
    if not versions:
        raise NotFound(N_("The standard answer does not exist."), field="article_id")
    current = kb.effective_version(db=db, article_id=article_id)
    selected: ArticleVersion = (
        kb.get_version(db=db, article_id=article_id, number=number)
        if number is not None
        else (current or versions[0])
    )
    cats, depts = _names(db, request_locale(request))
    people = {u.id: u.display_name for u in db.scalars(select(User))}
    return {
        "article": article,
        "versions": versions,
        "current": current,
        "v": selected,
        "body_html": render_markdown(selected.body),
        "attachments": kb.version_attachments(db=db, version_id=selected.id),
        "history": kb.list_transitions(db=db, article_id=article_id),
        "flags": kb.list_flags(db=db, user=user, status="all", article_id=article_id),
        "may_review": kb.can_review(db=db, user=user, version=selected),
        "is_author": user.id in kb.authors_since_approval(db=db, version=selected),
        "cat_names": cats,
        "dept_names": depts,
        "people": people,
        "review_months": get_settings().kb_review_months,
        "error": None,
        "done": None,
    }


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request,
    db: DbSession,
    user: CurrentUser,
    article_id: int,
    v: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """One article: the selected version (default: in effect today, else the latest) rendered, its
    workflow actions, all versions, the history and the flags."""
    ctx = _article_context(request, db, user, article_id, v)
    ctx["done"] = done if done in VERSION_ACTIONS or done in ("saved", "flagged") else None
    return _page(request, "kb_article.html", ctx)


@router.post(
    "/articles/{article_id}/versions/{number}/{action}",
    response_class=HTMLResponse,
    dependencies=[CsrfChecked],
)
async def version_action(
    request: Request, db: DbSession, user: CurrentUser, article_id: int, number: int, action: str
) -> Response:
    """Move a version through the workflow (submit, return, approve, retire, confirm the periodic review).
    Success redirects to the article (303); a refused move shows the article with the reason (403/409/422)."""
    form = await request.form()
    comment = str(form.get("comment") or "")
    ip = client_ip(request)
    try:
        if action == "submit":
            kb.submit_for_review(db=db, actor=user, article_id=article_id, number=number, comment=comment)
        elif action == "return":
            kb.return_to_draft(
                db=db, actor=user, article_id=article_id, number=number, comment=comment, ip=ip
            )
        elif action == "approve":
            due = optional_day(str(form.get("review_due") or ""), "review_due")
            kb.approve_version(
                db=db,
                actor=user,
                article_id=article_id,
                number=number,
                comment=comment,
                review_due=due,
                ip=ip,
            )
        elif action == "retire":
            kb.retire_version(db=db, actor=user, article_id=article_id, number=number, comment=comment, ip=ip)
        elif action == "confirm":
            due = optional_day(str(form.get("review_due") or ""), "review_due")
            kb.confirm_review(
                db=db,
                actor=user,
                article_id=article_id,
                number=number,
                comment=comment,
                next_review=due,
                ip=ip,
            )
        else:
            raise ValidationError(N_("Unknown action."), field="action")
    except MinwonError as exc:
        db.rollback()
        ctx = _article_context(request, db, user, article_id, number)
        ctx["error"] = gettext(request_locale(request), exc.message)
        return _page(request, "kb_article.html", ctx, status_code=exc.status_code)
    return RedirectResponse(f"/kb/articles/{article_id}?v={number}&done={action}", status_code=303)


@router.get("/articles/{article_id}/diff", response_class=HTMLResponse)
def diff_page(
    request: Request,
    db: DbSession,
    _user: CurrentUser,
    article_id: int,
    a: Annotated[int, Query(ge=1, le=1_000_000)],
    b: Annotated[int, Query(ge=1, le=1_000_000)],
) -> Response:
    """Side-by-side difference between versions ``a`` and ``b`` (body line by line, characters within a
    changed line; metadata fields listed)."""
    old = kb.get_version(db=db, article_id=article_id, number=a)
    new = kb.get_version(db=db, article_id=article_id, number=b)
    cats, depts = _names(db, request_locale(request))

    def fields(v: ArticleVersion) -> dict[str, str]:
        return {
            "title": v.title,
            "keywords": v.keywords,
            "category": cats.get(v.category_id or 0, ""),
            "department": depts.get(v.department_id or 0, ""),
            "effective_from": v.effective_from.isoformat() if v.effective_from else "",
            "effective_to": v.effective_to.isoformat() if v.effective_to else "",
        }

    return _page(
        request,
        "kb_diff.html",
        {
            "article": kb.get_article(db=db, article_id=article_id),
            "old": old,
            "new": new,
            "rows": kb_diff.side_by_side(old.body, new.body),
            "changes": kb_diff.field_changes(fields(old), fields(new)),
            "versions": kb.list_versions(db=db, article_id=article_id),
        },
    )


# ─────────────────────────── edit ───────────────────────────


def _edit_page(
    request: Request,
    db: DbSession,
    values: dict[str, str],
    *,
    article_id: int | None,
    attachments: list[Any],
    removed: set[int],
    error: MinwonError | None = None,
) -> HTMLResponse:
    return _page(
        request,
        "kb_edit.html",
        {
            "values": values,
            "article_id": article_id,
            "categories": list_categories(db=db),
            "departments": list_departments(db=db),
            "attachments": attachments,
            "removed": removed,
            "error": gettext(request_locale(request), error.message) if error else None,
            "error_field": error.field if error else None,
            "max_mb": get_settings().kb_attachment_max_bytes / (1024 * 1024),
        },
        status_code=error.status_code if error else 200,
    )


def _values_from(version: ArticleVersion | None) -> dict[str, str]:
    if version is None:
        return {k: "" for k in EDIT_FIELDS}
    return {
        "title": version.title,
        "body": version.body,
        "keywords": version.keywords,
        "category_id": str(version.category_id or ""),
        "department_id": str(version.department_id or ""),
        "effective_from": "",
        "effective_to": version.effective_to.isoformat() if version.effective_to else "",
        "change_note": "",
        "slug": "",
        "base_number": str(version.number),
    }


@router.get("/new", response_class=HTMLResponse)
def new_article_form(request: Request, db: DbSession, _user: CurrentUser) -> Response:
    """An empty form for a new standard answer (saved as draft version 1)."""
    return _edit_page(request, db, _values_from(None), article_id=None, attachments=[], removed=set())


@router.get("/articles/{article_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, db: DbSession, _user: CurrentUser, article_id: int) -> Response:
    """The form filled from the latest version; saving creates a new draft version."""
    latest = kb.latest_version(db=db, article_id=article_id)
    return _edit_page(
        request,
        db,
        _values_from(latest),
        article_id=article_id,
        attachments=kb.version_attachments(db=db, version_id=latest.id),
        removed=set(),
    )


async def _read_uploads(form: Any) -> list[tuple[str, bytes]]:
    limit = get_settings().kb_attachment_max_bytes
    out: list[tuple[str, bytes]] = []
    for item in form.getlist("attachments"):
        if not isinstance(item, UploadFile) or not item.filename:
            continue
        data = await item.read(limit + 1)
        if len(data) > limit:
            raise ValidationError(N_("The attached file is too large."), field="attachments")
        out.append((item.filename, data))
    return out


async def _save(request: Request, db: DbSession, user: User, article_id: int | None) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in EDIT_FIELDS if not isinstance(form.get(k), UploadFile)}
    for k in EDIT_FIELDS:
        values.setdefault(k, "")
    removed = {int(x) for x in form.getlist("remove_attachment") if isinstance(x, str) and x.isdigit()}
    try:
        uploads = await _read_uploads(form)
        common: dict[str, Any] = {
            "title": values["title"],
            "body": values["body"],
            "keywords": values["keywords"],
            "category_id": optional_int(values["category_id"], "category_id"),
            "department_id": optional_int(values["department_id"], "department_id"),
            "effective_from": optional_day(values["effective_from"], "effective_from"),
            "effective_to": optional_day(values["effective_to"], "effective_to"),
            "change_note": values["change_note"],
            "attachments": uploads,
        }
        if article_id is None:
            version = kb.create_article(db=db, author=user, slug=values["slug"] or None, **common)
        else:
            base = optional_int(values["base_number"], "base_number")
            if base is None:
                raise ValidationError(N_("Reload the page and edit the latest version."), field="base_number")
            version = kb.save_draft(
                db=db,
                author=user,
                article_id=article_id,
                base_number=base,
                remove_attachment_ids=removed,
                **common,
            )
    except MinwonError as exc:
        db.rollback()
        attachments: list[Any] = []
        if article_id is not None:
            latest = kb.latest_version(db=db, article_id=article_id)
            attachments = kb.version_attachments(db=db, version_id=latest.id)
        return _edit_page(
            request, db, values, article_id=article_id, attachments=attachments, removed=removed, error=exc
        )
    return RedirectResponse(
        f"/kb/articles/{version.article_id}?v={version.number}&done=saved", status_code=303
    )


@router.post("/new", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def create_article(request: Request, db: DbSession, user: CurrentUser) -> Response:
    """Create a new article (draft v1) from the form; errors come back beside their field (422/409)."""
    return await _save(request, db, user, None)


@router.post("/articles/{article_id}/edit", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def save_edit(request: Request, db: DbSession, user: CurrentUser, article_id: int) -> Response:
    """Save the form as a new draft version (409 when someone saved a newer version meanwhile)."""
    kb.get_article(db=db, article_id=article_id)
    return await _save(request, db, user, article_id)


# ─────────────────────────── review, overdue ───────────────────────────


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, db: DbSession, user: Reviewer) -> Response:
    """Versions waiting for review that this user may review."""
    _cats, depts = _names(db, request_locale(request))
    return _page(request, "kb_review.html", {"items": kb.review_queue(db=db, user=user), "dept_names": depts})


@router.get("/overdue", response_class=HTMLResponse)
def overdue_page(request: Request, db: DbSession, user: Reviewer) -> Response:
    """Approved versions in effect whose periodic review date has passed (officers: their department)."""
    dept = user.department_id if user.role == Role.DEPARTMENT_OFFICER else None
    if user.role == Role.DEPARTMENT_OFFICER and dept is None:
        items = []
    else:
        items = kb.overdue_reviews(db=db, department_id=dept)
    return _page(request, "kb_overdue.html", {"items": items})


# ─────────────────────────── flags ───────────────────────────


@router.get("/flags", response_class=HTMLResponse)
def flags_page(
    request: Request, db: DbSession, user: CurrentUser, status: Annotated[str, Query(max_length=10)] = "open"
) -> Response:
    """Flags for this user (owners: their department's; quality managers: all; others: their own)."""
    _cats, depts = _names(db, request_locale(request))
    rows = kb.list_flags(db=db, user=user, status=status)
    return _page(request, "kb_flags.html", {"rows": rows, "status": status, "dept_names": depts})


@router.post("/articles/{article_id}/flag", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def flag(request: Request, db: DbSession, user: CurrentUser, article_id: int) -> Response:
    """Flag the version in effect as wrong/outdated/unclear with a comment. From the desk (htmx) the
    answer is a small confirmation (or the error, 422); otherwise a redirect to the article."""
    form = await request.form()
    locale = request_locale(request)
    try:
        kb.flag_article(
            db=db,
            user=user,
            article_id=article_id,
            reason=str(form.get("reason") or ""),
            comment=str(form.get("comment") or ""),
        )
    except MinwonError as exc:
        db.rollback()
        if request.headers.get("hx-request"):
            return _page(
                request,
                "kb_flag_result.html",
                {"error": gettext(locale, exc.message), "article_id": article_id},
                status_code=exc.status_code,
            )
        raise
    if request.headers.get("hx-request"):
        return _page(request, "kb_flag_result.html", {"error": None, "article_id": article_id})
    return RedirectResponse(f"/kb/articles/{article_id}?done=flagged", status_code=303)


@router.post("/flags/{flag_id}/resolve", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def resolve(request: Request, db: DbSession, user: CurrentUser, flag_id: int) -> Response:
    """Resolve an open flag with a note (owners and quality managers)."""
    form = await request.form()
    kb.resolve_flag(
        db=db, user=user, flag_id=flag_id, note=str(form.get("note") or ""), ip=client_ip(request)
    )
    return RedirectResponse("/kb/flags?status=open", status_code=303)


# ─────────────────────────── attachments ───────────────────────────


@router.get("/attachments/{attachment_id}")
def download(db: DbSession, _user: CurrentUser, attachment_id: int) -> Response:
    """The attached file, always as a download (never rendered inline), with its original name."""
    att, path = kb.get_attachment(db=db, attachment_id=attachment_id)
    disposition = f"attachment; filename*=UTF-8''{quote(att.filename)}"
    return FileResponse(
        path,
        media_type=att.content_type,
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )
