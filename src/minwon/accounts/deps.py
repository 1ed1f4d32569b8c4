"""Request dependencies shared by pages and the JSON API: the signed-in user, role checks, CSRF.

CSRF: every unsafe request must carry the session's token in the ``csrf_token`` form field or the
``X-CSRF-Token`` header (synchroniser-token pattern, OWASP CSRF cheat sheet). Before sign-in, the login
form uses a double-submit cookie.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from minwon.accounts.models import Role, User, UserSession
from minwon.accounts.service import resolve_session
from minwon.core.errors import PermissionDenied
from minwon.core.i18n import N_
from minwon.db.deps import DbSession

SESSION_COOKIE = "minwon_session"
PRELOGIN_COOKIE = "minwon_prelogin"


class LoginRequired(Exception):
    """Raised for a page that needs a signed-in user; answered with a redirect to /login."""


class CsrfFailed(Exception):
    """An unsafe request without the right CSRF token."""


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def current_session(request: Request, db: DbSession) -> UserSession:
    sess = resolve_session(db=db, token=request.cookies.get(SESSION_COOKIE))
    if sess is None:
        raise LoginRequired
    request.state.user = sess.user
    request.state.csrf_token = sess.csrf_token
    return sess


CurrentSession = Annotated[UserSession, Depends(current_session)]


def current_user(sess: CurrentSession) -> User:
    return sess.user


CurrentUser = Annotated[User, Depends(current_user)]


def require_roles(*roles: Role) -> Callable[[User], User]:
    """Dependency factory: the user must hold one of ``roles`` (administrators always pass)."""

    def check(user: CurrentUser) -> User:
        if user.role not in roles and user.role != Role.ADMINISTRATOR:
            raise PermissionDenied(N_("Your role may not open this page."))
        return user

    return check


async def verify_csrf(request: Request, sess: CurrentSession) -> None:
    """Reject unsafe requests whose token does not match the session's (raises CsrfFailed)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get("x-csrf-token")
    if not sent:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, sess.csrf_token):
        raise CsrfFailed


CsrfChecked = Depends(verify_csrf)
