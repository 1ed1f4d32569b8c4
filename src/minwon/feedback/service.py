"""Satisfaction surveys, low-score follow-ups and service complaints: the only place that writes them.

Flow: :func:`invite_due` (scheduler job ``survey_invitations``, ``minwon survey invite``) finds contacts
and answered/closed cases a few minutes old with a mobile number, and queues one ``survey_invitation``
SMS each through the notice outbox with a single-use link ``/s/<token>`` (only the token's SHA-256 is
stored). The citizen answers on the public form (:func:`open_survey`, :func:`submit_response`); a low
response opens a :class:`SurveyFollowUp` for supervisors, which may become a :class:`ServiceComplaint`.

Rules (see :mod:`minwon.feedback.rules`): no second invitation to the same citizen (caller pseudonym)
within ``MINWON_SURVEY_RESURVEY_DAYS``; transferred contacts are not surveyed themselves (their case is,
once answered or closed); a deterministic share ``MINWON_SURVEY_SAMPLE_SHARE`` is invited.
Counts per period use the instant of the contact or case the survey is about (``subject_at``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User
from minwon.cases.models import Case, CaseStatus
from minwon.config import get_settings
from minwon.contacts.models import Contact, Outcome
from minwon.core.audit import record_access, record_audit
from minwon.core.clock import local_day_bounds, local_today, to_local, utcnow
from minwon.core.crypto import decrypt, pseudonym, random_token, token_digest
from minwon.core.errors import Conflict, MinwonError, NotFound, PermissionDenied, ValidationError
from minwon.core.i18n import N_
from minwon.feedback.models import (
    ComplaintChannel,
    ComplaintStatus,
    ComplaintSubject,
    FollowUpComment,
    FollowUpOutcome,
    FollowUpStatus,
    ServiceComplaint,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyInvitation,
    SurveyLinkFailure,
    SurveyQuestion,
    SurveyResponse,
)
from minwon.feedback.rules import (
    MAX_COMMENT,
    MAX_RATING,
    MIN_RATING,
    SATISFIED_MIN,
    SurveySettings,
    is_low,
    is_mobile,
    sampled,
    survey_settings,
    top2_share,
)
from minwon.notices.models import NoticeChannel
from minwon.notices.service import enqueue
from minwon.quality.summaries import QuestionResult, SurveySummary
from minwon.telephony.models import Call

#: Roles that work follow-ups and complaints (administrators pass every check).
QUALITY_ROLES = (Role.SUPERVISOR, Role.QUALITY_MANAGER, Role.ADMINISTRATOR)
MAX_LABEL = 200
MAX_NOTE = 4000


# --- questions -----------------------------------------------------------------------------------


def list_questions(*, db: Session, active_only: bool = False) -> list[SurveyQuestion]:
    """Questions in form order (``sort_order``, then id); ``active_only`` for the citizen's form."""
    query = select(SurveyQuestion).order_by(SurveyQuestion.sort_order, SurveyQuestion.id)
    if active_only:
        query = query.where(SurveyQuestion.is_active)
    return list(db.scalars(query))


def save_question(
    *,
    db: Session,
    question_id: int | None,
    label_ko: str,
    sort_order: int,
    is_active: bool,
    is_overall: bool,
    actor: User,
    ip: str | None = None,
) -> SurveyQuestion:
    """Create (``question_id`` None) or change a question; commits (audited ``survey_question_saved``).

    Marking a question overall unmarks the others. Afterwards exactly one active question must be the
    overall one. A question that already has answers keeps its wording and its overall flag (its order
    and active flag may change): past months' results must read as they were answered. Marking a new
    (unanswered) question overall still unmarks an answered one; past responses keep the overall rating
    stored with them (``SurveyResponse.overall``). See docs/surveys.md.

    Raises ValidationError (empty or > 200-character label, order outside 0–999, no active overall
    question left), Conflict (changed wording or overall flag of an answered question), NotFound
    (unknown id).
    """
    label = (label_ko or "").strip()
    if not label:
        raise ValidationError(N_("Enter the question."), field="label_ko")
    if len(label) > MAX_LABEL:
        raise ValidationError(N_("The question is too long (at most 200 characters)."), field="label_ko")
    if not 0 <= sort_order <= 999:
        raise ValidationError(N_("The order must be a number from 0 to 999."), field="sort_order")
    if question_id is None:
        question = SurveyQuestion()
        db.add(question)
    else:
        found = db.get(SurveyQuestion, question_id)
        if found is None:
            raise NotFound(N_("No such survey question."))
        question = found
        answered = db.scalar(select(SurveyAnswer.id).where(SurveyAnswer.question_id == found.id).limit(1))
        if answered is not None and label != found.label_ko:
            raise Conflict(
                N_(
                    "This question already has answers, so its wording cannot change (past results would "
                    "change meaning). Deactivate it and add a new question instead."
                ),
                field="label_ko",
            )
        if answered is not None and is_overall != found.is_overall:
            raise Conflict(
                N_(
                    "This question already has answers, so it cannot become or stop being the overall "
                    "question. Add a new question marked overall instead."
                ),
                field="is_overall",
            )
    question.label_ko, question.sort_order, question.is_active = label, sort_order, is_active
    question.is_overall = is_overall
    db.flush()
    if is_overall:
        db.execute(update(SurveyQuestion).where(SurveyQuestion.id != question.id).values(is_overall=False))
    overall = db.scalar(
        select(func.count())
        .select_from(SurveyQuestion)
        .where(SurveyQuestion.is_active, SurveyQuestion.is_overall)
    )
    if overall != 1:
        db.rollback()
        raise ValidationError(
            N_("One active question must be the overall satisfaction question."), field="is_overall"
        )
    record_audit(
        db=db,
        action="survey_question_saved",
        actor_name=actor.username,
        actor_id=actor.id,
        ip=ip,
        detail={"question_id": question.id, "active": is_active, "overall": is_overall},
    )
    db.commit()
    return question


# --- invitations ---------------------------------------------------------------------------------


@dataclass
class InviteReport:
    """What one invitation scan did (counts of contacts/cases)."""

    invited: int = 0
    skipped_recent: int = 0
    skipped_sample: int = 0
    skipped_no_mobile: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "invited": self.invited,
            "skipped_recent": self.skipped_recent,
            "skipped_sample": self.skipped_sample,
            "skipped_no_mobile": self.skipped_no_mobile,
        }

    def __len__(self) -> int:  # the scheduler counts a job's items with len()
        return self.invited


def survey_base_url(settings: SurveySettings | None = None) -> str:
    """Base of survey links: ``MINWON_SURVEY_BASE_URL``, else ``MINWON_PUBLIC_URL`` (no trailing slash)."""
    s = settings or survey_settings()
    return (s.base_url or get_settings().public_base_url).rstrip("/")


@dataclass(frozen=True)
class _Candidate:
    kind: str  # "contact" | "case"
    item_id: int
    number_enc: str | None
    subject_at: datetime
    queue_id: int | None
    category_id: int | None
    agent_id: int | None


def _candidates(db: Session, start: datetime, end: datetime) -> list[_Candidate]:
    contacts = db.execute(
        select(
            Contact.id,
            Contact.caller_enc,
            Contact.created_at,
            Call.queue_id,
            Contact.category_id,
            Contact.agent_id,
        )
        .outerjoin(Call, Call.id == Contact.call_id)
        .outerjoin(SurveyInvitation, SurveyInvitation.contact_id == Contact.id)
        .where(
            Contact.created_at >= start,
            Contact.created_at <= end,
            Contact.caller_enc.is_not(None),
            # a transferred contact is surveyed through its case, once answered or closed
            Contact.outcome != Outcome.TRANSFERRED,
            SurveyInvitation.id.is_(None),
        )
        .order_by(Contact.created_at, Contact.id)
    ).all()
    done_at = func.coalesce(Case.answered_at, Case.closed_at)
    cases = db.execute(
        select(Case.id, Case.notify_mobile_enc, done_at, Case.category_id, Case.created_by_id)
        .outerjoin(SurveyInvitation, SurveyInvitation.case_id == Case.id)
        .where(
            Case.status.in_((CaseStatus.ANSWERED, CaseStatus.CLOSED)),
            done_at >= start,
            done_at <= end,
            Case.notify_mobile_enc.is_not(None),
            SurveyInvitation.id.is_(None),
        )
        .order_by(done_at, Case.id)
    ).all()
    out = [_Candidate("contact", r[0], r[1], r[2], r[3], r[4], r[5]) for r in contacts]
    out += [_Candidate("case", r[0], r[1], r[2], None, r[3], r[4]) for r in cases]
    return sorted(out, key=lambda c: (c.subject_at, c.kind, c.item_id))


def invite_due(
    *, db: Session, now: datetime | None = None, settings: SurveySettings | None = None
) -> InviteReport:
    """Queue survey invitations for contacts and answered/closed cases that are between
    ``delay_minutes`` and ``lookback_hours`` old and have none yet; commits.

    Each eligible item gets at most one invitation ever (unique contact/case); an item is skipped
    (and stays skipped on later runs) when outside the sample, without a mobile number, or when the
    same citizen was invited within ``resurvey_days``. The SMS (template ``survey_invitation``, dedupe
    ``survey:<kind>:<id>``) is queued in the same transaction as the invitation.
    """
    s = settings or survey_settings()
    report = InviteReport()
    if not s.enabled:
        return report
    now = now or utcnow()
    end = now - timedelta(minutes=s.delay_minutes)
    start = now - timedelta(hours=s.lookback_hours)
    center, base = get_settings().center_name, survey_base_url(s)
    for cand in _candidates(db, start, end):
        key = f"{cand.kind}:{cand.item_id}"
        if not sampled(key, s.sample_share):
            report.skipped_sample += 1
            continue
        try:
            number = decrypt(cand.number_enc) if cand.number_enc else ""
        except ValueError:
            number = ""
        if not is_mobile(number):
            report.skipped_no_mobile += 1
            continue
        subject = pseudonym(number, purpose="caller")
        recent = db.scalar(
            select(SurveyInvitation.id).where(
                SurveyInvitation.subject_ref == subject,
                SurveyInvitation.invited_at > now - timedelta(days=s.resurvey_days),
            )
        )
        if recent is not None:
            report.skipped_recent += 1
            continue
        token = random_token(24)
        expires = now + timedelta(days=s.link_expiry_days)
        invitation = SurveyInvitation(
            token_digest=token_digest(token),
            contact_id=cand.item_id if cand.kind == "contact" else None,
            case_id=cand.item_id if cand.kind == "case" else None,
            subject_ref=subject,
            subject_at=cand.subject_at,
            queue_id=cand.queue_id,
            category_id=cand.category_id,
            agent_id=cand.agent_id,
            invited_at=now,
            expires_at=expires,
        )
        db.add(invitation)
        db.flush()
        notice = enqueue(
            db,
            channel=NoticeChannel.SMS,
            recipient=number,
            template_key="survey_invitation",
            context={"center": center, "url": f"{base}/s/{token}", "expires": f"{to_local(expires):%m-%d}"},
            contact_id=invitation.contact_id,
            case_id=invitation.case_id,
            dedupe_key=f"survey:{key}",
        )
        invitation.notice_id = notice.id
        report.invited += 1
    db.commit()
    return report


# --- the citizen's form --------------------------------------------------------------------------

LINK_UNKNOWN = N_("This survey link is not valid. Please check the address in the message.")
LINK_EXPIRED = N_("This survey has closed. Thank you for your interest.")
LINK_USED = N_("This survey has already been answered. Thank you for taking part.")
TOO_MANY = N_("Too many attempts. Please try again later.")


class SurveyLinkProblem(MinwonError):
    """An unknown, expired or used link (``kind``: unknown | expired | used | too_many)."""

    def __init__(self, message: str, *, kind: str, status_code: int) -> None:
        super().__init__(message, field="token")
        self.kind = kind
        self.status_code = status_code


@dataclass(frozen=True)
class SurveyForm:
    """What the public form shows: the questions only (no personal data, no case or counselor)."""

    questions: list[SurveyQuestion]
    expires_at: datetime


def _refuse_if_limited(db: Session, ip: str, now: datetime, s: SurveySettings) -> None:
    since = now - timedelta(minutes=s.rate_window_minutes)
    failures = db.scalar(
        select(func.count())
        .select_from(SurveyLinkFailure)
        .where(SurveyLinkFailure.ip == ip, SurveyLinkFailure.at > since)
    )
    if int(failures or 0) >= s.rate_limit_failures:
        raise SurveyLinkProblem(TOO_MANY, kind="too_many", status_code=429)


def _invitation_for(db: Session, token: str, ip: str | None, now: datetime) -> SurveyInvitation:
    """The invitation of ``token`` still open for answers, or SurveyLinkProblem (failures counted per IP)."""
    s = survey_settings()
    where = ip or "-"
    _refuse_if_limited(db, where, now, s)
    found: SurveyInvitation | None = None
    if 10 <= len(token) <= 64:
        digest = token_digest(token)
        found = db.scalar(select(SurveyInvitation).where(SurveyInvitation.token_digest == digest))
    problem: SurveyLinkProblem | None = None
    if found is None:
        problem = SurveyLinkProblem(LINK_UNKNOWN, kind="unknown", status_code=404)
    elif found.responded_at is not None:
        problem = SurveyLinkProblem(LINK_USED, kind="used", status_code=410)
    elif found.expires_at <= now:
        problem = SurveyLinkProblem(LINK_EXPIRED, kind="expired", status_code=410)
    if problem is not None:
        if problem.kind == "unknown":
            db.add(SurveyLinkFailure(ip=where, at=now))
            db.commit()
        raise problem
    assert found is not None
    return found


def open_survey(*, db: Session, token: str, ip: str | None, now: datetime | None = None) -> SurveyForm:
    """The form for ``token``. Raises :class:`SurveyLinkProblem` (unknown 404, used/expired 410, too
    many unknown links from this IP 429)."""
    now = now or utcnow()
    invitation = _invitation_for(db, token, ip, now)
    return SurveyForm(questions=list_questions(db=db, active_only=True), expires_at=invitation.expires_at)


def _parse_ratings(questions: list[SurveyQuestion], ratings: Mapping[str, str]) -> dict[int, int]:
    out: dict[int, int] = {}
    for q in questions:
        raw = (ratings.get(f"q{q.id}") or "").strip()
        if not raw:
            raise ValidationError(N_("Please answer every question."), field=f"q{q.id}")
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if not MIN_RATING <= value <= MAX_RATING:
            raise ValidationError(N_("Choose a rating from 1 to 5."), field=f"q{q.id}")
        out[q.id] = value
    return out


def submit_response(
    *,
    db: Session,
    token: str,
    ratings: Mapping[str, str],
    comment: str = "",
    ip: str | None,
    now: datetime | None = None,
) -> SurveyResponse:
    """Store the citizen's answers for ``token`` (``ratings``: ``{"q<question id>": "1".."5"}`` for every
    active question) and mark the link used; opens a follow-up when the response is low; commits once.

    Raises SurveyLinkProblem (as :func:`open_survey`; also when another submission won the race: used),
    ValidationError (a question unanswered or outside 1–5, comment over 1,000 characters once line
    breaks are normalised to ``\\n``, as stored). Nothing is stored on error.
    """
    now = now or utcnow()
    s = survey_settings()
    invitation = _invitation_for(db, token, ip, now)
    questions = list_questions(db=db, active_only=True)
    values = _parse_ratings(questions, ratings)
    # browsers send a textarea's line breaks as CRLF while maxlength counts each as one character
    text = (comment or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_COMMENT:
        raise ValidationError(N_("The comment is too long (at most 1,000 characters)."), field="comment")
    # single use: only the first submission flips responded_at
    claimed = db.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation.id, SurveyInvitation.responded_at.is_(None))
        .values(responded_at=now)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        db.rollback()
        raise SurveyLinkProblem(LINK_USED, kind="used", status_code=410)
    overall = next((values[q.id] for q in questions if q.is_overall), None)
    response = SurveyResponse(
        invitation_id=invitation.id,
        submitted_at=now,
        overall=overall,
        lowest=min(values.values()) if values else MAX_RATING,
        comment=text,
    )
    db.add(response)
    db.flush()
    for question_id, rating in values.items():
        db.add(SurveyAnswer(response_id=response.id, question_id=question_id, rating=rating))
    if is_low(list(values.values()), s.low_score_max):
        db.add(
            SurveyFollowUp(
                response_id=response.id,
                due_on=to_local(now).date() + timedelta(days=s.followup_due_days),
                created_at=now,
            )
        )
    db.commit()
    return response


# --- follow-ups ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpView:
    """A follow-up with what supervisors need: ratings by question label, the comment (masking is the
    page's job), the related contact/case, the counselor and the masked mobile number."""

    followup: SurveyFollowUp
    invitation: SurveyInvitation
    response: SurveyResponse
    ratings: list[tuple[str, int]]
    agent_name: str | None
    assignee_name: str | None
    caller_masked: str | None
    case_number: str | None
    comments: list[FollowUpComment] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.followup.status == FollowUpStatus.OPEN and self.followup.due_on < local_today()


def _require_quality(user: User) -> None:
    if user.role not in QUALITY_ROLES:
        raise PermissionDenied(N_("Your role may not open this page."))


def _followup(db: Session, followup_id: int) -> SurveyFollowUp:
    found = db.get(SurveyFollowUp, followup_id)
    if found is None:
        raise NotFound(N_("No such follow-up."))
    return found


def _view(db: Session, fu: SurveyFollowUp, *, with_comments: bool = False) -> FollowUpView:
    response = db.get(SurveyResponse, fu.response_id)
    assert response is not None
    invitation = db.get(SurveyInvitation, response.invitation_id)
    assert invitation is not None
    ratings = [
        (label, rating)
        for label, rating in db.execute(
            select(SurveyQuestion.label_ko, SurveyAnswer.rating)
            .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
            .where(SurveyAnswer.response_id == response.id)
            .order_by(SurveyQuestion.sort_order, SurveyQuestion.id)
        )
    ]
    agent = db.get(User, invitation.agent_id) if invitation.agent_id else None
    assignee = db.get(User, fu.assigned_to_id) if fu.assigned_to_id else None
    contact = db.get(Contact, invitation.contact_id) if invitation.contact_id else None
    case_row = db.get(Case, invitation.case_id) if invitation.case_id else None
    masked = contact.caller_masked if contact else (case_row.notify_mobile_masked if case_row else None)
    comments = (
        list(
            db.scalars(
                select(FollowUpComment)
                .where(FollowUpComment.followup_id == fu.id)
                .order_by(FollowUpComment.id)
            )
        )
        if with_comments
        else []
    )
    return FollowUpView(
        followup=fu,
        invitation=invitation,
        response=response,
        ratings=ratings,
        agent_name=agent.display_name if agent else None,
        assignee_name=assignee.display_name if assignee else None,
        caller_masked=masked,
        case_number=case_row.number if case_row else None,
        comments=comments,
    )


def list_followups(
    *, db: Session, status: FollowUpStatus | None = None, limit: int = 200
) -> list[FollowUpView]:
    """Follow-ups, open ones first by due date, then closed newest first."""
    query = select(SurveyFollowUp).order_by(
        case((SurveyFollowUp.status == FollowUpStatus.OPEN, 0), else_=1),
        SurveyFollowUp.due_on,
        SurveyFollowUp.id.desc(),
    )
    if status is not None:
        query = query.where(SurveyFollowUp.status == status)
    return [_view(db, fu) for fu in db.scalars(query.limit(limit))]


def view_followup(*, db: Session, followup_id: int, viewer: User, ip: str | None) -> FollowUpView:
    """One follow-up with its comments; the view of the citizen's (masked) number is written to the
    access log (purpose ``survey_followup:<id>``); commits. Raises NotFound, PermissionDenied."""
    _require_quality(viewer)
    fu = _followup(db, followup_id)
    view = _view(db, fu, with_comments=True)
    record_access(
        db=db,
        account_id=viewer.id,
        subject_ref=view.invitation.subject_ref,
        action="view",
        purpose=f"survey_followup:{fu.id}",
        ip=ip,
    )
    db.commit()
    return view


def counselors(*, db: Session) -> list[User]:
    """Active counselors, by name (the complaint form's "related counselor")."""
    return list(
        db.scalars(
            select(User).where(User.role == Role.COUNSELOR, User.is_active).order_by(User.display_name)
        )
    )


def assignable_users(*, db: Session) -> list[User]:
    """Supervisors and quality managers who may be given a follow-up (active accounts)."""
    return list(
        db.scalars(
            select(User)
            .where(User.role.in_((Role.SUPERVISOR, Role.QUALITY_MANAGER)), User.is_active)
            .order_by(User.display_name)
        )
    )


def _open(fu: SurveyFollowUp) -> None:
    if fu.status != FollowUpStatus.OPEN:
        raise Conflict(N_("This follow-up is already closed."))


def update_followup(
    *,
    db: Session,
    followup_id: int,
    actor: User,
    assignee_id: int | None = None,
    claim: bool = False,
    due_on: date | None = None,
    note: str | None = None,
) -> SurveyFollowUp:
    """Take (``claim``), assign to a supervisor/quality manager, change the due date or the note of an
    open follow-up; commits (audited ``survey_followup_updated``).

    Raises NotFound, PermissionDenied, Conflict (closed), ValidationError (assignee not a supervisor
    or quality manager, due date in the past, note over 4,000 characters).
    """
    _require_quality(actor)
    fu = _followup(db, followup_id)
    _open(fu)
    assigned = fu.assigned_to_id
    if claim:
        assigned = actor.id
    elif assignee_id is not None:
        assignee = db.get(User, assignee_id)
        if assignee is None or not assignee.is_active or assignee.role not in QUALITY_ROLES:
            raise ValidationError(N_("Choose a supervisor or quality manager."), field="assignee_id")
        assigned = assignee.id
    if due_on is not None and due_on < local_today() and due_on != fu.due_on:
        raise ValidationError(N_("The due date is in the past."), field="due_on")
    if note is not None and len(note) > MAX_NOTE:
        raise ValidationError(N_("The note is too long (at most 4,000 characters)."), field="note")
    # every check passed: change the row only now, so a refused update leaves nothing half-done
    fu.assigned_to_id = assigned
    if due_on is not None:
        fu.due_on = due_on
    if note is not None:
        fu.note = note.strip()
    record_audit(
        db=db,
        action="survey_followup_updated",
        actor_name=actor.username,
        actor_id=actor.id,
        detail={"followup_id": fu.id, "assigned_to": fu.assigned_to_id, "due_on": fu.due_on.isoformat()},
    )
    db.commit()
    return fu


def comment_followup(*, db: Session, followup_id: int, actor: User, text: str) -> FollowUpComment:
    """Add a comment (1–4,000 characters) to a follow-up, open or closed; commits.
    Raises NotFound, PermissionDenied, ValidationError."""
    _require_quality(actor)
    fu = _followup(db, followup_id)
    body = (text or "").strip()
    if not body:
        raise ValidationError(N_("Enter a comment."), field="text")
    if len(body) > MAX_NOTE:
        raise ValidationError(N_("The comment is too long (at most 4,000 characters)."), field="text")
    comment = FollowUpComment(
        followup_id=fu.id, author_id=actor.id, author_name=actor.display_name, text=body
    )
    db.add(comment)
    db.commit()
    return comment


def close_followup(
    *,
    db: Session,
    followup_id: int,
    actor: User,
    outcome: FollowUpOutcome | str,
    outcome_note: str = "",
    now: datetime | None = None,
) -> SurveyFollowUp:
    """Close an open follow-up with an ``outcome`` (resolved, unresolved, unreachable, no_action) and
    an optional note; commits (audited ``survey_followup_closed``).
    Raises NotFound, PermissionDenied, Conflict (already closed), ValidationError (unknown outcome,
    note too long)."""
    _require_quality(actor)
    fu = _followup(db, followup_id)
    _open(fu)
    try:
        result = FollowUpOutcome(outcome)
    except ValueError:
        raise ValidationError(N_("Choose an outcome."), field="outcome") from None
    if len(outcome_note) > MAX_NOTE:
        raise ValidationError(N_("The note is too long (at most 4,000 characters)."), field="outcome_note")
    fu.status, fu.outcome, fu.outcome_note = FollowUpStatus.CLOSED, result, outcome_note.strip()
    fu.closed_at, fu.closed_by_id = now or utcnow(), actor.id
    if fu.assigned_to_id is None:
        fu.assigned_to_id = actor.id
    record_audit(
        db=db,
        action="survey_followup_closed",
        actor_name=actor.username,
        actor_id=actor.id,
        detail={"followup_id": fu.id, "outcome": result.value},
    )
    db.commit()
    return fu


def followup_to_complaint(
    *, db: Session, followup_id: int, actor: User, subject: ComplaintSubject | str
) -> ServiceComplaint:
    """Record the follow-up's response as a service complaint (channel ``survey``, the citizen's comment
    or the ratings as description, the contact and counselor of the survey); commits.
    Raises NotFound, PermissionDenied, Conflict (already a complaint), ValidationError (subject)."""
    _require_quality(actor)
    fu = _followup(db, followup_id)
    if fu.complaint_id is not None:
        raise Conflict(N_("This follow-up is already recorded as a complaint."))
    view = _view(db, fu)
    ratings = ", ".join(f"{label} {rating}" for label, rating in view.ratings)
    description = view.response.comment or ratings
    complaint = _new_complaint(
        db=db,
        channel=ComplaintChannel.SURVEY,
        subject=subject,
        description=f"{description}\n(만족도 조사: {ratings})" if view.response.comment else description,
        contact_id=view.invitation.contact_id,
        agent_id=view.invitation.agent_id,
        actor=actor,
        received_at=view.response.submitted_at,
    )
    fu.complaint_id = complaint.id
    db.commit()
    return complaint


# --- service complaints --------------------------------------------------------------------------

MAX_DESCRIPTION = 4000


def _new_complaint(
    *,
    db: Session,
    channel: ComplaintChannel | str,
    subject: ComplaintSubject | str,
    description: str,
    contact_id: int | None,
    agent_id: int | None,
    actor: User,
    received_at: datetime | None,
) -> ServiceComplaint:
    try:
        chan = ComplaintChannel(channel)
    except ValueError:
        raise ValidationError(N_("Choose how the complaint came in."), field="channel") from None
    try:
        subj = ComplaintSubject(subject)
    except ValueError:
        raise ValidationError(N_("Choose what the complaint is about."), field="subject") from None
    text = (description or "").strip()
    if not text:
        raise ValidationError(N_("Describe the complaint."), field="description")
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError(
            N_("The description is too long (at most 4,000 characters)."), field="description"
        )
    if contact_id is not None:
        contact = db.get(Contact, contact_id)
        if contact is None:
            raise ValidationError(N_("No contact has this number."), field="contact_id")
        agent_id = agent_id or contact.agent_id
    if agent_id is not None and db.get(User, agent_id) is None:
        raise ValidationError(N_("Choose an existing counselor."), field="agent_id")
    complaint = ServiceComplaint(
        channel=chan,
        subject=subj,
        description=text,
        contact_id=contact_id,
        agent_id=agent_id,
        received_at=received_at or utcnow(),
        created_by_id=actor.id,
    )
    db.add(complaint)
    db.flush()
    record_audit(
        db=db,
        action="service_complaint_recorded",
        actor_name=actor.username,
        actor_id=actor.id,
        detail={"complaint_id": complaint.id, "channel": chan.value, "subject": subj.value},
    )
    return complaint


def record_complaint(
    *,
    db: Session,
    channel: ComplaintChannel | str,
    subject: ComplaintSubject | str,
    description: str,
    actor: User,
    contact_id: int | None = None,
    agent_id: int | None = None,
    received_at: datetime | None = None,
) -> ServiceComplaint:
    """Record a complaint about the service itself; commits (audited ``service_complaint_recorded``).

    ``channel``: phone, survey, web, visit; ``subject``: attitude, waiting, wrong_information, process,
    other; ``description`` 1–4,000 characters (shown masked). The counselor defaults to the contact's.
    Raises PermissionDenied, ValidationError (channel, subject, description, unknown contact/counselor).
    """
    _require_quality(actor)
    complaint = _new_complaint(
        db=db,
        channel=channel,
        subject=subject,
        description=description,
        contact_id=contact_id,
        agent_id=agent_id,
        actor=actor,
        received_at=received_at,
    )
    db.commit()
    return complaint


def get_complaint(*, db: Session, complaint_id: int) -> ServiceComplaint:
    """Raises NotFound."""
    found = db.get(ServiceComplaint, complaint_id)
    if found is None:
        raise NotFound(N_("No such complaint."))
    return found


def list_complaints(
    *, db: Session, status: ComplaintStatus | None = None, limit: int = 200
) -> list[tuple[ServiceComplaint, str | None]]:
    """Complaints (open first, newest first) with the counselor's display name."""
    query = (
        select(ServiceComplaint, User.display_name)
        .outerjoin(User, User.id == ServiceComplaint.agent_id)
        .order_by(
            case((ServiceComplaint.status == ComplaintStatus.OPEN, 0), else_=1),
            ServiceComplaint.received_at.desc(),
            ServiceComplaint.id.desc(),
        )
        .limit(limit)
    )
    if status is not None:
        query = query.where(ServiceComplaint.status == status)
    return [(c, name) for c, name in db.execute(query)]


def close_complaint(
    *, db: Session, complaint_id: int, actor: User, resolution: str, now: datetime | None = None
) -> ServiceComplaint:
    """Close an open complaint with its resolution (1–4,000 characters); commits (audited).
    Raises NotFound, PermissionDenied, Conflict (closed), ValidationError (resolution)."""
    _require_quality(actor)
    complaint = get_complaint(db=db, complaint_id=complaint_id)
    if complaint.status != ComplaintStatus.OPEN:
        raise Conflict(N_("This complaint is already closed."))
    text = (resolution or "").strip()
    if not text:
        raise ValidationError(N_("Enter the resolution."), field="resolution")
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError(
            N_("The resolution is too long (at most 4,000 characters)."), field="resolution"
        )
    complaint.status, complaint.resolution = ComplaintStatus.CLOSED, text
    complaint.closed_at, complaint.closed_by_id = now or utcnow(), actor.id
    record_audit(
        db=db,
        action="service_complaint_closed",
        actor_name=actor.username,
        actor_id=actor.id,
        detail={"complaint_id": complaint.id},
    )
    db.commit()
    return complaint


# --- statistics ----------------------------------------------------------------------------------

#: Groupings of :func:`response_rates`.
RATE_GROUPS = ("month", "queue", "agent")


def _bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    if last_day < first_day:
        raise ValidationError("the period ends before it starts", field="last_day")
    return local_day_bounds(first_day)[0], local_day_bounds(last_day)[1]


def response_rates(*, db: Session, first_day: date, last_day: date, by: str) -> list[dict[str, Any]]:
    """Invitations and responses of surveys about contacts/cases of local days ``first_day``…``last_day``
    grouped ``by`` ``month`` (``YYYY-MM`` of the local subject day), ``queue`` (code) or ``agent``
    (display name). Rows ``{"key", "invited", "responded", "response_rate"}`` (rate 0–1 or None), ordered
    by key (None last). Month grouping is done in Python over per-day counts (portable SQL)."""
    start, end = _bounds(first_day, last_day)
    responded = func.count(SurveyInvitation.responded_at)
    base = select(func.count(SurveyInvitation.id), responded).where(
        SurveyInvitation.subject_at >= start, SurveyInvitation.subject_at < end
    )
    totals: dict[Any, list[int]] = {}
    if by == "month":
        for at, r in db.execute(
            select(SurveyInvitation.subject_at, SurveyInvitation.responded_at).where(
                SurveyInvitation.subject_at >= start, SurveyInvitation.subject_at < end
            )
        ):
            slot = totals.setdefault(f"{to_local(at):%Y-%m}", [0, 0])
            slot[0] += 1
            slot[1] += r is not None
    elif by == "queue":
        from minwon.org.models import Queue

        stmt = (
            base.outerjoin(Queue, Queue.id == SurveyInvitation.queue_id)
            .add_columns(Queue.name)
            .group_by(Queue.name)
        )
        totals = {row[2]: [int(row[0]), int(row[1])] for row in db.execute(stmt)}
    elif by == "agent":
        stmt = (
            base.outerjoin(User, User.id == SurveyInvitation.agent_id)
            .add_columns(User.display_name)
            .group_by(User.display_name)
        )
        totals = {row[2]: [int(row[0]), int(row[1])] for row in db.execute(stmt)}
    else:
        raise ValidationError(f"grouping must be one of {', '.join(RATE_GROUPS)}", field="by")
    return [
        {"key": key, "invited": inv, "responded": resp, "response_rate": resp / inv if inv else None}
        for key, (inv, resp) in sorted(totals.items(), key=lambda kv: (kv[0] is None, str(kv[0] or "")))
    ]


def question_results(*, db: Session, first_day: date, last_day: date) -> list[QuestionResult]:
    """Mean rating (1–5) and number of answers per question that has answers in the period (surveys
    about contacts/cases of those local days), in form order."""
    start, end = _bounds(first_day, last_day)
    rows = db.execute(
        select(SurveyQuestion.label_ko, func.avg(SurveyAnswer.rating), func.count(SurveyAnswer.id))
        .join(SurveyAnswer, SurveyAnswer.question_id == SurveyQuestion.id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id)
        .where(SurveyInvitation.subject_at >= start, SurveyInvitation.subject_at < end)
        .group_by(SurveyQuestion.id, SurveyQuestion.label_ko, SurveyQuestion.sort_order)
        .order_by(SurveyQuestion.sort_order, SurveyQuestion.id)
    )
    return [
        QuestionResult(label=label, mean=float(avg) if avg is not None else None, n=int(n))
        for label, avg, n in rows
    ]


def survey_summary(*, db: Session, first_day: date, last_day: date) -> SurveySummary:
    """Surveys about contacts and cases of local days ``first_day``…``last_day`` (Asia/Seoul, inclusive).

    ``invited``/``responded``: invitations for those contacts/cases and how many were answered;
    ``response_rate`` = responded ÷ invited; ``csat`` = overall ratings of 4–5 ÷ overall ratings
    (top-2 box); ``mean_rating`` = mean overall rating (1–5); ``questions``: per question mean and n;
    ``low_score_followups_opened``: follow-ups created in the period, ``…_open``: of those, still
    open; ``complaints_recorded``: complaints received in the period, ``complaints_open``: of those,
    still open. Ratios are None without a denominator. Raises ValidationError (period ends first).
    Source: ISO 9001:2015 §9.1.2 (customer satisfaction), ISO 10004:2018.
    """
    start, end = _bounds(first_day, last_day)
    in_period = and_(SurveyInvitation.subject_at >= start, SurveyInvitation.subject_at < end)
    invited, responded = db.execute(
        select(func.count(SurveyInvitation.id), func.count(SurveyInvitation.responded_at)).where(in_period)
    ).one()
    answers, satisfied, total = db.execute(
        select(
            func.count(SurveyResponse.overall),
            func.count(case((SurveyResponse.overall >= SATISFIED_MIN, 1))),
            func.coalesce(func.sum(SurveyResponse.overall), 0),
        )
        .join(SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id)
        .where(in_period)
    ).one()
    fu_opened, fu_open = db.execute(
        select(
            func.count(SurveyFollowUp.id),
            func.count(case((SurveyFollowUp.status == FollowUpStatus.OPEN, 1))),
        ).where(SurveyFollowUp.created_at >= start, SurveyFollowUp.created_at < end)
    ).one()
    c_recorded, c_open = db.execute(
        select(
            func.count(ServiceComplaint.id),
            func.count(case((ServiceComplaint.status == ComplaintStatus.OPEN, 1))),
        ).where(ServiceComplaint.received_at >= start, ServiceComplaint.received_at < end)
    ).one()
    invited, responded, answers = int(invited), int(responded), int(answers)
    return SurveySummary(
        invited=invited,
        responded=responded,
        response_rate=responded / invited if invited else None,
        csat=top2_share(int(satisfied), answers),
        mean_rating=int(total or 0) / answers if answers else None,
        questions=question_results(db=db, first_day=first_day, last_day=last_day),
        low_score_followups_opened=int(fu_opened),
        low_score_followups_open=int(fu_open),
        complaints_recorded=int(c_recorded),
        complaints_open=int(c_open),
    )


def survey_stats(*, db: Session, first_day: date, last_day: date) -> dict[str, Any]:
    """The numbers of ``minwon survey stats`` and ``/quality/surveys``: :func:`survey_summary` as a dict
    plus ``by_queue`` and ``by_agent`` response rates."""
    summary = survey_summary(db=db, first_day=first_day, last_day=last_day)
    return {
        "first_day": first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "invited": summary.invited,
        "responded": summary.responded,
        "response_rate": summary.response_rate,
        "csat": summary.csat,
        "mean_rating": summary.mean_rating,
        "questions": [{"label": q.label, "mean": q.mean, "n": q.n} for q in summary.questions],
        "low_score_followups_opened": summary.low_score_followups_opened,
        "low_score_followups_open": summary.low_score_followups_open,
        "complaints_recorded": summary.complaints_recorded,
        "complaints_open": summary.complaints_open,
        "by_queue": response_rates(db=db, first_day=first_day, last_day=last_day, by="queue"),
        "by_agent": response_rates(db=db, first_day=first_day, last_day=last_day, by="agent"),
    }
