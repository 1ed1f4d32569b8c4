"""Jinja2 templates with the per-user translation layer and local-time filters."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from minwon.core.clock import to_local
from minwon.core.i18n import translations
from minwon.core.redact import mask_personal_numbers

TEMPLATE_DIR = Path(__file__).with_name("templates")

env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)


def _local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if value is None else to_local(value).strftime(fmt)


env.filters["local"] = _local

_CODE = re.compile(r"(확인코드|verification code)\s*(\d{4,8})", re.IGNORECASE)


#: A satisfaction-survey link ``…/s/<token>`` (tokens are ≥ 10 URL-safe characters, see
#: ``minwon.feedback.service``): the first three characters are kept, the rest hidden.
_SURVEY_LINK = re.compile(r"(/s/[A-Za-z0-9_-]{3})[A-Za-z0-9_-]{7,}")


def _mask_codes(text: str) -> str:
    """Hide a citizen's status-lookup code and survey-link token in message bodies shown to staff
    (both are stored only as digests; the SMS itself must carry them, and whoever reads the token could
    answer the survey in the citizen's place): ``/s/AbCdEf…`` → ``/s/AbC…``."""
    text = _CODE.sub(lambda m: f"{m.group(1)} {'*' * len(m.group(2))}", text)
    return _SURVEY_LINK.sub(lambda m: f"{m.group(1)}…", text)


env.filters["mask_codes"] = _mask_codes
env.filters["mask_personal"] = mask_personal_numbers


def request_locale(request: Request) -> str:
    """The user's locale, else the ``lang`` cookie, else the default (Korean)."""
    user = getattr(request.state, "user", None)
    if user is not None:
        return str(user.locale)
    lang = request.cookies.get("lang")
    return lang if lang in ("ko", "en") else "ko"


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render ``name`` with ``_``/``gettext``/``ngettext`` bound to the request's locale."""
    locale = request_locale(request)
    trans = translations(locale)
    ctx: dict[str, Any] = {
        "request": request,
        "locale": locale,
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "_": trans.gettext,
        "gettext": trans.gettext,
        "ngettext": trans.ngettext,
    }
    ctx.update(context or {})
    html = env.get_template(name).render(ctx)
    return HTMLResponse(html, status_code=status_code)
