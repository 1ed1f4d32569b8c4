"""Administration pages: the category taxonomy (editable) and the queues (read-only).

Only administrators may open them. Every form post carries the session's CSRF token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from minwon.accounts.deps import CsrfChecked, client_ip, require_roles
from minwon.accounts.models import Role, User
from minwon.core.audit import record_audit
from minwon.core.errors import MinwonError
from minwon.core.i18n import gettext
from minwon.db.deps import DbSession
from minwon.org.models import Category
from minwon.org.service import get_category, list_categories, list_departments, list_queues, save_category
from minwon.web.templating import render, request_locale

router = APIRouter(prefix="/admin", include_in_schema=False)

Administrator = Annotated[User, Depends(require_roles(Role.ADMINISTRATOR))]
FORM_FIELDS = ("code", "name_ko", "name_en", "sort_order", "hotkey", "default_department_id")


def _form_from(category: Category | None) -> dict[str, str]:
    if category is None:
        return {"category_id": "", "code": "", "name_ko": "", "name_en": "", "sort_order": "100",
                "hotkey": "", "default_department_id": "", "is_active": "on"}  # fmt: skip
    return {
        "category_id": str(category.id),
        "code": category.code,
        "name_ko": category.name_ko,
        "name_en": category.name_en,
        "sort_order": str(category.sort_order),
        "hotkey": category.hotkey or "",
        "default_department_id": str(category.default_department_id or ""),
        "is_active": "on" if category.is_active else "",
    }


def _categories_page(
    request: Request,
    db: DbSession,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    saved: str | None = None,
    status_code: int = 200,
) -> Response:
    departments = list_departments(db=db, active_only=False)
    context: dict[str, Any] = {
        "categories": list_categories(db=db, active_only=False),
        "departments": departments,
        "dept_names": {d.id: d.name for d in departments},
        "form": form,
        "errors": errors or {},
        "saved": saved,
    }
    return render(request, "admin_categories.html", context, status_code=status_code)


@router.get("/categories")
def categories_page(
    request: Request,
    db: DbSession,
    _admin: Administrator,
    edit: int | None = None,
    saved: str | None = None,
) -> Response:
    """The taxonomy table, and a form: empty for a new category, or filled with ``?edit=<id>``."""
    category = get_category(db=db, category_id=edit) if edit else None
    return _categories_page(request, db, _form_from(category), saved=saved)


def _parse_int(value: str, field: str, errors: dict[str, str], locale: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        errors[field] = gettext(locale, "Enter a whole number.")
        return None


@router.post("/categories", dependencies=[CsrfChecked])
async def save_category_form(request: Request, db: DbSession, admin: Administrator) -> Response:
    """Create or update a category from the form; on error the form comes back with the message
    next to the field (422); on success a redirect to the list (303)."""
    locale = request_locale(request)
    raw = await request.form()
    form = {name: str(raw.get(name, "")).strip() for name in (*FORM_FIELDS, "category_id")}
    form["is_active"] = "on" if raw.get("is_active") else ""
    errors: dict[str, str] = {}
    category_id = _parse_int(form["category_id"], "category_id", errors, locale)
    sort_order = _parse_int(form["sort_order"], "sort_order", errors, locale)
    department_id = _parse_int(form["default_department_id"], "default_department_id", errors, locale)
    if sort_order is not None and not 0 <= sort_order <= 10_000:
        errors["sort_order"] = gettext(locale, "Order must be between 0 and 10000.")
    if errors:
        return _categories_page(request, db, form, errors, status_code=422)
    try:
        category = save_category(
            db=db,
            code=form["code"],
            name_ko=form["name_ko"],
            name_en=form["name_en"],
            sort_order=100 if sort_order is None else sort_order,
            is_active=bool(form["is_active"]),
            default_department_id=department_id,
            hotkey=form["hotkey"] or None,
            category_id=category_id,
        )
    except MinwonError as exc:
        db.rollback()
        field = {"department_id": "default_department_id"}.get(exc.field or "", exc.field or "code")
        errors[field] = gettext(locale, exc.message)
        return _categories_page(request, db, form, errors, status_code=422)
    record_audit(
        db=db,
        action="category_saved",
        actor_name=admin.username,
        actor_id=admin.id,
        ip=client_ip(request),
        detail={"category_id": category.id, "code": category.code, "new": category_id is None},
    )
    db.commit()
    return RedirectResponse(f"/admin/categories?saved={category.code}", status_code=303)


@router.get("/queues")
def queues_page(request: Request, db: DbSession, _admin: Administrator) -> Response:
    """The telephony queues (read-only; docs/how-to-add-category-or-queue.md explains adding one)."""
    categories = {c.id: c for c in list_categories(db=db, active_only=False)}
    return render(request, "admin_queues.html", {"queues": list_queues(db=db), "categories": categories})
