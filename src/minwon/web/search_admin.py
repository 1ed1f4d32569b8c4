"""Administration page of the search synonym dictionary (/admin/synonyms).

Administrators add, change, switch off and delete entries (term → expansions); every change is in the
audit trail. Server processes pick changes up within ``MINWON_SEARCH_REFRESH_S`` seconds.
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
from minwon.search.service import delete_synonym, list_synonyms, save_synonym, warm_up
from minwon.web.templating import render, request_locale

# the search's analyser model loads in the background when a server starts (see search.service.warm_up)
router = APIRouter(prefix="/admin", include_in_schema=False, on_startup=[warm_up])

Administrator = Annotated[User, Depends(require_roles(Role.ADMINISTRATOR))]


def _page(
    request: Request,
    db: DbSession,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    entries = list_synonyms(db=db)
    context: dict[str, Any] = {"entries": entries, "form": form, "errors": errors or {}}
    return render(request, "admin_synonyms.html", context, status_code=status_code)


@router.get("/synonyms")
def synonyms_page(
    request: Request, db: DbSession, _admin: Administrator, edit: int | None = None
) -> Response:
    """The dictionary, and a form: empty, or filled with ``?edit=<id>``."""
    form = {"synonym_id": "", "term": "", "expansions": "", "is_active": "on"}
    for entry in list_synonyms(db=db):
        if entry.id == edit:
            form = {
                "synonym_id": str(entry.id),
                "term": entry.term,
                "expansions": entry.expansions,
                "is_active": "on" if entry.is_active else "",
            }
    return _page(request, db, form)


@router.post("/synonyms", dependencies=[CsrfChecked])
async def save_synonym_form(request: Request, db: DbSession, admin: Administrator) -> Response:
    """Create or change an entry; 422 with the message beside the field, else 303 to the list."""
    raw = await request.form()
    form = {name: str(raw.get(name, "")).strip() for name in ("synonym_id", "term", "expansions")}
    form["is_active"] = "on" if raw.get("is_active") else ""
    synonym_id = (
        int(form["synonym_id"]) if form["synonym_id"].isdigit() and len(form["synonym_id"]) < 10 else None
    )
    try:
        entry = save_synonym(
            db=db,
            term=form["term"],
            expansions=form["expansions"],
            is_active=bool(form["is_active"]),
            synonym_id=synonym_id,
        )
    except MinwonError as exc:
        db.rollback()
        errors = {exc.field or "term": gettext(request_locale(request), exc.message)}
        return _page(request, db, form, errors, status_code=422)
    record_audit(
        db=db,
        action="synonym_saved",
        actor_name=admin.username,
        actor_id=admin.id,
        ip=client_ip(request),
        detail={"term": entry.term, "expansions": entry.expansions, "active": entry.is_active},
    )
    db.commit()
    return RedirectResponse("/admin/synonyms", status_code=303)


@router.post("/synonyms/{synonym_id}/delete", dependencies=[CsrfChecked])
def delete_synonym_form(request: Request, db: DbSession, admin: Administrator, synonym_id: int) -> Response:
    """Delete an entry (404 when unknown), then 303 to the list."""
    delete_synonym(db=db, synonym_id=synonym_id)
    record_audit(
        db=db,
        action="synonym_deleted",
        actor_name=admin.username,
        actor_id=admin.id,
        ip=client_ip(request),
        detail={"synonym_id": synonym_id},
    )
    db.commit()
    return RedirectResponse("/admin/synonyms", status_code=303)
