"""Quality pages for citizens' voice: survey results and questions, low-score follow-ups, complaints.

Open to supervisors, quality managers and administrators; only quality managers (and administrators)
change the questions. Free text (survey comments, complaints) is shown with personal numbers masked
(:func:`minwon.core.redact.mask_personal_numbers`). Every form post carries the session's CSRF token.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from minwon.accounts.deps import CsrfChecked, client_ip, require_roles
from minwon.accounts.models import Role, User
from minwon.core.clock import local_day_bounds, local_today, parse_day
from minwon.core.errors import ValidationError
from minwon.core.i18n import N_, gettext
from minwon.db.deps import DbSession
from minwon.feedback.models import (
    ComplaintChannel,
    ComplaintStatus,
    ComplaintSubject,
    FollowUpOutcome,
    FollowUpStatus,
    ServiceComplaint,
)
from minwon.feedback.service import (
    assignable_users,
    close_complaint,
    close_followup,
    comment_followup,
    counselors,
    followup_to_complaint,
    get_complaint,
    list_complaints,
    list_followups,
    list_questions,
    record_complaint,
    response_rates,
    save_question,
    survey_stats,
    update_followup,
    view_followup,
)
from minwon.quality.service import month_bounds
from minwon.web.forms import FormFields
from minwon.web.templating import render, request_locale

router = APIRouter(prefix="/quality", include_in_schema=False)

QualityUser = Annotated[User, Depends(require_roles(Role.SUPERVISOR, Role.QUALITY_MANAGER))]
QualityManager = Annotated[User, Depends(require_roles(Role.QUALITY_MANAGER))]

#: Months shown in the response-rate trend.
TREND_MONTHS = 6


def _month(month: str) -> tuple[str, date, date]:
    if not month:
        month = f"{local_today():%Y-%m}"
    try:
        first, last = month_bounds(month)
    except ValidationError:
        raise ValidationError(N_("month must be YYYY-MM"), field="month") from None
    return f"{first:%Y-%m}", first, last


def capa_link(complaint: ServiceComplaint) -> str:
    """The CAPA register's prefilled "new entry" address for ``complaint`` (the q-capa contract)."""
    title = f"서비스 불만 #{complaint.id}"
    query = urlencode(
        {"source": "complaint", "source_ref": f"complaint:{complaint.id}", "title": title[:200]}
    )
    return f"/quality/capa/new?{query}"


@router.get("/surveys", response_class=HTMLResponse)
def surveys_page(
    request: Request,
    db: DbSession,
    user: QualityUser,
    month: Annotated[str, Query(max_length=7)] = "",
    saved: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """Results of the month (response rate, CSAT, per question, per queue and counselor), the
    response-rate trend of the last six months, and the questions (editable by quality managers)."""
    label, first, last = _month(month)
    trend_first = (first - timedelta(days=31 * (TREND_MONTHS - 1))).replace(day=1)
    context: dict[str, Any] = {
        "month": label,
        "stats": survey_stats(db=db, first_day=first, last_day=last),
        "trend": response_rates(db=db, first_day=trend_first, last_day=last, by="month"),
        "questions": list_questions(db=db),
        "can_edit": user.role in (Role.QUALITY_MANAGER, Role.ADMINISTRATOR),
        "saved": saved,
        "active": "surveys",
    }
    return render(request, "quality/surveys.html", context)


@router.post("/surveys/questions", dependencies=[CsrfChecked])
def save_question_form(request: Request, db: DbSession, user: QualityManager, raw: FormFields) -> Response:
    """Create (no ``question_id``) or change a question; 303 back to the page."""
    qid = str(raw.get("question_id", "")).strip()
    try:
        order = int(str(raw.get("sort_order", "0")).strip() or "0")
    except ValueError:
        raise ValidationError(N_("The order must be a number from 0 to 999."), field="sort_order") from None
    save_question(
        db=db,
        question_id=int(qid) if qid.isdigit() else None,
        label_ko=str(raw.get("label_ko", ""))[:1000],
        sort_order=order,
        is_active=bool(raw.get("is_active")),
        is_overall=bool(raw.get("is_overall")),
        actor=user,
        ip=client_ip(request),
    )
    return RedirectResponse("/quality/surveys?saved=1", status_code=303)


# --- follow-ups ----------------------------------------------------------------------------------


@router.get("/followups", response_class=HTMLResponse)
def followups_page(
    request: Request,
    db: DbSession,
    user: QualityUser,
    status: Annotated[str, Query(max_length=10)] = "open",
) -> Response:
    """Low-score follow-ups: open ones by due date (``?status=closed`` or ``all``)."""
    chosen = None if status == "all" else FollowUpStatus.CLOSED if status == "closed" else FollowUpStatus.OPEN
    context = {
        "items": list_followups(db=db, status=chosen),
        "status": status if status in ("closed", "all") else "open",
        "today": local_today(),
        "active": "followups",
    }
    return render(request, "quality/followups.html", context)


@router.get("/followups/{followup_id}", response_class=HTMLResponse)
def followup_page(
    request: Request,
    db: DbSession,
    user: QualityUser,
    followup_id: int,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """One follow-up: ratings, the (masked) comment, the counselor, comments and the actions."""
    view = view_followup(db=db, followup_id=followup_id, viewer=user, ip=client_ip(request))
    context = {
        "v": view,
        "users": assignable_users(db=db),
        "outcomes": list(FollowUpOutcome),
        "subjects": list(ComplaintSubject),
        "done": done,
        "active": "followups",
    }
    return render(request, "quality/followup_detail.html", context)


@router.post("/followups/{followup_id}/update", dependencies=[CsrfChecked])
def followup_update(
    request: Request, db: DbSession, user: QualityUser, followup_id: int, raw: FormFields
) -> Response:
    """Take it (``claim``), assign it, change its due date or note."""
    assignee = str(raw.get("assignee_id", "")).strip()
    due = str(raw.get("due_on", "")).strip()
    note = raw.get("note")
    update_followup(
        db=db,
        followup_id=followup_id,
        actor=user,
        claim=bool(raw.get("claim")),
        assignee_id=int(assignee) if assignee.isdigit() else None,
        due_on=parse_day(due, field="due_on") if due else None,
        note=str(note) if note is not None else None,
    )
    return RedirectResponse(f"/quality/followups/{followup_id}?done=updated", status_code=303)


@router.post("/followups/{followup_id}/comment", dependencies=[CsrfChecked])
def followup_comment(
    request: Request, db: DbSession, user: QualityUser, followup_id: int, raw: FormFields
) -> Response:
    comment_followup(db=db, followup_id=followup_id, actor=user, text=str(raw.get("text", ""))[:5000])
    return RedirectResponse(f"/quality/followups/{followup_id}?done=commented", status_code=303)


@router.post("/followups/{followup_id}/close", dependencies=[CsrfChecked])
def followup_close(
    request: Request, db: DbSession, user: QualityUser, followup_id: int, raw: FormFields
) -> Response:
    close_followup(
        db=db,
        followup_id=followup_id,
        actor=user,
        outcome=str(raw.get("outcome", "")),
        outcome_note=str(raw.get("outcome_note", ""))[:5000],
    )
    return RedirectResponse(f"/quality/followups/{followup_id}?done=closed", status_code=303)


@router.post("/followups/{followup_id}/complaint", dependencies=[CsrfChecked])
def followup_complaint(
    request: Request, db: DbSession, user: QualityUser, followup_id: int, raw: FormFields
) -> Response:
    """Record the follow-up as a service complaint; 303 to the complaint."""
    complaint = followup_to_complaint(
        db=db, followup_id=followup_id, actor=user, subject=str(raw.get("subject", ""))
    )
    return RedirectResponse(f"/quality/complaints/{complaint.id}", status_code=303)


# --- complaints ----------------------------------------------------------------------------------


@router.get("/complaints", response_class=HTMLResponse)
def complaints_page(
    request: Request,
    db: DbSession,
    user: QualityUser,
    status: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """Service complaints, open first (``?status=open|closed``)."""
    chosen = {"open": ComplaintStatus.OPEN, "closed": ComplaintStatus.CLOSED}.get(status)
    context = {
        "items": list_complaints(db=db, status=chosen),
        "status": status if chosen else "",
        "active": "complaints",
    }
    return render(request, "quality/complaints.html", context)


def _complaint_form(
    request: Request,
    db: DbSession,
    form: dict[str, str],
    error: str | None = None,
    field: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "form": form,
        "agents": counselors(db=db),
        "error": error,
        "error_field": field,
        "channels": list(ComplaintChannel),
        "subjects": list(ComplaintSubject),
        "active": "complaints",
    }
    return render(request, "quality/complaint_new.html", context, status_code=status_code)


@router.get("/complaints/new", response_class=HTMLResponse)
def complaint_new(request: Request, db: DbSession, user: QualityUser) -> Response:
    empty = {"channel": "phone", "subject": "", "description": "", "contact_id": "", "agent_id": ""}
    return _complaint_form(request, db, empty)


@router.post("/complaints", dependencies=[CsrfChecked])
def complaint_create(request: Request, db: DbSession, user: QualityUser, raw: FormFields) -> Response:
    """Record the complaint (303 to it), or the form again with the Korean error (422)."""
    form = {
        k: str(raw.get(k, ""))[:5000]
        for k in ("channel", "subject", "description", "contact_id", "agent_id", "received_on")
    }
    contact = form["contact_id"].strip().lstrip("#")
    try:
        if contact and not contact.isdigit():
            raise ValidationError(N_("No contact has this number."), field="contact_id")
        received = (
            parse_day(form["received_on"], field="received_on") if form["received_on"].strip() else None
        )
        if received is not None and received > local_today():
            raise ValidationError(N_("The date is in the future."), field="received_on")
        complaint = record_complaint(
            db=db,
            channel=form["channel"],
            subject=form["subject"],
            description=form["description"],
            contact_id=int(contact) if contact else None,
            agent_id=int(form["agent_id"]) if form["agent_id"].isdigit() else None,
            actor=user,
            received_at=local_day_bounds(received)[0] + timedelta(hours=9) if received else None,
        )
    except ValidationError as exc:
        db.rollback()
        msg = gettext(request_locale(request), exc.message)
        return _complaint_form(request, db, form, msg, exc.field, status_code=422)
    return RedirectResponse(f"/quality/complaints/{complaint.id}", status_code=303)


@router.get("/complaints/{complaint_id}", response_class=HTMLResponse)
def complaint_page(request: Request, db: DbSession, user: QualityUser, complaint_id: int) -> Response:
    """One complaint (text masked), its resolution form and the "register corrective action" link."""
    complaint = get_complaint(db=db, complaint_id=complaint_id)
    agent = db.get(User, complaint.agent_id) if complaint.agent_id else None
    context = {"c": complaint, "agent": agent, "capa_url": capa_link(complaint), "active": "complaints"}
    return render(request, "quality/complaint_detail.html", context)


@router.post("/complaints/{complaint_id}/close", dependencies=[CsrfChecked])
def complaint_close(
    request: Request, db: DbSession, user: QualityUser, complaint_id: int, raw: FormFields
) -> Response:
    close_complaint(
        db=db, complaint_id=complaint_id, actor=user, resolution=str(raw.get("resolution", ""))[:5000]
    )
    return RedirectResponse(f"/quality/complaints/{complaint_id}", status_code=303)
