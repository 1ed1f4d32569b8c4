"""Contacts: the counselor's wrap-up record, callbacks, and who-is-calling history.

Rules implemented here:

* After-call work (ACW, 후처리) runs from the end of the call until the record is saved. When the call
  is still live, or there is no call (a manual contact), it runs from when the counselor opened the
  form. Values are clamped to ``[0, MAX_ACW_S]``.
* A transferred contact opens a case (``cases.service.create_case_from_contact``) with its statutory
  deadline in the same transaction; a callback contact creates a :class:`Callback`, due by default
  after ``DEFAULT_CALLBACK_WORKING_HOURS`` working hours (Act §19 working-hours calendar).
* Every view of a caller's history writes a personal-data access record
  (개인정보의 안전성 확보조치 기준 §8).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User
from minwon.cases.deadlines import PetitionType, WorkingCalendar
from minwon.cases.models import Case, CaseStatus
from minwon.cases.service import create_case_from_contact, parse_petition_type
from minwon.config import get_settings
from minwon.contacts.models import (
    AttemptOutcome,
    Callback,
    CallbackAttempt,
    CallbackStatus,
    Channel,
    Contact,
    Outcome,
    QueueAgent,
)
from minwon.core.audit import record_access
from minwon.core.clock import to_local, utcnow
from minwon.core.crypto import decrypt, normalise_phone, protect_phone
from minwon.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from minwon.core.i18n import N_
from minwon.core.live import publish
from minwon.knowledge.models import Article
from minwon.org.models import Category, Department, Queue
from minwon.telephony.models import Call, CallStatus

#: Longest after-call work counted (seconds). A record saved later than this after the call is a
#: forgotten wrap-up, not work; counting it would distort average handle time.
MAX_ACW_S = 3600
#: Default promise for a callback: within three working days' worth of hours (8 h a day).
DEFAULT_CALLBACK_WORKING_HOURS = 24
#: Longest text accepted for the inquiry and the answer (characters).
MAX_TEXT = 4000
#: Furthest a callback may be promised (days).
MAX_CALLBACK_DAYS = 60
HISTORY_LIMIT = 10
#: Unanswered attempts after which a callback is closed as failed (center policy: three tries, the
#: common practice of Korean public call centers; the counselor may still cancel earlier).
MAX_CALLBACK_ATTEMPTS = 3

_SUPERVISING = (Role.SUPERVISOR, Role.ADMINISTRATOR)
_DESK_ROLES = (Role.COUNSELOR, Role.SUPERVISOR, Role.ADMINISTRATOR)
_LIVE_STATUSES = (CallStatus.QUEUED, CallStatus.TALKING, CallStatus.ON_HOLD)


def default_callback_due(now: datetime, calendar: WorkingCalendar | None = None) -> datetime:
    """``now`` + 24 working hours (09:00–18:00 less the break, working days only), aware."""
    return (calendar or WorkingCalendar()).add_working_hours(now, DEFAULT_CALLBACK_WORKING_HOURS)


def _parse_outcome(value: Outcome | str) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        raise ValidationError(
            N_("Choose the outcome: resolved, transferred or callback."), field="outcome"
        ) from None


def _parse_channel(value: Channel | str | None, *, has_call: bool) -> Channel:
    if has_call or value is None or value == "":
        return Channel.CALL
    try:
        return Channel(value)
    except ValueError:
        raise ValidationError(
            N_("Choose a known channel: call, callback, web, SMS or visit."), field="channel"
        ) from None


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValidationError(f"{name} needs a time zone", field=name)
    return value


def get_call_for_agent(*, db: Session, call_id: int, agent: User) -> Call:
    """The call ``call_id`` if ``agent`` may work on it.

    Counselors may use only calls the PBX routed to them; supervisors and administrators any call.

    Raises:
        NotFound: no such call (``call_id``).
        PermissionDenied: the call belongs to another counselor (``call_id``).
    """
    call = db.get(Call, call_id)
    if call is None:
        raise NotFound(N_("The call does not exist."), field="call_id")
    if call.agent_id != agent.id and agent.role not in _SUPERVISING:
        raise PermissionDenied(N_("This call was handled by another counselor."), field="call_id")
    return call


def _wrapup_start(*, call: Call | None, opened_at: datetime | None, now: datetime) -> datetime:
    """Start of the after-call work: the call's end, else when the form was opened, else ``now``.

    A form time in the future, before the call was answered, or more than ``MAX_ACW_S`` ago is not
    credible (client clock, stale page) and is clamped into that range.
    """
    if call is not None and call.ended_at is not None:
        return min(call.ended_at, now)
    start = opened_at or now
    floor = now - timedelta(seconds=MAX_ACW_S)
    if call is not None and call.answered_at is not None:
        floor = max(floor, call.answered_at)
    return max(min(start, now), min(floor, now))


def record_contact(
    *,
    db: Session,
    agent: User,
    category_id: int,
    inquiry: str,
    answer: str = "",
    outcome: Outcome | str,
    call_id: int | None = None,
    department_id: int | None = None,
    petition_type: PetitionType | str | None = None,
    callback_due_at: datetime | None = None,
    caller: str | None = None,
    article_id: int | None = None,
    wrapup_started_at: datetime | None = None,
    channel: Channel | str | None = None,
    now: datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> Contact:
    """Save a counselor's contact record; commits once (contact, case or callback together).

    Args:
        agent: the counselor saving the record (becomes ``Contact.agent_id``).
        call_id: minwon's call id; ``None`` for a manual contact (no PBX call), which then takes
            ``caller`` (raw number, optional) and ``channel`` (default ``call``).
        outcome: ``resolved`` | ``transferred`` (needs ``department_id``; ``petition_type`` default
            ``inquiry_procedure``) | ``callback`` (``callback_due_at`` default: now + 24 working hours;
            needs a caller number to call back).
        wrapup_started_at: when the counselor opened the form (client clock); used as the start of
            the after-call work only when the call has not ended or there is no call.
        now: the save instant (default: the clock); also the case's receipt time.

    Returns:
        The saved :class:`Contact` (``case_id`` set when transferred; ``acw_s`` in seconds).

    Raises:
        ValidationError: empty/too long ``inquiry`` or ``answer``; unknown ``outcome``, ``channel``,
            ``category_id``, ``department_id``, ``article_id``, ``petition_type``; transfer without
            ``department_id``; callback due in the past or beyond 60 days (``callback_due_at``);
            callback with no number (``caller``); bad ``caller``; call not answered (``call_id``).
        NotFound: unknown ``call_id``.
        Conflict: a contact was already recorded for this call (``call_id``).
        PermissionDenied: the call belongs to another counselor (``call_id``), or the account may not
            record contacts (``agent``).
    """
    now = _aware(now, "now") or utcnow()
    callback_due_at = _aware(callback_due_at, "callback_due_at")
    wrapup_started_at = _aware(wrapup_started_at, "wrapup_started_at")
    if agent.role not in _DESK_ROLES:
        raise PermissionDenied(N_("Only counselors and supervisors record contacts."), field="agent")

    inquiry = (inquiry or "").strip()
    answer = (answer or "").strip()
    if not inquiry:
        raise ValidationError(N_("Enter the inquiry."), field="inquiry")
    if len(inquiry) > MAX_TEXT:
        raise ValidationError(N_("The inquiry is too long (at most 4,000 characters)."), field="inquiry")
    if len(answer) > MAX_TEXT:
        raise ValidationError(N_("The answer is too long (at most 4,000 characters)."), field="answer")
    result = _parse_outcome(outcome)

    category = db.get(Category, category_id) if category_id else None
    if category is None or not category.is_active:
        raise ValidationError(N_("Choose a category."), field="category_id")
    department: Department | None = None
    if department_id is not None:
        department = db.get(Department, department_id)
        if department is None or not department.is_active:
            raise ValidationError(N_("Choose an existing department."), field="department_id")
    if article_id is not None and db.get(Article, article_id) is None:
        raise ValidationError(N_("The standard answer does not exist."), field="article_id")

    call: Call | None = None
    if call_id is not None:
        call = get_call_for_agent(db=db, call_id=call_id, agent=agent)
        if call.answered_at is None:
            raise ValidationError(N_("The call was never answered."), field="call_id")
        if db.scalar(select(Contact.id).where(Contact.call_id == call.id)) is not None:
            raise Conflict(N_("A contact is already recorded for this call."), field="call_id")

    contact = Contact(
        call_id=call.id if call else None,
        channel=_parse_channel(channel, has_call=call is not None),
        agent_id=agent.id,
        category_id=category.id,
        inquiry=inquiry,
        answer=answer,
        outcome=result,
        article_id=article_id,
        created_at=now,
    )
    if call is not None and call.caller_enc:
        contact.caller_enc, contact.caller_ref = call.caller_enc, call.caller_ref
        contact.caller_masked = call.caller_masked
    elif caller and caller.strip():
        try:
            number = normalise_phone(caller)
        except ValidationError:
            raise ValidationError(
                N_("The caller number is not a telephone number."), field="caller"
            ) from None
        contact.caller_enc, contact.caller_ref, contact.caller_masked = protect_phone(number)

    start = _wrapup_start(call=call, opened_at=wrapup_started_at, now=now)
    contact.wrapup_started_at = start
    contact.acw_s = min(MAX_ACW_S, max(0, round((now - start).total_seconds())))

    ptype: PetitionType | None = None
    if result is Outcome.TRANSFERRED:
        if department is None:
            raise ValidationError(N_("Choose the department to transfer to."), field="department_id")
        ptype = parse_petition_type(petition_type)
    due: datetime | None = None
    if result is Outcome.CALLBACK:
        if contact.caller_enc is None:
            raise ValidationError(N_("A callback needs the caller's number."), field="caller")
        due = callback_due_at or default_callback_due(now, calendar)
        if due <= now:
            raise ValidationError(N_("The callback time is in the past."), field="callback_due_at")
        if due > now + timedelta(days=MAX_CALLBACK_DAYS):
            raise ValidationError(N_("The callback time is more than 60 days away."), field="callback_due_at")

    db.add(contact)
    db.flush()
    if result is Outcome.TRANSFERRED:
        assert department is not None
        create_case_from_contact(
            db=db,
            contact=contact,
            department_id=department.id,
            petition_type=ptype,
            actor=agent,
            received_at=now,
            calendar=calendar,
        )
    elif result is Outcome.CALLBACK:
        assert due is not None
        db.add(Callback(contact_id=contact.id, assigned_agent_id=agent.id, due_at=due, created_at=now))
    db.commit()
    publish(
        "supervisor", {"type": "calls_changed", "days": [to_local(contact.created_at).date().isoformat()]}
    )
    return contact


@dataclass(frozen=True)
class PastContact:
    id: int
    created_at: datetime
    category_id: int
    category_name: str
    outcome: Outcome
    inquiry: str
    case_number: str | None


@dataclass(frozen=True)
class OpenCase:
    id: int
    number: str
    title: str
    status: CaseStatus
    department_name: str | None
    due_at: datetime | None


@dataclass(frozen=True)
class RepeatWarning:
    """Contacts of the same caller in the last ``days`` days (재문의 경고)."""

    days: int
    count: int
    #: ``(category_id, category_name)`` of those contacts, most recent first, without repeats.
    categories: list[tuple[int, str]]

    @property
    def category_ids(self) -> list[int]:
        return [cid for cid, _name in self.categories]


@dataclass(frozen=True)
class CallerHistory:
    """Who is calling: ``previous_contacts`` (last 10, newest first), ``open_cases``, ``repeat_warning``."""

    caller_ref: str | None
    previous_contacts: list[PastContact] = field(default_factory=list)
    open_cases: list[OpenCase] = field(default_factory=list)
    repeat_warning: RepeatWarning | None = None


def _category_name(cat: Category, locale: str) -> str:
    return cat.name_en if locale == "en" else cat.name_ko


def caller_history(
    *,
    db: Session,
    caller_ref: str | None,
    viewer: User,
    ip: str | None,
    purpose: str,
    days: int | None = None,
    now: datetime | None = None,
    locale: str = "ko",
) -> CallerHistory:
    """The caller's previous contacts, open cases and repeat warning; writes one access record; commits.

    ``previous_contacts``: the caller's last 10 contacts of any age, newest first, with category and
    outcome. ``open_cases``: the caller's cases not closed. ``repeat_warning``: set when the caller has
    contacts in the last ``days`` days (default ``settings.repeat_window_days``, 7), listing their
    categories. A withheld number (``caller_ref`` None) has no history and nothing is recorded.

    Every call writes one personal-data access record (action ``view``, ``purpose`` such as
    ``call:123``, the viewer's account and ``ip``).
    """
    if not caller_ref:
        return CallerHistory(caller_ref=None)
    now = _aware(now, "now") or utcnow()
    window = days if days is not None else get_settings().repeat_window_days
    rows = db.execute(
        select(Contact, Category, Case.number)
        .join(Category, Category.id == Contact.category_id)
        .outerjoin(Case, Case.id == Contact.case_id)
        .where(Contact.caller_ref == caller_ref)
        .order_by(Contact.created_at.desc(), Contact.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    previous = [
        PastContact(
            id=c.id,
            created_at=c.created_at,
            category_id=cat.id,
            category_name=_category_name(cat, locale),
            outcome=c.outcome,
            inquiry=c.inquiry,
            case_number=number,
        )
        for c, cat, number in rows
    ]
    case_rows = db.execute(
        select(Case, Department.name)
        .outerjoin(Department, Department.id == Case.department_id)
        .where(Case.caller_ref == caller_ref, Case.status != CaseStatus.CLOSED)
        .order_by(Case.received_at.desc())
    ).all()
    open_cases = [
        OpenCase(
            id=case.id,
            number=case.number,
            title=case.title,
            status=case.status,
            department_name=dept_name,
            due_at=case.due_at,
        )
        for case, dept_name in case_rows
    ]
    since = now - timedelta(days=window)
    recent = db.execute(
        select(Contact.category_id, Category)
        .join(Category, Category.id == Contact.category_id)
        .where(Contact.caller_ref == caller_ref, Contact.created_at >= since, Contact.created_at <= now)
        .order_by(Contact.created_at.desc(), Contact.id.desc())
    ).all()
    warning = None
    if recent:
        seen: dict[int, str] = {}
        for cid, cat in recent:
            seen.setdefault(cid, _category_name(cat, locale))
        warning = RepeatWarning(days=window, count=len(recent), categories=list(seen.items()))
    record_access(db=db, account_id=viewer.id, subject_ref=caller_ref, action="view", purpose=purpose, ip=ip)
    db.commit()
    return CallerHistory(
        caller_ref=caller_ref, previous_contacts=previous, open_cases=open_cases, repeat_warning=warning
    )


@dataclass(frozen=True)
class CallbackDue:
    id: int
    due_at: datetime
    overdue: bool
    contact_id: int
    caller_masked: str | None
    category_name: str
    inquiry: str
    #: Unanswered attempts so far.
    attempts: int = 0
    #: Queue the callback waits in when no counselor holds it.
    queue_name: str | None = None
    #: Assigned counselor's display name (``None`` while it waits in a queue).
    assigned_name: str | None = None
    #: Assigned to the agent asking (``False``: offered from one of the agent's queues).
    mine: bool = True


def _callback_rows(db: Session, where: list[Any], limit: int) -> list[Any]:
    return list(
        db.execute(
            select(Callback, Contact, Category, Queue.name, User.display_name)
            .join(Contact, Contact.id == Callback.contact_id)
            .join(Category, Category.id == Contact.category_id)
            .outerjoin(Queue, Queue.id == Callback.queue_id)
            .outerjoin(User, User.id == Callback.assigned_agent_id)
            .where(Callback.status == CallbackStatus.PENDING, *where)
            .order_by(Callback.due_at, Callback.id)
            .limit(limit)
        ).all()
    )


def _due_items(rows: list[Any], *, now: datetime, locale: str, agent_id: int | None) -> list[CallbackDue]:
    return [
        CallbackDue(
            id=cb.id,
            due_at=cb.due_at,
            overdue=cb.due_at < now,
            contact_id=contact.id,
            caller_masked=contact.caller_masked,
            category_name=_category_name(cat, locale),
            inquiry=contact.inquiry,
            attempts=cb.attempts,
            queue_name=queue_name,
            assigned_name=assigned_name,
            mine=agent_id is not None and cb.assigned_agent_id == agent_id,
        )
        for cb, contact, cat, queue_name, assigned_name in rows
    ]


def _queue_ids(db: Session, agent: User) -> list[int]:
    return list(db.scalars(select(QueueAgent.queue_id).where(QueueAgent.user_id == agent.id)))


def list_my_callbacks_due(
    *, db: Session, agent: User, now: datetime | None = None, limit: int = 50, locale: str = "ko"
) -> list[CallbackDue]:
    """Pending callbacks for ``agent``, earliest due first (overdue ones flagged): those assigned to
    the agent, and those waiting unassigned in a queue the agent works (``QueueAgent``)."""
    now = _aware(now, "now") or utcnow()
    queues = _queue_ids(db, agent)
    mine = Callback.assigned_agent_id == agent.id
    offered = and_(Callback.assigned_agent_id.is_(None), Callback.queue_id.in_(queues))
    rows = _callback_rows(db, [or_(mine, offered) if queues else mine], limit)
    return _due_items(rows, now=now, locale=locale, agent_id=agent.id)


def list_overdue_callbacks(
    *, db: Session, viewer: User, now: datetime | None = None, limit: int = 100, locale: str = "ko"
) -> list[CallbackDue]:
    """Every pending callback past its due time, for supervisors; earliest due first.

    Raises PermissionDenied when ``viewer`` is not a supervisor or administrator.
    """
    if viewer.role not in _SUPERVISING:
        raise PermissionDenied(N_("Only supervisors see all overdue callbacks."))
    now = _aware(now, "now") or utcnow()
    rows = _callback_rows(db, [Callback.due_at < now], limit)
    return _due_items(rows, now=now, locale=locale, agent_id=None)


#: Statuses a counselor may report for a callback, as posted by the desk.
CALLBACK_REPORTS = (CallbackStatus.DONE, CallbackStatus.FAILED, CallbackStatus.CANCELLED)
#: Longest note on an attempt (characters).
MAX_ATTEMPT_NOTE = 1000


def _callback_for(*, db: Session, callback_id: int, agent: User) -> Callback:
    cb = db.get(Callback, callback_id)
    if cb is None:
        raise NotFound(N_("The callback does not exist."), field="callback_id")
    if cb.assigned_agent_id == agent.id or agent.role in _SUPERVISING:
        return cb
    if cb.assigned_agent_id is None and cb.queue_id is not None and cb.queue_id in _queue_ids(db, agent):
        return cb
    raise PermissionDenied(N_("This callback is assigned to another counselor."), field="callback_id")


def _pending(cb: Callback) -> None:
    if cb.status is not CallbackStatus.PENDING:
        raise ValidationError(N_("This callback is already closed."), field="callback_id")


def record_callback_attempt(
    *,
    db: Session,
    callback_id: int,
    agent: User,
    outcome: AttemptOutcome | str | None,
    note: str = "",
    now: datetime | None = None,
) -> Callback:
    """Record one try at a pending callback; commits.

    ``outcome``: ``reached`` closes it as done; ``wrong_number`` closes it as failed (trying again
    cannot help); ``no_answer`` and ``busy`` keep it pending until ``MAX_CALLBACK_ATTEMPTS`` tries,
    then it is closed as failed. A queue callback tried by one of the queue's agents becomes theirs.

    Raises:
        NotFound (``callback_id``); PermissionDenied (another counselor's callback, not a supervisor);
        ValidationError: unknown ``outcome`` (``outcome``), note over 1000 characters (``note``), the
            callback is closed (``callback_id``).
    """
    now = _aware(now, "now") or utcnow()
    cb = _callback_for(db=db, callback_id=callback_id, agent=agent)
    try:
        result = AttemptOutcome((outcome or "").strip())
    except ValueError:
        raise ValidationError(
            N_("Choose the outcome: reached, no answer, busy or wrong number."), field="outcome"
        ) from None
    note = (note or "").strip()
    if len(note) > MAX_ATTEMPT_NOTE:
        raise ValidationError(N_("The note is longer than 1000 characters."), field="note")
    _pending(cb)
    db.add(CallbackAttempt(callback_id=cb.id, at=now, agent_id=agent.id, outcome=result, note=note))
    cb.attempts += 1
    if cb.assigned_agent_id is None:
        cb.assigned_agent_id = agent.id
    if result is AttemptOutcome.REACHED:
        cb.status, cb.closed_at = CallbackStatus.DONE, now
    elif result is AttemptOutcome.WRONG_NUMBER or cb.attempts >= MAX_CALLBACK_ATTEMPTS:
        cb.status, cb.closed_at = CallbackStatus.FAILED, now
    db.commit()
    return cb


def complete_callback(
    *, db: Session, callback_id: int, agent: User, status: CallbackStatus | str | None
) -> Callback:
    """Report a pending callback's attempt; commits.

    ``status``: ``done`` (reached the caller: closed, one attempt counted), ``failed`` (no answer:
    one attempt counted; the callback stays pending for another try until ``MAX_CALLBACK_ATTEMPTS``
    unanswered attempts, then it is closed as failed) or ``cancelled`` (closed, no attempt counted).
    Attempts are recorded as with :func:`record_callback_attempt` (``reached`` / ``no_answer``).

    Raises:
        NotFound: no such callback (``callback_id``).
        PermissionDenied: assigned to another counselor and the agent is not a supervisor.
        ValidationError: missing or unknown ``status`` (``status``); the callback is not pending
            (``callback_id``).
    """
    cb = _callback_for(db=db, callback_id=callback_id, agent=agent)
    try:
        new = CallbackStatus((status or "").strip())
    except ValueError:
        new = CallbackStatus.PENDING
    if new not in CALLBACK_REPORTS:
        raise ValidationError(N_("Choose the status: done, failed or cancelled."), field="status")
    _pending(cb)
    if new is CallbackStatus.CANCELLED:
        cb.status, cb.closed_at = CallbackStatus.CANCELLED, utcnow()
        db.commit()
        return cb
    outcome = AttemptOutcome.REACHED if new is CallbackStatus.DONE else AttemptOutcome.NO_ANSWER
    return record_callback_attempt(db=db, callback_id=callback_id, agent=agent, outcome=outcome)


def take_callback(*, db: Session, callback_id: int, agent: User) -> Callback:
    """Assign a callback waiting in one of ``agent``'s queues to ``agent``; commits.

    Raises NotFound/PermissionDenied as :func:`record_callback_attempt`; Conflict when another
    counselor took it first; ValidationError when it is closed.
    """
    cb = _callback_for(db=db, callback_id=callback_id, agent=agent)
    _pending(cb)
    if cb.assigned_agent_id not in (None, agent.id):
        raise Conflict(N_("Another counselor has taken this callback."), field="callback_id")
    cb.assigned_agent_id = agent.id
    db.commit()
    return cb


def hand_callback_to_queue(*, db: Session, callback_id: int, agent: User, queue_id: int) -> Callback:
    """Put a pending callback in queue ``queue_id`` for any of its agents (unassigning it); commits.

    Raises NotFound (``callback_id``), PermissionDenied (not the agent's callback, not a supervisor),
    ValidationError (unknown or inactive queue: ``queue_id``; closed callback: ``callback_id``).
    """
    cb = _callback_for(db=db, callback_id=callback_id, agent=agent)
    _pending(cb)
    queue = db.get(Queue, queue_id)
    if queue is None or not queue.is_active:
        raise ValidationError(N_("Choose an existing queue."), field="queue_id")
    cb.queue_id, cb.assigned_agent_id = queue.id, None
    db.commit()
    return cb


def list_callback_attempts(*, db: Session, callback_id: int) -> list[CallbackAttempt]:
    """The attempts of a callback, oldest first."""
    return list(
        db.scalars(
            select(CallbackAttempt)
            .where(CallbackAttempt.callback_id == callback_id)
            .order_by(CallbackAttempt.at, CallbackAttempt.id)
        )
    )


def add_queue_agent(*, db: Session, queue_id: int, user_id: int) -> QueueAgent:
    """Let counselor ``user_id`` work queue ``queue_id``'s callbacks (idempotent); commits.

    Raises ValidationError for an unknown queue (``queue_id``) or user (``user_id``).
    """
    if db.get(Queue, queue_id) is None:
        raise ValidationError(N_("Choose an existing queue."), field="queue_id")
    if db.get(User, user_id) is None:
        raise ValidationError("unknown user", field="user_id")
    member = db.scalar(
        select(QueueAgent).where(QueueAgent.queue_id == queue_id, QueueAgent.user_id == user_id)
    )
    if member is None:
        member = QueueAgent(queue_id=queue_id, user_id=user_id)
        db.add(member)
        db.commit()
    return member


def format_phone(digits: str) -> str:
    """Digits of a Korean number grouped for reading aloud: ``01044445555`` → ``010-4444-5555``,
    ``0215550101`` → ``02-1555-0101``, ``0312345678`` → ``031-234-5678``; other lengths unchanged."""
    if not digits.isdigit() or not 9 <= len(digits) <= 11:
        return digits
    head = 2 if digits.startswith("02") else 3
    rest = digits[head:]
    mid = len(rest) - 4
    return f"{digits[:head]}-{rest[:mid]}-{rest[mid:]}"


def reveal_callback_number(*, db: Session, callback_id: int, viewer: User, ip: str | None) -> str:
    """The full number to call back (``010-4444-5555``) for the assigned counselor or a supervisor;
    writes one personal-data access record (action ``view``, purpose ``callback:<id>``); commits.

    Raises:
        NotFound: no such callback (``callback_id``).
        PermissionDenied: assigned to another counselor and the viewer is not a supervisor.
        ValidationError: the contact has no number (``callback_id``).
    """
    cb = _callback_for(db=db, callback_id=callback_id, agent=viewer)
    contact = db.get(Contact, cb.contact_id)
    if contact is None or not contact.caller_enc or not contact.caller_ref:
        raise ValidationError(N_("This callback has no number."), field="callback_id")
    number = decrypt(contact.caller_enc)
    record_access(
        db=db,
        account_id=viewer.id,
        subject_ref=contact.caller_ref,
        action="view",
        purpose=f"callback:{cb.id}",
        ip=ip,
    )
    db.commit()
    return format_phone(number)


def current_call(*, db: Session, agent: User, now: datetime | None = None) -> Call | None:
    """The agent's call to show on the desk after a page reload: the latest live call, else a call that
    ended in the last ``MAX_ACW_S`` seconds; either only without a contact record yet (a saved call
    does not pop again)."""
    now = _aware(now, "now") or utcnow()
    live = db.scalar(
        select(Call)
        .outerjoin(Contact, Contact.call_id == Call.id)
        .where(Call.agent_id == agent.id, Call.status.in_(_LIVE_STATUSES), Contact.id.is_(None))
        .order_by(Call.started_at.desc())
        .limit(1)
    )
    if live is not None:
        return live
    return db.scalar(
        select(Call)
        .outerjoin(Contact, Contact.call_id == Call.id)
        .where(
            Call.agent_id == agent.id,
            Call.status == CallStatus.COMPLETED,
            Call.ended_at >= now - timedelta(seconds=MAX_ACW_S),
            Contact.id.is_(None),
        )
        .order_by(Call.ended_at.desc())
        .limit(1)
    )


def get_contact(*, db: Session, contact_id: int) -> Contact:
    """The contact ``contact_id``. Raises NotFound (``contact_id``)."""
    contact = db.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id} does not exist", field="contact_id")
    return contact


def view_contact(*, db: Session, contact_id: int, viewer: User, ip: str | None) -> Contact:
    """A contact for ``viewer`` (its counselor, supervisors, quality managers, administrators); commits.

    Writes an access record (purpose ``contact:<id>``) when the contact has a caller.

    Raises:
        NotFound: no such contact. PermissionDenied: another counselor's contact.
    """
    contact = get_contact(db=db, contact_id=contact_id)
    if contact.agent_id != viewer.id and viewer.role not in (*_SUPERVISING, Role.QUALITY_MANAGER):
        raise PermissionDenied("this contact was recorded by another counselor", field="contact_id")
    if contact.caller_ref:
        record_access(
            db=db,
            account_id=viewer.id,
            subject_ref=contact.caller_ref,
            action="view",
            purpose=f"contact:{contact.id}",
            ip=ip,
        )
    db.commit()
    return contact
