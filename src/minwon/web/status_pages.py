"""The citizen's status page (no sign-in): ``GET /status`` form, ``POST /status`` result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from minwon.accounts.deps import client_ip
from minwon.cases.status import TooManyAttempts, lookup_case_status
from minwon.core.errors import ValidationError
from minwon.core.i18n import gettext
from minwon.db.deps import DbSession
from minwon.web.templating import render, request_locale

router = APIRouter(prefix="/status", tags=["status"], include_in_schema=False)

#: Form fields are cut here before they reach the service (a megabyte paste is not an error page).
_MAX_FIELD = 200


@router.get("", response_class=HTMLResponse)
def status_form(request: Request) -> Response:
    """The look-up form."""
    return render(request, "status.html", {"result": None, "error": None, "number": ""})


@router.post("", response_class=HTMLResponse)
def status_lookup(
    request: Request,
    db: DbSession,
    case_number: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
) -> Response:
    """The case's status, or the form again with the same message for unknown numbers and wrong codes
    (422), or the rate-limit message (429)."""
    number = case_number[: _MAX_FIELD + 1]
    try:
        view = lookup_case_status(
            db=db, case_number=number, code=code[: _MAX_FIELD + 1], ip=client_ip(request)
        )
    except (ValidationError, TooManyAttempts) as exc:
        msg = gettext(request_locale(request), exc.message)
        return render(
            request,
            "status.html",
            {"result": None, "error": msg, "number": number[:30]},
            status_code=exc.status_code,
        )
    return render(request, "status.html", {"result": view, "error": None, "number": view.number})
