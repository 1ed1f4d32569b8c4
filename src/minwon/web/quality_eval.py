"""Contact-evaluation pages (상담 품질 평가) — thin routes over :mod:`minwon.evaluations.service`.

* ``/quality/evaluations`` — the list (counselors: their own) and the monthly sampling form;
  ``/quality/evaluations/{id}`` — the contact record, scoring, acknowledge/dispute, resolution,
  coaching notes and the history. Viewing the contact of an identified caller is access-logged.
* ``/quality/scorecards`` — scorecard versions: edit a draft, publish, retire, new draft.
* ``/quality/calibration`` — calibration sessions and their spread report.

Every POST is CSRF-protected; wrong role → 403, wrong state → 409, bad input → 422 with the message.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from minwon.accounts.deps import CsrfChecked, CurrentUser, client_ip, require_roles
from minwon.accounts.models import Role, User
from minwon.config import get_settings
from minwon.contacts.models import Contact
from minwon.core.clock import local_today, parse_day
from minwon.core.errors import ValidationError
from minwon.core.i18n import N_, gettext
from minwon.db.deps import DbSession
from minwon.evaluations import service
from minwon.evaluations.models import Evaluation, EvaluationStatus
from minwon.evaluations.scoring import MAX_SCALE
from minwon.org.models import Category
from minwon.telephony.models import Call
from minwon.web.templating import render, request_locale

router = APIRouter(prefix="/quality", tags=["quality"], include_in_schema=False)

EvaluatorUser = Annotated[User, Depends(require_roles(Role.QUALITY_MANAGER, Role.SUPERVISOR))]
QaUser = Annotated[User, Depends(require_roles(Role.QUALITY_MANAGER, Role.SUPERVISOR, Role.COUNSELOR))]

STATUS_LABELS = {
    EvaluationStatus.ASSIGNED.value: N_("To score"),
    EvaluationStatus.SUBMITTED.value: N_("Submitted"),
    EvaluationStatus.ACKNOWLEDGED.value: N_("Acknowledged"),
    EvaluationStatus.DISPUTED.value: N_("Disputed"),
    EvaluationStatus.RESOLVED.value: N_("Dispute resolved"),
}
VERSION_LABELS = {"draft": N_("Draft"), "published": N_("Published"), "retired": N_("Retired")}
OUTCOME_LABELS = {
    "resolved": N_("Resolved at first contact"),
    "transferred": N_("Transferred"),
    "callback": N_("Callback promised"),
}
#: History actions as shown (msgids).
ACTION_LABELS = {
    "sampled": N_("Sampled and assigned"),
    "calibration": N_("Added to a calibration session"),
    "submitted": N_("Scores submitted"),
    "acknowledged": N_("Acknowledged by the counselor"),
    "disputed": N_("Disputed by the counselor"),
    "resolved": N_("Dispute resolved"),
    "reassigned": N_("Reassigned"),
    "coaching": N_("Coaching note"),
}
#: Recent contacts offered as suggestions on the calibration form.
RECENT_CONTACTS = 30
#: An existing criterion's label emptied without ticking "Delete" (``{row}``: the row number).
LABEL_EMPTIED = N_("Row {row}: a criterion's label cannot be emptied. Tick “Delete” to remove the criterion.")

#: Empty rows offered for new criteria on the draft editor.
NEW_ROWS = 3


def _users(db: Any) -> dict[int, User]:
    return {u.id: u for u in db.scalars(select(User))}


def _active_evaluators(db: Any) -> list[User]:
    roles = (Role.QUALITY_MANAGER, Role.SUPERVISOR)
    return list(
        db.scalars(select(User).where(User.role.in_(roles), User.is_active.is_(True)).order_by(User.id))
    )


def _back(url: str, **params: Any) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


# --- evaluations ----------------------------------------------------------------------------------


@router.get("/evaluations", response_class=HTMLResponse)
def evaluations_page(
    request: Request, db: DbSession, user: QaUser, month: str = "", status: str = ""
) -> HTMLResponse:
    items = service.list_evaluations(db=db, viewer=user, month=month or None, status=status or None)
    contacts = {
        c.id: c for c in db.scalars(select(Contact).where(Contact.id.in_({e.contact_id for e in items})))
    }
    categories = {c.id: c for c in db.scalars(select(Category))}
    notes = service.coaching_notes(db=db, viewer=user) if user.role == Role.COUNSELOR else []
    evaluators = _active_evaluators(db) if user.role != Role.COUNSELOR else []
    today = local_today()
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return render(
        request,
        "quality_evaluations.html",
        {
            "items": items,
            "contacts": contacts,
            "categories": categories,
            "users": _users(db),
            "month": month,
            "status": status,
            "status_labels": STATUS_LABELS,
            "notes": notes,
            "evaluators": evaluators,
            "default_month": month or last_month,
            "sampled": request.query_params.get("sampled"),
            "seed": request.query_params.get("seed"),
            "is_evaluator": user.role != Role.COUNSELOR,
        },
    )


@router.post("/evaluations/sample", dependencies=[CsrfChecked])
async def sample(request: Request, db: DbSession, user: EvaluatorUser) -> RedirectResponse:
    form = await request.form()
    per_agent_raw = str(form.get("per_agent") or "").strip()
    try:
        per_agent = int(per_agent_raw) if per_agent_raw else None
    except ValueError:
        raise ValidationError(
            N_("Contacts per counselor must be between 1 and 100."), field="per_agent"
        ) from None
    evaluator_ids = [int(str(v)) for v in form.getlist("evaluators") if str(v).isdigit()]
    month = str(form.get("month") or "")
    report = service.sample_month(
        db=db,
        month=month,
        actor=user,
        per_agent=per_agent,
        seed=str(form.get("seed") or ""),
        evaluator_ids=evaluator_ids or None,
    )
    return _back(
        "/quality/evaluations", month=report.month, sampled=len(report.evaluation_ids), seed=report.seed
    )


def _contact_view(db: Any, ev: Evaluation) -> dict[str, Any]:
    contact = db.get(Contact, ev.contact_id)
    category = db.get(Category, contact.category_id) if contact else None
    call = db.get(Call, contact.call_id) if contact and contact.call_id else None
    return {"contact": contact, "category": category, "call": call}


@router.get("/evaluations/{evaluation_id}", response_class=HTMLResponse)
def evaluation_page(request: Request, evaluation_id: int, db: DbSession, user: QaUser) -> HTMLResponse:
    ev = service.get_evaluation(db=db, evaluation_id=evaluation_id, viewer=user)
    service.record_contact_view(db=db, evaluation=ev, viewer=user, ip=client_ip(request))
    version = service.get_version(db=db, version_id=ev.scorecard_version_id)
    criteria = service.criteria_of(version)
    scores = {s.criterion_key: s for s in ev.scores}
    capa = None
    if (
        ev.kind.value == "sample"
        and ev.status != EvaluationStatus.ASSIGNED
        and (ev.critical_failed or not ev.passed)
    ):
        capa = "/quality/capa/new?" + urlencode(
            {
                "source": "evaluation",
                "source_ref": f"evaluation:{ev.id}",
                "title": f"상담 평가 #{ev.id} 기준 미달 ({ev.total_score:g}점)"[:200],
            }
        )
    return render(
        request,
        "quality_evaluation.html",
        {
            "ev": ev,
            "version": version,
            "criteria": criteria,
            "scores": scores,
            "users": _users(db),
            "history": service.history(db=db, evaluation_id=ev.id),
            "action_labels": ACTION_LABELS,
            "evaluators": _active_evaluators(db)
            if ev.status == EvaluationStatus.ASSIGNED
            and ev.kind.value == "sample"
            and user.role != Role.COUNSELOR
            else [],
            "notes": service.coaching_notes(db=db, viewer=user, evaluation_id=ev.id)
            if ev.kind.value == "sample"
            else [],
            "status_labels": STATUS_LABELS,
            "outcome_labels": OUTCOME_LABELS,
            "capa_url": capa,
            "can_score": ev.status == EvaluationStatus.ASSIGNED and ev.evaluator_id == user.id,
            "can_answer": ev.status == EvaluationStatus.SUBMITTED and ev.agent_id == user.id,
            "can_resolve": ev.status == EvaluationStatus.DISPUTED
            and user.role in service.RESOLVER_ROLES
            and ev.evaluator_id != user.id,
            "can_coach": user.role in service.EVALUATOR_ROLES
            and ev.kind.value == "sample"
            and ev.status != EvaluationStatus.ASSIGNED,
            "pass_score": get_settings().qa_pass_score,
            **_contact_view(db, ev),
        },
    )


def _scores_from(form: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    scores = {k[6:]: v for k, v in form.items() if k.startswith("score_")}
    comments = {k[8:]: v for k, v in form.items() if k.startswith("comment_")}
    return scores, comments


@router.post("/evaluations/{evaluation_id}/submit", dependencies=[CsrfChecked])
async def submit(
    request: Request, evaluation_id: int, db: DbSession, user: EvaluatorUser
) -> RedirectResponse:
    form = await _form(request)
    scores, comments = _scores_from(form)
    ev = service.submit_scores(
        db=db,
        evaluation_id=evaluation_id,
        actor=user,
        scores=scores,
        comments=comments,
        overall_comment=form.get("overall_comment", ""),
    )
    if ev.calibration_session_id:
        return _back(f"/quality/calibration/{ev.calibration_session_id}")
    return _back(f"/quality/evaluations/{ev.id}")


@router.post("/evaluations/{evaluation_id}/reassign", dependencies=[CsrfChecked])
async def reassign(
    request: Request, evaluation_id: int, db: DbSession, user: EvaluatorUser
) -> RedirectResponse:
    form = await _form(request)
    raw = form.get("evaluator_id", "")
    if not raw.isdigit():
        raise ValidationError(
            N_("Evaluators must be active quality managers or supervisors."), field="evaluator_id"
        )
    service.reassign(db=db, evaluation_id=evaluation_id, actor=user, evaluator_id=int(raw))
    return _back(f"/quality/evaluations/{evaluation_id}")


@router.post("/evaluations/{evaluation_id}/acknowledge", dependencies=[CsrfChecked])
async def acknowledge(
    request: Request, evaluation_id: int, db: DbSession, user: CurrentUser
) -> RedirectResponse:
    form = await _form(request)
    service.acknowledge(db=db, evaluation_id=evaluation_id, actor=user, note=form.get("note", ""))
    return _back(f"/quality/evaluations/{evaluation_id}")


@router.post("/evaluations/{evaluation_id}/dispute", dependencies=[CsrfChecked])
async def dispute(request: Request, evaluation_id: int, db: DbSession, user: CurrentUser) -> RedirectResponse:
    form = await _form(request)
    service.dispute(db=db, evaluation_id=evaluation_id, actor=user, reason=form.get("reason", ""))
    return _back(f"/quality/evaluations/{evaluation_id}")


@router.post("/evaluations/{evaluation_id}/resolve", dependencies=[CsrfChecked])
async def resolve(request: Request, evaluation_id: int, db: DbSession, user: CurrentUser) -> RedirectResponse:
    form = await _form(request)
    scores, comments = _scores_from(form)
    service.resolve(
        db=db,
        evaluation_id=evaluation_id,
        actor=user,
        decision=form.get("decision", ""),
        note=form.get("note", ""),
        scores=scores or None,
        comments=comments or None,
    )
    return _back(f"/quality/evaluations/{evaluation_id}")


@router.post("/evaluations/{evaluation_id}/coaching", dependencies=[CsrfChecked])
async def coaching(
    request: Request, evaluation_id: int, db: DbSession, user: EvaluatorUser
) -> RedirectResponse:
    form = await _form(request)
    raw = form.get("follow_up_on", "").strip()
    follow = parse_day(raw, field="follow_up_on") if raw else None
    if follow is not None and follow < local_today():
        raise ValidationError(N_("The follow-up date is in the past."), field="follow_up_on")
    service.add_coaching_note(
        db=db,
        actor=user,
        evaluation_id=evaluation_id,
        discussed=form.get("discussed", ""),
        actions=form.get("actions", ""),
        follow_up_on=follow,
    )
    return _back(f"/quality/evaluations/{evaluation_id}")


# --- scorecards -----------------------------------------------------------------------------------


@router.get("/scorecards", response_class=HTMLResponse)
def scorecards_page(request: Request, db: DbSession, user: EvaluatorUser) -> HTMLResponse:
    cards = service.list_scorecards(db=db)
    return render(
        request,
        "quality_scorecards.html",
        {
            "cards": cards,
            "version_labels": VERSION_LABELS,
            "can_edit": user.role in service.SCORECARD_ROLES,
        },
    )


@router.get("/scorecards/{version_id}", response_class=HTMLResponse)
def scorecard_page(request: Request, version_id: int, db: DbSession, user: EvaluatorUser) -> HTMLResponse:
    version = service.get_version(db=db, version_id=version_id)
    rows = [
        {"section": s.get("title", ""), **c}
        for s in version.definition.get("sections", [])
        for c in s.get("criteria", [])
    ]
    used = {r["key"] for r in rows}
    n = len(rows)
    while len(rows) < n + NEW_ROWS:
        k = len(rows) + 1
        while f"c{k}" in used:
            k += 1
        used.add(f"c{k}")
        rows.append(
            {
                "section": "",
                "key": f"c{k}",
                "label": "",
                "guidance": "",
                "new": True,
                "weight": 0,
                "max_score": 5,
                "kind": "scale",
                "critical": False,
            }
        )
    return render(
        request,
        "quality_scorecard.html",
        {
            "version": version,
            "rows": rows,
            "version_labels": VERSION_LABELS,
            "max_scale": MAX_SCALE,
            "can_edit": user.role in service.SCORECARD_ROLES and version.status.value == "draft",
            "can_manage": user.role in service.SCORECARD_ROLES,
            "saved": request.query_params.get("saved"),
        },
    )


def definition_from_form(form: dict[str, str], existing: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Editor rows (``label_i``, ``section_i``, ``key_i``, ``guidance_i``, ``weight_i``, ``max_i``,
    ``kind_i``, ``critical_i``, ``delete_i``) → a definition; new rows without a label are dropped and
    existing criteria (``key_i`` in ``existing``) ticked ``delete_i`` are removed; consecutive rows with the
    same section title form one section (an empty title continues the previous section).

    Raises ValidationError (field ``label_<i>``) when an existing criterion's label is emptied without
    ``delete_i``: removing a criterion (even a critical gate) must be explicit."""
    indexes = sorted({int(k.split("_", 1)[1]) for k in form if k.startswith("label_") and k[6:].isdigit()})
    sections: list[dict[str, Any]] = []
    for i in indexes:
        label = form.get(f"label_{i}", "").strip()
        if form.get(f"delete_{i}") == "on":
            continue
        if not label:
            if form.get(f"key_{i}", "").strip() in existing:
                raise ValidationError(LABEL_EMPTIED, field=f"label_{i}")
            continue
        title = form.get(f"section_{i}", "").strip() or (sections[-1]["title"] if sections else "")
        if not sections or sections[-1]["title"] != title:
            sections.append({"title": title, "criteria": []})
        kind = form.get(f"kind_{i}", "scale")
        sections[-1]["criteria"].append(
            {
                "key": form.get(f"key_{i}", "").strip(),
                "label": label,
                "guidance": form.get(f"guidance_{i}", "").strip(),
                "weight": form.get(f"weight_{i}", "").strip(),
                "max_score": form.get(f"max_{i}", "1").strip(),
                "kind": kind,
                "critical": form.get(f"critical_{i}") == "on",
            }
        )
    from minwon.evaluations.scoring import parse_definition

    for crit in parse_definition({"sections": sections}):
        for s in sections:
            for c in s["criteria"]:
                if c["key"] == crit.key:
                    c["weight"], c["max_score"] = crit.weight, crit.max_score
    return {"sections": sections}


@router.post("/scorecards/{version_id}", dependencies=[CsrfChecked])
async def save_scorecard(request: Request, version_id: int, db: DbSession, user: EvaluatorUser) -> Response:
    version = service.get_version(db=db, version_id=version_id)
    if version.status.value != "draft":
        # the same clear refusal as the service, before the form is even read
        service.save_draft(db=db, version_id=version_id, definition=version.definition, actor=user)
    form = await _form(request)
    try:
        existing = frozenset(
            str(c.get("key", ""))
            for sec in version.definition.get("sections", [])
            for c in sec.get("criteria", [])
        )
        definition = definition_from_form(form, existing)
    except ValidationError as exc:
        if exc.message != LABEL_EMPTIED or exc.field is None:
            raise
        row = exc.field.removeprefix("label_")
        message = gettext(request_locale(request), LABEL_EMPTIED).format(row=row)
        return render(request, "error.html", {"message": message}, status_code=422)
    service.save_draft(db=db, version_id=version_id, definition=definition, actor=user)
    return _back(f"/quality/scorecards/{version_id}", saved=1)


@router.post("/scorecards/{version_id}/draft", dependencies=[CsrfChecked])
def draft(version_id: int, db: DbSession, user: EvaluatorUser) -> RedirectResponse:
    new = service.new_draft(db=db, version_id=version_id, actor=user)
    return _back(f"/quality/scorecards/{new.id}")


@router.post("/scorecards/{version_id}/publish", dependencies=[CsrfChecked])
def publish(version_id: int, db: DbSession, user: EvaluatorUser) -> RedirectResponse:
    service.publish_version(db=db, version_id=version_id, actor=user)
    return _back("/quality/scorecards")


@router.post("/scorecards/{version_id}/retire", dependencies=[CsrfChecked])
def retire(version_id: int, db: DbSession, user: EvaluatorUser) -> RedirectResponse:
    service.retire_version(db=db, version_id=version_id, actor=user)
    return _back("/quality/scorecards")


# --- calibration ----------------------------------------------------------------------------------


@router.get("/calibration", response_class=HTMLResponse)
def calibration_page(request: Request, db: DbSession, user: EvaluatorUser) -> HTMLResponse:
    sessions = service.list_calibrations(db=db, viewer=user)
    evaluators = _active_evaluators(db)
    recent = list(db.scalars(select(Contact).order_by(Contact.id.desc()).limit(RECENT_CONTACTS)))
    categories = {c.id: c for c in db.scalars(select(Category))}
    return render(
        request,
        "quality_calibration.html",
        {"sessions": sessions, "evaluators": evaluators, "recent": recent, "categories": categories},
    )


@router.post("/calibration", dependencies=[CsrfChecked])
async def create_calibration(request: Request, db: DbSession, user: EvaluatorUser) -> RedirectResponse:
    form = await request.form()
    raw = str(form.get("contact_id") or "").strip()
    if not raw.isdigit():
        raise ValidationError(N_("The contact does not exist."), field="contact_id")
    ids = [int(str(v)) for v in form.getlist("evaluators") if str(v).isdigit()]
    session = service.create_calibration(
        db=db, actor=user, contact_id=int(raw), evaluator_ids=ids, title=str(form.get("title") or "")
    )
    return _back(f"/quality/calibration/{session.id}")


@router.get("/calibration/{session_id}", response_class=HTMLResponse)
def calibration_session_page(
    request: Request, session_id: int, db: DbSession, user: EvaluatorUser
) -> HTMLResponse:
    report = service.calibration_report(db=db, session_id=session_id, viewer=user)
    return render(
        request,
        "quality_calibration_session.html",
        {
            "report": report,
            "users": _users(db),
            "status_labels": STATUS_LABELS,
        },
    )
