"""Officers' in-app notifications (deadline reminders, escalations): list, unread badge, mark read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from minwon.accounts.deps import CsrfChecked, CurrentUser
from minwon.cases.reminders import list_notifications, mark_read, unread_count
from minwon.db.deps import DbSession
from minwon.web.templating import render

router = APIRouter(prefix="/notifications", tags=["notifications"], include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def notifications(request: Request, db: DbSession, user: CurrentUser) -> Response:
    """The signed-in user's notifications, newest first, unread ones marked."""
    items = list_notifications(db=db, user=user)
    return render(request, "notifications.html", {"items": items, "unread": sum(not i.read for i in items)})


@router.get("/badge", response_class=HTMLResponse)
def badge(request: Request, db: DbSession, user: CurrentUser) -> Response:
    """The unread count for the menu (partial; empty when zero)."""
    n = unread_count(db=db, user=user)
    return HTMLResponse(f'<span class="badge" data-testid="notification-badge">{n}</span>' if n else "")


@router.post("/read", dependencies=[CsrfChecked])
def read_all(db: DbSession, user: CurrentUser) -> Response:
    """Mark all notifications read and go back to the list."""
    mark_read(db=db, user=user)
    return RedirectResponse("/notifications", status_code=303)
