"""The counselor's desk: screen-pop, contact form, knowledge search and callbacks on one screen.

Routes are thin: they parse form values (bad values become ``ValidationError`` naming the field and
are shown beside that field) and call ``contacts.service``. Partials answer htmx requests; the same
POST without htmx re-renders the whole desk, so the form also works without JavaScript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.accounts.deps import CsrfChecked, client_ip, require_roles
from minwon.accounts.models import Role, User
from minwon.cases.deadlines import PetitionType
from minwon.cases.models import Case
from minwon.cases.notify import pop_issued_verification_code
from minwon.cases.service import DEFAULT_PETITION_TYPE, DESK_PETITION_TYPES
from minwon.contacts.models import Callback, Channel, Contact, Outcome
from minwon.contacts.service import (
    caller_history,
    complete_callback,
    current_call,
    default_callback_due,
    get_call_for_agent,
    hand_callback_to_queue,
    list_my_callbacks_due,
    list_overdue_callbacks,
    record_callback_attempt,
    record_contact,
    reveal_callback_number,
    take_callback,
)
from minwon.core.clock import local_zone, to_local, utcnow
from minwon.core.crypto import mask_phone
from minwon.core.errors import MinwonError, ValidationError
from minwon.core.i18n import N_, gettext
from minwon.db.deps import DbSession
from minwon.knowledge.markdown import render_markdown
from minwon.knowledge.models import FLAG_REASON_LABELS
from minwon.knowledge.service import get_published_article
from minwon.linkage.service import link_contact
from minwon.org.models import Category, Queue
from minwon.org.service import list_categories, list_departments
from minwon.search import service as search_service
from minwon.web.templating import render, request_locale

router = APIRouter(prefix="/desk", tags=["desk"], include_in_schema=False)

DeskUser = Annotated[User, Depends(require_roles(Role.COUNSELOR, Role.SUPERVISOR))]

#: Outcome → (label msgid, Alt+key shown on screen).
OUTCOME_KEYS: dict[Outcome, tuple[str, str]] = {
    Outcome.RESOLVED: (N_("Resolved"), "R"),
    Outcome.TRANSFERRED: (N_("Transferred"), "T"),
    Outcome.CALLBACK: (N_("Callback"), "C"),
}
PETITION_LABELS: dict[PetitionType, str] = {
    PetitionType.INQUIRY_PROCEDURE: N_("Inquiry (procedure) · 7 days"),
    PetitionType.INQUIRY_LAW: N_("Inquiry (law interpretation) · 14 days"),
    PetitionType.GRIEVANCE: N_("Grievance · 7 days"),
    PetitionType.PROPOSAL: N_("Proposal · 14 days"),
    PetitionType.OTHER: N_("Other · 3 working hours"),
}
MANUAL_CHANNELS = (Channel.CALL, Channel.CALLBACK, Channel.VISIT, Channel.WEB, Channel.SMS)
#: Display msgids of stored values (templates show ``_(labels.<kind>[value])``).
LABELS: dict[str, dict[str, str]] = {
    "channel": {
        "call": N_("Phone"),
        "callback": N_("Callback"),
        "web": N_("Web"),
        "sms": N_("SMS"),
        "visit": N_("Visit"),
    },
    "outcome": {"resolved": N_("Resolved"), "transferred": N_("Transferred"), "callback": N_("Callback")},
    "call_status": {
        "ivr": N_("In IVR"),
        "queued": N_("Ringing"),
        "talking": N_("Talking"),
        "on_hold": N_("On hold"),
        "completed": N_("Ended"),
        "abandoned": N_("Abandoned"),
        "ended_in_ivr": N_("Ended in IVR"),
    },
    "case_status": {
        "received": N_("Received"),
        "transferred": N_("Transferred"),
        "in_progress": N_("In progress"),
        "answered": N_("Answered"),
        "closed": N_("Closed"),
    },
    "petition_type": {p.value: label for p, label in PETITION_LABELS.items()}
    | {"statutory": N_("Statutory")},
}
_LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _render(request: Request, name: str, ctx: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return render(request, name, {"labels": LABELS, **ctx}, status_code=status_code)


def _cat_name(cat: Category, locale: str) -> str:
    return cat.name_en if locale == "en" else cat.name_ko


@dataclass
class FormState:
    """What the contact form shows: submitted values after an error, defaults otherwise."""

    values: dict[str, str]
    error: str | None = None
    error_field: str | None = None


def _fresh_form(now: datetime) -> FormState:
    return FormState(
        values={
            "outcome": Outcome.RESOLVED.value,
            "petition_type": DEFAULT_PETITION_TYPE.value,
            "callback_due": to_local(default_callback_due(now)).strftime(_LOCAL_INPUT),
            "opened_at": now.isoformat(),
            "channel": Channel.CALL.value,
        }
    )


def _form_context(db: Session, request: Request, form: FormState) -> dict[str, Any]:
    locale = request_locale(request)
    cats = list_categories(db=db)
    return {
        "form": form,
        "categories": [
            {"id": c.id, "name": _cat_name(c, locale), "hotkey": c.hotkey, "dept": c.default_department_id}
            for c in cats
        ],
        "departments": list_departments(db=db),
        "outcomes": OUTCOME_KEYS,
        "petition_types": [(p.value, PETITION_LABELS[p]) for p in DESK_PETITION_TYPES],
        "channels": [c.value for c in MANUAL_CHANNELS],
    }


def _desk_context(db: Session, request: Request, user: User, form: FormState) -> dict[str, Any]:
    call = current_call(db=db, agent=user)
    return {
        **_form_context(db, request, form),
        "callbacks": list_my_callbacks_due(db=db, agent=user, locale=request_locale(request)),
        "current_call_id": call.id if call else None,
        "now": utcnow(),
    }


@router.get("", response_class=HTMLResponse)
def desk(request: Request, db: DbSession, user: DeskUser) -> Response:
    """The desk page. The pop panel loads ``/desk/pop/{id}`` for the agent's current call, if any."""
    return _render(request, "desk.html", _desk_context(db, request, user, _fresh_form(utcnow())))


@router.get("/pop/{call_id}", response_class=HTMLResponse)
def pop(request: Request, db: DbSession, user: DeskUser, call_id: int) -> Response:
    """Screen-pop partial: masked number, queue, previous contacts, open cases, repeat warning.

    Writes one personal-data access record (purpose ``call:<id>``) when the number is known.
    """
    call = get_call_for_agent(db=db, call_id=call_id, agent=user)
    locale = request_locale(request)
    history = caller_history(
        db=db,
        caller_ref=call.caller_ref,
        viewer=user,
        ip=client_ip(request),
        purpose=f"call:{call.id}",
        locale=locale,
    )
    queue = db.get(Queue, call.queue_id) if call.queue_id else None
    status_labels = {k: gettext(locale, v) for k, v in LABELS["call_status"].items()}
    return _render(
        request,
        "desk_pop.html",
        {
            "call": call,
            "caller_masked": call.caller_masked or mask_phone(None),
            "queue_name": queue.name if queue else None,
            "history": history,
            "default_category": queue.default_category_id if queue else None,
            "status_labels": status_labels,
        },
    )


def _int_field(raw: str, name: str, *, required: bool = False) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise ValidationError(N_("Choose a category."), field=name)
        return None
    if not raw.isdigit():
        raise ValidationError(N_("Enter a number."), field=name)
    return int(raw)


def _local_datetime(raw: str, name: str) -> datetime | None:
    """``YYYY-MM-DDTHH:MM`` from a ``datetime-local`` input, read in the center's zone."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(N_("Enter the time as YYYY-MM-DD HH:MM."), field=name) from None
    return value if value.tzinfo else value.replace(tzinfo=local_zone())


def _client_instant(raw: str) -> datetime | None:
    """The form-opened time the page posts (ISO with offset); unreadable values are ignored."""
    try:
        value = datetime.fromisoformat((raw or "").strip())
    except ValueError:
        return None
    return value if value.tzinfo else None


_FORM_FIELDS = (
    "call_id",
    "caller",
    "callback_caller",
    "channel",
    "category_id",
    "inquiry",
    "answer",
    "outcome",
    "department_id",
    "petition_type",
    "callback_due",
    "article_id",
    "opened_at",
)

_ERROR_FIELD = {"callback_due_at": "callback_due", "wrapup_started_at": "opened_at"}


@router.post("/contacts", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def save_contact(request: Request, db: DbSession, user: DeskUser) -> Response:
    """Save the contact form; answer the cleared form with a confirmation (case number and local
    deadline when transferred, callback time when promised), or the form with the error beside its field
    (422)."""
    posted = await request.form()
    values = {k: str(posted.get(k) or "") for k in _FORM_FIELDS}
    locale = request_locale(request)
    try:
        contact = record_contact(
            db=db,
            agent=user,
            call_id=_int_field(values["call_id"], "call_id"),
            caller=(values["caller"] or values["callback_caller"]) or None,
            channel=values["channel"] or None,
            category_id=_int_field(values["category_id"], "category_id", required=True) or 0,
            inquiry=values["inquiry"],
            answer=values["answer"],
            outcome=values["outcome"],
            department_id=_int_field(values["department_id"], "department_id"),
            petition_type=values["petition_type"] or None,
            callback_due_at=_local_datetime(values["callback_due"], "callback_due_at")
            if values["outcome"] == Outcome.CALLBACK.value
            else None,
            article_id=_int_field(values["article_id"], "article_id"),
            wrapup_started_at=_client_instant(values["opened_at"]),
        )
    except MinwonError as exc:
        db.rollback()
        field = _ERROR_FIELD.get(exc.field or "", exc.field)
        form = FormState(values=values, error=gettext(locale, exc.message), error_field=field)
        return _answer(request, db, user, form, saved=None, status_code=exc.status_code)
    if link_contact(db=db, contact=contact):  # the call's verifications and result lines (linkage)
        db.commit()
    return _answer(request, db, user, _fresh_form(utcnow()), saved=_saved_summary(db, contact))


def _saved_summary(db: Session, contact: Contact) -> dict[str, Any]:
    case = db.get(Case, contact.case_id) if contact.case_id else None
    callback = db.scalar(select(Callback).where(Callback.contact_id == contact.id))
    code = pop_issued_verification_code(db=db, case_id=case.id) if case else None
    return {"contact": contact, "case": case, "callback": callback, "verification_code": code}


def _answer(
    request: Request,
    db: Session,
    user: User,
    form: FormState,
    saved: dict[str, Any] | None,
    status_code: int = 200,
) -> Response:
    if request.headers.get("hx-request"):
        ctx = {**_form_context(db, request, form), "saved": saved}
        return _render(request, "desk_form.html", ctx, status_code=status_code)
    ctx = {**_desk_context(db, request, user, form), "saved": saved}
    return _render(request, "desk.html", ctx, status_code=status_code)


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    db: DbSession,
    user: DeskUser,
    q: Annotated[str, Query(max_length=500)] = "",
    inquiry: Annotated[str, Query(max_length=4000)] = "",
    category_id: Annotated[str, Query(max_length=12)] = "",
    department_id: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """Search partial (search-as-you-type): standard answers and, beside them, similar closed cases.

    ``q`` is the search box; when it is empty the last 300 characters of ``inquiry`` (the contact
    form's inquiry, sent while it is typed) are searched instead. 422 for a ``q`` over 500 characters.
    """
    query = q.strip() or inquiry.strip()[-300:]
    cat = int(category_id) if category_id.isdigit() and len(category_id) < 10 else None
    dept = int(department_id) if department_id.isdigit() and len(department_id) < 10 else None
    hits = search_service.search_articles(db=db, query=query, category_id=cat, department_id=dept, limit=8)
    past = search_service.similar_cases(db=db, query=query, limit=5) if query else []
    names = {c.id: _cat_name(c, request_locale(request)) for c in list_categories(db=db, active_only=False)}
    ctx = {"hits": hits, "past": past, "q": query, "category_names": names}
    return _render(request, "desk_search.html", ctx)


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article(request: Request, db: DbSession, user: DeskUser, article_id: int) -> Response:
    """The version of a standard answer in effect today (never a draft, a future or an expired version),
    its Markdown rendered safely, a button that copies it into the answer field, and a flag form."""
    art = get_published_article(db=db, article_id=article_id)
    return _render(
        request,
        "desk_article.html",
        {
            "article": art,
            "body_html": render_markdown(art.body),
            "plain": markdown_to_plain(art.body),
            "flag_reasons": FLAG_REASON_LABELS,
        },
    )


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
_MD_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>\s]+)>")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
# ``*`` may emphasise inside a word (CommonMark), which Korean needs: ``*할인*됩니다``; ``_`` may not.
_MD_EM_STAR = re.compile(r"(?<!\*)\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?!\*)")
_MD_EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")
_MD_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_MD_CODE = re.compile(r"`([^`]*)`")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_MD_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_MD_BULLET = re.compile(r"^(\s*)[*+-]\s+")
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?")


def _inline_plain(text: str) -> str:
    text = _MD_CODE.sub(r"\1", text)
    text = _MD_LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = _MD_AUTOLINK.sub(r"\1", text)
    text = _MD_STRONG.sub(r"\2", text)
    text = _MD_STRIKE.sub(r"\1", text)
    text = _MD_EM_STAR.sub(r"\1", text)
    return _MD_EM_UNDERSCORE.sub(r"\1", text)


def markdown_to_plain(body: str) -> str:
    """A standard answer's Markdown as plain text for the answer field (what the counselor reads out).

    Headings lose their ``#``, emphasis/strike/code marks are dropped, ``[text](url)`` becomes
    ``text`` (the URL when there is no text), quote marks are dropped, horizontal rules and table
    separator rows are removed, table rows become their cells joined by `` · ``, bullets become
    ``- ``; runs of blank lines collapse to one. Pure; no HTML is produced.
    """
    lines: list[str] = []
    for raw in body.replace("\r\n", "\n").split("\n"):
        line = _MD_QUOTE.sub("", raw.rstrip())
        if _MD_RULE.match(line) or ("|" in line and _MD_TABLE_SEPARATOR.match(line)):
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            lines.append(_inline_plain(heading.group(1)))
        elif line.lstrip().startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            lines.append(" · ".join(_inline_plain(c) for c in cells if c))
        else:
            lines.append(_inline_plain(_MD_BULLET.sub(r"\1- ", line)))
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@router.get("/callbacks", response_class=HTMLResponse)
def callbacks(request: Request, db: DbSession, user: DeskUser) -> Response:
    """The agent's pending callbacks and those offered from the agent's queues (partial)."""
    items = list_my_callbacks_due(db=db, agent=user, locale=request_locale(request))
    queues = [q for q in db.scalars(select(Queue).order_by(Queue.name)) if q.is_active]
    return _render(request, "desk_callbacks.html", {"callbacks": items, "queues": queues, "now": utcnow()})


@router.get("/callbacks/overdue", response_class=HTMLResponse)
def overdue_callbacks(request: Request, db: DbSession, user: DeskUser) -> Response:
    """Every counselor's overdue callbacks (partial, supervisors)."""
    try:
        items = list_overdue_callbacks(db=db, viewer=user, locale=request_locale(request))
    except MinwonError as exc:
        return _json_error(request, exc)
    return _render(request, "desk_callbacks_overdue.html", {"overdue": items})


@router.post("/callbacks/{callback_id}/attempts", response_class=HTMLResponse, dependencies=[CsrfChecked])
def callback_attempt(
    request: Request,
    db: DbSession,
    user: DeskUser,
    callback_id: int,
    outcome: Annotated[str | None, Form(max_length=20)] = None,
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Record one attempt (``reached``/``no_answer``/``busy``/``wrong_number`` and a note); answers the
    refreshed list, or a 422 naming the field."""
    try:
        record_callback_attempt(db=db, callback_id=callback_id, agent=user, outcome=outcome, note=note)
    except MinwonError as exc:
        db.rollback()
        return _json_error(request, exc)
    return callbacks(request, db, user)


@router.post("/callbacks/{callback_id}/take", response_class=HTMLResponse, dependencies=[CsrfChecked])
def callback_take(request: Request, db: DbSession, user: DeskUser, callback_id: int) -> Response:
    """Take a callback waiting in one of the agent's queues."""
    try:
        take_callback(db=db, callback_id=callback_id, agent=user)
    except MinwonError as exc:
        db.rollback()
        return _json_error(request, exc)
    return callbacks(request, db, user)


@router.post("/callbacks/{callback_id}/queue", response_class=HTMLResponse, dependencies=[CsrfChecked])
def callback_to_queue(
    request: Request,
    db: DbSession,
    user: DeskUser,
    callback_id: int,
    queue_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Hand a callback to a queue, for any of its agents."""
    try:
        if not queue_id.isdigit():
            raise ValidationError(N_("Choose an existing queue."), field="queue_id")
        hand_callback_to_queue(db=db, callback_id=callback_id, agent=user, queue_id=int(queue_id))
    except MinwonError as exc:
        db.rollback()
        return _json_error(request, exc)
    return callbacks(request, db, user)


@router.post("/callbacks/{callback_id}", response_class=HTMLResponse, dependencies=[CsrfChecked])
def finish_callback(
    request: Request,
    db: DbSession,
    user: DeskUser,
    callback_id: int,
    status: Annotated[str | None, Form(max_length=20)] = None,
) -> Response:
    """Report a callback ``done``/``failed`` (no answer: one attempt counted)/``cancelled``; answers the
    refreshed list. A missing or unknown ``status`` is a 422 naming ``status``."""
    try:
        complete_callback(db=db, callback_id=callback_id, agent=user, status=status)
    except MinwonError as exc:
        db.rollback()
        return _json_error(request, exc)
    return callbacks(request, db, user)


def _json_error(request: Request, exc: MinwonError) -> JSONResponse:
    """The error as JSON (``error``, ``message`` in the page's language, ``field``); the desk script
    shows ``message`` in place."""
    body = {**exc.as_dict(), "message": gettext(request_locale(request), exc.message)}
    return JSONResponse(body, status_code=exc.status_code)


@router.post("/callbacks/{callback_id}/number", response_class=HTMLResponse, dependencies=[CsrfChecked])
def reveal_number(request: Request, db: DbSession, user: DeskUser, callback_id: int) -> Response:
    """The full number to call back (partial shown in place of the masked one), for the assigned
    counselor or a supervisor; writes one access record (purpose ``callback:<id>``)."""
    try:
        number = reveal_callback_number(db=db, callback_id=callback_id, viewer=user, ip=client_ip(request))
    except MinwonError as exc:
        db.rollback()
        return _json_error(request, exc)
    return _render(request, "desk_callback_number.html", {"callback_id": callback_id, "number": number})
