"""The management review report page (경영검토 보고서, ISO 9001 §9.3) for quality managers, supervisors
and administrators.

* ``GET /quality/report?month=YYYY-MM`` — the page: month picker, download buttons, and the report body,
  which htmx loads from ``/quality/report/body`` while the page says it is being prepared.
* ``GET /quality/report/body?month=YYYY-MM`` — the report as an HTML fragment (charts inline).
* ``GET /quality/report/download?month=YYYY-MM&format=pdf|html|xlsx`` — the file, as an attachment.

Default month: the month before the current one (Asia/Seoul). A bad month or format gets the error page.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from minwon.accounts.deps import require_roles
from minwon.accounts.models import Role, User
from minwon.core.clock import local_today
from minwon.core.errors import MinwonError
from minwon.core.i18n import gettext
from minwon.db.deps import DbSession
from minwon.linkage.review import parse_month
from minwon.quality.report.document import build_document
from minwon.quality.report.generate import MEDIA_TYPES, check_format, monthly_report, report_data
from minwon.quality.report.html import body_html, report_css
from minwon.web.templating import render, request_locale

router = APIRouter(prefix="/quality/report", tags=["quality"], include_in_schema=False)

ReportUser = Annotated[User, Depends(require_roles(Role.QUALITY_MANAGER, Role.SUPERVISOR))]


def previous_month(today: date | None = None) -> str:
    """``YYYY-MM`` of the month before ``today`` (default: today in Asia/Seoul)."""
    first = (today or local_today()).replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"


@router.get("", response_class=HTMLResponse)
def report_page(request: Request, user: ReportUser, month: str | None = None) -> HTMLResponse:
    chosen = (month or previous_month()).strip()
    error = None
    try:
        chosen = f"{parse_month(chosen):%Y-%m}"
    except MinwonError as exc:
        error = gettext(request_locale(request), exc.message)
    return render(
        request,
        "quality_report.html",
        {"month": chosen, "error": error, "formats": ("pdf", "html", "xlsx"), "css": report_css()},
        status_code=422 if error else 200,
    )


@router.get("/body", response_class=HTMLResponse)
def report_body(request: Request, db: DbSession, user: ReportUser, month: str) -> HTMLResponse:
    data = report_data(db=db, month=month)
    doc = build_document(data, locale=request_locale(request), app_links=True)
    return HTMLResponse(str(body_html(doc)))


@router.get("/download")
def report_download(
    request: Request, db: DbSession, user: ReportUser, month: str, format: str = "pdf"
) -> Response:
    fmt = check_format(format)
    first = parse_month(month)
    content = monthly_report(db=db, month=month, fmt=fmt, locale=request_locale(request))
    name = f"management-review-{first:%Y-%m}.{fmt}"
    return Response(
        content,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
