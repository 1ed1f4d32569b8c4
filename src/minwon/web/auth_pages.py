"""Sign-in, sign-out, language switch and the role-based start page."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from minwon.accounts.deps import (
    PRELOGIN_COOKIE,
    SESSION_COOKIE,
    CsrfChecked,
    CurrentSession,
    CurrentUser,
    client_ip,
)
from minwon.accounts.models import Role
from minwon.accounts.service import set_locale, sign_in, sign_out
from minwon.config import get_settings
from minwon.core.crypto import random_token
from minwon.core.errors import AuthenticationFailed
from minwon.core.i18n import gettext
from minwon.db.deps import DbSession
from minwon.web.templating import render, request_locale

router = APIRouter()

START_PAGE = {
    Role.COUNSELOR: "/desk",
    Role.SUPERVISOR: "/supervisor",
    Role.QUALITY_MANAGER: "/supervisor",
    Role.DEPARTMENT_OFFICER: "/cases",
    Role.ADMINISTRATOR: "/admin/categories",
}


def _set_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=get_settings().secure_cookies,
        path="/",
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    token = random_token(24)
    response = render(request, "login.html", {"login_csrf": token, "error": None})
    _set_cookie(response, PRELOGIN_COOKIE, token, max_age=3600)
    return response


@router.post("/login")
def login(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    locale = request_locale(request)
    expected = request.cookies.get(PRELOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_again(request, gettext(locale, "Your sign-in form expired. Please try again."))
    try:
        result = sign_in(db=db, username=username, password=password, ip=client_ip(request))
    except AuthenticationFailed as exc:
        return _login_again(request, gettext(locale, exc.message), status=401)
    response = RedirectResponse(START_PAGE.get(result.user.role, "/desk"), status_code=303)
    _set_cookie(response, SESSION_COOKIE, result.token)
    response.delete_cookie(PRELOGIN_COOKIE, path="/")
    return response


def _login_again(request: Request, error: str, status: int = 400) -> Response:
    token = random_token(24)
    response = render(request, "login.html", {"login_csrf": token, "error": error}, status_code=status)
    _set_cookie(response, PRELOGIN_COOKIE, token, max_age=3600)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, db: DbSession, sess: CurrentSession) -> Response:
    sign_out(db=db, session=sess, ip=client_ip(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/preferences/locale", dependencies=[CsrfChecked])
def change_locale(
    request: Request, db: DbSession, user: CurrentUser, locale: Annotated[str, Form()] = "ko"
) -> Response:
    set_locale(db=db, user=user, locale=locale)
    return RedirectResponse(request.headers.get("referer") or "/", status_code=303)


@router.get("/")
def start(user: CurrentUser) -> Response:
    return RedirectResponse(START_PAGE.get(user.role, "/desk"), status_code=303)
