"""The citizen's satisfaction survey (no sign-in): ``GET /s/{token}`` form, ``POST /s/{token}`` answers.

The link's token is the only credential (random, single use, expiring; stored as a digest). The page
shows the questions only: no name, number, case or counselor. Unknown links are counted per IP address
and refused with 429 past ``MINWON_SURVEY_RATE_LIMIT_FAILURES`` (``feedback.service``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from minwon.accounts.deps import client_ip
from minwon.core.errors import ValidationError
from minwon.core.i18n import gettext
from minwon.db.deps import DbSession
from minwon.feedback.rules import MAX_COMMENT
from minwon.feedback.service import SurveyLinkProblem, list_questions, open_survey, submit_response
from minwon.web.forms import FormFields
from minwon.web.templating import render, request_locale

router = APIRouter(prefix="/s", include_in_schema=False)

#: Longest token looked up (characters); longer path segments are unknown links.
_MAX_TOKEN = 64


def _problem(request: Request, exc: SurveyLinkProblem) -> Response:
    msg = gettext(request_locale(request), exc.message)
    return render(
        request, "survey_public.html", {"problem": msg, "kind": exc.kind}, status_code=exc.status_code
    )


@router.get("/{token}", response_class=HTMLResponse)
def survey_form(request: Request, db: DbSession, token: str) -> Response:
    """The questions with five large choices each and a comment box (or a page saying why not)."""
    try:
        form = open_survey(db=db, token=token[: _MAX_TOKEN + 1], ip=client_ip(request))
    except SurveyLinkProblem as exc:
        return _problem(request, exc)
    context: dict[str, Any] = {"questions": form.questions, "values": {}, "comment": "", "error": None}
    return render(request, "survey_public.html", {**context, "max_comment": MAX_COMMENT})


@router.post("/{token}", response_class=HTMLResponse)
def survey_submit(request: Request, db: DbSession, token: str, raw: FormFields) -> Response:
    """Store the answers and thank the citizen, or the form again with the Korean error (422)."""
    ratings = {str(k): str(v)[:10] for k, v in raw.items() if str(k).startswith("q")}
    comment = str(raw.get("comment", ""))[: MAX_COMMENT * 4]
    try:
        submit_response(
            db=db, token=token[: _MAX_TOKEN + 1], ratings=ratings, comment=comment, ip=client_ip(request)
        )
    except SurveyLinkProblem as exc:
        return _problem(request, exc)
    except ValidationError as exc:
        db.rollback()
        context = {
            "questions": list_questions(db=db, active_only=True),
            "values": ratings,
            "comment": comment[: MAX_COMMENT * 2],
            "error": gettext(request_locale(request), exc.message),
            "error_field": exc.field,
            "max_comment": MAX_COMMENT,
        }
        return render(request, "survey_public.html", context, status_code=422)
    return render(request, "survey_public.html", {"thanks": True})
