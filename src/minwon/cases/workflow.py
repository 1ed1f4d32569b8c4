"""Department work on a case: accept, answer, hand over, send to another agency, extend, reclassify,
and the interim progress notice (중간통지).

Every step appends a :class:`~minwon.cases.models.CaseEvent` (history rows are never updated or
deleted) and commits once, together with the notice it causes (:func:`minwon.cases.notify.notify_case`).

State machine (``status``)::

    transferred ──accept──▶ in_progress ──answer──▶ answered ──close──▶ closed
         │  ▲                   │  └──answer(close)──────────────────────▶ closed
         │  └──hand_over────────┤
         └──send_to_agency──────┴──────────────────────────────────────▶ closed

Errors: PermissionDenied (403) for anyone but a department officer of the case's department;
Conflict (409) for a step the current status does not allow; ValidationError (422) for bad input
(unknown department, empty answer, extension date out of range); NotFound (404) for unknown cases.

Rules and sources (「민원 처리에 관한 법률」 = Act, its Enforcement Decree = Decree):

* Hand-over between departments of this office (부서 재지정) is not a new receipt: the processing
  period keeps counting from the office's receipt (Act §19 counts "from receipt", 접수, by the
  administrative body; Act §16 on 민원문서의 이송 concerns other *agencies*, whose
  period then starts at their own receipt). The due date therefore stays; the history records it.
* Sending to another agency (타기관 이송, Act §16) closes the case here.
* Extension (처리기간의 연장, Decree §21(1)): once, for an unavoidable reason, "within the range of
  the processing period" — the extra time may not exceed the original period, counted again from
  the current deadline (:func:`extension_limit`); the petitioner is told the reason and the new date
  without delay (Decree §21(2)) by a ``case_extension`` notice.
* Interim notice (처리진행상황 통지): when a petition is still open 30 days after receipt, the
  petitioner is told its progress and expected date (Decree, 처리진행상황 등의 통지; see
  docs/petitions.md for the caveat on article numbers) — :func:`enqueue_due_interim_notices`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.accounts.models import Role, User
from minwon.cases.calendar import case_period, load_calendar, standard_period
from minwon.cases.deadlines import DeadlineError, PeriodUnit, PetitionType, WorkingCalendar, compute_deadline
from minwon.cases.models import Case, CaseEvent, CaseStatus, ProcessingStandard
from minwon.cases.notify import is_mobile, notify_case
from minwon.core.clock import to_local, utcnow
from minwon.core.crypto import encrypt, mask_phone, normalise_phone
from minwon.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from minwon.core.i18n import N_
from minwon.org.models import Department

#: Statuses in which the department still owes an answer.
RUNNING = (CaseStatus.RECEIVED, CaseStatus.TRANSFERRED, CaseStatus.IN_PROGRESS)
#: Days after receipt after which an open case gets the interim progress notice.
INTERIM_AFTER_DAYS = 30
MAX_ANSWER = 8000
MAX_REASON = 500
MAX_AGENCY = 120


def _case_for_officer(db: Session, case_id: int, officer: User) -> Case:
    case = db.get(Case, case_id)
    if case is None:
        raise NotFound(N_("The case does not exist."), field="case_id")
    if officer.role != Role.DEPARTMENT_OFFICER or officer.department_id is None:
        raise PermissionDenied(N_("Only department officers work on cases."), field="case_id")
    if officer.department_id != case.department_id:
        raise PermissionDenied(N_("This case belongs to another department."), field="case_id")
    return case


def _require_status(case: Case, allowed: tuple[CaseStatus, ...]) -> None:
    if case.status not in allowed:
        raise Conflict(N_("This step is not possible in the case's current status."), field="status")


def _event(db: Session, case: Case, actor: User, action: str, at: datetime, **detail: object) -> CaseEvent:
    event = CaseEvent(case_id=case.id, at=at, actor_id=actor.id, action=action, detail=dict(detail))
    db.add(event)
    db.flush()
    return event


def _text(value: str, *, field: str, limit: int, empty: str, too_long: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(empty, field=field)
    if len(value) > limit:
        raise ValidationError(too_long, field=field)
    return value


def accept_case(*, db: Session, case_id: int, officer: User, now: datetime | None = None) -> Case:
    """The officer takes the case (담당자 지정): ``transferred``/``received`` → ``in_progress``; commits.

    Raises NotFound, PermissionDenied, Conflict (see module docstring).
    """
    now = now or utcnow()
    case = _case_for_officer(db, case_id, officer)
    _require_status(case, (CaseStatus.RECEIVED, CaseStatus.TRANSFERRED))
    case.status = CaseStatus.IN_PROGRESS
    case.assigned_officer_id = officer.id
    _event(db, case, officer, "accepted", now, officer=officer.display_name)
    db.commit()
    return case


def answer_case(
    *, db: Session, case_id: int, officer: User, answer: str, close: bool = True, now: datetime | None = None
) -> Case:
    """Record the department's answer; ``close`` → ``closed``, else ``answered``; commits with a
    ``case_answer`` notice (dedupe ``case:<id>:answer``).

    Allowed from ``transferred`` or ``in_progress`` (answering also takes the case).
    Raises ValidationError (``answer``: empty or over 8,000 characters), NotFound,
    PermissionDenied, Conflict.
    """
    now = now or utcnow()
    case = _case_for_officer(db, case_id, officer)
    text = _text(
        answer,
        field="answer",
        limit=MAX_ANSWER,
        empty=N_("Enter the answer."),
        too_long=N_("The answer is too long (at most 8,000 characters)."),
    )
    _require_status(case, (CaseStatus.TRANSFERRED, CaseStatus.IN_PROGRESS))
    case.answer = text
    case.answered_at = now
    case.assigned_officer_id = case.assigned_officer_id or officer.id
    case.status = CaseStatus.CLOSED if close else CaseStatus.ANSWERED
    if close:
        case.closed_at = now
    on_time = case.due_at is None or now <= case.due_at
    _event(db, case, officer, "answered", now, closed=close, on_time=on_time, length=len(text))
    notify_case(db=db, case=case, template_key="case_answer", dedupe_key=f"case:{case.id}:answer")
    db.commit()
    return case


def close_case(*, db: Session, case_id: int, officer: User, now: datetime | None = None) -> Case:
    """Close an answered case (``answered`` → ``closed``); commits. Raises as :func:`accept_case`."""
    now = now or utcnow()
    case = _case_for_officer(db, case_id, officer)
    _require_status(case, (CaseStatus.ANSWERED,))
    case.status = CaseStatus.CLOSED
    case.closed_at = now
    _event(db, case, officer, "closed", now)
    db.commit()
    return case


def hand_over_case(
    *,
    db: Session,
    case_id: int,
    officer: User,
    department_id: int,
    reason: str,
    now: datetime | None = None,
) -> Case:
    """Hand the case to another department of this office (부서 재지정); commits with a
    ``case_transfer`` notice.

    The deadline does not restart (module docstring: counted from the office's receipt, Act §19);
    the history row keeps ``due_at`` and ``from``/``to`` departments. The case goes back to
    ``transferred`` without an assigned officer.

    Raises ValidationError (``department_id``: unknown, inactive or the same department;
    ``reason``: empty or over 500 characters), NotFound, PermissionDenied, Conflict.
    """
    now = now or utcnow()
    case = _case_for_officer(db, case_id, officer)
    _require_status(case, (CaseStatus.TRANSFERRED, CaseStatus.IN_PROGRESS))
    target = db.get(Department, department_id)
    if target is None or not target.is_active:
        raise ValidationError(N_("Choose an existing department."), field="department_id")
    if target.id == case.department_id:
        raise ValidationError(N_("The case is already in this department."), field="department_id")
    why = _text(
        reason,
        field="reason",
        limit=MAX_REASON,
        empty=N_("Enter the reason."),
        too_long=N_("The reason is too long (at most 500 characters)."),
    )
    source = db.get(Department, case.department_id) if case.department_id else None
    case.department_id = target.id
    case.status = CaseStatus.TRANSFERRED
    case.assigned_officer_id = None
    event = _event(
        db,
        case,
        officer,
        "handed_over",
        now,
        from_department=source.name if source else None,
        department_id=target.id,
        department=target.name,
        reason=why,
        due_at=to_local(case.due_at).isoformat() if case.due_at else None,
        rule="처리기간은 기관의 최초 접수 시각부터 계속 계산 (민원처리법 제19조)",
    )
    notify_case(
        db=db,
        case=case,
        template_key="case_transfer",
        dedupe_key=f"case:{case.id}:transfer:{event.id}",
        extra={"department": target.name},
    )
    db.commit()
    return case


def send_to_agency(
    *, db: Session, case_id: int, officer: User, agency: str, reason: str, now: datetime | None = None
) -> Case:
    """Send the case to another agency (타기관 이송, Act §16) and close it here; commits with a
    ``case_transfer`` notice naming the agency.

    Raises ValidationError (``agency``: empty or over 120 characters; ``reason``), NotFound,
    PermissionDenied, Conflict.
    """
    now = now or utcnow()
    case = _case_for_officer(db, case_id, officer)
    _require_status(case, (CaseStatus.TRANSFERRED, CaseStatus.IN_PROGRESS))
    name = _text(
        agency,
        field="agency",
        limit=MAX_AGENCY,
        empty=N_("Enter the agency."),
        too_long=N_("The agency name is too long (at most 120 characters)."),
    )
    why = _text(
        reason,
        field="reason",
        limit=MAX_REASON,
        empty=N_("Enter the reason."),
        too_long=N_("The reason is too long (at most 500 characters)."),
    )
    case.status = CaseStatus.CLOSED
    case.closed_at = now
    event = _event(db, case, officer, "sent_to_agency", now, agency=name, reason=why)
    notify_case(
        db=db,
        case=case,
        template_key="case_transfer",
        dedupe_key=f"case:{case.id}:transfer:{event.id}",
        extra={"department": name},
    )
    db.commit()
    return case


def extension_limit(case: Case, calendar: WorkingCalendar) -> datetime:
    """Latest due date an extension may set (Decree §21(1): "그 처리기간의 범위에서").

    The case's own period counted once more from its current deadline: working hours from the due
    instant for periods of 5 days or less (Act §19(1)); otherwise from the day after the due date
    (days: working days, Act §19(2); weeks/months: by the calendar, Act §19(3)).

    Raises Conflict (``due_at``) when the case has no period or deadline (e.g. imported history).
    """
    period = case_period(case)
    if period is None or case.due_at is None:
        raise Conflict(N_("This case has no statutory period to extend."), field="due_at")
    hours_counted = period.unit is PeriodUnit.HOURS or (period.unit is PeriodUnit.DAYS and period.amount <= 5)
    if hours_counted:
        start = case.due_at
    else:
        next_day = case.due_at.astimezone(calendar.zone).date() + timedelta(days=1)
        start = datetime.combine(next_day, calendar.work_start, tzinfo=calendar.zone)
    return compute_deadline(PetitionType.STATUTORY, start, period=period, calendar=calendar).due


def extend_case(
    *,
    db: Session,
    case_id: int,
    officer: User,
    new_due_day: date,
    reason: str,
    now: datetime | None = None,
) -> Case:
    """Extend the processing period once (처리기간 연장, Decree §21); commits with a
    ``case_extension`` notice (dedupe ``case:<id>:extension``).

    The new deadline is the end of working hours of ``new_due_day``, which must be a working day,
    after the current deadline and not after :func:`extension_limit`.

    Raises:
        Conflict: not open (``status``), already extended once (``extended_at``), the deadline has
            passed (``due_at``: the Decree allows extension only within the period).
        ValidationError: ``reason`` empty/too long; ``new_due_day`` not a working day, not later
            than the current deadline, or beyond the limit (the message names the limit).
        NotFound, PermissionDenied.
    """
    now = now or utcnow()
    case = _case_for_officer(db, case_id, officer)
    _require_status(case, RUNNING)
    if case.extended_at is not None:
        raise Conflict(N_("The processing period can be extended only once."), field="extended_at")
    if case.due_at is None or now > case.due_at:
        raise Conflict(N_("The deadline has passed; it can no longer be extended."), field="due_at")
    why = _text(
        reason,
        field="reason",
        limit=MAX_REASON,
        empty=N_("Enter the reason."),
        too_long=N_("The reason is too long (at most 500 characters)."),
    )
    calendar = load_calendar(db=db)
    if not calendar.is_working_day(new_due_day):
        raise ValidationError(
            N_("Choose a working day (not a Saturday, Sunday or holiday)."), field="new_due"
        )
    new_due = calendar.end_of_working_day(new_due_day)
    if new_due <= case.due_at:
        raise ValidationError(N_("The new deadline must be later than the current one."), field="new_due")
    limit = extension_limit(case, calendar)
    if new_due > limit:
        raise ValidationError(
            N_("The extension may not exceed the original processing period (see the latest date allowed)."),
            field="new_due",
        )
    old_due = case.due_at
    case.due_at = new_due
    case.extended_at = now
    _event(
        db,
        case,
        officer,
        "extended",
        now,
        old_due=to_local(old_due).isoformat(),
        new_due=to_local(new_due).isoformat(),
        reason=why,
        rule="처리기간 연장 1회, 처리기간의 범위에서 (민원처리법 시행령 제21조)",
    )
    notify_case(
        db=db,
        case=case,
        template_key="case_extension",
        dedupe_key=f"case:{case.id}:extension",
        extra={"reason": why},
    )
    db.commit()
    return case


def reclassify_case(
    *,
    db: Session,
    case_id: int,
    officer: User,
    petition_type: str,
    standard_id: int | None = None,
    now: datetime | None = None,
) -> Case:
    """Correct the petition type (e.g. to ``statutory`` with a processing-standards row); the
    deadline is recomputed from the receipt (Act §17–§19); commits.

    Raises ValidationError (``petition_type`` unknown; ``standard_id`` missing/unknown/retired for
    ``statutory``), Conflict (not open or already extended), NotFound, PermissionDenied.
    """
    now = now or utcnow()
    case = _case_for_officer(db, case_id, officer)
    _require_status(case, RUNNING)
    if case.extended_at is not None:
        raise Conflict(N_("An extended case cannot be reclassified."), field="extended_at")
    try:
        ptype = PetitionType(petition_type)
    except ValueError:
        raise ValidationError(N_("Choose a petition type."), field="petition_type") from None
    standard: ProcessingStandard | None = None
    period = None
    if ptype is PetitionType.STATUTORY:
        standard = db.get(ProcessingStandard, standard_id) if standard_id else None
        if standard is None or not standard.is_active:
            raise ValidationError(
                N_("Choose a service of the processing-standards table."), field="standard_id"
            )
        period = standard_period(standard)
    start = case.period_start_at or case.received_at
    try:
        deadline = compute_deadline(ptype, start, period=period, calendar=load_calendar(db=db))
    except DeadlineError as exc:
        raise ValidationError(exc.message, field=exc.field) from exc
    old_due = case.due_at
    case.petition_type = ptype.value
    case.processing_standard_id = standard.id if standard else None
    case.period_amount, case.period_unit = deadline.period.amount, deadline.period.unit.value
    case.period_start_at = start
    case.due_at = deadline.due
    case.deadline_basis = deadline.basis[:200]
    _event(
        db,
        case,
        officer,
        "reclassified",
        now,
        petition_type=ptype.value,
        standard=standard.name if standard else None,
        old_due=to_local(old_due).isoformat() if old_due else None,
        new_due=to_local(deadline.due).isoformat(),
    )
    db.commit()
    return case


def set_case_mobile(
    *, db: Session, case_id: int, officer: User, number: str, now: datetime | None = None
) -> Case:
    """Store the petitioner's mobile number for notices (encrypted, masked); commits.

    Raises ValidationError (``number``: not a mobile number 01X…), NotFound, PermissionDenied.
    The history row holds only the masked number.
    """
    now = now or utcnow()
    case = _case_for_officer(db, case_id, officer)
    try:
        digits = normalise_phone(number)
    except ValidationError:
        digits = ""
    if not is_mobile(digits):
        raise ValidationError(N_("Enter a mobile number (010…)."), field="number")
    case.notify_mobile_enc = encrypt(digits)
    case.notify_mobile_masked = mask_phone(digits)
    _event(db, case, officer, "mobile_set", now, masked=case.notify_mobile_masked)
    db.commit()
    return case


def cases_due_interim_notice(*, db: Session, now: datetime) -> list[Case]:
    """Open cases received more than 30 days before ``now`` that have had no interim notice yet
    (처리진행상황 통지), oldest first."""
    cutoff = now - timedelta(days=INTERIM_AFTER_DAYS)
    stmt = (
        select(Case)
        .where(Case.status.in_(RUNNING), Case.received_at <= cutoff, Case.interim_notified_at.is_(None))
        .order_by(Case.received_at, Case.id)
    )
    return list(db.scalars(stmt))


def enqueue_due_interim_notices(*, db: Session, now: datetime | None = None) -> int:
    """Queue the interim notice (``case_interim``, dedupe ``case:<id>:interim``) for every case of
    :func:`cases_due_interim_notice`; commits. Returns the number of notices queued.

    Each case gets ``interim_notified_at`` and an ``interim_notice`` history row (``queued`` False
    when there is no mobile number), so it is not picked again. Safe to run concurrently: the dedupe
    key makes a second enqueue return the first notice.
    """
    now = now or utcnow()
    queued = 0
    for case in cases_due_interim_notice(db=db, now=now):
        notice = notify_case(
            db=db, case=case, template_key="case_interim", dedupe_key=f"case:{case.id}:interim"
        )
        case.interim_notified_at = now
        db.add(
            CaseEvent(
                case_id=case.id,
                at=now,
                actor_id=None,
                action="interim_notice",
                detail={"queued": notice is not None},
            )
        )
        queued += notice is not None
    db.commit()
    return queued
